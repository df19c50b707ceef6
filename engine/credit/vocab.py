"""The enumerations of the administrative-penalty register (CASE_FORMAT §4) and the credit scan (§6),
without the store: the rules' fact catalogue reads them when a rulebook is built."""

CATEGORIES = ("minor", "general", "severe", "specified_severe")
REPAIR_RESULTS = ("granted", "refused")
MISSING = ("min_period", "fulfilment", "commitment", "training", "credit_report")
MATERIALS = ("fulfilment", "commitment", "training", "credit_report")
ACTIONS = ("chase_fulfilment", "notify_party", "process_application", "withdraw_publication", "take_down")
REGIME_DATES = ("decided_on", "repair_applied_on")

"""The enumerations of the normative-document register (CASE_FORMAT §3), without the store:
the rules' fact catalogue reads them when a rulebook is built, and `yifa check` must stay light."""

KINDS = ("regular", "provisional", "trial")
STATUSES = ("in_force", "amended", "repealed", "expired")
SETS = ("licence", "penalty", "compulsory_measure", "fee", "reduces_rights", "adds_obligations")

# the administrative-penalty register (CASE_FORMAT §4) and the credit scan (§6)
CATEGORIES = ("minor", "general", "severe", "specified_severe")
REPAIR_RESULTS = ("granted", "refused")
MISSING = ("min_period", "fulfilment", "commitment", "training", "credit_report")
MATERIALS = ("fulfilment", "commitment", "training", "credit_report")
ACTIONS = ("chase_fulfilment", "notify_party", "process_application", "withdraw_publication", "take_down")
REGIME_DATES = ("decided_on", "repair_applied_on")

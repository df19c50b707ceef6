"""The enumerations of the normative-document register (CASE_FORMAT §3), without the store:
the rules' fact catalogue reads them when a rulebook is built, and `yifa check` must stay light."""

KINDS = ("regular", "provisional", "trial")
STATUSES = ("in_force", "amended", "repealed", "expired")
SETS = ("licence", "penalty", "compulsory_measure", "fee", "reduces_rights", "adds_obligations")

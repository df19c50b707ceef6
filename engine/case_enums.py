"""The enumerated values of the decision case file (shared/contract/CASE_FORMAT.md §1)."""

from typing import Literal

Level = Literal["province", "city", "county", "township", "department"]  # Arts. 2, 42
Category = Literal[
    "public_policy", "development_plan", "resources", "public_construction", "other_major"
]  # Art. 3(1)
Exclusion = Literal["macro_control", "legislation", "emergency"]  # Art. 3(2)
Proposer = Literal[
    "leader", "department", "lower_government", "deputy_or_member", "public"
]  # Art. 10
ProposalElement = Literal[
    "problem", "reasons_and_basis", "preliminary_plan", "necessity_feasibility"
]  # Art. 10(2)
ParticipationForm = Literal[
    "open_consultation",
    "symposium",
    "hearing",
    "field_visit",
    "written_consultation",
    "questionnaire",
    "poll",
]
Channel = Literal[
    "gazette", "government_website", "new_media", "newspaper", "radio_tv", "notice_board"
]
RiskConclusion = Literal["controllable", "uncontrollable"]  # Art. 24
FairCompetitionConclusion = Literal["compliant", "non_compliant", "exception"]
PackageItem = Literal["draft", "legal_basis", "procedure_explanation", "other"]  # Art. 26(1)
LegalityConclusion = Literal["legal", "legal_with_changes", "illegal"]
ReviewScope = Literal["authority", "procedure", "content"]  # Art. 27 (1)–(3)
MeetingType = Literal["executive", "plenary", "office", "circulation", "other"]  # Art. 30
Material = Literal[  # Art. 29
    "draft",
    "public_comment_handling",
    "expert_opinion_handling",
    "risk_report",
    "legality_opinion",
    "fair_competition_review",
    "other",
]
Outcome = Literal["approve", "reject", "amend", "defer"]
EvaluationTrigger = Literal["ineffective", "many_opinions", "organ_deems_necessary"]  # Art. 36
AdjustmentKind = Literal["suspend", "change", "stop"]  # Art. 37
# §1 shows `procedures_rerun: []` without listing values; the procedures that Art. 37 may require
# to be run again are named by the case file's own section keys (hearing: its sub-section).
Procedure = Literal[
    "initiation",
    "public_participation",
    "hearing",
    "expert_review",
    "risk_assessment",
    "fair_competition_review",
    "legality_review",
    "collective_decision",
    "party_report",
    "publication",
]

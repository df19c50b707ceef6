"""The decision case file (shared/contract/CASE_FORMAT.md §1) as strict, immutable pydantic models.

The models accept exactly the public format and refuse anything else: unknown fields, a "3"
where a count is wanted, a 1 where a boolean is wanted, an impossible date. A field that is
absent or null is None ("not recorded yet"); lists are tuples so a Case cannot be changed.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from engine.core.errors import InputError, problems_from_errors
from engine.core.yamlio import LoadedYaml, load_document
from engine.decisions.date_order import impossible_orders
from engine.decisions.enums import (
    AdjustmentKind,
    ApprovalLevel,
    ArticleNo,
    CaseId,
    Category,
    Channel,
    Count,
    EnumList,
    EvaluationTrigger,
    Exclusion,
    FairCompetitionConclusion,
    IsoDate,
    Jurisdiction,
    LawLevel,
    LegalityConclusion,
    Level,
    List,
    Material,
    MeetingType,
    Outcome,
    PackageItem,
    ParticipationForm,
    Procedure,
    ProposalElement,
    Proposer,
    ReviewScope,
    RiskConclusion,
    Stage,
    Text,
    Title,
    not_before,
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DecisionBody(_Record):
    """决策机关 — the decision body."""

    name: Text | None = None
    level: Level | None = None


class SpecialProcedure(_Record):
    """A law that sets its own procedure for some stages (Art. 3(2); CASE_FORMAT §1, v2)."""

    law: Text
    level: LawLevel
    article: ArticleNo | None = None
    governs: EnumList[Stage] = Field(min_length=1)


def _catalogue_name(value: str) -> str:
    year, slash, unit = value.partition("/")
    if not (slash and len(year) == 4 and year.isdigit() and unit.strip() and "/" not in unit):
        raise PydanticCustomError("yifa_catalogue", "目录应写作“年度/单位”，如 2022/岳龙镇人民政府 / "
                                  "a catalogue is written year/unit, e.g. 2022/岳龙镇人民政府")
    return value


class LawRef(_Record):
    """A law and article, e.g. the law that makes a hearing mandatory (Art. 16(1), v2)."""

    law: Text
    article: ArticleNo | None = None


class CatalogueRef(_Record):
    """The decision catalogue item this case carries out (Decree 713 Art. 3(3)): `{catalogue: 2022/岳龙镇人民政府, item: "3"}`."""

    catalogue: Annotated[Text, AfterValidator(_catalogue_name)]
    item: Text


def _refuse_v1_special_procedure_law(value: str | None) -> None:
    """The v1 field is read only when null: with a value, show how to write `special_procedure`."""
    if value is not None:
        raise PydanticCustomError(
            "yifa_migrated",
            "special_procedure_law 已由 special_procedure 取代（格式第2版），请改写为 special_procedure:"
            " [{law: {law}, level: law, article: 条号, governs: [该法规定程序的环节，如 public_participation,"
            " hearing]}] / `special_procedure_law` is replaced by `special_procedure` (format v2); write"
            " special_procedure: [{law: {law}, level: law | administrative_regulation, article: N,"
            " governs: [the stages that law regulates, e.g. public_participation, hearing]}]",
            {"law": value},
        )
    return None


class Flags(_Record):
    """Facts about the matter that make procedures required; absent = not recorded."""

    technical: bool | None = None  # Art. 19
    stability_risk: bool | None = None  # Art. 22
    direct_interest: bool | None = None  # Art. 16
    significant_disagreement: bool | None = None  # Art. 16
    specific_group: bool | None = None  # Art. 14(3)
    market_related: bool | None = None  # Art. 29
    withheld: bool | None = None  # Arts. 14, 32
    exploratory_reform: bool | None = None  # Art. 25(2)
    wide_public_concern: bool | None = None  # Arts. 15(2), 32


class Initiation(_Record):
    """决策启动 (Arts. 10–13)."""

    proposed_on: IsoDate | None = None
    proposer: Proposer | None = None
    proposal_elements: EnumList[ProposalElement] | None = None
    started_on: IsoDate | None = None
    legal_basis: List[Text] | None = None
    units_consulted: List[Text] | None = None
    disputes_exist: bool | None = None
    disputes_reported: bool | None = None

    _started_after_proposal = field_validator("started_on")(not_before(
        "proposed_on", "决定启动不得早于提出建议", "the procedure cannot start before it was proposed"))


class Consultation(_Record):
    """The open public consultation (Art. 15)."""

    opened_on: IsoDate | None = None
    closes_on: IsoDate | None = None
    channels: EnumList[Channel] | None = None
    shortened_reason: Text | None = None
    reason_stated_in_notice: bool | None = None

    _closes_after_opening = field_validator("closes_on")(not_before(
        "opened_on", "征求意见截止日期不得早于开始日期", "the consultation cannot close before it opens"))


# A consultation is one object (format v1/v2) or a list of rounds, each judged by Art. 15. The tags
# pick the shape without showing in an error's path (parse_case drops them).
SINGLE, ROUNDS = "~object", "~rounds"


def _consultation_shape(value: Any) -> str:
    return ROUNDS if isinstance(value, (list, tuple)) else SINGLE


# the bound before the list conversion, so that the JSON Schema says minItems (not minLength)
ConsultationRounds = Annotated[tuple[Consultation, ...], Field(min_length=1),
                               BeforeValidator(lambda v: tuple(v) if isinstance(v, list) else v)]
ConsultationField = Annotated[
    Annotated[Consultation, Tag(SINGLE)] | Annotated[ConsultationRounds, Tag(ROUNDS)],
    Discriminator(_consultation_shape),
]


def consultation_rounds(participation: "PublicParticipation | None") -> tuple[Consultation, ...]:
    """The rounds of open consultation recorded: one for the single object, none when absent."""
    value = participation.consultation if participation is not None else None
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


class Hearing(_Record):
    """听证会 (Arts. 16–17)."""

    organiser: Text | None = None      # the unit that organised it, when not the sponsor (free text)
    notice_published_on: IsoDate | None = None
    selection_method_published_on: IsoDate | None = None
    participants_published_on: IsoDate | None = None
    materials_delivered_on: IsoDate | None = None
    held_on: IsoDate | None = None
    record_signed: bool | None = None


class PublicParticipation(_Record):
    """公众参与 (Arts. 14–18)."""

    forms: EnumList[ParticipationForm] | None = None
    consultation: ConsultationField | None = None
    comments_received: Count | None = None
    comment_handling_report: bool | None = None
    group_consulted: bool | None = None
    hearing: Hearing | None = None


class Expert(_Record):
    """One expert of an expert review; the name identifies the entry, so it is required."""

    name: Text
    institution: Text | None = None
    direct_interest: bool | None = None
    differing_view: bool | None = None
    opinion_signed: bool | None = None


class ExpertReview(_Record):
    """专家论证 (Arts. 19–21)."""

    held_on: IsoDate | None = None
    experts: List[Expert] | None = None
    opinion_handling_report: bool | None = None


class RiskAssessment(_Record):
    """风险评估 (Arts. 22–24)."""

    completed_on: IsoDate | None = None
    existing_assessment_ref: Text | None = None
    risk_points: bool | None = None
    mitigations: bool | None = None
    contingency_plan: bool | None = None
    departments_heard: bool | None = None
    conclusion: RiskConclusion | None = None
    reassessed_on: IsoDate | None = None

    # A re-assessment (Art. 24: after the draft is adjusted) repeats an assessment already done.
    _reassessed_after_assessment = field_validator("reassessed_on")(not_before(
        "completed_on", "重新评估不得早于风险评估完成日期", "the risk cannot be reassessed before it was first assessed"))


class FairCompetitionReview(_Record):
    """公平竞争审查 (only if flags.market_related)."""

    completed_on: IsoDate | None = None
    conclusion: FairCompetitionConclusion | None = None


class LegalityReview(_Record):
    """合法性审查 (Arts. 25–28)."""

    submitted_on: IsoDate | None = None
    reviewer: Text | None = None
    package: EnumList[PackageItem] | None = None
    opinion_on: IsoDate | None = None
    conclusion: LegalityConclusion | None = None
    draft_revised: bool | None = None
    scope: EnumList[ReviewScope] | None = None
    legal_adviser_opinion: bool | None = None
    replaced_by_consultation: bool | None = None
    legal_risk_statement: bool | None = None

    # The opinion is given on the draft submitted for review (Art. 26(1)): it cannot precede it.
    _opinion_after_submission = field_validator("opinion_on")(not_before(
        "submitted_on", "审查意见不得早于送审日期", "the review opinion cannot precede the submission of the draft"))


class CollectiveDecision(_Record):
    """集体讨论决定 (Arts. 29–31)."""

    meeting_type: MeetingType | None = None
    held_on: IsoDate | None = None
    materials: EnumList[Material] | None = None
    head_spoke_last: bool | None = None
    majority_view: Outcome | None = None
    decision: Outcome | None = None
    head_reasons_recorded: bool | None = None
    dissent_recorded: bool | None = None


class ApprovalBody(_Record):
    """The higher body that approves (批准) the decision, e.g. the district government."""

    name: Text | None = None
    level: ApprovalLevel | None = None


class Approval(_Record):
    """报批: the decision, once adopted by the decision body, approved by a higher body.

    The approval does not replace the decision body's own procedure (Arts. 30, 42): that body is
    still judged by the Decree.
    """

    body: ApprovalBody | None = None
    requested_on: IsoDate | None = None
    approved_on: IsoDate | None = None

    _approved_after_request = field_validator("approved_on")(not_before(
        "requested_on", "批准日期不得早于报请批准日期", "the approval cannot precede the request for it"))


class NormativeDocument(_Record):
    """The normative document the decision became: its register number (文号)."""

    number: Text


class PartyReport(_Record):
    """Report to the same-level Party committee (Art. 31)."""

    reported_on: IsoDate | None = None


class Publication(_Record):
    """决策公布 (Art. 32)."""

    published_on: IsoDate | None = None
    channels: EnumList[Channel] | None = None
    interpretation: bool | None = None


class Archive(_Record):
    """立卷归档 (Art. 33)."""

    archived_on: IsoDate | None = None
    complete: bool | None = None


class ExecutionReport(_Record):
    """One report on the execution; its date identifies it, so it is required."""

    reported_on: IsoDate
    problems: bool | None = None


class Execution(_Record):
    """决策执行 (Arts. 34–35)."""

    executing_unit: Text | None = None
    reports: List[ExecutionReport] | None = None


class PostEvaluation(_Record):
    """决策后评估 (Art. 36)."""

    triggers: EnumList[EvaluationTrigger] | None = None
    evaluator: Text | None = None
    evaluator_was_pre_decision_assessor: bool | None = None
    completed_on: IsoDate | None = None


class Adjustment(_Record):
    """决策调整 (Art. 37); its kind identifies it, so it is required."""

    kind: AdjustmentKind
    decided_on: IsoDate | None = None
    by_head_urgent: bool | None = None
    procedures_rerun: EnumList[Procedure] | None = None


class Case(_Record):
    """重大行政决策案卷 — the decision case file."""

    id: CaseId
    title: Title
    # §1 marks id and title "required" but not jurisdiction: a file without it is judged under
    # the national rulebook, CN (the CLI's --jurisdiction may still override it).
    jurisdiction: Jurisdiction = "CN"
    decision_body: DecisionBody | None = None
    sponsor_unit: Text | None = None
    category: Category | None = None
    exclusion: Exclusion | None = None
    special_procedure: List[SpecialProcedure] | None = None
    hearing_required_by: LawRef | None = None
    in_catalogue: CatalogueRef | None = None     # Art. 3(3): the catalogue item it carries out
    # v1 field: read when null, refused with the migration hint otherwise (CASE_FORMAT §1)
    special_procedure_law: Annotated[str | None, AfterValidator(_refuse_v1_special_procedure_law)] = None
    flags: Flags | None = None
    initiation: Initiation | None = None
    public_participation: PublicParticipation | None = None
    expert_review: ExpertReview | None = None
    risk_assessment: RiskAssessment | None = None
    fair_competition_review: FairCompetitionReview | None = None
    legality_review: LegalityReview | None = None
    collective_decision: CollectiveDecision | None = None
    approval: Approval | None = None
    party_report: PartyReport | None = None
    normative_document: NormativeDocument | None = None
    publication: Publication | None = None
    archive: Archive | None = None
    execution: Execution | None = None
    post_evaluation: PostEvaluation | None = None
    adjustments: List[Adjustment] | None = None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for arg in get_args(annotation) if (m := _model_in(arg)) is not None), None)


def _unknown_field(loc: tuple[Any, ...]) -> str | None:
    """Suggest the field that an unknown key was probably meant to be."""
    model: type[BaseModel] | None = Case
    for part in loc[:-1]:
        if isinstance(part, str) and model is not None:
            info = model.model_fields.get(part)
            model = _model_in(info.annotation) if info else None
    if model is None or not (
        close := difflib.get_close_matches(str(loc[-1]), list(model.model_fields), 1)
    ):
        return None
    return f'未知字段（是否应为 "{close[0]}"？）/ unknown field (did you mean "{close[0]}"?)'


def _without_shape_tags(error: Any) -> Any:
    """An error's path without the tags that pick the consultation's shape (one object or rounds)."""
    loc = tuple(error["loc"])
    if SINGLE in loc or ROUNDS in loc:
        return {**error, "loc": tuple(p for p in loc if p not in (SINGLE, ROUNDS))}
    return error


def parse_case(loaded: LoadedYaml, filename: str, as_of: date | None = None) -> Case:
    """Validate loaded data as a case file; raise one InputError listing every problem.

    With `as_of` (the day the caller checks or records on), a date more than a year after it is
    refused; without it (a stored case read back) dates are not bounded.
    """
    try:
        case = Case.model_validate(loaded.data, context={"as_of": as_of})
    except ValidationError as exc:
        errors = [_without_shape_tags(e) for e in exc.errors(include_url=False)]
    else:
        if not (errors := impossible_orders(case)):
            return case
    raise InputError(problems_from_errors(errors, filename, loaded.line_of, _unknown_field))


def load_case(path: Path | str, as_of: date | None = None) -> Case:
    """Read and validate a case file (.yaml, .yml or .json); `as_of` as for parse_case."""
    return parse_case(load_document(path), str(path), as_of)


def case_json_schema() -> dict[str, Any]:
    """Give the JSON Schema of the case file (dates are strings of format "date")."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **Case.model_json_schema()}


def case_to_document(case: Case) -> dict[str, Any]:
    """Give back the case file structure, with ISO dates.

    Fields absent from the input are left out; fields written as `null` are kept, because for
    `exclusion`, `reassessed_on`… the contract gives an explicit null a meaning ("none").
    """
    return case.model_dump(mode="json", exclude_unset=True)

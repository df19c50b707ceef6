"""Form specifications of the case file: each field's label (Chinese, English), its article, its kind.

The fields and their kinds are read from the pydantic models of engine/decisions/record.py, so a form never
drifts from the format: a field added to a model appears in its form (labelled with its name
until LABELS names it). Only the labels, articles and choice names are written here.

Field names are the field's path in the case document as engine.core.errors.format_path writes it
(`expert_review.experts[0].name`), so a validation problem lands next to its field.

Kinds: date · text · count · bool (tri-state: absent / true / false) · enum · enumlist ·
textlist (one item a line) · group (a nested record) · table (a list of records, N rows).
No Flask here: `parse_fields` takes any `getlist(name) -> list[str]`.
"""
from __future__ import annotations

import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from engine.decisions import record as models
from engine.decisions.enums import CHOICES_ZH, choice_label  # noqa: F401  (the forms' choice names)
from engine.decisions.sections import section_path

TABLE_ROWS = 3          # blank rows offered below the recorded ones of a table
NONE = "__none__"       # an enum set to an explicit null (e.g. exclusion: none of Art. 3(2))

# path (without row indices) → (Chinese, English, article)
LABELS: dict[str, tuple[str, str, str]] = {
    "id": ("案件编号", "Case id", ""),
    "title": ("决策事项名称", "Title", ""),
    "jurisdiction": ("管辖区（规则库）", "Jurisdiction (rulebook)", ""),
    "decision_body": ("决策机关", "Decision body", "第二条"),
    "decision_body.name": ("决策机关名称", "Decision body", "第二条"),
    "decision_body.level": ("决策机关层级", "Level of the body", "第二条、第四十二条"),
    "sponsor_unit": ("决策承办单位", "Sponsoring unit", "第十条"),
    "category": ("决策事项类别", "Category", "第三条第一款"),
    "exclusion": ("不适用本条例的事项", "Excluded matter", "第三条第二款"),
    "special_procedure": ("规定特别程序的法律、行政法规（只排除其调整的环节）", "Laws setting a special procedure (displace only the stages they govern)", "第三条第二款"),
    "special_procedure.law": ("法律、法规名称", "Law", "第三条第二款"),
    "special_procedure.level": ("效力层级", "Level", "第三条第二款"),
    "special_procedure.article": ("条", "Article", ""),
    "special_procedure.governs": ("其调整的环节", "Stages it governs", "第三条第二款"),
    "hearing_required_by": ("规定应当听证的法律、法规、规章", "Law requiring a hearing", "第十六条第一款"),
    "hearing_required_by.law": ("名称", "Law", "第十六条第一款"),
    "hearing_required_by.article": ("条", "Article", ""),
    "flags": ("决策事项的情形", "Facts about the matter", ""),
    "flags.technical": ("专业性、技术性较强", "Technical or specialised", "第十九条"),
    "flags.stability_risk": ("可能影响社会稳定、公共安全", "Stability or safety risk", "第二十二条"),
    "flags.direct_interest": ("涉及群众切身利益", "Direct interests of the public", "第十六条"),
    "flags.significant_disagreement": ("存在较大分歧", "Significant disagreement", "第十六条"),
    "flags.specific_group": ("涉及特定群体利益", "Interests of a specific group", "第十四条第三款"),
    "flags.market_related": ("涉及市场主体经济活动", "Concerns market activity", "第二十九条"),
    "flags.withheld": ("依法不予公开", "Withheld from the public by law", "第十四条、第三十二条"),
    "flags.exploratory_reform": ("探索性改革事项", "Exploratory reform", "第二十五条第二款"),
    "flags.wide_public_concern": ("社会广泛关注", "Wide public concern", "第十五条第二款、第三十二条"),
    # initiation
    "initiation.proposed_on": ("提出建议日期", "Proposed on", "第十条"),
    "initiation.proposer": ("建议提出者", "Proposer", "第十条"),
    "initiation.proposal_elements": ("建议载明的内容", "What the proposal states", "第十条第二款"),
    "initiation.started_on": ("决策启动日期", "Started on", "第十一条"),
    "initiation.legal_basis": ("法律依据（每行一项）", "Legal basis (one a line)", "第十二条"),
    "initiation.units_consulted": ("征求意见的单位（每行一项）", "Units consulted (one a line)", "第十二条"),
    "initiation.disputes_exist": ("有关方面存在争议", "Disputes between bodies", "第十三条"),
    "initiation.disputes_reported": ("争议已报请协调", "Disputes reported for coordination", "第十三条"),
    # public participation
    "public_participation.forms": ("公众参与方式", "Forms of participation", "第十四条"),
    "public_participation.consultation": ("公开征求意见（多轮的，每轮一行）", "Open consultation (one row per round)", "第十五条"),
    "public_participation.consultation.opened_on": ("征求意见开始日期", "Opened on", "第十五条"),
    "public_participation.consultation.closes_on": ("征求意见截止日期", "Closes on", "第十五条第二款"),
    "public_participation.consultation.channels": ("公布渠道", "Channels", "第十五条第一款"),
    "public_participation.consultation.shortened_reason": ("缩短期限的理由", "Reason for a shorter period", "第十五条第二款"),
    "public_participation.consultation.reason_stated_in_notice": ("公告中已说明理由", "Reason stated in the notice", "第十五条第二款"),
    "public_participation.comments_received": ("收到意见条数", "Comments received", "第十五条"),
    "public_participation.comment_handling_report": ("意见采纳情况说明", "Comment handling report", "第十五条第三款"),
    "public_participation.group_consulted": ("已专门听取特定群体意见", "Specific group consulted", "第十四条第三款"),
    "public_participation.hearing.organiser": ("听证组织单位（非承办单位时）", "Organised by (when not the sponsor)", "第十六条"),
    "public_participation.hearing.notice_published_on": ("听证公告日期", "Notice published on", "第十七条第一项"),
    "public_participation.hearing.selection_method_published_on": ("遴选办法公布日期", "Selection method published on", "第十七条第二项"),
    "public_participation.hearing.participants_published_on": ("参加人名单公布日期", "Participants published on", "第十七条第二项"),
    "public_participation.hearing.materials_delivered_on": ("听证材料送达日期", "Materials delivered on", "第十七条第三项"),
    "public_participation.hearing.held_on": ("听证会举行日期", "Held on", "第十六条"),
    "public_participation.hearing.record_signed": ("听证笔录经参加人确认", "Record signed", "第十七条第四项"),
    # expert review
    "expert_review.held_on": ("论证日期", "Held on", "第十九条"),
    "expert_review.experts": ("参加论证的专家", "Experts", "第二十条"),
    "expert_review.experts.name": ("姓名", "Name", "第二十条"),
    "expert_review.experts.institution": ("单位", "Institution", "第二十条"),
    "expert_review.experts.direct_interest": ("存在直接利害关系", "Direct interest", "第二十一条"),
    "expert_review.experts.differing_view": ("持不同意见", "Differing view", "第二十条"),
    "expert_review.experts.opinion_signed": ("意见已签署", "Opinion signed", "第十九条"),
    "expert_review.opinion_handling_report": ("专家意见采纳情况说明", "Opinion handling report", "第十九条"),
    # risk assessment
    "risk_assessment.completed_on": ("评估完成日期", "Completed on", "第二十二条"),
    "risk_assessment.existing_assessment_ref": ("已有评估的文号", "Existing assessment", "第二十二条第三款"),
    "risk_assessment.risk_points": ("已识别风险点", "Risk points identified", "第二十三条"),
    "risk_assessment.mitigations": ("已提出防范化解措施", "Mitigations", "第二十三条"),
    "risk_assessment.contingency_plan": ("已制定处置预案", "Contingency plan", "第二十三条"),
    "risk_assessment.departments_heard": ("已听取有关部门意见", "Departments heard", "第二十三条"),
    "risk_assessment.conclusion": ("评估结论", "Conclusion", "第二十四条"),
    "risk_assessment.reassessed_on": ("重新评估日期", "Reassessed on", "第二十四条"),
    # fair competition
    "fair_competition_review.completed_on": ("审查完成日期", "Completed on", "第二十九条"),
    "fair_competition_review.conclusion": ("审查结论", "Conclusion", "第二十九条"),
    # legality review
    "legality_review.submitted_on": ("送审日期", "Submitted on", "第二十五条"),
    "legality_review.reviewer": ("审查机构", "Reviewing body", "第二十五条"),
    "legality_review.package": ("送审材料", "Materials submitted", "第二十六条第一款"),
    "legality_review.opinion_on": ("出具审查意见日期", "Opinion given on", "第二十六条第二款"),
    "legality_review.conclusion": ("审查结论", "Conclusion", "第二十七条"),
    "legality_review.draft_revised": ("已根据审查意见修改草案", "Draft revised", "第二十八条"),
    "legality_review.scope": ("审查内容", "Scope of the review", "第二十七条"),
    "legality_review.legal_adviser_opinion": ("听取法律顾问、公职律师意见", "Legal adviser heard", "第二十七条"),
    "legality_review.replaced_by_consultation": ("以征求意见等方式代替审查", "Replaced by consultation", "第二十五条第一款"),
    "legality_review.legal_risk_statement": ("法律风险说明", "Legal risk statement", "第二十五条第二款"),
    # collective decision
    "collective_decision.meeting_type": ("会议类型", "Meeting", "第三十条"),
    "approval": ("上级批准（报批）", "Approval by a higher body", "第三十条、第三十二条"),
    "approval.body": ("批准机关", "Approving body", ""),
    "approval.body.name": ("批准机关名称", "Approving body", ""),
    "approval.body.level": ("批准机关层级", "Level of the approving body", ""),
    "approval.requested_on": ("报请批准日期", "Requested on", "第三十条"),
    "approval.approved_on": ("批准日期", "Approved on", "第三十二条"),
    "normative_document": ("形成的规范性文件", "Normative document it became", ""),
    "normative_document.number": ("文号", "Register number (文号)", ""),
    "collective_decision.held_on": ("会议日期", "Held on", "第三十条"),
    "collective_decision.materials": ("提交会议的材料", "Materials", "第二十九条"),
    "collective_decision.head_spoke_last": ("行政首长最后发表意见", "Head spoke last", "第三十条第二款"),
    "collective_decision.majority_view": ("多数意见", "Majority view", "第三十条第二款"),
    "collective_decision.decision": ("决定", "Decision", "第三十条第二款"),
    "collective_decision.head_reasons_recorded": ("首长与多数意见不一致的理由已记录", "Head's reasons recorded", "第三十条第二款"),
    "collective_decision.dissent_recorded": ("不同意见已如实记录", "Dissent recorded", "第三十条第三款"),
    "party_report.reported_on": ("请示报告日期", "Reported on", "第三十一条"),
    "publication.published_on": ("公布日期", "Published on", "第三十二条"),
    "publication.channels": ("公布渠道", "Channels", "第三十二条"),
    "publication.interpretation": ("已作政策解读", "Interpretation published", "第三十二条"),
    "archive.archived_on": ("归档日期", "Archived on", "第三十三条"),
    "archive.complete": ("档案材料完整", "File complete", "第三十三条"),
    "execution.executing_unit": ("决策执行单位", "Executing unit", "第三十四条"),
    "execution.reports": ("执行情况报告", "Execution reports", "第三十五条"),
    "execution.reports.reported_on": ("报告日期", "Reported on", "第三十五条"),
    "execution.reports.problems": ("发现问题", "Problems found", "第三十五条"),
    "post_evaluation.triggers": ("评估情形", "Triggers", "第三十六条"),
    "post_evaluation.evaluator": ("评估机构", "Evaluator", "第三十六条"),
    "post_evaluation.evaluator_was_pre_decision_assessor": ("评估机构曾参与决策前评估", "Evaluator assessed before", "第三十六条第二款"),
    "post_evaluation.completed_on": ("评估完成日期", "Completed on", "第三十六条"),
}

@dataclass(frozen=True)
class FieldSpec:
    name: str                       # the field's document path ("[i]" replaced by "[#]" in tables' columns)
    key: str                        # the field's own key
    kind: str
    label_zh: str
    label_en: str
    article: str = ""
    choices: tuple[str, ...] = ()
    children: tuple[FieldSpec, ...] = ()     # group / table columns
    required: bool = False
    nullable_none: bool = False                # an enum whose explicit null means "none"
    # a table whose one row is written as the object itself (the consultation: one object or rounds)
    one_or_rows: bool = False

    @property
    def label_key(self) -> str:
        return self.name.replace("[#]", "")

    def label(self, zh: bool = True) -> str:
        """The label with its article: 决策事项类别（第三条第一款）."""
        text = self.label_zh if zh else self.label_en
        if self.article:
            text += f"（{self.article}）" if zh else f" ({self.article})"
        return text


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional and Annotated: (the base type, optional?)."""
    optional = False
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        annotation = args[0]
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation, optional


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _kind(tp: Any) -> tuple[str, tuple[str, ...], Any]:
    """(kind, choices, nested model) of a base type."""
    if tp is bool:
        return "bool", (), None
    if tp is date:
        return "date", (), None
    if tp is int:
        return "count", (), None
    if tp is str:
        return "text", (), None
    if get_origin(tp) is Literal:
        return "enum", tuple(get_args(tp)), None
    if _is_model(tp):
        return "group", (), tp
    if get_origin(tp) is tuple:
        item, _ = _unwrap(get_args(tp)[0])
        if get_origin(item) is Literal:
            return "enumlist", tuple(get_args(item)), None
        if _is_model(item):
            return "table", (), item
        return "textlist", (), None
    return "text", (), None


def _label(path: str, key: str) -> tuple[str, str, str]:
    return LABELS.get(path, (key, key.replace("_", " "), ""))


def model_fields(model: type[BaseModel], prefix: str = "", skip: tuple[str, ...] = ()) -> tuple[FieldSpec, ...]:
    """The form fields of a model, named by their document path under `prefix`."""
    out = []
    for key, info in model.model_fields.items():
        if key in skip:
            continue
        name = f"{prefix}.{key}" if prefix else key
        tp, _ = _unwrap(info.annotation)
        one_or_rows = get_origin(tp) in (Union, types.UnionType)     # one object, or a list of them
        if one_or_rows:
            tp = next(a for a in (_unwrap(arg)[0] for arg in get_args(tp)) if get_origin(a) is tuple)
        kind, choices, nested = _kind(tp)
        zh, en, article = _label(name.replace("[#]", ""), key)
        children: tuple[FieldSpec, ...] = ()
        if kind == "group":
            children = model_fields(nested, name)
        elif kind == "table":
            children = model_fields(nested, name + "[#]")
        out.append(FieldSpec(name, key, kind, zh, en, article, choices, children, info.is_required(),
                             nullable_none=(name == "exclusion"), one_or_rows=one_or_rows))
    return tuple(out)


# the sections edited elsewhere (the hearing has its own stage page; adjustments their own action)
SKIP = {"public_participation": ("hearing",)}
HEADER_SKIP = ("initiation", "public_participation", "expert_review", "risk_assessment", "fair_competition_review",
               "legality_review", "collective_decision", "party_report", "publication", "archive", "execution",
               "post_evaluation", "adjustments",
               "special_procedure_law",       # v1 field: refused with a value, so never offered
               "approval", "normative_document")    # recorded with the publication (STAGE_EXTRA)
# Top-level sections recorded on a stage's page with the stage's own section: the approval by a
# higher body and the normative document the decision became come with its publication.
STAGE_EXTRA: dict[str, tuple[str, ...]] = {"publication": ("approval", "normative_document")}
EDITABLE_STAGES = ("initiation", "public_participation", "hearing", "expert_review", "risk_assessment",
                   "fair_competition_review", "legality_review", "collective_decision", "party_report",
                   "publication", "archiving", "execution", "post_evaluation")


def case_fields() -> tuple[FieldSpec, ...]:
    """The fields of a new proposal: the case's header (id, title, body, category, flags…)."""
    return model_fields(models.Case, skip=HEADER_SKIP)


def _model_at(path: tuple[str, ...]) -> type[BaseModel]:
    model: type[BaseModel] = models.Case
    for key in path:
        tp, _ = _unwrap(model.model_fields[key].annotation)
        _, _, nested = _kind(tp)
        model = nested
    return model


def stage_fields(stage: str) -> tuple[FieldSpec, ...]:
    """The fields of a stage's evidence form (raises UnknownStageError for an unknown stage)."""
    path = section_path(stage)
    if stage not in EDITABLE_STAGES:
        raise KeyError(stage)
    extra = STAGE_EXTRA.get(stage, ())
    others = tuple(k for k in models.Case.model_fields if k not in extra)
    return model_fields(_model_at(path), ".".join(path), SKIP.get(stage, ())) + model_fields(models.Case, skip=others)


def split_extra(stage: str, section: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stage form's parsed values → (the stage's section, its top-level sections: None = none)."""
    section = dict(section)
    return section, {key: section.pop(key, None) for key in STAGE_EXTRA.get(stage, ())}


def with_extra(stage: str, section: Any, document: dict[str, Any]) -> dict[str, Any] | None:
    """The stage's recorded section with its top-level sections beside it, for the form's values."""
    extra = {key: document[key] for key in STAGE_EXTRA.get(stage, ()) if key in document}
    if not extra:
        return section if isinstance(section, dict) else None
    return {**(section if isinstance(section, dict) else {}), **extra}


# ---------------------------------------------------------------- form values ↔ document
Getter = Callable[[str], list[str]]


def parse_fields(specs: tuple[FieldSpec, ...], getlist: Getter) -> dict[str, Any]:
    """Build a document part from submitted values; an empty value is left out (absent ≠ false)."""
    out: dict[str, Any] = {}
    for spec in specs:
        value = _parse_one(spec, spec.name, getlist)
        if value is not _ABSENT:
            out[spec.key] = value
    return out


_ABSENT = object()


def _first(getlist: Getter, name: str) -> str:
    values = getlist(name)
    return values[0].strip() if values else ""


_DIGITS = re.compile(r"[0-9]{1,18}")


def _ascii_int(raw: str) -> int | str:
    """A count typed in a form: ASCII digits only ("²" and "١" are digits to str.isdigit but not to
    int), at most 18 of them; anything else stays text for the model to refuse with its field."""
    return int(raw) if _DIGITS.fullmatch(raw) else raw


def _parse_one(spec: FieldSpec, name: str, getlist: Getter) -> Any:
    if spec.kind == "group":
        part = parse_fields(spec.children, getlist)
        return part if part else _ABSENT
    if spec.kind == "table":
        rows = []
        count = _ascii_int(_first(getlist, name + "#rows") or "0")
        count = count if isinstance(count, int) else 0
        for i in range(min(count, 200)):
            row = {}
            for col in spec.children:
                v = _parse_one(col, col.name.replace("[#]", f"[{i}]"), getlist)
                if v is not _ABSENT:
                    row[col.key] = v
            if row:
                rows.append(row)
        if spec.one_or_rows and len(rows) == 1:
            return rows[0]          # one round: the single object of the v2 format
        return rows if rows else _ABSENT
    if spec.kind == "enumlist":
        values = [v for v in getlist(name) if v]
        return values if values else _ABSENT         # nothing ticked: not recorded
    if spec.kind == "textlist":
        lines = [line.strip() for line in "\n".join(getlist(name)).splitlines() if line.strip()]
        return lines if lines else _ABSENT
    raw = _first(getlist, name)
    if raw == "":
        return _ABSENT
    if spec.kind == "bool":
        return {"true": True, "false": False}.get(raw, raw)
    if spec.kind == "count":
        return _ascii_int(raw)
    if spec.kind == "enum" and raw == NONE and spec.nullable_none:
        return None
    return raw


def form_values(specs: tuple[FieldSpec, ...], document: dict | None) -> dict[str, list[str]]:
    """The values a form shows for a recorded document part: field name → list of strings."""
    out: dict[str, list[str]] = {}
    document = document or {}
    for spec in specs:
        _values_of(spec, spec.name, document, out)
    return out


def _values_of(spec: FieldSpec, name: str, document: dict, out: dict) -> None:
    if spec.key not in document:
        return
    value = document[spec.key]
    if spec.kind == "group" and isinstance(value, dict):
        for child in spec.children:
            _values_of(child, child.name, value, out)
    elif spec.kind == "table" and spec.one_or_rows and isinstance(value, dict):
        _values_of(spec, name, {spec.key: [value]}, out)
    elif spec.kind == "table" and isinstance(value, list):
        out[name + "#rows"] = [str(len(value))]
        for i, row in enumerate(value):
            for col in spec.children:
                if isinstance(row, dict):
                    _values_of(col, col.name.replace("[#]", f"[{i}]"), row, out)
    elif spec.kind == "enumlist" and isinstance(value, list):
        out[name] = [str(v) for v in value]
    elif spec.kind == "textlist" and isinstance(value, list):
        out[name] = ["\n".join(str(v) for v in value)]
    elif spec.kind == "bool":
        out[name] = ["true" if value is True else "false" if value is False else str(value)]
    elif value is None and spec.nullable_none:
        out[name] = [NONE]
    elif value is not None:
        out[name] = [str(value)]


def row_paths(specs: tuple[FieldSpec, ...]) -> dict[str, str]:
    """For a table written as its object when it has one row: the object's path prefix → the first
    row's (`public_participation.consultation.` → `public_participation.consultation[0].`), so that
    a problem with the object lands next to its field in the form."""
    out: dict[str, str] = {}
    for spec in specs:
        if spec.kind == "table" and spec.one_or_rows:
            out[spec.name + "."] = spec.name + "[0]."
        elif spec.kind == "group":
            out.update(row_paths(spec.children))
    return out


def table_rows(spec: FieldSpec, values: dict[str, list[str]], blank: int = TABLE_ROWS) -> int:
    """How many rows a table shows: the recorded (or submitted) ones and `blank` more."""
    shown = values.get(spec.name + "#rows", ["0"])
    try:
        recorded = int(shown[0])
    except ValueError:
        recorded = 0
    return recorded + blank

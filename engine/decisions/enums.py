"""Value types of the decision case file (shared/contract/CASE_FORMAT.md §1).

The enumerations, and the constrained scalars (dates, ids, free text, counts, lists) whose
validators speak Chinese and English, so a refusal never shows pydantic's jargon alone.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from annotated_types import Ge, Le, MaxLen
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from engine.core.errors import describe

Level = Literal["province", "city", "county", "township", "department"]  # Arts. 2, 42
# The body that approves a decision: a higher government, or a people's congress standing committee.
ApprovalLevel = Literal["province", "city", "county", "congress_standing_committee"]
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
# Art. 30; party_government_joint (党政联席会议) and party_group (党组会议): whether they count for a
# township or a department is the jurisdiction's parameter analogy_meeting_types (Art. 42).
MeetingType = Literal["executive", "plenary", "office", "circulation", "party_government_joint", "party_group", "other"]
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
# Art. 3(2): only a law or an administrative regulation may set its own procedure (v2).
LawLevel = Literal["law", "administrative_regulation", "local_regulation", "rule"]
# The stages of rules/workflow.yaml that a special procedure may govern (v2): every procedure, and
# the stages after the publication.
Stage = Literal[Procedure, "archiving", "execution", "post_evaluation", "adjustment"]


# The Chinese name of every enumeration word: forms show it, and a Chinese message names a
# recorded word by it (engine/core/findings.py).
CHOICES_ZH: dict[str, str] = {
    "province": "省级", "city": "设区的市级", "county": "县级",
    "congress_standing_committee": "人大常委会", "township": "乡镇", "department": "部门",
    "public_policy": "公共政策措施", "development_plan": "发展规划", "resources": "资源开发利用",
    "public_construction": "重大公共建设项目", "other_major": "其他重大事项",
    "macro_control": "宏观调控", "legislation": "立法", "emergency": "突发事件应急处置",
    "leader": "决策机关领导人员", "lower_government": "下级人民政府",
    "deputy_or_member": "人大代表、政协委员", "public": "公民、法人或其他组织",
    "problem": "拟解决的问题", "reasons_and_basis": "理由和依据", "preliminary_plan": "初步方案",
    "necessity_feasibility": "必要性、可行性",
    "open_consultation": "公开征求意见", "symposium": "座谈会", "hearing": "听证会", "field_visit": "实地走访",
    "written_consultation": "书面征求意见", "questionnaire": "问卷调查", "poll": "民意调查",
    "gazette": "政府公报", "government_website": "政府网站", "new_media": "政务新媒体", "newspaper": "报刊",
    "radio_tv": "广播电视", "notice_board": "公示栏",
    "controllable": "风险可控", "uncontrollable": "风险不可控",
    "compliant": "符合", "non_compliant": "不符合", "exception": "适用例外规定",
    "draft": "决策草案", "legal_basis": "法律依据", "procedure_explanation": "履行程序情况说明", "other": "其他",
    "legal": "合法", "legal_with_changes": "修改后合法", "illegal": "不合法",
    "authority": "决策权限", "procedure": "决策程序", "content": "决策内容",
    "executive": "常务会议", "plenary": "全体会议", "office": "办公会议", "circulation": "传阅",
    "party_government_joint": "党政联席会议", "party_group": "党组会议",
    "public_comment_handling": "公众意见采纳情况", "expert_opinion_handling": "专家意见采纳情况",
    "risk_report": "风险评估报告", "legality_opinion": "合法性审查意见", "fair_competition_review": "公平竞争审查意见",
    "approve": "通过", "reject": "不通过", "amend": "修改后通过", "defer": "暂缓",
    "ineffective": "未达到预期效果", "many_opinions": "意见较多", "organ_deems_necessary": "决策机关认为有必要",
    "suspend": "暂停执行", "change": "变更", "stop": "停止执行",
    "law": "法律", "administrative_regulation": "行政法规", "local_regulation": "地方性法规（不能排除本条例）",
    "rule": "规章（不能排除本条例）",
    "initiation": "决策启动", "public_participation": "公众参与", "expert_review": "专家论证",
    "risk_assessment": "风险评估", "legality_review": "合法性审查", "collective_decision": "集体讨论决定",
    "party_report": "向党委请示报告", "publication": "决策公布", "archiving": "记录归档", "execution": "决策执行",
    "post_evaluation": "决策后评估", "adjustment": "决策调整",
}


def choice_label(value: str) -> tuple[str, str]:
    """A choice's name (Chinese, English)."""
    return CHOICES_ZH.get(value, value), value.replace("_", " ")


# ---------------------------------------------------------------- constrained scalars
T = TypeVar("T")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"(?!\.+$)[A-Za-z0-9._-]{1,64}")     # not "." or "..": an id names a folder of attachments
_JURISDICTION = re.compile(r"[A-Za-z0-9-]+(/[A-Za-z0-9_-]+)*")


def _got(value: Any) -> dict[str, str]:
    zh, en = describe(value)
    return {"got_zh": zh, "got_en": en}


def parse_iso_date(value: Any) -> date:
    """Accept a `date` or an ISO `YYYY-MM-DD` string naming a day that exists."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "yifa_date",
                "日期无效：没有这一天，实际为 {got_zh} / invalid date: no such day, got {got_en}",
                _got(value),
            ) from None
    raise PydanticCustomError(
        "yifa_date",
        "日期无效，应为 YYYY-MM-DD，实际为 {got_zh}"
        " / invalid date, expected YYYY-MM-DD, got {got_en}",
        _got(value),
    )


def _non_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("yifa_blank", "不能为空 / must not be empty")
    return value


def _matching(pattern: re.Pattern[str], zh: str, en: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise PydanticCustomError(
                "yifa_pattern", f"{zh}，实际为 {{got_zh}} / {en}, got {{got_en}}", _got(value)
            )
        return value

    return AfterValidator(check)


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _no_duplicates(values: tuple[Any, ...]) -> tuple[Any, ...]:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise PydanticCustomError(
                "yifa_duplicate",
                "列表中有重复值 {got_zh} / duplicate value {got_en} in the list",
                _got(value),
            )
    return values


def one_year_after(day: date) -> date:
    """The same day a year later (29 February gives 28 February; the calendar's last day caps it)."""
    if day.year >= date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def not_far_after_as_of(value: date, info: Any) -> date:
    """Refuse a date more than a year after the caller's as_of (validation context "as_of").

    A record holds what was done and what is scheduled (a consultation that closes next month);
    a date years ahead (evidence dated 2099) is a typing error, not a record. Without an as_of in
    the context (a stored case read back) nothing is checked.
    """
    as_of = (info.context or {}).get("as_of")
    if as_of is not None and value > (limit := one_year_after(as_of)):
        raise PydanticCustomError(
            "yifa_date_future",
            "日期晚于核查日 {as_of} 一年以上（最晚 {limit}），实际为 {got_zh}"
            " / date more than a year after as_of {as_of} (at most {limit}), got {got_en}",
            {"as_of": as_of.isoformat(), "limit": limit.isoformat(), **_got(value.isoformat())},
        )
    return value


IsoDate = Annotated[date, BeforeValidator(parse_iso_date), AfterValidator(not_far_after_as_of)]
MAX_TEXT, MAX_TITLE, MAX_COUNT = 20_000, 200, 10**9   # a note, a title, a count: beyond these the input is not a record
Text = Annotated[
    str, AfterValidator(_non_blank), MaxLen(MAX_TEXT),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TEXT}),
]
Title = Annotated[  # its own bound, not Text's: a long title is refused at 200, not at 20,000
    str, AfterValidator(_non_blank), MaxLen(MAX_TITLE),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TITLE}),
]
Count = Annotated[int, Ge(0), Le(MAX_COUNT)]
ArticleNo = Annotated[int, Ge(1), Le(MAX_COUNT)]


def not_before(earlier: str, zh: str, en: str):
    """A field validator: this date may not be before the field `earlier` of the same section."""
    def check(value: Any, info: Any) -> Any:
        first = info.data.get(earlier)
        if value is not None and first is not None and value < first:
            raise PydanticCustomError("yifa_date_order", "{zh}（{earlier}：{first}）/ {en} ({earlier}: {first})",
                                      {"zh": zh, "en": en, "earlier": earlier, "first": first.isoformat()})
        return value
    return check
CaseId = Annotated[
    str,
    _matching(
        _ID,
        "标识无效，应为 1–64 个字母、数字或 . _ -，且不能只由点组成",
        "invalid id, expected 1–64 letters, digits or . _ -, not dots only",
    ),
    WithJsonSchema({"type": "string", "pattern": f"^{_ID.pattern}$"}),
]
Jurisdiction = Annotated[
    str,
    _matching(
        _JURISDICTION,
        "管辖区无效，应如 CN 或 CN-12/ninghe/yuelong",
        "invalid jurisdiction, expected e.g. CN or CN-12/ninghe/yuelong",
    ),
    WithJsonSchema({"type": "string", "pattern": f"^{_JURISDICTION.pattern}$"}),
]
List = Annotated[tuple[T, ...], BeforeValidator(_as_tuple)]
EnumList = Annotated[
    tuple[T, ...],
    BeforeValidator(_as_tuple),
    AfterValidator(_no_duplicates),
    Field(json_schema_extra={"uniqueItems": True}),
]

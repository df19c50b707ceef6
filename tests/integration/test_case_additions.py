"""Case file additions (CASE_FORMAT §1, README "Case file additions"): consultation rounds judged one
by one (Art. 15), approval by a higher body, a hearing organised by another unit, the meeting types
of a township or department (Art. 42: a parameter of the jurisdiction) and the normative document
the decision became — with both evaluators."""
import copy
import shutil
from datetime import date
from pathlib import Path

import pytest

from engine.core.check import checker_for
from engine.core.errors import InputError
from engine.core.report import to_json
from engine.core.yamlio import LoadedYaml, load_document
from engine.decisions.record import parse_case
from engine.evaluate.durable import durable_available

ENGINES = ["native"] + (["durable"] if durable_available() is None else [])
ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "case_township_rounds.yaml"
AS_OF = date(2023, 8, 1)


def _doc() -> dict:
    return copy.deepcopy(load_document(FIXTURE).data)


def _report(doc: dict, engine: str = "native", as_of: date = AS_OF, root: Path | None = None) -> dict:
    case = parse_case(LoadedYaml(doc), "case.yaml")
    return to_json(checker_for(case.jurisdiction, root).check(case, as_of, engine))


def _finding(report: dict, rule: str) -> dict:
    return next(f for f in report["findings"] if f["rule"] == rule)


def _round(doc: dict, n: int) -> dict:
    return doc["public_participation"]["consultation"][n - 1]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_township_case_checks_without_a_false_blocker_and_names_its_rounds(engine):
    report = _report(_doc(), engine)
    assert report["summary"]["blocking"] is False
    assert not [f["rule"] for f in report["findings"] if f["verdict"] in ("violated", "missing")
                and f["severity"] in ("blocker", "error")]
    meeting = _finding(report, "MAD-COL-02")        # 党政联席会议 of a township: the parameter admits it
    assert meeting["verdict"] == "satisfied" and meeting["verified"] is False
    for rule in ("MAD-PP-03", "MAD-PP-04"):
        found = _finding(report, rule)
        assert found["verdict"] == "satisfied" and found["facts"]["rounds"] == 2 and found["facts"]["round"] in (1, 2)
    for rule in ("MAD-APPR-01", "MAD-APPR-02", "MAD-APPR-03", "MAD-ND-01"):
        assert _finding(report, rule)["verdict"] == "satisfied", rule
    # published 40 working days after the meeting but 6 after the district's approval: no breach
    assert _finding(report, "MAD-PUB-01")["verdict"] == "not_applicable"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_breach_in_the_second_round_is_reported_with_that_round(engine):
    doc = _doc()
    _round(doc, 2)["reason_stated_in_notice"] = False
    found = _finding(_report(doc, engine), "MAD-PP-04")
    assert found["verdict"] == "violated"
    assert found["facts"]["round"] == 2 and found["facts"]["comment_days"] == 15
    assert found["facts"]["public_participation.consultation.opened_on"] == "2023-04-03"
    assert found["message"].startswith("第2轮公开征求意见：") and "15日" in found["message"]
    english = to_json(checker_for(doc["jurisdiction"]).check(parse_case(LoadedYaml(doc), "c"), AS_OF, engine), "en")
    assert _finding(english, "MAD-PP-04")["message"].startswith("Round 2 of the open consultation: ")


def test_a_breach_in_the_first_round_is_not_hidden_by_a_good_second_round():
    doc = _doc()
    _round(doc, 1)["closes_on"] = "2023-02-21"          # 20 days, no reason
    _round(doc, 2).update(closes_on="2023-05-08", shortened_reason=None, reason_stated_in_notice=None)
    found = _finding(_report(doc), "MAD-PP-04")
    assert found["verdict"] == "violated" and found["facts"]["round"] == 1 and found["message"].startswith("第1轮")
    _round(doc, 1)["closes_on"] = "2023-03-03"
    assert _finding(_report(doc), "MAD-PP-04")["verdict"] == "satisfied"


def test_a_round_not_yet_opened_on_as_of_is_not_a_breach_and_the_first_is_judged():
    doc = _doc()
    _round(doc, 2)["reason_stated_in_notice"] = False
    found = _finding(_report(doc, as_of=date(2023, 3, 20)), "MAD-PP-04")
    assert found["verdict"] in ("pending", "satisfied") and found["verdict"] != "violated"


@pytest.mark.parametrize("engine", ENGINES)
def test_one_round_written_as_the_old_single_object_gives_the_v2_findings_without_a_round(engine):
    doc = _doc()
    doc["public_participation"]["consultation"] = _round(doc, 1)
    report = _report(doc, engine)
    found = _finding(report, "MAD-PP-04")
    assert found["verdict"] == "satisfied" and "round" not in found["facts"]
    as_list = _doc()
    as_list["public_participation"]["consultation"] = [_round(as_list, 1)]
    listed = _finding(_report(as_list, engine), "MAD-PP-04")
    assert listed["facts"].pop("round") == 1 and listed["facts"].pop("rounds") == 1
    assert listed == found


def test_both_evaluators_agree_on_the_township_case_and_its_variants():
    if len(ENGINES) < 2:
        pytest.skip("durable-rules unavailable")
    doc = _doc()
    variants = [doc, copy.deepcopy(doc)]
    _round(variants[1], 2)["reason_stated_in_notice"] = False
    variants[1]["approval"]["approved_on"] = "2023-07-20"      # after the publication
    for variant in variants:
        for as_of in (date(2023, 2, 15), date(2023, 4, 10), AS_OF):
            assert _report(variant, "durable", as_of) == _report(variant, "native", as_of)


def test_a_hearing_organised_by_another_unit_satisfies_the_hearing_rules_like_the_sponsors_own():
    doc = _doc()
    hearing_rules = ("MAD-HEAR-02", "MAD-HEAR-03", "MAD-HEAR-04", "MAD-HEAR-05")
    by_other = {r: _finding(_report(doc), r)["verdict"] for r in hearing_rules}
    del doc["public_participation"]["hearing"]["organiser"]
    by_sponsor = {r: _finding(_report(doc), r)["verdict"] for r in hearing_rules}
    assert by_other == by_sponsor and set(by_other.values()) == {"satisfied"}
    doc["public_participation"]["hearing"]["materials_delivered_on"] = "2023-02-26"   # 2 days before
    assert _finding(_report(doc), "MAD-HEAR-04")["verdict"] == "violated"


def test_publication_is_judged_from_the_approval_and_never_before_it():
    doc = _doc()
    doc["publication"]["published_on"] = "2023-06-20"          # after the meeting, before the approval
    found = _finding(_report(doc), "MAD-APPR-03")
    assert found["verdict"] == "violated" and "宁河区人民政府" in found["message"]
    doc["publication"]["published_on"] = "2023-09-20"          # 58 working days after the approval
    assert _finding(_report(doc, as_of=date(2023, 10, 1)), "MAD-APPR-03")["verdict"] == "violated"
    del doc["publication"]                                     # awaiting publication, in time
    running = _finding(_report(doc, as_of=date(2023, 7, 10)), "MAD-APPR-03")
    assert (running["verdict"], running.get("reason")) == ("pending", "running")
    del doc["approval"]                                        # no approval: Art. 32 from the meeting
    assert _finding(_report(doc, as_of=date(2023, 10, 1)), "MAD-PUB-01")["verdict"] == "violated"


def test_an_approval_before_the_collective_decision_is_reported():
    doc = _doc()
    doc["approval"].update(requested_on="2023-05-02", approved_on="2023-05-10")
    report = _report(doc)
    assert _finding(report, "MAD-APPR-01")["verdict"] == "violated"
    assert _finding(report, "MAD-APPR-02")["verdict"] == "violated"


def test_the_approval_does_not_replace_the_decision_bodys_own_procedure():
    doc = _doc()
    del doc["legality_review"]
    doc["collective_decision"]["meeting_type"] = "circulation"
    report = _report(doc)
    assert _finding(report, "MAD-COL-02")["verdict"] == "violated"
    assert _finding(report, "MAD-LEG-01")["verdict"] in ("violated", "missing")
    assert report["summary"]["blocking"] is True


def test_a_jurisdiction_that_says_no_to_the_joint_meeting_names_its_parameter(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "CN-12" / "ninghe" / "yuelong" / "meetings.yaml").write_text(
        "instrument: {id: test-meetings, title: 测试：乡镇集体讨论会议, domain: major_decision,"
        " in_force: {from: 2019-09-01}, verified: false}\n"
        "parameter_overrides:\n  analogy_meeting_types:\n"
        "    title: {zh: 乡镇集体讨论会议, en: township meetings}\n    type: set\n"
        "    citation: {article: 1}\n    verified: false\n    direction: set\n"
        "    values: [{from: 2019-09-01, value: [executive, plenary, office]}]\n", encoding="utf-8")
    found = _finding(_report(_doc(), root=rules), "MAD-COL-02")
    assert found["verdict"] == "violated" and found["severity"] == "blocker"
    assert "analogy_meeting_types" in found["message"] and "党政联席会议" in found["message"]
    assert "party_government_joint" not in found["message"]


def test_the_normative_document_is_shown_and_absent_means_not_applicable():
    doc = _doc()
    found = _finding(_report(doc), "MAD-ND-01")
    assert found["facts"]["normative_document.number"] == "岳政发〔2023〕5号"
    del doc["normative_document"]
    found = _finding(_report(doc), "MAD-ND-01")
    assert (found["verdict"], found.get("reason")) == ("not_applicable", "condition_not_met")


@pytest.mark.parametrize("change, path", [
    (lambda d: _round(d, 2).update(closes_on="2023-03-01"), "public_participation.consultation[1].closes_on"),
    (lambda d: _round(d, 1).update(opend_on="2023-02-01"), "public_participation.consultation[0].opend_on"),
    (lambda d: d["public_participation"].update(consultation=[]), "public_participation.consultation"),
    (lambda d: d["approval"].update(approved_on="2023-05-19"), "approval.approved_on"),
    (lambda d: d["approval"]["body"].update(level="township"), "approval.body.level"),
    (lambda d: d.update(normative_document={"numbr": "x"}), "normative_document.numbr"),
])
def test_a_bad_addition_is_refused_naming_the_file_and_field(change, path):
    doc = _doc()
    change(doc)
    with pytest.raises(InputError) as refused:
        parse_case(LoadedYaml(doc), "case.yaml")
    assert str(refused.value).startswith("case.yaml") and f" {path}: " in str(refused.value)
    assert "~" not in str(refused.value)


def test_the_json_schema_describes_the_additions():
    from engine.decisions.record import case_json_schema
    schema = case_json_schema()
    defs = schema["$defs"]
    shapes = defs["PublicParticipation"]["properties"]["consultation"]["anyOf"][0]["oneOf"]
    assert {"$ref": "#/$defs/Consultation"} in shapes
    assert {"items": {"$ref": "#/$defs/Consultation"}, "minItems": 1, "type": "array"} in shapes
    assert {"approval", "normative_document"} <= set(schema["properties"])
    assert "organiser" in defs["Hearing"]["properties"]
    assert defs["NormativeDocument"]["required"] == ["number"]

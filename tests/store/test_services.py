"""The use cases, on SQLite and PostgreSQL: a case moves through the stages; gates refuse; Art. 37."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.core.errors import (
    ConflictError,
    GateClosedError,
    InputError,
    PermissionDeniedError,
    StageOrderError,
)
from engine.decisions.record import load_case
from engine.decisions.use_cases import (
    adjust_decision,
    advance_stage,
    create_case,
    export_case,
    import_cases,
    recheck_case,
    record_evidence,
)
from engine.trail import verify_all

ROOT = Path(__file__).resolve().parents[2]
ROLES = {"zhang": ["official"], "li": ["legality_reviewer"], "wang": ["secretary"], "zhao": ["auditor"],
         "qian": ["official", "legality_reviewer"]}


@pytest.fixture
def people(add_users):
    add_users(ROLES)


def draft_case(**changes):
    """The township example cut back to its drafting stages (before the legality review)."""
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.record import case_to_document, parse_case
    doc = case_to_document(load_case(ROOT / "examples" / "ninghe-county-road-2025.yaml"))
    for key in ("legality_review", "collective_decision", "party_report", "publication", "archive", "execution"):
        doc.pop(key, None)
    doc.update(changes)
    return parse_case(LoadedYaml(doc), "draft")


@pytest.mark.slow
def test_a_case_goes_through_review_decision_report_and_publication(uow, people):
    with uow() as u:
        create_case(u, draft_case(), "zhang", as_of=date(2025, 4, 20))
        u.commit()
    with uow() as u:
        record_evidence(u, "NH-2025-003", "legality_review",
                        {"submitted_on": "2025-04-22", "reviewer": "宁河区司法局", "package": ["draft", "legal_basis", "procedure_explanation"],
                         "opinion_on": "2025-05-09", "conclusion": "legal", "scope": ["authority", "procedure", "content"],
                         "legal_adviser_opinion": True, "replaced_by_consultation": False}, "li", as_of=date(2025, 5, 9))
        u.commit()
    with uow() as u:
        record_evidence(u, "NH-2025-003", "collective_decision",
                        {"meeting_type": "executive", "materials": ["draft", "public_comment_handling", "expert_opinion_handling", "risk_report", "legality_opinion"],
                         "head_spoke_last": True, "majority_view": "approve", "decision": "approve", "dissent_recorded": True},
                        "wang", as_of=date(2025, 5, 14))
        u.commit()
    for stage, day, who in (("collective_decision", date(2025, 5, 15), "wang"), ("party_report", date(2025, 5, 20), "wang"),
                            ("publication", date(2025, 5, 30), "wang")):
        with uow() as u:
            outcome = advance_stage(u, "NH-2025-003", stage, who, day)
            u.commit()
        assert outcome.stage == stage
    with uow() as u:
        doc = export_case(u, "NH-2025-003")
        assert doc["collective_decision"]["held_on"] == "2025-05-15"
        assert doc["publication"]["published_on"] == "2025-05-30"
        assert all(s.ok for s in verify_all(u.session, "NH-2025-003"))


@pytest.mark.slow
def test_the_meeting_is_refused_before_the_legality_review_has_its_opinion(uow, people):
    with uow() as u:
        create_case(u, draft_case(legality_review={"submitted_on": "2025-04-22", "reviewer": "宁河区司法局"}), "zhang",
                    as_of=date(2025, 4, 23))
        u.commit()
    with uow() as u, pytest.raises(GateClosedError) as refused:
        advance_stage(u, "NH-2025-003", "collective_decision", "wang", date(2025, 4, 25))
    rules = {b["rule"] for b in refused.value.blockers}
    assert {"MAD-LEG-01", "MAD-LEG-02"} <= rules
    assert "第二十五条" in str(refused.value)
    with uow() as u:
        assert export_case(u, "NH-2025-003").get("collective_decision") is None
        from engine.trail import verify_all as v
        assert all(s.ok for s in v(u.session, "NH-2025-003"))


def test_publication_before_the_party_report_is_refused(uow, people):
    doc = load_case(ROOT / "examples" / "ninghe-county-road-2025.yaml")
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.record import case_to_document, parse_case
    d = case_to_document(doc)
    for key in ("party_report", "publication", "archive", "execution"):
        d.pop(key)
    with uow() as u:
        create_case(u, parse_case(LoadedYaml(d), "x"), "zhang", as_of=date(2025, 5, 16))
        u.commit()
    with uow() as u, pytest.raises((GateClosedError, StageOrderError)):
        advance_stage(u, "NH-2025-003", "publication", "wang", date(2025, 5, 18))


def test_only_the_right_role_records_a_stage_and_nobody_reviews_their_own_proposal(uow, people):
    with uow() as u:
        create_case(u, draft_case(), "qian", as_of=date(2025, 4, 20))
        u.commit()
    with uow() as u, pytest.raises(PermissionDeniedError):
        record_evidence(u, "NH-2025-003", "legality_review", {"submitted_on": "2025-04-22"}, "zhang")
    with uow() as u, pytest.raises(PermissionDeniedError, match="qian"):
        record_evidence(u, "NH-2025-003", "legality_review", {"submitted_on": "2025-04-22"}, "qian")
    with uow() as u, pytest.raises(PermissionDeniedError):
        create_case(u, draft_case(id="X-2"), "zhao")


def test_the_second_of_two_editors_gets_a_conflict_naming_the_change(uow, people):
    with uow() as u:
        created = create_case(u, draft_case(), "zhang", as_of=date(2025, 4, 20))
        u.commit()
    read_version = created.version
    with uow() as u:
        record_evidence(u, "NH-2025-003", "risk_assessment", {"completed_on": "2025-04-18", "conclusion": "controllable",
                        "risk_points": True, "mitigations": True, "contingency_plan": True, "departments_heard": True},
                        "zhang", expected_version=read_version)
        u.commit()
    with uow() as u, pytest.raises(ConflictError) as conflict:
        record_evidence(u, "NH-2025-003", "expert_review", {"held_on": "2025-04-10"}, "zhang", expected_version=read_version)
    assert "risk_assessment" in str(conflict.value) and "zhang" in str(conflict.value)
    with uow() as u:
        assert export_case(u, "NH-2025-003")["risk_assessment"]["completed_on"] == "2025-04-18"


def test_a_change_under_article_37_reopens_the_procedures_it_must_rerun(uow, people):
    with uow() as u:
        create_case(u, load_case(ROOT / "examples" / "ninghe-county-road-2025.yaml"), "zhang", as_of=date(2026, 1, 31))
        u.commit()
    with uow() as u:
        outcome = adjust_decision(u, "NH-2025-003", "change", "线路调整", "wang", date(2026, 3, 1))
        u.commit()
    reopened = outcome.extra["reopened"]
    assert {"legality_review", "collective_decision", "expert_review", "risk_assessment"} <= set(reopened)
    adj01 = next(f for f in outcome.report["findings"] if f["rule"] == "MAD-ADJ-01")
    assert adj01["verdict"] == "violated"
    with uow() as u, pytest.raises(PermissionDeniedError):
        adjust_decision(u, "NH-2025-003", "stop", "x", "zhang", date(2026, 3, 2))


def test_a_malformed_import_is_refused_whole(uow, people, tmp_path):
    good = ROOT / "examples" / "ninghe-county-road-2025.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: BAD\ntitle: x\ncollective_decision: {meeting_type: cabinet}\n", encoding="utf-8")
    with uow() as u, pytest.raises(InputError) as refused:
        import_cases(u, [good, bad], "zhang")
    assert "bad.yaml" in str(refused.value) and "collective_decision.meeting_type" in str(refused.value)
    with uow() as u:
        from engine.decisions.models import CaseRecord
        assert u.session.get(CaseRecord, "NH-2025-003") is None


def test_an_import_export_round_trip_gives_back_the_same_case_file(uow, people):
    from engine.decisions.record import case_to_document
    path = ROOT / "tests" / "fixtures" / "case_full.yaml"
    with uow() as u:
        import_cases(u, [path], "zhang")
        u.commit()
    with uow() as u:
        assert export_case(u, "YL-2021-007") == case_to_document(load_case(path))


@pytest.mark.slow
def test_a_replay_uses_the_rulebook_version_that_judged_the_case(uow, people, tmp_path, monkeypatch):
    import shutil
    with uow() as u:
        create_case(u, load_case(ROOT / "examples" / "yuelong-sewage-2024.yaml"), "zhang", as_of=date(2024, 12, 31))
        u.commit()
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = (rules / "CN" / "decree-713.yaml").read_text(encoding="utf-8")
    (rules / "CN" / "decree-713.yaml").write_text(text.replace("value: 30}", "value: 20}", 1), encoding="utf-8")
    monkeypatch.setenv("YIFA_RULES", str(rules))
    with uow() as u:
        replay = recheck_case(u, "YL-2024-011", date(2024, 12, 31))
    then = {f["rule"]: f["verdict"] for f in replay.then["findings"]}
    now = {f["rule"]: f["verdict"] for f in replay.now["findings"]}
    assert then["MAD-PP-04"] == "violated" and now["MAD-PP-04"] == "satisfied"
    assert {"rule": "MAD-PP-04", "then": ("violated", None), "now": ("satisfied", None)} in replay.differences
    assert replay.then["rulebook"]["version"] != replay.now["rulebook"]["version"]


def test_an_evidence_event_keeps_the_stage_whose_evidence_it_is(uow, people):
    """`stage` in a trail payload is the case's stage after the event; recording the legality review's
    evidence while the case is at another stage keeps that stage as `evidence_stage` (and the dossier
    names it), so the trail says what was recorded."""
    import json

    from engine.decisions.dossier import stage_of
    from engine.decisions.models import CaseRecord
    from engine.decisions.queries import trail_events
    with uow() as u:
        create_case(u, draft_case(), "zhang", as_of=date(2025, 4, 20))
        u.commit()
    with uow() as u:
        record_evidence(u, "NH-2025-003", "legality_review",
                        {"submitted_on": "2025-04-22", "reviewer": "宁河区司法局",
                         "package": ["draft", "legal_basis", "procedure_explanation"], "opinion_on": "2025-05-09",
                         "conclusion": "legal", "scope": ["authority", "procedure", "content"],
                         "legal_adviser_opinion": True, "replaced_by_consultation": False}, "li", as_of=date(2025, 5, 9))
        u.commit()
    with uow(read_only=True) as u:
        event = trail_events(u.session, "NH-2025-003")[-1]
        case_stage = u.session.get(CaseRecord, "NH-2025-003").stage
    payload = json.loads(event.payload)
    assert event.action == "evidence.recorded"
    assert payload["evidence_stage"] == "legality_review"
    assert payload["stage"] == case_stage          # the case's stage after the event, as in every payload
    assert stage_of(payload) == "legality_review"

"""`yifa case …`, `yifa user add`, `yifa db upgrade`, `yifa trail …` end to end on a temporary SQLite instance.

A county case cut back before its legality review is imported and pushed through the procedure by
the CLI, as its official, legality reviewer and secretary would: the gates and the stage order
refuse, the export gives back the stored case file, an Art. 37 change re-opens stages, the trail
verifies and is exported. No command ever shows a traceback.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from engine.core.yamlio import dump_yaml
from engine.decisions.record import case_to_document, load_case
from tests.yifa_cli import run_yifa

ROOT = Path(__file__).resolve().parents[2]
CASE = "NH-2025-003"
LATER_STAGES = ("legality_review", "collective_decision", "party_report", "publication", "archive", "execution")
LEGALITY_SUBMITTED = {"submitted_on": "2025-04-22", "reviewer": "宁河区司法局",
                      "package": ["draft", "legal_basis", "procedure_explanation"]}
LEGALITY_REVIEW = {**LEGALITY_SUBMITTED,
                   "opinion_on": "2025-05-09", "conclusion": "legal", "scope": ["authority", "procedure", "content"],
                   "legal_adviser_opinion": True, "replaced_by_consultation": False}
MEETING = {"meeting_type": "executive", "head_spoke_last": True, "majority_view": "approve", "decision": "approve",
           "materials": ["draft", "public_comment_handling", "expert_opinion_handling", "risk_report",
                         "legality_opinion"], "dissent_recorded": True}


class Instance:
    """A temporary yifa instance (SQLite in YIFA_INSTANCE, no DATABASE_URL) and a way to run `yifa` on it."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __call__(self, *argv: object) -> subprocess.CompletedProcess:
        done = run_yifa(self.folder / "instance", *argv, cwd=self.folder)
        assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
        return done

    def ok(self, *argv: object) -> str:
        done = self(*argv)
        assert done.returncode == 0, f"yifa {' '.join(map(str, argv))} → {done.returncode}\n{done.stdout}{done.stderr}"
        return done.stdout

    def file(self, name: str, data: object) -> Path:
        path = self.folder / name
        path.write_text(dump_yaml(data), encoding="utf-8")
        return path

    def stored(self, case_id: str) -> dict:
        return json.loads(self.ok("case", "export", case_id, "--format", "json"))


@pytest.fixture
def yifa(cli_instance, tmp_path) -> Instance:
    """An instance after `yifa db upgrade` and `yifa user add` of an official (zhang), a legality reviewer
    (li), a secretary (wang): the database tests/conftest.py made once, copied."""
    assert cli_instance == tmp_path / "instance"
    return Instance(tmp_path)


def draft(yifa: Instance, case_id: str = CASE) -> Path:
    """The county example cut back before its legality review, as a case file."""
    doc = case_to_document(load_case(ROOT / "examples" / "ninghe-county-road-2025.yaml"))
    for key in LATER_STAGES:
        doc.pop(key, None)
    return yifa.file(f"{case_id}.yaml", {**doc, "id": case_id})


@pytest.fixture
def imported(yifa) -> Instance:
    out = yifa.ok("case", "import", draft(yifa), "--as", "zhang")
    assert f"imported {CASE}" in out
    return yifa


@pytest.fixture
def decided(imported) -> Instance:
    """The case after its legality review and collective decision."""
    yifa = imported
    yifa.ok("case", "record", CASE, "legality_review", yifa.file("legality.yaml", LEGALITY_REVIEW), "--as", "li")
    yifa.ok("case", "record", CASE, "collective_decision", yifa.file("meeting.yaml", MEETING), "--as", "wang")
    yifa.ok("case", "advance", CASE, "collective_decision", "--as", "wang", "--on", "2025-05-15")
    return yifa


@pytest.mark.slow
def test_db_upgrade_and_user_add_set_up_an_instance_once(yifa):
    assert "(head)" in yifa.ok("db", "upgrade")                   # again: nothing to do, still at head
    again = yifa("user", "add", "zhang", "--role", "official")
    assert again.returncode == 2 and "user exists" in again.stderr
    bad_role = yifa("user", "add", "sun", "--role", "emperor")
    assert bad_role.returncode == 2 and "unknown role" in bad_role.stderr


def test_user_roles_replaces_the_roles_as_an_admin_and_refuses_with_a_sentence(yifa):
    yifa.ok("user", "add", "root", "--role", "admin")
    changed = yifa.ok("user", "roles", "zhang", "--role", "official", "--role", "auditor", "--as", "root")
    assert "roles set for zhang" in changed and "official → auditor, official" in changed
    import_as_auditor = yifa("case", "import", draft(yifa), "--as", "zhang")
    assert import_as_auditor.returncode == 0                       # still an official
    refusals = [
        (("user", "roles", "zhang", "--role", "auditor", "--as", "li"), "lacks the role"),
        (("user", "roles", "zhang", "--role", "emperor", "--as", "root"), "invalid roles: emperor"),
        (("user", "roles", "nobody", "--role", "auditor", "--as", "root"), "unknown user nobody"),
        (("user", "roles", "root", "--role", "auditor", "--as", "root"), "your own admin role"),
    ]
    for argv, sentence in refusals:
        done = yifa(*argv)
        assert done.returncode == 2 and sentence in done.stderr, (argv, done.stderr)
    assert "auditor, official" in yifa.ok("user", "roles", "zhang", "--role", "official", "--role", "auditor",
                                          "--as", "root")


@pytest.mark.slow
def test_the_meeting_is_refused_until_the_legality_review_has_its_opinion(imported):
    yifa = imported
    before = yifa.stored(CASE)
    # no legality review at all: the gate refuses, naming Art. 25 (exit 1: refused by the procedure)
    early = yifa("case", "advance", CASE, "collective_decision", "--as", "wang", "--on", "2025-05-15")
    assert early.returncode == 1 and "MAD-LEG-01" in early.stderr and "第二十五条" in early.stderr, early.stderr
    # submitted, no opinion yet, the meeting's materials ready: the gate refuses, with the articles
    yifa.ok("case", "record", CASE, "legality_review", yifa.file("submitted.yaml", LEGALITY_SUBMITTED), "--as", "li")
    yifa.ok("case", "record", CASE, "collective_decision", yifa.file("meeting.yaml", MEETING), "--as", "wang")
    refused = yifa("case", "advance", CASE, "collective_decision", "--as", "wang", "--on", "2025-05-15")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "MAD-LEG-01" in refused.stderr and "第二十五条" in refused.stderr, refused.stderr
    assert "collective_decision" in refused.stderr and refused.stdout == ""
    assert yifa.stored(CASE)["collective_decision"].get("held_on") is None
    # the opinion recorded (an amendment of the review), the meeting may be held
    recorded = yifa.ok("case", "record", CASE, "legality_review", yifa.file("legality.yaml", LEGALITY_REVIEW),
                       "--as", "li")
    assert "recorded legality_review" in recorded
    entered = yifa.ok("case", "advance", CASE, "collective_decision", "--as", "wang", "--on", "2025-05-15")
    assert "entered collective_decision" in entered
    after = yifa.stored(CASE)
    assert after["collective_decision"]["held_on"] == "2025-05-15"
    assert after["legality_review"] == LEGALITY_REVIEW and before.get("legality_review") is None
    yifa.ok("trail", "export", CASE, "--out", yifa.folder / "dossier")
    events = json.loads((yifa.folder / "dossier" / f"{CASE}.json").read_text(encoding="utf-8"))["events"]
    assert [e["action"] for e in events] == ["case.imported", "stage.advance_refused", "evidence.recorded",
                                             "evidence.recorded", "stage.advance_refused", "evidence.amended",
                                             "stage.advanced"]
    assert {b["rule"] for b in events[4]["payload"]["blockers"]} >= {"MAD-LEG-01"}


def test_recording_a_dated_meeting_behind_a_closed_gate_is_refused_and_the_stage_does_not_move(imported):
    yifa = imported
    yifa.ok("case", "record", CASE, "legality_review", yifa.file("submitted.yaml", LEGALITY_SUBMITTED), "--as", "li")
    before = yifa.stored(CASE)
    held = yifa.file("held.yaml", {**MEETING, "held_on": "2025-05-15"})
    refused = yifa("case", "record", CASE, "collective_decision", held, "--as", "wang")
    assert refused.returncode == 1 and refused.stdout == "", refused.stdout + refused.stderr
    assert "MAD-LEG-01" in refused.stderr and "第二十五条" in refused.stderr and "collective_decision" in refused.stderr
    assert yifa.stored(CASE) == before                      # nothing stored: the stage did not move
    yifa.ok("trail", "export", CASE, "--out", yifa.folder / "dossier")
    events = json.loads((yifa.folder / "dossier" / f"{CASE}.json").read_text(encoding="utf-8"))["events"]
    assert events[-1]["action"] == "stage.advance_refused"
    assert events[-1]["payload"]["stage_refused"] == "collective_decision"
    assert events[-1]["payload"]["evidence_for"] == "collective_decision"
    # nor can the Party report be recorded past the meeting that could not be held
    report = yifa.file("report.yaml", {"reported_on": "2025-05-16"})
    skipped = yifa("case", "record", CASE, "party_report", report, "--as", "wang")
    assert skipped.returncode == 1 and "collective_decision" in skipped.stderr, skipped.stderr
    assert yifa.stored(CASE) == before


@pytest.mark.slow
def test_publication_before_the_party_report_is_refused_then_follows_it(decided):
    yifa = decided
    early = yifa("case", "advance", CASE, "publication", "--as", "wang", "--on", "2025-05-18")
    assert early.returncode == 1 and "MAD-COL-07" in early.stderr and "第三十一条" in early.stderr, early.stderr
    assert "publication" not in yifa.stored(CASE)
    yifa.ok("case", "advance", CASE, "party_report", "--as", "wang", "--on", "2025-05-20")
    yifa.ok("case", "advance", CASE, "publication", "--as", "wang", "--on", "2025-05-30")
    stored = yifa.stored(CASE)
    assert stored["party_report"]["reported_on"] == "2025-05-20"
    assert stored["publication"]["published_on"] == "2025-05-30"


@pytest.mark.slow
def test_an_export_gives_back_the_stored_case_file_and_imports_again(decided):
    yifa = decided
    exported = yifa.ok("case", "export", CASE)
    path = yifa.folder / "exported.yaml"
    path.write_text(exported, encoding="utf-8")
    stored = yifa.stored(CASE)
    assert case_to_document(load_case(path)) == stored        # parses as a case file, the very one stored
    assert yaml.safe_load(exported) == stored                   # dates quoted: plain YAML reads the same
    copy = yaml.safe_load(exported)
    copy["id"] = "NH-COPY"
    yifa.ok("case", "import", yifa.file("copy.yaml", copy), "--as", "zhang")
    assert yifa.stored("NH-COPY") == {**stored, "id": "NH-COPY"}
    again = yifa("case", "import", path, "--as", "zhang")
    assert again.returncode == 2 and f"{path}: id:" in again.stderr and "already exists" in again.stderr


@pytest.mark.slow
def test_a_change_under_article_37_lists_the_reopened_stages(decided):
    yifa = decided
    yifa.ok("case", "advance", CASE, "party_report", "--as", "wang", "--on", "2025-05-20")
    yifa.ok("case", "advance", CASE, "publication", "--as", "wang", "--on", "2025-05-30")
    out = yifa.ok("case", "adjust", CASE, "change", "--reason", "线路走向调整", "--as", "wang", "--on", "2026-03-01")
    reopened = out.split("re-run:", 1)[1].split("：", 1)[0]
    for stage in ("public_participation", "expert_review", "risk_assessment", "legality_review", "collective_decision"):
        assert stage in reopened, out
    stored = yifa.stored(CASE)
    assert stored["adjustments"][-1]["kind"] == "change" and stored["adjustments"][-1]["decided_on"] == "2026-03-01"
    no_reason = yifa("case", "adjust", CASE, "stop", "--reason", " ", "--as", "wang")
    assert no_reason.returncode == 2 and "reason" in no_reason.stderr


@pytest.mark.slow
def test_the_trail_verifies_and_is_exported_as_json_and_html(decided):
    yifa = decided
    verified = yifa("trail", "verify", CASE)
    assert verified.returncode == 0 and f"{CASE}: 完整 / intact — 4 个事件" in verified.stdout, verified.stdout
    assert yifa("trail", "verify").returncode == 0
    out = yifa.folder / "dossier"
    yifa.ok("trail", "export", CASE, "--out", out)
    assert sorted(p.name for p in out.iterdir()) == [f"{CASE}.html", f"{CASE}.json"]
    dossier = json.loads((out / f"{CASE}.json").read_text(encoding="utf-8"))
    assert dossier["trail"]["status"] == "intact" and len(dossier["events"]) == 4
    assert dossier["document"] == yifa.stored(CASE)
    html = (out / f"{CASE}.html").read_text(encoding="utf-8")
    assert CASE in html and "导入案件" in html and "进入环节" in html


@pytest.mark.slow
def test_a_stale_version_is_refused_as_a_conflict_naming_the_change(decided):
    yifa = decided
    stale = yifa("case", "advance", CASE, "party_report", "--as", "wang", "--on", "2025-05-20", "--expect-version", 1)
    assert stale.returncode == 1 and "read at version 1" in stale.stderr and "stage.advanced" in stale.stderr
    assert "party_report" not in yifa.stored(CASE)


@pytest.mark.slow
def test_the_wrong_role_an_unknown_user_and_an_unknown_case_exit_2_with_a_sentence(decided):
    yifa = decided
    legality = yifa.folder / "legality.yaml"
    refusals = [
        (("case", "advance", CASE, "party_report", "--as", "zhang"), "lacks the role: secretary"),
        (("case", "record", CASE, "legality_review", legality, "--as", "wang"), "lacks the role: legality_reviewer"),
        (("case", "record", CASE, "legality_review", legality, "--as", "zhang"), "lacks the role"),
        (("case", "adjust", CASE, "stop", "--reason", "x", "--as", "li"), "lacks the role"),
        (("case", "import", draft(yifa, "NH-OTHER"), "--as", "wang"), "lacks the role"),
        (("case", "advance", CASE, "party_report", "--as", "nobody"), "unknown or inactive user 'nobody'"),
        (("case", "advance", "NO-SUCH", "party_report", "--as", "wang"), "unknown case NO-SUCH"),
        (("case", "record", "NO-SUCH", "legality_review", legality, "--as", "li"), "unknown case NO-SUCH"),
        (("case", "export", "NO-SUCH"), "unknown case NO-SUCH"),
        (("trail", "verify", "NO-SUCH"), "unknown case NO-SUCH"),
        (("trail", "export", "NO-SUCH", "--out", yifa.folder / "x"), "unknown case NO-SUCH"),
        (("case", "advance", CASE, "no_such_stage", "--as", "wang"), "unknown stage"),
        (("case", "record", CASE, "legality_review", yifa.folder / "missing.yaml", "--as", "li"),
         "cannot read the file"),
    ]
    before = yifa.stored(CASE)
    for argv, message in refusals:
        done = yifa(*argv)
        assert done.returncode == 2, (argv, done.returncode, done.stdout, done.stderr)
        assert message in done.stderr, (argv, done.stderr)
        assert done.stdout == "", (argv, done.stdout)
    assert yifa.stored(CASE) == before
    assert yifa("trail", "verify").returncode == 0


@pytest.mark.slow
def test_bad_evidence_is_refused_with_its_file_and_field(decided):
    yifa = decided
    bad = yifa.file("bad-review.yaml", {**LEGALITY_REVIEW, "conclusion": "maybe"})
    done = yifa("case", "record", CASE, "legality_review", bad, "--as", "li")
    assert done.returncode == 2
    assert str(bad) in done.stderr and "legality_review.conclusion" in done.stderr and "invalid value" in done.stderr


def test_evidence_or_a_file_dated_more_than_a_year_after_as_of_is_refused_naming_the_field(imported):
    yifa = imported
    late = yifa.file("late-review.yaml", {**LEGALITY_SUBMITTED, "submitted_on": "2099-04-22"})
    done = yifa("case", "record", CASE, "legality_review", late, "--as", "li", "--as-of", "2025-04-22")
    assert done.returncode == 2
    assert "legality_review.submitted_on" in done.stderr and "2026-04-22" in done.stderr
    assert "legality_review" not in yifa.stored(CASE)
    assert "recorded legality_review" in yifa.ok("case", "record", CASE, "legality_review",
                                                 yifa.file("review.yaml", LEGALITY_SUBMITTED), "--as", "li",
                                                 "--as-of", "2025-04-22")
    doc = yaml.safe_load(draft(yifa, "NH-LATE").read_text(encoding="utf-8"))
    future = yifa.file("NH-LATE.yaml", {**doc, "expert_review": {**doc.get("expert_review", {}), "held_on": "2099-01-01"}})
    refused = yifa("case", "import", future, "--as", "zhang", "--as-of", "2025-04-22")
    assert refused.returncode == 2 and "expert_review.held_on" in refused.stderr

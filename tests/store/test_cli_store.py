"""`yifa db upgrade`, `yifa trail verify`, `yifa trail export` as an auditor runs them."""
from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from engine.cli import main
from engine.decisions.models import Attachment, CaseRecord, FindingRecord
from engine.store.db import head_revision
from engine.store.models import RulebookVersion
from engine.trail import append_event, canonical

CASE = "YL-2021-007"
VERSION = "sha256:" + "ab" * 32
DIGEST = "cd" * 32
DOCUMENT = {"id": CASE, "decision_body": {"name": "岳龙镇人民政府"}}


def _sha(document: dict) -> str:
    """The digest a case's events record of its case file (the use cases' `document_sha256`)."""
    return hashlib.sha256(canonical(document).encode()).hexdigest()


def yifa(*argv: str) -> int:
    """The command as `yifa` runs it: its errors are said by engine/cli/errors.py."""
    return main(list(argv))


@pytest.fixture
def configured(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("YIFA_INSTANCE", str(tmp_path / "instance"))
    return db_url


@pytest.fixture
def recorded(configured, engine, uow):
    """A case with a hearing record (an evidence file), a check, and their trail."""
    with uow() as u:
        u.session.add(CaseRecord(id=CASE, title="岳龙镇农村生活污水治理工程", jurisdiction="CN-12/ninghe/yuelong",
                                 stage="hearing", document=DOCUMENT))
        u.session.add(RulebookVersion(version=VERSION, jurisdiction="CN-12/ninghe/yuelong", files={}))
        u.session.flush()
        u.session.add(Attachment(id="a1", case_id=CASE, stage="hearing", filename="听证笔录.pdf",
                                 media_type="application/pdf", size=1234, sha256=DIGEST,
                                 stored_path=f"attachments/{CASE}/a1.pdf", uploaded_by="张三"))
        report = {"summary": {"violated": 1, "satisfied": 30, "pending": 4, "not_applicable": 9, "blocking": True},
                  "findings": [{"rule": "MAD-PP-04", "verdict": "violated", "severity": "blocker"}]}
        u.session.add(FindingRecord(case_id=CASE, as_of=date(2024, 12, 31), rulebook_version=VERSION,
                                    jurisdiction="CN-12/ninghe/yuelong", report=report))
        append_event(u.session, CASE, "张三", "case.create", {"title": "岳龙镇农村生活污水治理工程",
                                                              "document_sha256": _sha(DOCUMENT)})
        append_event(u.session, CASE, "张三", "stage.record",
                     {"stage": "hearing", "evidence": [{"filename": "听证笔录.pdf", "sha256": DIGEST}]})
        append_event(u.session, CASE, "李四", "case.check",
                     {"rulebook": {"jurisdiction": "CN-12/ninghe/yuelong", "version": VERSION}, **report})
        u.commit()


def test_db_upgrade_migrates_the_configured_database_and_prints_the_head(configured, capsys):
    assert yifa("db", "upgrade") == 0
    assert yifa("db", "upgrade") == 0
    assert f"{head_revision()} (head)" in capsys.readouterr().out


def test_trail_verify_exits_0_when_every_chain_is_intact(recorded, capsys):
    assert yifa("trail", "verify") == 0
    assert "1 chains intact, 0 broken (3 events verified" in capsys.readouterr().out
    assert yifa("trail", "verify", CASE) == 0
    assert f"{CASE}: 完整 / intact — 3 个事件" in capsys.readouterr().out


@pytest.mark.slow
def test_trail_verify_exits_1_naming_the_first_bad_event(recorded, tamper, capsys):
    tamper("DELETE FROM trail_events WHERE case_id = :c AND seq = 2", c=CASE)
    assert yifa("trail", "verify") == 1
    out = capsys.readouterr().out
    assert f"{CASE}#2: missing — 缺失：第 2 号事件不存在（其后为第 3 号） / event #2 is absent" in out
    assert "0 chains intact, 1 broken" in out


@pytest.mark.slow
def test_trail_verify_of_an_unknown_case_exits_2(recorded, capsys):
    assert yifa("trail", "verify", "NO-SUCH-CASE") == 2
    assert "unknown case NO-SUCH-CASE" in capsys.readouterr().err


@pytest.mark.slow
def test_a_stored_case_without_a_chain_is_named_unchained(recorded, uow, capsys):
    # the use cases open a case's chain in the transaction that stores it: a case without one was
    # stored (or its chain removed) behind yifa's back
    with uow() as u:
        u.session.add(CaseRecord(id="NEW", title="t", jurisdiction="CN", document={}))
        u.commit()
    assert yifa("trail", "verify", "NEW") == 1
    out = capsys.readouterr().out
    assert "NEW: 尚无事件 / no events yet" in out
    assert "NEW: unchained — 存储的案卷没有审计链 / the stored case file has no trail chain" in out


def test_an_unreachable_database_exits_2_with_a_sentence(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    assert yifa("trail", "verify") == 2
    err = capsys.readouterr().err
    assert err.startswith("yifa: 数据库无法连接 / cannot reach the database:") and "Traceback" not in err
    assert "is the database reachable?" in err and len(err.strip().splitlines()) == 1


def test_a_database_without_schema_exits_2_asking_for_db_upgrade(configured, capsys):
    assert yifa("trail", "verify") == 2
    assert "run `yifa db upgrade`" in capsys.readouterr().err


@pytest.mark.slow
def test_trail_export_writes_the_dossier_as_json_and_printable_html(recorded, tmp_path, capsys):
    out = tmp_path / "archive"
    assert yifa("trail", "export", CASE, "--out", str(out)) == 0
    dossier = json.loads((out / f"{CASE}.json").read_text(encoding="utf-8"))
    assert dossier["trail"] == {"status": "intact", "verified": 3, "head": dossier["events"][-1]["hash"], "break": None}
    assert [e["action"] for e in dossier["events"]] == ["case.create", "stage.record", "case.check"]
    assert dossier["events"][1]["payload"]["evidence"][0]["sha256"] == DIGEST
    assert dossier["document"]["decision_body"]["name"] == "岳龙镇人民政府"
    assert dossier["evidence"][0]["filename"] == "听证笔录.pdf"
    assert dossier["findings"][0]["rulebook_version"] == VERSION
    html = (out / f"{CASE}.html").read_text(encoding="utf-8")
    for text in ("审计链完整", "Audit trail intact", "记录环节材料", "听证笔录.pdf", DIGEST[:16], VERSION[:19],
                 "违反 1 · 符合 30 · 待办 4", "阻断", "@media print", "MAD-PP-04"):
        assert text in html, text


def test_an_exported_dossier_of_a_tampered_trail_says_so_at_the_top(recorded, tamper, tmp_path):
    tamper("UPDATE trail_events SET actor = '王五' WHERE case_id = :c AND seq = 1", c=CASE)
    assert yifa("trail", "export", CASE, "--out", str(tmp_path)) == 0
    dossier = json.loads((tmp_path / f"{CASE}.json").read_text(encoding="utf-8"))
    assert dossier["trail"]["break"]["where"] == f"{CASE}#1" and dossier["trail"]["status"] == "broken"
    assert f"审计链已断裂</strong>：{CASE}#1 被篡改" in (tmp_path / f"{CASE}.html").read_text(encoding="utf-8")


def test_exporting_an_unknown_case_exits_2(recorded, tmp_path, capsys):
    assert yifa("trail", "export", "NOPE", "--out", str(tmp_path)) == 2
    assert not list(tmp_path.glob("NOPE.*"))

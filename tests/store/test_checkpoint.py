"""Signed checkpoints: wipes, rewinds, rewrites, forks and edited records that the chains alone let
pass are named by `yifa trail verify --checkpoint` — an attacker with the database password (the
append-only triggers dropped) but without the signing key."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cli import main
from engine.store.models import TrailEvent
from engine.trail import GENESIS, append_event, seal

ROOT = Path(__file__).resolve().parents[2]
CASE = "NH-ROAD-2025"
DOC = "doc:宁河政规〔2015〕4号"
PENALTY = "penalty:岳龙综执罚〔2017〕9号"


def yifa(*argv: str) -> int:
    """The command line in-process, errors answered as a user sees them (engine/cli/errors.py)."""
    return main(list(argv))


def _register_file(tmp_path: Path, source: str, lines: int) -> Path:
    text = (ROOT / "web" / source).read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / source
    path.write_text("\n".join(text[:lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(db_url, engine, uow, add_users, monkeypatch, tmp_path):
    """A case, two normative documents (one reviewed: two events) and two penalties, stored by the use cases;
    a signing key; the configured CLI."""
    from engine.core.yamlio import LoadedYaml
    from engine.credit.use_cases import import_penalties
    from engine.decisions.record import case_to_document, load_case, parse_case
    from engine.decisions.use_cases import create_case
    from engine.documents.reviews import mark_reviewed
    from engine.documents.use_cases import import_documents
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("YIFA_INSTANCE", str(tmp_path / "instance"))
    add_users({"zhang": ["official", "legality_reviewer", "admin"]})
    document = case_to_document(load_case(ROOT / "examples" / "ninghe-county-road-2025.yaml"))
    for key in ("legality_review", "collective_decision", "party_report", "publication", "archive", "execution"):
        document.pop(key, None)
    document["id"] = CASE
    with uow() as u:
        create_case(u, parse_case(LoadedYaml(document), "draft"), "zhang", as_of=date(2025, 4, 20))
        import_documents(u, _register_file(tmp_path, "demo_documents.csv", 3), "zhang")
        import_penalties(u, _register_file(tmp_path, "demo_penalties.csv", 3), "zhang")
        u.commit()
    with uow() as u:
        mark_reviewed(u, DOC.removeprefix("doc:"), "kept", "仍然适用", "zhang", date(2021, 1, 4))
        u.commit()
    key = tmp_path / "trail.key"
    assert yifa("trail", "keygen", "--out", str(key)) == 0
    monkeypatch.setenv("YIFA_TRAIL_KEY", str(key))
    return tmp_path


@pytest.fixture
def checkpoint(store, capsys) -> Path:
    path = store / "checkpoint.json"
    assert yifa("trail", "checkpoint", "--out", str(path)) == 0
    capsys.readouterr()
    return path


def verify(capsys, *argv: str) -> tuple[int, str]:
    status = yifa("trail", "verify", *argv)
    return status, capsys.readouterr().out


def events(uow, chain: str) -> list[TrailEvent]:
    with uow(read_only=True) as u:
        return list(u.session.scalars(select(TrailEvent).where(TrailEvent.case_id == chain).order_by(TrailEvent.seq)))


def test_an_intact_store_verifies_against_its_checkpoint(checkpoint, capsys):
    status, out = verify(capsys, "--checkpoint", str(checkpoint), "--key", str(checkpoint.parent / "trail.key.pub"))
    assert status == 0, out
    assert "records (against the checkpoint of" in out and "0 mismatches" in out
    data = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert data["format"] == "yifa-trail-checkpoint/1"
    assert set(data["chains"]) >= {CASE, DOC, PENALTY} and data["chains"][DOC]["seq"] == 2
    assert set(data["records"]) == {CASE, DOC, "doc:宁河政规〔2016〕7号", PENALTY, "penalty:岳龙综执罚〔2018〕5号"}
    assert (checkpoint.parent / "trail.key").stat().st_mode & 0o777 == 0o600


def test_the_private_key_file_also_verifies_and_a_missing_key_is_an_error(checkpoint, capsys, monkeypatch):
    assert verify(capsys, "--checkpoint", str(checkpoint))[0] == 0          # $YIFA_TRAIL_KEY's public half
    monkeypatch.delenv("YIFA_TRAIL_KEY")
    assert yifa("trail", "verify", "--checkpoint", str(checkpoint)) == 2
    assert "YIFA_TRAIL_KEY" in capsys.readouterr().err


def test_truncating_the_trail_names_every_chain_wiped(checkpoint, tamper, engine, capsys):
    if engine.dialect.name == "postgresql":
        tamper("TRUNCATE trail_events, trail_heads")
    else:
        tamper("DELETE FROM trail_events")
        tamper("DELETE FROM trail_heads")
    status, out = verify(capsys, "--checkpoint", str(checkpoint))
    assert status == 1
    for chain in (CASE, DOC, PENALTY, "rulebook"):
        assert f"{chain}: wiped — " in out
    assert f"{CASE}: unchained — 存储的案卷没有审计链" in out
    assert verify(capsys)[0] == 1          # the records left without chains, even without a checkpoint


def test_a_deleted_chain_and_head_are_named_wiped(checkpoint, tamper, capsys):
    tamper("DELETE FROM trail_events WHERE case_id = :c", c=PENALTY)
    tamper("DELETE FROM trail_heads WHERE case_id = :c", c=PENALTY)
    status, out = verify(capsys, "--checkpoint", str(checkpoint))
    assert status == 1
    assert f"{PENALTY}: wiped — 检查点记录此链至第 1 号事件，现已整条消失" in out
    assert f"{CASE}: " not in out


def test_a_rewound_head_is_named_rewound(checkpoint, tamper, uow, capsys):
    first = events(uow, DOC)[0]
    tamper("DELETE FROM trail_events WHERE case_id = :c AND seq = 2", c=DOC)
    tamper("UPDATE trail_heads SET seq = 1, hash = :h WHERE case_id = :c", h=first.hash, c=DOC)
    status, out = verify(capsys, "--checkpoint", str(checkpoint))
    assert status == 1
    assert f"{DOC}: rewound — 检查点记录至第 2 号事件，现只到第 1 号" in out


def _rewrite(uow, tamper, chain: str, seq: int, change) -> None:
    """Edit one event's payload and recompute its hash and every hash after it, and the head's."""
    prev = GENESIS
    for event in events(uow, chain):
        payload = json.loads(event.payload)
        if event.seq == seq:
            payload = change(payload)
        if event.seq >= seq:
            row = seal(chain, event.seq, event.at, event.actor, event.action, payload, prev)
            tamper("UPDATE trail_events SET payload = :p, payload_sha256 = :d, prev_hash = :v, hash = :h "
                   "WHERE case_id = :c AND seq = :s", p=row["payload"], d=row["payload_sha256"],
                   v=row["prev_hash"], h=row["hash"], c=chain, s=event.seq)
            prev = row["hash"]
        else:
            prev = event.hash
    tamper("UPDATE trail_heads SET hash = :h WHERE case_id = :c", h=prev, c=chain)


def test_hashes_recomputed_after_an_edit_are_named_rewritten(checkpoint, tamper, uow, capsys):
    _rewrite(uow, tamper, DOC, 1, lambda p: {**p, "source_row": 99})
    assert verify(capsys)[0] == 0            # the chain alone still verifies: this is what the checkpoint is for
    status, out = verify(capsys, "--checkpoint", str(checkpoint))
    assert status == 1
    assert f"{DOC}: rewritten — 第 2 号事件的哈希与检查点不符" in out


def test_a_chain_cut_back_and_grown_again_is_named_forked(checkpoint, tamper, uow, capsys):
    tamper("DELETE FROM trail_events WHERE case_id = :c", c=PENALTY)
    tamper("DELETE FROM trail_heads WHERE case_id = :c", c=PENALTY)
    with uow() as u:
        append_event(u.session, PENALTY, "zhang", "penalty.imported", {"sha256": "0" * 64})
        u.commit()
    status, out = verify(capsys, "--checkpoint", str(checkpoint))
    assert status == 1
    assert f"{PENALTY}: forked — " in out


def test_an_edited_case_file_is_named_with_and_without_a_checkpoint(checkpoint, tamper, uow, capsys):
    tamper("UPDATE cases SET document = :d WHERE id = :c",
           d=json.dumps({"id": CASE, "title": "伪造的标题"}, ensure_ascii=False), c=CASE)
    status, out = verify(capsys)
    assert status == 1
    assert f"{CASE}: edited — 存储的案卷与审计链最后记录的状态不符" in out
    status, out = verify(capsys, "--checkpoint", str(checkpoint))
    assert status == 1
    assert f"{CASE}: edited — 记录在检查点之后被改动，而其审计链没有新事件" in out


def test_an_edited_register_row_is_named_even_with_its_digest_recomputed(checkpoint, tamper, capsys):
    tamper("UPDATE penalty_records SET party = '某某公司' WHERE case_number = :n", n=PENALTY.removeprefix("penalty:"))
    status, out = verify(capsys)
    assert status == 1
    assert f"{PENALTY}: edited — 存储的行政处罚记录与其自身的 row_sha256 不符" in out
    assert f"{PENALTY}: edited — 存储的行政处罚记录与审计链最后记录的状态不符" in out
    tamper("DELETE FROM normative_documents WHERE number = :n", n=DOC.removeprefix("doc:"))
    status, out = verify(capsys, "--checkpoint", str(checkpoint))
    assert status == 1
    assert f"{DOC}: deleted — 检查点中的记录已不在数据库中" in out
    assert f"{DOC}: deleted — 审计链所记录的记录已不在数据库中" in out


def test_a_checkpoint_edited_after_signing_is_refused(checkpoint, tamper, capsys):
    data = json.loads(checkpoint.read_text(encoding="utf-8"))
    data["chains"][DOC]["seq"] = 1           # a forger who rewound the chain brings the checkpoint into line
    checkpoint.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert yifa("trail", "verify", "--checkpoint", str(checkpoint)) == 2
    assert "签名无效" in capsys.readouterr().err


def test_a_checkpoint_of_another_key_and_a_malformed_one_are_refused(checkpoint, store, capsys):
    other = store / "other.key"
    assert yifa("trail", "keygen", "--out", str(other)) == 0
    assert yifa("trail", "verify", "--checkpoint", str(checkpoint), "--key", str(other) + ".pub") == 2
    assert "another key" in capsys.readouterr().err
    checkpoint.write_text("{\"format\": 1}", encoding="utf-8")
    assert yifa("trail", "verify", "--checkpoint", str(checkpoint)) == 2
    assert "not a yifa trail checkpoint" in capsys.readouterr().err


def test_a_broken_store_is_not_signed_and_a_key_is_never_overwritten(store, tamper, capsys):
    tamper("UPDATE cases SET document = '{}' WHERE id = :c", c=CASE)
    assert yifa("trail", "checkpoint", "--out", str(store / "c.json")) == 1
    assert not (store / "c.json").exists()
    refused = capsys.readouterr()
    assert "no checkpoint written" in refused.err and f"{CASE}: edited — " in refused.err and refused.out == ""
    assert yifa("trail", "keygen", "--out", str(store / "trail.key")) == 2


def test_checkpoints_go_to_the_instance_folder_by_default(store, capsys):
    assert yifa("trail", "checkpoint") == 0
    written = list((store / "instance" / "checkpoints").glob("checkpoint-*.json"))
    assert len(written) == 1
    assert yifa("trail", "verify", "--checkpoint", str(written[0])) == 0


def test_a_case_whose_newest_event_is_an_upload_is_held_to_its_last_case_file(store, uow, tamper, capsys):
    with uow() as u:     # uploads record the file's digest, not the case file's
        append_event(u.session, CASE, "zhang", "attachment.uploaded", {"attachment": "a1", "sha256": "ab" * 32})
        u.commit()
    assert verify(capsys)[0] == 0
    tamper("UPDATE cases SET document = '{}' WHERE id = :c", c=CASE)
    status, out = verify(capsys, CASE)
    assert status == 1
    assert f"{CASE}: edited — " in out

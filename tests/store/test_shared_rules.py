"""Rule edits shared by every server: saved in the database, copied into each server's instance folder
(engine/rulebook/shared.py), and taken in from the instance folder by the migration that introduced them."""
from __future__ import annotations

from pathlib import Path

from engine.rulebook.loader import rules_dir, shipped_rules_dir
from engine.rulebook.shared import record_edit, record_revert, sync_overlay
from tests.yifa_cli import run_yifa

REL = "CN/decree-713.yaml"


def edited(text: str) -> str:
    return text.replace("重大行政决策程序暂行条例", "重大行政决策程序暂行条例（已编辑）", 1)


def test_an_edit_saved_through_one_server_reaches_the_others_copy_and_a_revert_removes_it(uow, tmp_path, monkeypatch):
    shipped = (shipped_rules_dir() / REL).read_text(encoding="utf-8")
    text = edited(shipped)
    assert text != shipped
    with uow() as u:
        record_edit(u.session, REL, text, "liu")
        u.commit()
    second = tmp_path / "server-b"
    monkeypatch.setenv("YIFA_INSTANCE", str(second))
    with uow(read_only=True) as u:
        assert sync_overlay(u.session) == [REL]
        assert sync_overlay(u.session) == []                       # in line: nothing to do
    assert (second / "rules" / REL).read_text(encoding="utf-8") == text
    assert (rules_dir() / REL).read_text(encoding="utf-8") == text   # the rulebook this server reads
    (second / "rules" / REL).write_text("tampered locally", encoding="utf-8")
    with uow(read_only=True) as u:
        assert sync_overlay(u.session) == [REL]                    # the database wins
    assert (second / "rules" / REL).read_text(encoding="utf-8") == text
    with uow() as u:
        record_revert(u.session, REL)
        u.commit()
    with uow(read_only=True) as u:
        assert sync_overlay(u.session) == [REL]
    assert not (second / "rules" / REL).exists()
    assert (rules_dir() / REL).read_text(encoding="utf-8") == shipped


def test_the_upgrade_takes_in_the_edits_of_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    text = edited((shipped_rules_dir() / REL).read_text(encoding="utf-8"))
    (instance / "rules" / "CN").mkdir(parents=True)
    (instance / "rules" / REL).write_text(text, encoding="utf-8")
    assert run_yifa(instance, "db", "upgrade").returncode == 0
    from sqlalchemy import create_engine
    from sqlalchemy import text as sql
    engine = create_engine(f"sqlite:///{instance / 'yifa.sqlite3'}")
    with engine.connect() as conn:
        rows = conn.execute(sql("SELECT rel_path, text, saved_by FROM edited_rule_files")).all()
    engine.dispose()
    assert rows == [(REL, text, "migration-0013")]
    assert Path(instance / "rules" / REL).read_text(encoding="utf-8") == text

"""The compiled rulebook kept on disk (engine/rulebook/cache.py): a new process takes it instead of
reading and compiling the rule files, gets the same findings, and never gets an old version."""
import os
import pickle
import shutil
from datetime import date
from pathlib import Path

import pytest

import engine.core.check as check
import engine.rulebook.loader as loader
from engine.core.report import to_json
from engine.decisions.record import load_case
from engine.evaluate.durable import durable_available
from engine.rulebook import cache

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "yuelong-sewage-2024.yaml"
DAY = date(2024, 12, 31)
ENGINES = ["native"] + (["durable"] if durable_available() is None else [])


@pytest.fixture
def rules(tmp_path, monkeypatch):
    """A copy of the rules, a cache folder of the test, and no checker in memory."""
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    monkeypatch.setenv(cache.VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setattr(check, "_CHECKERS", {})
    return folder


def _new_process(monkeypatch) -> None:
    """What a new process has: no checker in memory (the disk keeps its files)."""
    monkeypatch.setattr(check, "_CHECKERS", {})


def _report(rules: Path, engine: str) -> dict:
    return to_json(check.checker_for("CN-12/ninghe/yuelong", rules).check(load_case(CASE), DAY, engine))


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_a_new_process_takes_the_compiled_rulebook_from_disk_with_the_same_findings(rules, tmp_path, monkeypatch, engine):
    first = _report(rules, engine)
    assert {p.name.split("-")[0] for p in (tmp_path / "cache").iterdir()} >= {"checker"}
    _new_process(monkeypatch)

    def no_reading(*args, **kwargs):
        raise AssertionError("the rule files were read again")
    monkeypatch.setattr(check, "read_rulebook", no_reading)
    assert _report(rules, engine) == first


@pytest.mark.slow
def test_an_edited_rule_file_is_compiled_again_not_served_from_disk(rules, monkeypatch):
    before = _report(rules, "native")
    decree = rules / "CN" / "decree-713.yaml"
    decree.write_text(decree.read_text(encoding="utf-8").replace("value: 30}", "value: 31}", 1), encoding="utf-8")
    _new_process(monkeypatch)
    loader._digest_of.cache_clear()
    after = _report(rules, "native")
    assert after["rulebook"]["version"] != before["rulebook"]["version"]


def test_off_keeps_nothing_on_disk(rules, tmp_path, monkeypatch):
    monkeypatch.setenv(cache.VARIABLE, "off")
    cache.store(("checker", "x"), {"a": 1})
    assert cache.load(("checker", "x")) is None and not (tmp_path / "cache").exists()


def test_a_folder_others_may_write_to_is_not_read(rules, tmp_path):
    cache.store(("checker", "x"), {"a": 1})
    assert cache.load(("checker", "x")) == {"a": 1}
    os.chmod(tmp_path / "cache", 0o777)
    assert cache.load(("checker", "x")) is None


def test_a_damaged_file_is_compiled_again(rules, tmp_path):
    cache.store(("checker", "x"), {"a": 1})
    for f in (tmp_path / "cache").iterdir():
        f.write_bytes(pickle.dumps({"a": 1})[:5])
    assert cache.load(("checker", "x")) is None


def test_only_the_newest_files_are_kept(rules, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_FILES", 3)
    for i in range(5):
        cache.store(("checker", str(i)), i)
    assert len(list((tmp_path / "cache").iterdir())) == 3
    assert cache.load(("checker", "4")) == 4

"""Input that tried to leave the boundary: each is refused with exit 2 and a message naming the
file (or option) and the problem — never a traceback, never a hang, never a folder called "-"."""
from __future__ import annotations

import os

import pytest

from tests.yifa_cli import run_yifa

CASE = "jurisdiction: CN\ntitle: t\n"


def _refused(proc, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "内部错误" not in out, out
    for w in words:
        assert w in out, out


@pytest.mark.parametrize("case_id", [".", ".."])
def test_an_id_of_dots_only_is_refused(tmp_path, case_id):
    path = tmp_path / "c.yaml"
    path.write_text(f'id: "{case_id}"\n' + CASE, encoding="utf-8")
    _refused(run_yifa(tmp_path / "i", "check", path), "c.yaml", "id", "not dots only")


def test_an_integer_of_5000_digits_in_yaml_is_refused_naming_its_field(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("id: A\n" + CASE + "public_participation: {comments_received: " + "9" * 5000 + "}\n",
                    encoding="utf-8")
    _refused(run_yifa(tmp_path / "i", "check", path), "public_participation.comments_received", "5000")


def test_a_lone_surrogate_in_json_is_refused_naming_its_field(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"id": "A", "title": "t\\ud800", "jurisdiction": "CN"}', encoding="utf-8")
    _refused(run_yifa(tmp_path / "i", "check", path), "c.json", "title", "lone surrogate")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("argv", [("check", "{p}.yaml"), ("docs", "scan", "--file", "{p}.csv"),
                                  ("credit", "scan", "--file", "{p}.csv")])
def test_a_fifo_is_refused_at_once_instead_of_read_forever(tmp_path, argv):
    stem = tmp_path / "pipe"
    name = argv[-1].format(p=stem)
    os.mkfifo(name)
    _refused(run_yifa(tmp_path / "i", *argv[:-1], name), "not a regular file")


def test_trail_export_to_stdout_is_refused_and_makes_no_folder(tmp_path):
    instance = tmp_path / "i"
    assert run_yifa(instance, "db", "upgrade").returncode == 0
    proc = run_yifa(instance, "trail", "export", "X-1", "--out", "-", cwd=tmp_path)
    _refused(proc, "--out", "must be a folder")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("url, words", [("mysql://u@localhost/db", "unsupported database mysql"),
                                        ("nonsense", "not a valid database URL")])
def test_a_database_other_than_sqlite_or_postgresql_is_refused(tmp_path, url, words):
    import subprocess
    import sys

    from tests.yifa_cli import ROOT
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT), YIFA_INSTANCE=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "db", "upgrade"], env=env, capture_output=True,
                          text=True, timeout=120)
    _refused(proc, "DATABASE_URL", words)


def test_a_check_in_the_last_year_of_the_calendar_does_not_overflow(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("id: A\n" + CASE + "collective_decision: {held_on: 9999-12-30, decision: approve}\n"
                    "public_participation: {consultation: {opened_on: 9999-12-01, closes_on: 9999-12-31}}\n",
                    encoding="utf-8")
    proc = run_yifa(tmp_path / "i", "check", path, "--as-of", "9999-12-31")
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr and "内部错误" not in proc.stderr

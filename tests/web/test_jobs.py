"""The dossier PDF as a job: kept per trail head (a second request prints nothing), printed again once
the trail moves, queued on a real queue (a SQLite file, a worker thread) with a page that waits for it,
and a failure said as one, with a way to try again. Chromium is stood in for: what is tested is the
queue and the cache (tests/web/test_audit.py prints a real PDF with chromium)."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

import engine.decisions.pdf
import web.audit
from engine.decisions.use_cases import record_evidence
from tests.web.test_audit import BLOCKED, cases  # noqa: F401  (the fixture)
from tests.yifa_cli import run_yifa, with_worker

PDF = b"%PDF-1.7\n% a dossier\n%%EOF\n"


@pytest.fixture
def printer(monkeypatch):
    """A stand-in for chromium that counts what it prints (and can be made to fail)."""
    state = {"printed": 0, "fail": False}

    def print_pdf(html: str) -> bytes | None:
        assert "审计链" in html or "卷宗" in html
        state["printed"] += 1
        return None if state["fail"] else PDF
    monkeypatch.setattr(web.audit, "chromium_path", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(engine.decisions.pdf, "print_pdf", print_pdf)
    return state


def test_a_pdf_is_printed_once_per_trail_head_and_again_when_the_trail_moves(client, login_as, cases, printer, uow):  # noqa: F811
    login_as("auditor")
    first = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
    assert first.status_code == 200 and first.data == PDF and printer["printed"] == 1
    again = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
    assert again.status_code == 200 and again.data == PDF and printer["printed"] == 1     # kept
    from engine.accounts.use_cases import create_user
    with uow() as u:
        create_user(u.session, "li", "李", ["legality_reviewer"])
        u.commit()
    with uow() as u:
        record_evidence(u, BLOCKED, "legality_review", {"submitted_on": "2025-04-22", "opinion_on": "2025-04-30",
                                                        "conclusion": "legal"}, "li", as_of=date(2025, 5, 2))
        u.commit()
    moved = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
    assert moved.status_code == 200 and printer["printed"] == 2                             # a new head


def test_a_failed_print_is_said_and_can_be_tried_again(client, login_as, cases, printer):  # noqa: F811
    login_as("auditor")
    printer["fail"] = True
    failed = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
    assert failed.status_code == 503 and "失败" in failed.get_data(as_text=True)
    assert client.get(f"/audit/cases/{BLOCKED}/dossier.pdf").status_code == 503 and printer["printed"] == 1
    printer["fail"] = False
    retried = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf?retry=1")
    assert retried.status_code == 200 and retried.data == PDF and printer["printed"] == 2


FAKE_CHROMIUM = """#!/bin/sh
# a stand-in for chromium: writes a small PDF where --print-to-pdf= says
for arg in "$@"; do
  case "$arg" in --print-to-pdf=*) printf '%%PDF-1.7\\n%% printed by the worker\\n%%%%EOF\\n' > "${arg#--print-to-pdf=}";; esac
done
"""


def test_on_a_real_queue_the_request_waits_on_a_page_until_the_worker_has_printed_it(app, client, login_as, cases,  # noqa: F811
                                                                                   monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "chromium").write_text(FAKE_CHROMIUM)
    (bin_dir / "chromium").chmod(0o755)
    monkeypatch.setattr(web.audit, "chromium_path", lambda: str(bin_dir / "chromium"))
    app.config["JOBS_IMMEDIATE"] = False                  # the instance folder's SQLite queue
    login_as("auditor")
    waiting = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
    assert waiting.status_code == 202 and waiting.headers["Retry-After"] == "2"
    html = waiting.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html and "正在生成卷宗 PDF" in html
    assert client.get(f"/audit/cases/{BLOCKED}/dossier.pdf").status_code == 202      # queued once, not twice
    instance = Path(app.instance_path)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.delenv("YIFA_JOBS")
    status = run_yifa(instance, "jobs", "status", database_url=app.config["DATABASE_URL"])
    assert "等待 pending: 1" in status.stdout, status.stdout + status.stderr

    def printed() -> object:
        answer = client.get(f"/audit/cases/{BLOCKED}/dossier.pdf")
        return answer if answer.status_code != 202 else None
    answer = with_worker(instance, app.config["DATABASE_URL"], printed, 60, "print the PDF")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF-1.7") and b"printed by the worker" in answer.data


def test_the_hourly_checkpoint_job_signs_the_trail_when_a_key_is_set_and_says_so_when_not(app, uow, tmp_path,
                                                                                         monkeypatch):
    from engine.accounts.use_cases import create_user, set_roles
    from engine.core import checkpoint as cp
    from engine.jobs.queue import JobSettings, jobs_for
    from engine.jobs.tasks import write_trail_checkpoint
    with uow() as u:
        create_user(u.session, "ck", "检查点", ["admin"])
        set_roles(u.session, "ck", ["admin", "auditor"], "ck")          # an event in the users chain
        u.commit()
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("YIFA_INSTANCE", str(tmp_path))
    monkeypatch.delenv(cp.KEY_ENV, raising=False)
    assert write_trail_checkpoint().startswith("no signing key")
    assert not (tmp_path / "checkpoints").exists()
    key = tmp_path / "trail.key"
    public = cp.generate_key(key)
    monkeypatch.setenv(cp.KEY_ENV, str(key))
    said = write_trail_checkpoint()
    written = sorted((tmp_path / "checkpoints").glob("checkpoint-*.json"))
    assert said == f"written {written[0]}" and len(written) == 1
    taken = cp.read(written[0], cp.load_public_key(public))
    assert "@users" in taken["chains"]                     # the role change above is in a signed chain
    periodic = {t.__name__ for t in jobs_for(JobSettings.from_env(tmp_path)).huey._registry._periodic_tasks}
    assert {"yifa.trail_checkpoint", "yifa.daily_digest"} <= periodic

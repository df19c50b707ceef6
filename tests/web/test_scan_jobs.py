"""A register of more than SCAN_JOB_ROWS records is scanned by a job (engine/jobs/scans.py, web/scan_jobs.py):
the clean-up scan and the follow-up list answer 202 with the job's progress and reload themselves
until the worker has kept the scan, then show exactly what a scan in the request shows — for the
units of the one who asked. On a real queue (the instance folder's SQLite file) the pages wait for a
`yifa jobs worker` process."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.days import TODAY
from tests.yifa_cli import with_worker

AS_OF = TODAY.isoformat()
PAGES = {"documents": f"/documents/scan?as_of={AS_OF}", "follow-ups": f"/credit/follow-ups?as_of={AS_OF}"}


def _forget_kept_scans() -> None:
    """Each process keeps the scans it showed: forget them, so the next page reads the job's."""
    from web import credit_followups, document_scan
    credit_followups.clear()
    document_scan.clear()


def _summary(html: str) -> str:
    """The page without what differs between two scans of the same register: timings, kept-or-not."""
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"用时 [\d.]+ 秒（[^）]*）|用时 [\d.]+ 秒|\d\d:\d\d:\d\d UTC", "", text)
    text = re.sub(r'name="csrf_token" value="[^"]*"', "", text)
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("kind", ["documents", "follow-ups"])
def test_a_large_register_is_scanned_by_a_job_and_shows_what_a_scan_in_the_request_shows(app, client, sign_in, kind):
    sign_in("official")
    client.get("/")                                      # the welcome, said once
    in_request = client.get(PAGES[kind])
    assert in_request.status_code == 200
    _forget_kept_scans()
    app.config["SCAN_JOB_ROWS"] = 5                      # 31 records are "large" (jobs run at once in the tests)
    by_job = client.get(PAGES[kind])
    assert by_job.status_code == 200
    assert _summary(by_job.get_data(as_text=True)) == _summary(in_request.get_data(as_text=True))
    from engine.jobs.scans import DONE, STATE
    from web.jobs import job_queue
    with app.app_context():
        states = [v for k, v in _kept(job_queue().huey).items() if k.startswith(STATE)]
    assert [(s["kind"], s["state"], s["read"], s["units"]) for s in states] == [(kind, DONE, 31, ["yuelong"])]


def _kept(huey) -> dict:
    return {k: huey.serializer.deserialize(v) for k, v in huey.all_results().items()}


def test_each_units_scan_is_its_own_job(app, client, sign_in):
    """丰台镇 holds no document: its official's scan by job is empty, not 岳龙镇's kept one."""
    app.config["SCAN_JOB_ROWS"] = 0
    sign_in("official")
    assert re.search(r'class="n-needing">[1-9]', client.get(PAGES["documents"]).get_data(as_text=True))
    sign_in("fengtai")
    page = client.get(PAGES["documents"]).get_data(as_text=True)
    assert re.search(r'class="n-needing">0<', page) and "岳龙镇人民政府" not in page


def test_on_a_real_queue_the_pages_wait_until_the_worker_has_scanned(app, client, sign_in, monkeypatch):
    app.config.update(SCAN_JOB_ROWS=5, JOBS_IMMEDIATE=False)      # the instance folder's SQLite queue
    sign_in("official")
    waiting = {kind: client.get(path) for kind, path in PAGES.items()}
    for kind, answer in waiting.items():
        html = answer.get_data(as_text=True)
        assert answer.status_code == 202 and answer.headers["Retry-After"] == "2", kind
        assert '<meta http-equiv="refresh" content="2">' in html and "排队中" in html
        assert re.search(r'<progress max="31" value="0">', html) and "登记表共 31 条记录" in html
    assert "正在扫描规范性文件登记表" in waiting["documents"].get_data(as_text=True)
    assert "正在扫描行政处罚登记表" in waiting["follow-ups"].get_data(as_text=True)
    again = client.get(PAGES["documents"])                         # asked again: still the one job
    assert again.status_code == 202
    monkeypatch.delenv("YIFA_JOBS")

    def scanned() -> dict | None:
        answers = {kind: client.get(path) for kind, path in PAGES.items()}
        return answers if all(a.status_code == 200 for a in answers.values()) else None
    pages = with_worker(Path(app.instance_path), app.config["DATABASE_URL"], scanned, 120, "scan the registers")
    assert re.search(r'class="n-needing">[1-9]', pages["documents"].get_data(as_text=True))
    assert "岳龙镇" in pages["follow-ups"].get_data(as_text=True)


def test_a_failed_or_stopped_scan_job_is_said_and_asking_again_queues_it_anew(app, client, sign_in, monkeypatch):
    from engine.core import clock
    from engine.jobs.scans import FAILED, QUEUED, RUNNING, STATE, save_state, scan_state
    from web.jobs import job_queue
    monkeypatch.setenv(clock.VARIABLE, "2026-03-16")
    app.config.update(SCAN_JOB_ROWS=5, JOBS_IMMEDIATE=False)       # queued, never run: no worker here
    sign_in("official")
    assert client.get(PAGES["documents"]).status_code == 202
    with app.app_context():
        huey = job_queue().huey
    [key] = [k for k in _kept(huey) if k.startswith(STATE)]
    job = scan_state(huey, key.removeprefix(STATE))
    save_state(huey, {**job, "state": FAILED, "error": "OperationalError: the database went away"})
    failed = client.get(PAGES["documents"])
    html = failed.get_data(as_text=True)
    assert failed.status_code == 503 and "登记表扫描未完成" in html and "the database went away" in html
    assert 'http-equiv="refresh"' not in html
    assert scan_state(huey, job["id"])["state"] == FAILED        # said, not queued again by showing it
    assert client.get(PAGES["documents"]).status_code == 503
    save_state(huey, {**job, "state": RUNNING, "read": 20})
    stopped = scan_state(huey, job["id"])
    huey.put(STATE + job["id"], {**stopped, "saved_at": (clock.now() - timedelta(minutes=11)).isoformat()})
    html = client.get(PAGES["documents"]).get_data(as_text=True)
    assert "后台任务在读取 20 条记录后停止" in html and 'http-equiv="refresh"' not in html
    retry = re.search(r'href="([^"]*retry=1[^"]*)"', html).group(1).replace("&amp;", "&")
    assert client.get(retry).status_code == 202 and scan_state(huey, job["id"])["state"] == QUEUED


def test_kept_scans_are_forgotten_a_day_after_they_were_made(app, client, sign_in):
    from datetime import datetime

    from engine.jobs.scans import RESULT, STATE, tidy_scans
    from web.jobs import job_queue
    app.config["SCAN_JOB_ROWS"] = 5
    sign_in("official")
    assert client.get(PAGES["documents"]).status_code == 200
    with app.app_context():
        huey = job_queue().huey
    [state] = [v for k, v in _kept(huey).items() if k.startswith(STATE)]
    ended = datetime.fromisoformat(state["ended_at"])
    assert tidy_scans(huey, ended + timedelta(hours=23)) == 0
    assert tidy_scans(huey, ended + timedelta(hours=25)) == 1
    assert not [k for k in _kept(huey) if k.startswith((STATE, RESULT))]


@pytest.mark.parametrize("value", ["abc", "-5", "1e4"])
def test_a_threshold_that_is_not_a_whole_number_is_refused_by_name(monkeypatch, tmp_path, value):
    from engine.core.errors import InputError
    from web.config import settings
    monkeypatch.setenv("YIFA_SCAN_JOB_ROWS", value)
    with pytest.raises(InputError, match=f"<environment>: YIFA_SCAN_JOB_ROWS: .*{re.escape(repr(value))}"):
        settings({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})

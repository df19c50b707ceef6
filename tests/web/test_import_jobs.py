"""A register upload above YIFA_IMPORT_JOB_BYTES is imported by a job (engine/jobs/imports.py): the
importer is sent to the job's page, which reloads itself with the rows read while the job runs and
then shows the outcome exactly as an import in the request does (every refused row; the counts;
the skipped rows to download) — to the importer alone. On a real queue (the instance folder's
SQLite file) the page waits until a `yifa jobs worker` process has imported the file."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from engine.credit.use_cases import COLUMNS
from tests.credgen import records
from tests.web.test_credit import FIXTURE_COUNT, bad_register, count, upload
from tests.yifa_cli import with_worker


def _job_link(response) -> str:
    response.request.environ["wsgi.input"].close()   # the test client's spooled body (over 500 KB), not the app's
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    link = response.headers["Location"]
    assert re.fullmatch(r"/credit/import/jobs/[A-Za-z0-9_-]{16}", link), link
    return link


def test_a_large_register_with_bad_rows_is_refused_whole_on_the_jobs_page(app, client, login_as, post_form, uow):
    app.config["IMPORT_JOB_BYTES"] = 100                  # the fixture (about 3 KB) is "large"
    login_as("official")
    link = _job_link(upload(post_form, bad_register(), "三行错误.csv"))
    html = client.get(link).get_data(as_text=True)
    assert "未导入任何处罚记录" in html and "三行错误.csv" in html and 'http-equiv="refresh"' not in html
    cells = re.findall(r'<td class="row">(\d+)</td>\s*<td>([^<]*)<code class="en">(\w+)</code>', html)
    assert [(row, column) for row, _, column in cells] == [
        ("3", "credit_code"), ("6", "decided_on"), ("6", "category"), ("10", "repair_result")]
    assert count(uow) == 0
    assert not list(Path(app.instance_path).glob("imports/*/upload*"))   # the upload is not kept


def test_a_large_register_skipping_bad_rows_shows_counts_and_its_rejected_rows_to_the_importer_only(
        app, client, login_as, post_form, uow):
    app.config["IMPORT_JOB_BYTES"] = 100
    login_as("legality_reviewer")
    link = _job_link(upload(post_form, bad_register(), skip_invalid="yes"))
    html = client.get(link).get_data(as_text=True)
    assert re.search(rf'新增 <strong class="imported">{FIXTURE_COUNT - 3}</strong>', html)
    assert re.search(r'拒绝（行） <strong class="rejected">3</strong>', html)
    assert count(uow) == FIXTURE_COUNT - 3
    rejected = re.search(r'href="(/credit/import/jobs/[^"]+/rejected\.csv)"', html).group(1)
    download = client.get(rejected)
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    download.close()
    assert [r["case_number"] for r in rows] == ["宁河综执罚〔2021〕15号", "津宁环罚〔2021〕8号", "津宁市监罚〔2022〕35号"]
    login_as("official")                                   # may import too, but did not start this job
    assert client.get(link).status_code == 404 and client.get(rejected).status_code == 404
    assert client.get("/credit/import/jobs/AAAAAAAAAAAAAAAA").status_code == 404


def test_a_small_register_is_still_imported_in_the_request(app, login_as, post_form, uow):
    login_as("official")                                  # the default limit, 4 MiB, far above the fixture
    response = upload(post_form, bad_register(), skip_invalid="yes")
    assert response.status_code == 200 and count(uow) == FIXTURE_COUNT - 3


def _started_job(app, login_as, post_form, role: str) -> tuple[str, str, object]:
    """A job of `role`'s skip-invalid import of the bad register: (its page, its id, the queue)."""
    from web.jobs import job_queue
    login_as(role)
    link = _job_link(upload(post_form, bad_register(), skip_invalid="yes"))
    with app.app_context():
        huey = job_queue().huey
    return link, link.rsplit("/", 1)[1], huey


def _register(rows: int) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS[:16])
    writer.writerows(records(rows))
    return out.getvalue().encode("utf-8")


def test_on_a_real_queue_the_page_shows_progress_until_the_worker_has_imported_it(app, client, login_as, post_form,
                                                                                 uow, monkeypatch):
    app.config.update(IMPORT_JOB_BYTES=100, JOBS_IMMEDIATE=False)    # the instance folder's SQLite queue
    login_as("official")
    link = _job_link(upload(post_form, _register(12_000), "一万二千条.csv"))
    waiting = client.get(link).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in waiting and "正在导入「一万二千条.csv」" in waiting
    assert "排队中" in waiting and re.search(r'<progress max="12000" value="0">', waiting)
    assert count(uow) == 0
    monkeypatch.delenv("YIFA_JOBS")

    def imported() -> str | None:
        page = client.get(link).get_data(as_text=True)
        return page if 'http-equiv="refresh"' not in page else None
    page = with_worker(Path(app.instance_path), app.config["DATABASE_URL"], imported, 120, "import the file")
    assert re.search(r'新增 <strong class="imported">12000</strong>', page), page[:2000]
    assert count(uow) == 12_000


def test_an_ended_job_and_its_skipped_rows_are_forgotten_a_day_after_it_ended(app, client, login_as, post_form):
    from datetime import datetime, timedelta

    from engine.jobs.imports import job_state, tidy_jobs
    app.config["IMPORT_JOB_BYTES"] = 100
    link, job_id, huey = _started_job(app, login_as, post_form, "legality_reviewer")
    job = job_state(huey, job_id)
    rejected = Path(app.instance_path) / job["rejected_key"]
    assert job["state"] == "done" and rejected.is_file()
    ended = datetime.fromisoformat(job["ended_at"])
    assert tidy_jobs(huey, ended + timedelta(hours=23)) == 0                  # kept for a day
    assert client.get(link).status_code == 200 and rejected.is_file()
    assert tidy_jobs(huey, ended + timedelta(hours=25)) == 1
    assert job_state(huey, job_id) is None and not rejected.exists()
    assert client.get(link).status_code == 404


def test_the_worker_tidies_import_jobs_every_hour(app):
    from engine.jobs.queue import JobSettings, jobs_for
    periodic = {t.__name__ for t in jobs_for(JobSettings.from_env(Path(app.instance_path))).huey._registry._periodic_tasks}
    assert "yifa.tidy_import_jobs" in periodic


def test_a_job_whose_worker_stopped_mid_import_is_said_interrupted_and_later_forgotten(app, client, login_as,
                                                                                      post_form, uow, monkeypatch):
    """A worker killed mid-import leaves its job "running"; with no progress saved for ten minutes its
    page says it was interrupted (nothing stored: the database rolled the transaction back) and stops
    reloading, and the hourly tidy forgets it a day later."""
    from datetime import datetime, timedelta

    from engine.core import clock
    from engine.jobs.imports import RUNNING, job_state, save_state, tidy_jobs
    monkeypatch.setenv(clock.VARIABLE, "2026-03-16")                   # the instance's day, not the machine's
    app.config.update(IMPORT_JOB_BYTES=100, JOBS_IMMEDIATE=False)      # queued, never run: no worker here
    link, job_id, huey = _started_job(app, login_as, post_form, "official")
    job = job_state(huey, job_id)
    job.update(state=RUNNING, read=5000)
    save_state(huey, job)                                    # as a worker does after each batch
    assert 'http-equiv="refresh"' in client.get(link).get_data(as_text=True)     # still working
    stopped = job_state(huey, job_id)
    stopped["saved_at"] = (clock.now() - timedelta(minutes=11)).isoformat()
    huey.put("import-job:" + job_id, stopped)                # and then nothing for eleven minutes
    page = client.get(link).get_data(as_text=True)
    assert "导入任务已中断，未导入任何记录" in page and "5,000" in page and 'http-equiv="refresh"' not in page
    assert count(uow) == 0
    saved = datetime.fromisoformat(stopped["saved_at"])
    assert tidy_jobs(huey, saved + timedelta(hours=23)) == 0
    assert tidy_jobs(huey, saved + timedelta(hours=25)) == 1 and job_state(huey, job_id) is None

"""The downloads of a large register's scan are written by the job worker (engine/jobs/scans.py,
web/scan_jobs.py): /documents/scan.csv and .json, /credit/follow-ups.csv and /credit/scan.json of a
register of more than SCAN_JOB_ROWS records answer the waiting page (a browser) or a plain 202 (a
script) until the worker has put the file in the blob store, then send exactly the bytes and headers
a download in the request sends — for the units, language and filters of the one who asked."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.days import TODAY
from tests.web.test_scan_scope import FENGTAI, two_townships  # noqa: F401 (a fixture)
from tests.yifa_cli import with_worker

AS_OF = TODAY.isoformat()
DOWNLOADS = {"documents.csv": f"/documents/scan.csv?as_of={AS_OF}",
             "documents.json": f"/documents/scan.json?as_of={AS_OF}",
             "follow-ups.csv": f"/credit/follow-ups.csv?as_of={AS_OF}",
             "credit.json": f"/credit/scan.json?as_of={AS_OF}"}
HEADERS = ("Content-Type", "Content-Disposition", "Content-Length")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _kept(huey) -> dict:
    return {k: huey.serializer.deserialize(v) for k, v in huey.all_results().items()}


def _states(app) -> list[dict]:
    from engine.jobs.scans import STATE
    from web.jobs import job_queue
    with app.app_context():
        return [v for k, v in _kept(job_queue().huey).items() if k.startswith(STATE)]


def _sent(answer) -> tuple[bytes, dict[str, str]]:
    """A download's bytes and headers; the response closed, as a server closes it (its file with it)."""
    with answer:
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return answer.get_data(), {h: answer.headers[h] for h in HEADERS}


def _bytes(answer) -> bytes:
    return _sent(answer)[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", list(DOWNLOADS))
def test_a_large_registers_download_is_written_by_a_job_with_the_bytes_of_one_in_the_request(app, client, sign_in,
                                                                                             name, lang):
    from engine.store.blobs import blob_store
    sign_in("official")
    url = f"{DOWNLOADS[name]}&lang={lang}"
    in_request, headers = _sent(client.get(url))
    assert in_request.count(b"\n") > 3 and ("岳龙镇".encode() in in_request)     # something was judged
    assert _states(app) == []
    app.config["SCAN_JOB_ROWS"] = 5                      # 31 records are "large" (jobs run at once in the tests)
    by_job, job_headers = _sent(client.get(url))
    assert by_job == in_request and job_headers == headers
    [state] = _states(app)
    fmt = name.rsplit(".", 1)[1]
    assert (state["state"], state["read"], state["units"], state["download"]["format"], state["download"]["lang"]) == \
        ("done", 31, ["yuelong"], fmt, lang)
    assert blob_store().get(state["file_key"]) == by_job and state["size"] == len(by_job)
    assert _sent(client.get(url))[0] == by_job and len(_states(app)) == 1      # asked again: the kept file


def test_a_browser_waits_on_a_page_that_reloads_the_download_and_a_script_gets_a_plain_202(app, client, sign_in):
    app.config.update(SCAN_JOB_ROWS=5, JOBS_IMMEDIATE=False)      # queued, never run: no worker here
    sign_in("official")
    page = client.get(DOWNLOADS["follow-ups.csv"], headers=BROWSER)
    html = page.get_data(as_text=True)
    assert page.status_code == 202 and page.headers["Retry-After"] == "2" and page.mimetype == "text/html"
    assert '<meta http-equiv="refresh" content="2">' in html            # the same URL: then the file
    assert "正在生成下载文件 follow-ups.csv" in html and "文件写好后即开始下载" in html
    assert re.search(r'<progress max="31" value="0">', html) and "排队中" in html
    for accept in ({}, {"Accept": "*/*"}, {"Accept": "text/csv"}, {"Accept": "application/json, text/html;q=0.5"}):
        plain = client.get(DOWNLOADS["follow-ups.csv"], headers=accept)
        assert plain.status_code == 202 and plain.mimetype == "text/plain", accept
        assert plain.headers["Retry-After"] == "2" and "登记表正在扫描" in plain.get_data(as_text=True)
    assert [s["state"] for s in _states(app)] == ["queued"]            # asked four times: one job


def test_each_filter_and_format_is_its_own_job(app, client, sign_in):
    sign_in("official")
    url = DOWNLOADS["follow-ups.csv"]
    rows = list(csv.DictReader(io.StringIO(_bytes(client.get(url)).decode())))
    action, authority = rows[-1]["action"], rows[0]["authority"]
    filtered = {f"{url}&action={action}": lambda r: r["action"] == action,
                f"{url}&authority={authority}": lambda r: r["authority"] == authority}
    in_request = {u: _bytes(client.get(u)) for u in [url, *filtered]}
    for u, keeps in filtered.items():
        kept = list(csv.DictReader(io.StringIO(in_request[u].decode())))
        assert kept == [r for r in rows if keeps(r)] and 0 < len(kept), u
    assert len(set(in_request.values())) == 3                           # each filter keeps other rows
    app.config["SCAN_JOB_ROWS"] = 5
    for u, expected in in_request.items():
        assert _bytes(client.get(u)) == expected, u
    json_url = f"{DOWNLOADS['credit.json']}&authority={authority}"
    _bytes(client.get(json_url))
    states = _states(app)
    assert len({s["id"] for s in states}) == len({s["file_key"] for s in states}) == 4
    assert sorted((s["download"]["format"], s["download"]["authority"], s["download"]["action"]) for s in states) == \
        sorted([("csv", "", ""), ("csv", "", action), ("csv", authority, ""), ("json", authority, "")])


def test_one_units_download_by_job_is_never_another_units(app, client, sign_in, two_townships):  # noqa: F811
    app.config["SCAN_JOB_ROWS"] = 5                      # each township's 31 documents: by job
    sign_in("official")
    own = _bytes(client.get(DOWNLOADS["documents.csv"])).decode()
    assert "岳龙镇人民政府" in own and FENGTAI not in own
    sign_in("fengtai")
    other = _bytes(client.get(DOWNLOADS["documents.csv"])).decode()
    assert f",{FENGTAI}," in other and "岳龙镇人民政府" not in other
    for number in two_townships:
        assert f"\n{number}," not in other, number
    states = _states(app)
    assert sorted(s["units"][0] for s in states) == ["fengtai", "yuelong"] and len({s["file_key"] for s in states}) == 2


def test_a_failed_download_job_is_said_leaves_no_file_and_asking_again_writes_it(app, client, sign_in, monkeypatch):
    from engine.documents import scan
    from engine.store.blobs import blob_store
    sign_in("official")
    in_request = _bytes(client.get(DOWNLOADS["documents.json"]))
    app.config["SCAN_JOB_ROWS"] = 5

    def broken(*args, **kwargs):
        raise OSError("the disk is full")
    monkeypatch.setattr(scan, "write_download", broken)
    failed = client.get(DOWNLOADS["documents.json"], headers=BROWSER)
    html = failed.get_data(as_text=True)
    assert failed.status_code == 503 and "登记表扫描未完成" in html and "OSError: the disk is full" in html
    assert 'http-equiv="refresh"' not in html
    plain = client.get(DOWNLOADS["documents.json"])
    assert plain.status_code == 503 and plain.mimetype == "text/plain" and "retry=1" in plain.get_data(as_text=True)
    [state] = _states(app)
    assert state["state"] == "failed" and state["file_key"] is None
    assert not list((Path(app.instance_path) / "scan-downloads").glob("*"))
    monkeypatch.undo()
    retry = re.search(r'href="([^"]*retry=1[^"]*)"', html).group(1).replace("&amp;", "&")
    assert retry.startswith("/documents/scan.json?")
    assert _bytes(client.get(retry)) == in_request
    [state] = _states(app)
    assert state["state"] == "done" and blob_store().get(state["file_key"]) == in_request


def test_the_waiting_page_after_a_retry_reloads_without_queueing_again(app, client, sign_in):
    from engine.jobs.scans import FAILED, save_state
    from web.jobs import job_queue
    app.config.update(SCAN_JOB_ROWS=5, JOBS_IMMEDIATE=False)
    sign_in("official")
    assert client.get(DOWNLOADS["credit.json"]).status_code == 202
    [job] = _states(app)
    with app.app_context():
        save_state(job_queue().huey, {**job, "state": FAILED, "error": "RuntimeError: lost"})
    retried = client.get(DOWNLOADS["credit.json"] + "&retry=1", headers=BROWSER)
    html = retried.get_data(as_text=True)
    assert retried.status_code == 202 and [s["state"] for s in _states(app)] == ["queued"]
    refresh = re.search(r'<meta http-equiv="refresh" content="2; url=([^"]+)">', html).group(1).replace("&amp;", "&")
    assert refresh.startswith("/credit/scan.json?") and "retry" not in refresh and f"as_of={AS_OF}" in refresh


def test_the_hourly_tidy_deletes_a_kept_download_a_day_after_it_was_written(app, client, sign_in):
    from engine.jobs.scans import RESULT, STATE, tidy_scans
    from engine.store.blobs import blob_store
    from web.jobs import job_queue
    app.config["SCAN_JOB_ROWS"] = 5
    sign_in("official")
    _bytes(client.get(DOWNLOADS["follow-ups.csv"]))
    [state] = _states(app)
    store = blob_store()
    assert store.exists(state["file_key"])
    with app.app_context():
        huey = job_queue().huey
    ended = datetime.fromisoformat(state["ended_at"])
    assert tidy_scans(huey, ended + timedelta(hours=23)) == 0 and store.exists(state["file_key"])
    assert tidy_scans(huey, ended + timedelta(hours=25)) == 1
    assert not store.exists(state["file_key"])
    assert not [k for k in _kept(huey) if k.startswith((STATE, RESULT))]


def test_on_a_real_queue_the_downloads_wait_until_the_worker_has_written_them(app, client, sign_in, monkeypatch):
    sign_in("official")
    in_request = {name: _sent(client.get(url)) for name, url in DOWNLOADS.items()}
    app.config.update(SCAN_JOB_ROWS=5, JOBS_IMMEDIATE=False)      # the instance folder's SQLite queue
    for name, url in DOWNLOADS.items():
        assert client.get(url).status_code == 202, name
    monkeypatch.delenv("YIFA_JOBS")

    def written() -> dict | None:
        answers = {name: client.get(url) for name, url in DOWNLOADS.items()}
        if all(a.status_code == 200 for a in answers.values()):
            return answers
        for answer in answers.values():
            answer.close()               # a file sent before the others were written
        return None
    answers = with_worker(Path(app.instance_path), app.config["DATABASE_URL"], written, 120, "write the downloads")
    for name, answer in answers.items():
        assert _sent(answer) == in_request[name], name
    assert sorted(s["state"] for s in _states(app)) == ["done"] * 4

"""The catalogue's scan of a large register is made by the job worker (engine/jobs/scans.py, kind
`catalogue`): /catalogue/scan and /catalogue/scan.json, when the items and stored cases the session's
units cover are more than SCAN_JOB_ROWS, answer the waiting page (or a plain 202) until the worker has
kept the scan, then show exactly what a scan made in the request shows; a change to an item or a
stored case makes another scan."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from tests.days import TODAY
from tests.web.test_scan_download_jobs import BROWSER, HEADERS, _states

AS_OF = TODAY.isoformat()
PAGE = f"/catalogue/scan?as_of={AS_OF}"
REPORT = f"/catalogue/scan.json?as_of={AS_OF}"
CATALOGUE_2022 = Path(__file__).resolve().parents[1] / "registers" / "fixtures" / "catalogue-2022.csv"


def _page(answer) -> str:
    """The page without its CSRF tokens (signed with the moment they were made)."""
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]+"', "", answer.get_data(as_text=True))


def _report(answer) -> tuple[bytes, dict[str, str]]:
    with answer:
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return answer.get_data(), {h: answer.headers[h] for h in HEADERS}


def _scope_total(app) -> int:
    """The items and stored cases 岳龙镇's official sees (what a catalogue job reads)."""
    from engine.catalogue.queries import register_state
    from engine.store.uow import UnitOfWork
    from engine.units.scope import Scope, limit_to
    from web.db import get_engine
    with app.app_context(), UnitOfWork(get_engine(), read_only=True) as uow:
        limit_to(uow.session, Scope(frozenset({"yuelong"})))
        return register_state(uow.session)[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_large_catalogues_scan_is_made_by_a_job_and_shows_what_one_made_in_the_request_shows(app, client, sign_in,
                                                                                               lang):
    sign_in("official")
    client.get("/")                                   # the welcome is said once, on the first page
    page_in_request = _page(client.get(f"{PAGE}&lang={lang}"))
    report_in_request, headers = _report(client.get(f"{REPORT}&lang={lang}"))
    report = json.loads(report_in_request)
    assert report["summary"]["items"] == 4 and report["summary"]["catalogues"] == 1     # the demo's 2025 catalogue
    assert report["summary"]["needing_action"] > 0 and "CAT-" in page_in_request       # something was judged
    assert _states(app) == []
    app.config["SCAN_JOB_ROWS"] = 3                   # the demo's items and cases are "large" (jobs run at once)
    assert _page(client.get(f"{PAGE}&lang={lang}")) == page_in_request
    assert _report(client.get(f"{REPORT}&lang={lang}")) == (report_in_request, headers)
    states = _states(app)
    assert sorted((s["kind"], s["download"] is None) for s in states) == [("catalogue", False), ("catalogue", True)]
    total = _scope_total(app)
    assert total > 4 and all((s["state"], s["read"], s["total"], s["units"]) == ("done", total, total, ["yuelong"])
                             for s in states)


def test_a_change_to_the_catalogue_makes_another_scan(app, client, sign_in, post_form):
    app.config["SCAN_JOB_ROWS"] = 3
    sign_in("official")
    before = json.loads(_report(client.get(REPORT))[0])
    imported = post_form("/catalogue/import", {"file": (io.BytesIO(CATALOGUE_2022.read_bytes()), "目录.csv")},
                         content_type="multipart/form-data")
    assert imported.status_code == 200, imported.get_data(as_text=True)[:300]
    after = json.loads(_report(client.get(REPORT))[0])
    assert after["summary"]["items"] > before["summary"]["items"]
    assert len({s["id"] for s in _states(app)}) == 2
    app.config["SCAN_JOB_ROWS"] = 10_000              # and it is what a scan in the request finds
    assert json.loads(_report(client.get(REPORT))[0]) == after


def test_while_the_job_waits_a_browser_gets_the_progress_page_and_a_script_a_plain_202(app, client, sign_in):
    app.config.update(SCAN_JOB_ROWS=3, JOBS_IMMEDIATE=False)      # queued, never run: no worker here
    sign_in("official")
    page = client.get(PAGE, headers=BROWSER)
    assert page.status_code == 202 and page.headers["Retry-After"] == "2"
    html = page.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html and "排队中" in html
    assert re.search(rf'<progress max="{_scope_total(app)}" value="0">', html)
    plain = client.get(REPORT)
    assert plain.status_code == 202 and plain.mimetype == "text/plain"
    assert [(s["kind"], s["state"]) for s in _states(app)] == [("catalogue", "queued")] * 2

"""What the list pages of the registers (normative documents, penalties) have in common, checked one
way for each: every role reads the list, its filters, its export the CLI's, its demo."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from engine.trail import verify_all
from tests.yifa_cli import run_yifa_on
from web.db import get_engine
from web.demo import seed_demo

ROLES = ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin")
ROW = re.compile(r'<td class="number"><a href="([^"]+)">([^<]+)</a>')
DEMO_COUNT = 31                      # rows of either demo register (web/demo_documents.csv, web/demo_penalties.csv)


def listed(html: str) -> list[str]:
    """The record numbers of a list page, in order."""
    return [m.group(2) for m in ROW.finditer(html)]


def read_by_every_role(client, login_as: Callable[..., str], path: str, title: str) -> str:
    """Every role reads the list at `path` and finds it in the top bar under `title`; the last one's page."""
    for role in ROLES:
        login_as(role)
        page = client.get(path)
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert f'href="{path}"' in html and title in html
    return html


def listed_by(client, path: str, query: dict[str, str]) -> set[str]:
    """The record numbers the list at `path` shows for a query (answered 200)."""
    page = client.get(path, query_string=query)
    assert page.status_code == 200
    return set(listed(page.get_data(as_text=True)))


def assert_export_is_the_cli_export(app, client, path: str, command: str, disposition: str, header: bytes,
                                    folder: Path) -> None:
    """The list's CSV download, named as `disposition` says, is byte for byte what `yifa <command> export`
    writes (into `folder`): UTF-8 with a BOM, CRLF, `header` first, one line a record of the demo register."""
    response = client.get(f"{path}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert disposition in response.headers["Content-Disposition"]
    body = response.get_data()
    response.close()
    out = folder / "cli.csv"
    proc = run_yifa_on(app.config["DATABASE_URL"], command, "export", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert body == out.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf" + header) and b"\r\n" in body
    assert len(body.decode("utf-8-sig").splitlines()) == DEMO_COUNT + 1


def seeded_once(app) -> list[str]:
    """What seeding the demo adds; seeding it again adds nothing."""
    with app.app_context():
        added = seed_demo(get_engine())
        assert seed_demo(get_engine()) == []
    return added


def assert_every_trail_intact(uow, prefix: str) -> None:
    """Every trail verifies, and each record of the demo register (trail ids `prefix…`) has one."""
    with uow(read_only=True) as u:
        statuses = verify_all(u.session)
    assert all(s.ok for s in statuses) and sum(s.case_id.startswith(prefix) for s in statuses) == DEMO_COUNT

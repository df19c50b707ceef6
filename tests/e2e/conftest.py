"""Real-browser tests: the app served on loopback, driven by Playwright in Debian's chromium (headless).

Playwright never downloads a browser here: it drives /usr/bin/chromium (`CHROMIUM` overrides).
Without chromium or the playwright package these tests skip, saying which is missing.
Screenshots of the main pages go into docs/screenshots/ when YIFA_SCREENSHOTS=1 (`make screenshots`).
"""
from __future__ import annotations

import os
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run", "--lang=zh-CN"]
SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with the demo township, on a free loopback port, for the whole session."""
    from werkzeug.serving import make_server
    instance = tmp_path_factory.mktemp("instance")
    old = {k: os.environ.get(k) for k in ("YIFA_INSTANCE", "DATABASE_URL", "YIFA_DEMO")}
    os.environ.update(YIFA_INSTANCE=str(instance), YIFA_DEMO="1")
    os.environ.pop("DATABASE_URL", None)
    from engine.store.db import ready_engine
    from web import create_app
    from web.demo import seed_demo
    seed_demo(ready_engine())
    app = create_app({"TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def browser():
    """Headless chromium through Playwright, or a skip that says what is missing."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium not installed at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install playwright)")
    # Under libfaketime (a run of the suite "on another day", README) chromium
    # would inherit the faked clock through LD_PRELOAD and not start; the browser keeps the real one
    # (the app under test, in this process, keeps the faked day).
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, env=env)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def sign_in(page, username: str, password: str) -> None:
    """Sign in through the real form."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")


def fill_initiation(page, proposed_on: date, started_on: date, legal_basis: str) -> None:
    """Fill in the initiation form: proposed by a department with every element of the proposal, no dispute."""
    page.fill("input[name='initiation.proposed_on']", proposed_on.isoformat())
    page.select_option("select[name='initiation.proposer']", "department")
    for element in ("problem", "reasons_and_basis", "preliminary_plan", "necessity_feasibility"):
        page.check(f"input[name='initiation.proposal_elements'][value={element}]")
    page.fill("input[name='initiation.started_on']", started_on.isoformat())
    page.fill("textarea[name='initiation.legal_basis']", legal_basis)
    page.check("input[name='initiation.disputes_exist'][value=false]")


def download(page, link: str, folder: Path) -> Path:
    """Click the link named `link` and save the file it downloads into `folder` under its suggested name."""
    with page.expect_download() as started:
        page.get_by_role("link", name=link).click()
    saved = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def shot(page, name: str) -> None:
    """Keep a screenshot for docs/ when asked to (YIFA_SCREENSHOTS=1)."""
    if os.environ.get("YIFA_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)   # the first screen: small files


def pytest_collection_modifyitems(items) -> None:
    """The live server answers from its own threads: a browser that drops a connection while a static
    file is sent (a favicon, at a page change) leaves werkzeug's file unclosed in that thread, which
    pytest reports against whichever test runs then. It is the dev server's, not the app's: ignored here."""
    marker = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(marker)

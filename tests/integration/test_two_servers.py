"""Two app servers (gunicorn) and a job worker on one PostgreSQL and one Redis, each server with its own
instance folder: what one of them does, the other sees — a rule edit, an upload, the rows an import
skipped, a login lockout, a revoked session and a job (docs/deploy.md). Skips, saying why, without PostgreSQL or Redis."""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import _admin_connection
from tests.yifa_cli import ROOT

requests = pytest.importorskip("requests")
REDIS_URL = "redis://127.0.0.1:6379/0"
CASE = "YL-DEMO-03"                    # the demo case blocked at the collective decision
REL = "CN/decree-713.yaml"
FAKE_CHROMIUM = """#!/bin/sh
for arg in "$@"; do
  case "$arg" in --print-to-pdf=*) printf '%%PDF-1.7\\n%% printed by the worker\\n%%%%EOF\\n' > "${arg#--print-to-pdf=}";; esac
done
"""
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def district(postgresql_server, tmp_path):
    """PostgreSQL database seeded with the demo, Redis, a shared store, two servers and a worker."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as e:
        pytest.skip(f"no Redis at {REDIS_URL}: {e}")
    name = f"yifa_two_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{postgresql_server}/{name}"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "chromium").write_text(FAKE_CHROMIUM)
    (bin_dir / "chromium").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("YIFA_JOBS", "YIFA_RULES")}
    env.update(DATABASE_URL=url, REDIS_URL=REDIS_URL, YIFA_SECRET_KEY=secrets.token_hex(32),
               YIFA_STORAGE_URL=str(tmp_path / "shared-store"), YIFA_REDIS_PREFIX=f"yifa-test-{uuid.uuid4().hex}",
               PYTHONPATH=str(ROOT), PATH=f"{bin_dir}:{os.environ['PATH']}")
    procs: list[subprocess.Popen] = []
    try:
        seed = subprocess.run([sys.executable, "-c", "from web import create_app; from web.cli import _seed; "
                               "_seed(create_app())"], env={**env, "YIFA_INSTANCE": str(tmp_path / "seed")},
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert seed.returncode == 0, seed.stderr
        servers = []
        for label in ("a", "b"):
            port = free_port()
            gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
            procs.append(subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                           "--timeout", "120", "web:create_app()"], cwd=ROOT,
                                          env={**env, "YIFA_INSTANCE": str(tmp_path / f"server-{label}")}))
            servers.append(f"http://127.0.0.1:{port}")
        procs.append(subprocess.Popen([sys.executable, "-m", "engine.cli", "jobs", "worker", "--workers", "1",
                                       "--log-level", "warning"], cwd=ROOT,
                                      env={**env, "YIFA_INSTANCE": str(tmp_path / "worker")}))
        for server in servers:
            _wait_for(server)
        yield servers
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT if p is procs[-1] else signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_for(server: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server}/health", timeout=10).status_code == 200:
                return
        except requests.RequestException:      # not listening yet, or still starting its workers
            pass
        time.sleep(0.3)
    raise AssertionError(f"{server} did not start")


def csrf(session, url: str) -> str:
    html = session.get(url, timeout=60).text
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def sign_in(server: str, username: str, password: str, session=None):
    session = session or requests.Session()
    answer = session.post(f"{server}/login", data={"username": username, "password": password,
                                                   "csrf_token": csrf(session, f"{server}/login")},
                          allow_redirects=False, timeout=60)
    return session, answer


def test_what_one_server_does_the_other_sees(district):
    a, b = district

    # a login lockout: five failures on A, then the right password on B is refused
    for _ in range(5):
        _, failed = sign_in(a, "secretary", "wrong-password-0")
        assert failed.status_code == 200
    _, locked = sign_in(b, "secretary", "yifa-demo-secretary")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0

    # a revoked session: signed in on A, the cookie works on B until signed out on A
    official, answer = sign_in(a, "official", "yifa-demo-official")
    assert answer.status_code == 302
    assert official.get(f"{b}/", allow_redirects=False, timeout=60).status_code == 200
    token = csrf(official, f"{a}/")
    kept = requests.Session()
    kept.cookies.update(official.cookies)
    assert official.post(f"{a}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=60).status_code == 302
    replayed = kept.get(f"{b}/", allow_redirects=False, timeout=60)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]

    # an upload on A, downloaded from B
    official, _ = sign_in(a, "official", "yifa-demo-official")
    page = f"{a}/cases/{CASE}/stages/initiation"
    body = "立项报告（两台服务器测试）\n".encode()
    uploaded = official.post(f"{page}/attachments", data={"csrf_token": csrf(official, page)},
                             files={"file": ("立项报告.txt", body, "text/plain")}, allow_redirects=False, timeout=60)
    assert uploaded.status_code == 302, uploaded.text[:500]
    listed = official.get(f"{b}/cases/{CASE}/stages/initiation", timeout=60).text
    link = re.search(rf'href="(/cases/{CASE}/attachments/[0-9a-f]+)"', listed)
    assert link, "the upload is not listed on B"
    download = official.get(f"{b}{link.group(1)}", timeout=60)
    assert download.status_code == 200 and download.content == body

    # the rows an import on A skipped (kept for the importer a day), downloaded from B
    rows = (ROOT / "tests" / "registers" / "fixtures" / "penalties.csv").read_text(encoding="utf-8-sig")
    assert rows.count("91120117MA05FQ813M") == 1
    bad = rows.replace("91120117MA05FQ813M", "91120117MA05FQ813N").encode()
    imported = official.post(f"{a}/credit/import", data={"csrf_token": csrf(official, f"{a}/credit/import"),
                                                        "skip_invalid": "yes"},
                             files={"file": ("处罚登记表.csv", bad, "text/csv")}, timeout=120)
    assert imported.status_code == 200, imported.text[:500]
    link = re.search(r'href="(/credit/import/rejected/[^"]+)"', imported.text)
    assert link, "no link to the skipped rows on A"
    skipped = official.get(f"{b}{link.group(1)}", timeout=60)
    assert skipped.status_code == 200 and "91120117MA05FQ813N" in skipped.content.decode("utf-8-sig")

    # a rule edit saved on A is the rule B shows
    advisor, _ = sign_in(a, "advisor", "yifa-demo-advisor")
    shown = advisor.get(f"{a}/rules/{REL}", timeout=60).text
    sha = re.search(r'name="expected_sha256" value="([0-9a-f]{64})"', shown).group(1)
    import html as htmllib
    text = htmllib.unescape(re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', shown, re.S).group(1))
    marker = f"两台服务器测试 {uuid.uuid4().hex[:8]}"
    edited = text.replace("重大行政决策程序暂行条例", f"重大行政决策程序暂行条例（{marker}）", 1)
    saved = advisor.post(f"{a}/rules/edit/save", data={"file": REL, "text": edited, "reason": "两台服务器测试",
                                                        "expected_sha256": sha,
                                                        "csrf_token": csrf(advisor, f"{a}/rules/{REL}")},
                         allow_redirects=False, timeout=300)
    assert saved.status_code in (200, 302, 303), saved.text[:800]
    deadline = time.monotonic() + 20
    while marker not in advisor.get(f"{b}/rules/{REL}", timeout=60).text:
        assert time.monotonic() < deadline, "B does not show the rule saved on A"
        time.sleep(0.5)

    # a job submitted on A (the dossier PDF), printed by the worker, served by B
    auditor, _ = sign_in(a, "auditor", "yifa-demo-auditor")
    queued = auditor.get(f"{a}/audit/cases/{CASE}/dossier.pdf", timeout=60)
    assert queued.status_code == 202
    deadline = time.monotonic() + 60
    while (pdf := auditor.get(f"{b}/audit/cases/{CASE}/dossier.pdf", timeout=60)).status_code == 202:
        assert time.monotonic() < deadline, "the worker did not print the PDF"
        time.sleep(0.5)
    assert pdf.status_code == 200 and b"printed by the worker" in pdf.content

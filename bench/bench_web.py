"""Load test of the web app under gunicorn on loopback: req/s and p95 latency at 16 concurrent clients.

Targets (2-core machine, 2 gunicorn workers): ≥ 300 req/s for the case page with p95 ≤ 100 ms, also
without the rendered-page cache (YIFA_PAGE_CACHE=0); the dossier PDF asked for by 6 clients at once:
each answered (the waiting page of a queued job, or the PDF from the cache) within 3 s.
Measured for the case page (cached and not) and the check endpoint (POST /api/check), on SQLite and
on PostgreSQL (when reachable), with a baseline in the same run: GET /health (the app with no work);
the PDF with a job worker (`yifa jobs worker`) beside the servers, when chromium is installed.
The load tool is ApacheBench (`ab`, Debian package apache2-utils); all traffic stays on 127.0.0.1.
Usage: python bench/bench_web.py [REQUESTS] [CONCURRENCY] [WORKERS]
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line, scratch_postgresql  # noqa: E402

CASE = "YL-2024-011"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> str:
    """Migrate, seed the demo township and issue an API token; return the token."""
    code = ("from engine.store.db import ready_engine; from engine.store.uow import UnitOfWork;"
            "from web.demo import seed_demo; from engine.accounts.use_cases import issue_token;"
            "e = ready_engine(); seed_demo(e)\n"
            "with UnitOfWork(e) as u:\n t = issue_token(u.session, 'auditor', 'bench'); u.commit(); print(t)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "web:create_app()"], env=env, cwd=ROOT)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def session_cookie(port: int) -> str:
    """Sign in as the demo auditor through the real form; return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "username": "auditor",
                                   "password": "yifa-demo-auditor"}).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def ab(args: list[str]) -> tuple[float, float, int]:
    """Run ApacheBench; return (requests/s, p95 ms, failed requests)."""
    out = subprocess.run(["ab", "-q", *args], capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    p95 = float(re.search(r"\s95%\s+(\d+)", out).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    return rate, p95, failed + (int(non2xx.group(1)) if non2xx else 0)


def pdf_answers(port: int, cookie: str, clients: int = 6) -> list[tuple[int, float]]:
    """(status, seconds) of `clients` requests for the same dossier PDF sent at once."""
    def one(_: int) -> tuple[int, float]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/audit/cases/{CASE}/dossier.pdf",
                                         headers={"Cookie": cookie})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                answer.read()
                return answer.status, time.perf_counter() - started
        except urllib.error.HTTPError as refused:
            return refused.code, time.perf_counter() - started
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(clients)))


def run_pdf(label: str, env: dict, port: int, cookie: str) -> None:
    """Six clients at once while the worker prints; then six again once it is cached."""
    if not shutil.which("chromium"):
        print(f"{label:<10} dossier PDF: chromium is not installed, not measured")
        return
    yifa = str(Path(sys.executable).parent / "yifa")
    worker = subprocess.Popen([yifa, "jobs", "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        first = pdf_answers(port, cookie)
        deadline = time.time() + 60
        while time.time() < deadline and pdf_answers(port, cookie, 1)[0][0] != 200:
            time.sleep(0.5)
        again = pdf_answers(port, cookie)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    for name, answers in (("6 at once, printing", first), ("6 at once, cached", again)):
        statuses = ",".join(sorted({str(s) for s, _ in answers}))
        print(f"{label:<10} dossier PDF {name:<22} slowest {max(t for _, t in answers) * 1000:6.0f} ms   "
              f"statuses {statuses}")


def run_database(label: str, env: dict, n: int, c: int, workers: int) -> None:
    token = prepare(env)
    port, uncached_port = free_port(), free_port()
    server = start_gunicorn(env, port, workers)
    uncached = start_gunicorn({**env, "YIFA_PAGE_CACHE": "0"}, uncached_port, workers)
    try:
        cookie = session_cookie(port)
        body = Path(tempfile.mkstemp(suffix=".json")[1])
        from engine.decisions.record import case_to_document, load_case
        body.write_text(json.dumps(case_to_document(load_case(ROOT / "examples" / "yuelong-sewage-2024.yaml")),
                                   ensure_ascii=False), encoding="utf-8")
        base = f"http://127.0.0.1:{port}"
        uncached_cookie = session_cookie(uncached_port)
        runs = {
            "baseline GET /health": ["-n", str(n), "-c", str(c), f"{base}/health"],
            f"case page GET /cases/{CASE}": ["-n", str(n), "-c", str(c), "-C", cookie, f"{base}/cases/{CASE}"],
            "  the same, no page cache": ["-n", str(n), "-c", str(c), "-C", uncached_cookie,
                                          f"http://127.0.0.1:{uncached_port}/cases/{CASE}"],
            "check endpoint POST /api/check": ["-n", str(n), "-c", str(c), "-H", f"Authorization: Bearer {token}",
                                               "-p", str(body), "-T", "application/json", f"{base}/api/check?as_of=2024-12-31"],
        }
        for name, args in runs.items():
            ab(args[:1] + [str(min(200, n))] + args[2:])          # warm-up
            rate, p95, failed = ab(args)
            print(f"{label:<10} {name:<34} {rate:8.1f} req/s   p95 {p95:5.0f} ms   failed {failed}")
        run_pdf(label, env, port, cookie)
    finally:
        for proc in (server, uncached):
            proc.terminate()
            proc.wait(timeout=10)


def main(n: int = 3000, c: int = 16, workers: int = 2) -> None:
    if not shutil.which("ab"):
        sys.exit("ab (ApacheBench) is needed: apt-get install apache2-utils")
    print(machine_line())
    print(f"gunicorn {workers} sync workers on 127.0.0.1; ab {n} requests, {c} concurrent clients")
    with tempfile.TemporaryDirectory(prefix="yifa-bench-") as tmp:
        env = {**os.environ, "YIFA_INSTANCE": tmp, "YIFA_SECRET_KEY": secrets.token_hex(16)}
        env.pop("DATABASE_URL", None)
        run_database("sqlite", env, n, c, workers)
    with scratch_postgresql() as url, tempfile.TemporaryDirectory(prefix="yifa-bench-") as tmp:
        if url:
            env = {**os.environ, "YIFA_INSTANCE": tmp, "DATABASE_URL": url, "YIFA_SECRET_KEY": secrets.token_hex(16)}
            run_database("postgresql", env, n, c, workers)
    print("targets: case page ≥ 300 req/s with p95 ≤ 100 ms, with and without the page cache; "
          "each of 6 PDF requests answered within 3 s")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)

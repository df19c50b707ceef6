"""Security of every response and request: headers, CSRF, the login rate limit, safe redirects.

- Headers on every response: a Content-Security-Policy without inline script or style (put JS
  and CSS in web/static/), nosniff, no framing, same-origin referrers, a minimal
  Permissions-Policy, `Cache-Control: no-store` for pages, and HSTS when behind TLS. A view that
  needs another policy sets the header itself: `response.headers["Content-Security-Policy"] =
  content_security_policy(style_src="'self' 'unsafe-inline'")` — the default never overwrites it.
- CSRF (Flask-WTF) on every unsafe request, except a `/api/…` call that carries
  `Authorization: Bearer …`: such a call is authenticated by its token alone (a browser never
  adds that header by itself, so no forged cross-site request can carry it).
- The login rate limit is kept in process memory (a lock around a dict): at most
  LOGIN_MAX_FAILURES failures per username and client address in LOGIN_WINDOW_SECONDS. Each
  gunicorn worker keeps its own count, so N workers allow at most N × 5 tries per window.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from web.db import SAFE_METHODS

csrf = CSRFProtect()

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Install CSRF protection, the security headers, the login throttle and any proxy fix."""
    csrf.init_app(app)
    app.before_request(csrf_guard)
    app.after_request(add_security_headers)
    app.extensions["yifa.login_throttle"] = LoginThrottle(app.config["LOGIN_MAX_FAILURES"],
                                                          app.config["LOGIN_WINDOW_SECONDS"])
    if app.config.get("PROXIES"):
        n = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def content_security_policy(**overrides: str) -> str:
    """The policy, with directives overridden by keyword (`style_src=` for style-src …)."""
    policy = CSP | {k.replace("_", "-"): v for k, v in overrides.items()}
    return "; ".join(f"{k} {v}" for k, v in policy.items())


def add_security_headers(response: Response) -> Response:
    """Add the security headers a view did not set itself."""
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("BEHIND_TLS"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# ---------------------------------------------------------------- CSRF
def is_bearer_api_request() -> bool:
    """An `/api/…` request carrying a bearer token (authenticated by that token alone)."""
    return (request.path.startswith("/api/")
            and request.headers.get("Authorization", "").startswith("Bearer "))


def csrf_guard() -> None:
    """Check the CSRF token of every unsafe request, except bearer-token API calls."""
    if request.method in SAFE_METHODS or is_bearer_api_request():
        return
    csrf.protect()


# ---------------------------------------------------------------- redirects
def safe_next(target: str | None, fallback: str = "/") -> str:
    """`target` if it is a path on this site, else `fallback` (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return fallback
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else fallback


# ---------------------------------------------------------------- the login rate limit
class LoginThrottle:
    """Failed sign-ins per (username, client address) in a sliding window, in process memory."""

    MAX_KEYS = 50_000  # beyond this, stale keys are pruned (a spray of names cannot fill memory)

    def __init__(self, max_failures: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window, self.clock = max_failures, window_seconds, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, key: tuple[str, str]) -> int:
        """Seconds until another try is allowed; 0 when one is allowed now."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) < self.max_failures:
                return 0
            return max(1, int(times[-self.max_failures] + self.window - now) + 1)

    def record_failure(self, key: tuple[str, str]) -> None:
        """Count one failed sign-in."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            if len(self._failures) > self.MAX_KEYS:
                self._prune(now)

    def clear(self, key: tuple[str, str]) -> None:
        """Forget the failures of a key (after a successful sign-in)."""
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, now: float) -> None:
        stale = [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]
        for k in stale:
            del self._failures[k]
        while len(self._failures) > self.MAX_KEYS:  # still full: the oldest keys go first
            del self._failures[next(iter(self._failures))]


def login_throttle() -> LoginThrottle:
    """The app's login throttle."""
    return current_app.extensions["yifa.login_throttle"]


def throttle_key(username: str) -> tuple[str, str]:
    """The key a sign-in attempt is counted under: the normalised username and the client address."""
    return (username.strip().lower()[:64], request.remote_addr or "-")

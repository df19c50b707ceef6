"""Security of every response and request: headers, CSRF, the login rate limit, safe redirects.

- Headers on every response: a Content-Security-Policy without inline script or style (put JS
  and CSS in web/static/), nosniff, no framing, same-origin referrers, a minimal
  Permissions-Policy, `Cache-Control: no-store` for pages, and HSTS when behind TLS. A view that
  needs another policy sets the header itself: `response.headers["Content-Security-Policy"] =
  content_security_policy(style_src="'self' 'unsafe-inline'")` — the default never overwrites it.
- CSRF (Flask-WTF) on every unsafe request, except a `/api/…` call that carries
  `Authorization: Bearer …`: such a call is authenticated by its token alone (a browser never
  adds that header by itself, so no forged cross-site request can carry it).
- The login rate limit: at most LOGIN_MAX_FAILURES failures per username and client address in
  LOGIN_WINDOW_SECONDS, counted where every app server sees them — the instance's database, or
  Redis when REDIS_URL is set (engine/accounts/throttle.py).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.accounts.throttle import DatabaseThrottle, RedisThrottle, Throttle
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
    app.before_request(allow_register_uploads)     # before the CSRF check reads the form
    app.before_request(csrf_guard)
    app.after_request(add_security_headers)
    app.extensions["yifa.login_throttle"] = make_throttle(app)
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


def allow_register_uploads() -> None:
    """A register file uploaded for import may be larger than any other upload (IMPORT_UPLOAD_BYTES,
    streamed to disk); everything else keeps MAX_CONTENT_LENGTH."""
    if request.method == "POST" and (request.endpoint or "").endswith(".import_register"):
        request.max_content_length = current_app.config["IMPORT_UPLOAD_BYTES"]


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
def make_throttle(app: Flask) -> Throttle:
    """The login throttle every server of the instance shares: on Redis when REDIS_URL is set, else
    in the instance's database (engine/accounts/throttle.py)."""
    most, window = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_WINDOW_SECONDS"]
    if app.config.get("REDIS_URL"):
        return RedisThrottle(app.config["REDIS_URL"], most, window, f"{app.config.get('REDIS_PREFIX') or 'yifa'}-login")
    from web.db import EXTENSION
    return DatabaseThrottle(lambda: app.extensions[EXTENSION], most, window)


def login_throttle() -> Throttle:
    """The app's login throttle."""
    return current_app.extensions["yifa.login_throttle"]


def throttle_key(username: str) -> tuple[str, str]:
    """The key a sign-in attempt is counted under: the normalised username and the client address."""
    return (username.strip().lower()[:64], request.remote_addr or "-")

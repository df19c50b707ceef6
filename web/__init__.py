"""The web application: a thin Flask layer over engine/decisions/use_cases.py (docs/web.md explains the core).

    create_app()                      configuration from the environment (web/config.py), schema migrated
    gunicorn 'web:create_app()'       or   yifa web run [--demo]

Importing `web` is cheap (the CLI imports `web.cli` on every run): Flask and the engine's
services load only when an app is created.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the application; `test_config` overrides the configuration in tests."""
    from pathlib import Path

    from flask import Flask

    from web import (
        admin,
        api,
        audit,
        auth,
        cases,
        catalogue,
        cli,
        credit,
        dashboard,
        db,
        documents,
        errors,
        findings_html,
        home,
        i18n,
        reminders,
        report,
        rulebook,
        security,
    )
    from web.checkpoints import init_app as init_checkpoints
    from web.config import settings
    from web.nav import nav_links
    from web.scan_jobs import init_app as init_scan_jobs
    from web.templating import PageEnvironment

    config = settings(test_config)
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"], instance_relative_config=True)
    app.jinja_environment = PageEnvironment     # before anything makes the app's Jinja environment
    app.config.from_mapping(config)
    app.url_map.converters["int"] = stored_int_converter()   # before any route is added
    i18n.init_app(app)          # first: every later hook and error page knows the language
    security.init_app(app)
    db.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    for blueprint in (home.bp, cases.bp, audit.bp, rulebook.bp, dashboard.bp, documents.bp, credit.bp, catalogue.bp, api.bp,
                      admin.bp, reminders.bp, report.bp):
        app.register_blueprint(blueprint)
    app.add_template_global(nav_links)
    findings_html.init_app(app)
    app.add_url_rule("/health", "health", health)
    cli.init_app(app)
    init_checkpoints(app)       # signs the trail after writes when YIFA_TRAIL_KEY is set
    init_scan_jobs(app)         # a large register's scan is made by the worker: its waiting page
    read_rules_once_a_request(app)
    for register in (credit.IMPORT, documents.IMPORT, catalogue.IMPORT):
        register.forget_rows_kept_on_disk(Path(app.instance_path))
    return app


def read_rules_once_a_request(app: Any) -> None:
    """Each request looks its rulebooks up once (engine/core/check.rules_read_once): a case page asks
    for its checker about seven times, each time listing and stat'ing the rule files (≈ 20 % of it)."""
    from contextlib import ExitStack

    from flask import g

    from engine.core.check import rules_read_once

    @app.before_request
    def read_once() -> None:
        g.rules_read_once = ExitStack()
        g.rules_read_once.enter_context(rules_read_once())

    @app.teardown_request
    def read_again(_: BaseException | None) -> None:
        held = g.pop("rules_read_once", None)
        if held is not None:
            held.close()


def stored_int_converter() -> type:
    """`<int:…>` in a URL: at most the largest id a database integer holds (2**63 - 1), so a longer
    number is no match (404) instead of an overflow in the query."""
    from werkzeug.routing import IntegerConverter

    class StoredInt(IntegerConverter):
        def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("max", 2**63 - 1)
            super().__init__(map, *args, **kwargs)

    return StoredInt


def health() -> Any:
    """Say the application is up."""
    from flask import jsonify
    return jsonify(status="ok")

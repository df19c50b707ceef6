"""The web application (issue 4 builds it out): a Flask app factory over the engine's services."""
from __future__ import annotations

from typing import Any, Optional

from flask import Flask, jsonify


def create_app(test_config: Optional[dict[str, Any]] = None) -> Flask:
    """Create the application; `test_config` overrides the configuration in tests."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev-only-change-me", JSON_AS_ASCII=False)
    if test_config:
        app.config.update(test_config)

    @app.get("/health")
    def health():
        """Say the application is up (the pages come with issue 4)."""
        return jsonify(status="ok")

    return app

"""Blueprint `dashboard` (/dashboard): being built (issue 4)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

"""Blueprint `audit` (/audit): being built (issue 4)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

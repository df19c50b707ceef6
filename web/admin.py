"""Blueprint `admin` (/admin): being built (issue 4)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

"""Rule edits in the database (`edited_rule_files`), so that every app server judges by the same
rules: until now they were files in one server's `$YIFA_INSTANCE/rules/`. The upgrade takes in the
edited files it finds there (the instance of the `yifa db upgrade` that runs it); from then on the
database is the truth and each server's folder a copy (engine/rulebook/shared.py).

Alembic revision 0013 (after 0012), written 2026-12-05.
"""
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import moment

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    table = op.create_table(
        "edited_rule_files",
        sa.Column("rel_path", sa.String(300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("saved_at", moment(), nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("rel_path", name="pk_edited_rule_files"),
    )
    overlay = Path(os.environ.get("YIFA_INSTANCE") or "instance") / "rules"
    found = sorted(p for p in overlay.rglob("*.yaml") if p.is_file() and not p.name.startswith(".")) \
        if overlay.is_dir() else []
    now = datetime.now(UTC)
    saved = now.isoformat(timespec="microseconds") if op.get_bind().dialect.name == "sqlite" else now
    rows = []
    for path in found:
        text = path.read_bytes().decode("utf-8")
        rows.append({"rel_path": path.relative_to(overlay).as_posix(), "text": text, "saved_at": saved,
                     "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "saved_by": "migration-0013"})
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("edited_rule_files")

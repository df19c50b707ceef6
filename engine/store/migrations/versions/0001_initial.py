"""Create the whole schema, and make the trail append-only (CASE_FORMAT §7).

Alembic revision 0001 (the first), written 2025-01-01.
"""
import sqlalchemy as sa
from alembic import op

from engine.store.migrations.columns import moment
from engine.store.migrations.tables import create_user_secret_table

revision = "0001"
down_revision = None

ROLES = ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin")


def upgrade() -> None:
    _users()
    _cases()
    _trail()
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def _users() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_users"),
    )
    op.create_table(
        "user_roles",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="ck_user_roles_role"),
        sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE",
                                name="fk_user_roles_username_users"),
        sa.PrimaryKeyConstraint("username", "role", name="pk_user_roles"),
    )
    create_user_secret_table("api_tokens", sa.Column("label", sa.Text(), nullable=True))


def _cases() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("jurisdiction", sa.String(200), nullable=False),
        sa.Column("stage", sa.String(64), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.CheckConstraint("length(id) BETWEEN 1 AND 64", name="ck_cases_id_length"),
        sa.CheckConstraint("id <> 'rulebook'", name="ck_cases_id_not_rulebook"),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_table(
        "rulebook_versions",
        sa.Column("version", sa.String(80), nullable=False),
        sa.Column("jurisdiction", sa.String(200), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_rulebook_versions"),
    )
    op.create_table(
        "stage_evidence",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_stage_evidence_case_id_cases"),
        sa.PrimaryKeyConstraint("case_id", "stage", "version", name="pk_stage_evidence"),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_attachments_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_case_id_stage", "attachments", ["case_id", "stage"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("checked_at", moment(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rulebook_version", sa.String(80), nullable=False),
        sa.Column("jurisdiction", sa.String(200), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_findings_case_id_cases"),
        sa.ForeignKeyConstraint(["rulebook_version"], ["rulebook_versions.version"],
                                name="fk_findings_rulebook_version_rulebook_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
    )
    op.create_index("ix_findings_case_id_checked_at", "findings", ["case_id", "checked_at"])


def _trail() -> None:
    op.create_table(  # CASE_FORMAT §7 — a public contract: these columns, these names
        "trail_events",
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", moment(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_trail_events"),
    )
    op.create_table(
        "trail_heads",
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_trail_heads"),
    )


# The head may only move one event forward, onto an event that is in the trail.
_HEAD_ADVANCES = """NEW.case_id = OLD.case_id AND NEW.seq = OLD.seq + 1 AND EXISTS (
    SELECT 1 FROM trail_events e WHERE e.case_id = NEW.case_id AND e.seq = NEW.seq AND e.hash = NEW.hash)"""

POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION yifa_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING HINT = 'The audit trail (CASE_FORMAT §7) only grows: record a new event instead.';
    END $$""",
    """CREATE TRIGGER trail_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON trail_events
    FOR EACH STATEMENT EXECUTE FUNCTION yifa_refuse_change()""",
    f"""CREATE FUNCTION yifa_head_advances() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF {_HEAD_ADVANCES} THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'trail_heads is append-only: % refused (a head only advances with the trail)', TG_OP;
    END $$""",
    """CREATE TRIGGER trail_heads_advance_only BEFORE UPDATE OR DELETE ON trail_heads
    FOR EACH ROW EXECUTE FUNCTION yifa_head_advances()""",
    """CREATE TRIGGER trail_heads_no_truncate BEFORE TRUNCATE ON trail_heads
    FOR EACH STATEMENT EXECUTE FUNCTION yifa_refuse_change()""",
)

SQLITE_TRIGGERS = (
    """CREATE TRIGGER trail_events_no_update BEFORE UPDATE ON trail_events
    BEGIN SELECT RAISE(ABORT, 'trail_events is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER trail_events_no_delete BEFORE DELETE ON trail_events
    BEGIN SELECT RAISE(ABORT, 'trail_events is append-only: DELETE refused'); END""",
    f"""CREATE TRIGGER trail_heads_advance_only BEFORE UPDATE ON trail_heads
    WHEN NOT ({_HEAD_ADVANCES})
    BEGIN SELECT RAISE(ABORT, 'trail_heads is append-only: UPDATE refused (a head only advances with the trail)'); END""",
    """CREATE TRIGGER trail_heads_no_delete BEFORE DELETE ON trail_heads
    BEGIN SELECT RAISE(ABORT, 'trail_heads is append-only: DELETE refused'); END""",
)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE trail_heads, trail_events CASCADE")
        op.execute("DROP FUNCTION yifa_head_advances(), yifa_refuse_change()")
    else:
        op.drop_table("trail_heads")
        op.drop_table("trail_events")
    for table in ("findings", "attachments", "stage_evidence", "rulebook_versions", "cases",
                  "api_tokens", "user_roles", "users"):
        op.drop_table(table)

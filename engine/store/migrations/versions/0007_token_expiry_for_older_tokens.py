"""Every API token runs out: a token issued before 0006 (no expiry) is given the default validity,
counted from this upgrade (90 days), so a token leaked long ago stops working without cutting off a
client at the moment of the upgrade. The downgrade leaves the dates (0006 keeps the column).

Alembic revision 0007 (after 0006), written 2026-12-04.
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from engine.core import clock
from engine.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"

DEFAULT_DAYS = 90           # engine.accounts.use_cases.TOKEN_DAYS when this revision was written

tokens = sa.table("api_tokens", sa.column("expires_at", UTCDateTime()))


def upgrade() -> None:
    until = clock.now() + timedelta(days=DEFAULT_DAYS)      # on the instance's day, as tokens are issued
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=until))


def downgrade() -> None:
    pass

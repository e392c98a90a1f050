"""feeds that may act, outcomes with their source

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:00:00

`feed_tokens.can_act`: a feed made for one interview may act from its pages only when created
with `"can_act": true` (a candidate's own feed always may). `outcomes.source`: where an outcome
was logged, `api` or `calendar`. Stored events are rendered again on start, with their drafts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _forget_events() -> None:
    """Events are rendered again on start (`serve` and `migrate` render missing ones)."""
    op.execute(sa.text("UPDATE followups SET ics = NULL"))
    op.execute(sa.text("UPDATE interviews SET ics = NULL"))


def upgrade() -> None:
    # Plain ADD COLUMN with a constant default, on SQLite too: no copy of the table.
    op.add_column(
        "feed_tokens",
        sa.Column("can_act", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "outcomes",
        sa.Column("source", sa.String(length=16), server_default="api", nullable=False),
    )
    _forget_events()


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as table:
        table.drop_column("source")
    with op.batch_alter_table("feed_tokens") as table:
        table.drop_column("can_act")
    _forget_events()

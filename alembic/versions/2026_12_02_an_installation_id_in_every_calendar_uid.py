"""an installation id in every calendar UID

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:00:00

Makes this installation's id, once. Every stored event is then rendered again with it in its UID
(`python -m service migrate` and `serve` render events that are missing), so subscribers see
their events replaced once.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import service.db.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _forget_events() -> None:
    """Events are rendered again on start with the UIDs of the schema at hand."""
    op.execute(sa.text("UPDATE followups SET ics = NULL"))
    op.execute(sa.text("UPDATE interviews SET ics = NULL"))


def upgrade() -> None:
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("created_at", service.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation")),
    )
    op.bulk_insert(
        installation, [{"id": 1, "uid": uuid.uuid4().hex, "created_at": datetime.now(UTC)}]
    )
    _forget_events()


def downgrade() -> None:
    op.drop_table("installation")
    _forget_events()

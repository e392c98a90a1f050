"""index: a candidate's steps in due order, id included

A candidate's due list sorts by (due_at, id). Without the id its index did not give that
order, and PostgreSQL walked the account's index instead, skipping the other candidates'
steps one by one (45 ms for 50 steps among 10,000 candidates).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_candidate_due")
        batch_op.create_index(
            "ix_followups_candidate_due", ["candidate_id", "due_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_candidate_due")
        batch_op.create_index(
            "ix_followups_candidate_due", ["candidate_id", "due_at"], unique=False
        )

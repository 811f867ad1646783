"""Security: per-lesson access for authors, and rate limits shared by every service process.

Existing authors keep the access they had (every lesson that exists now).

Revision ID: 0002_security
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_security"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lesson_access",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "lesson_id"),
    )
    with op.batch_alter_table("lesson_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_access_lesson_id"), ["lesson_id"], unique=False)
    op.execute("INSERT INTO lesson_access (user_id, lesson_id) "
               "SELECT users.id, lessons.id FROM users CROSS JOIN lessons WHERE users.role = 'author'")

    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated", sa.Float(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "key"),
    )
    with op.batch_alter_table("rate_limits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limits_updated"), ["updated"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_limits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limits_updated"))
    op.drop_table("rate_limits")
    with op.batch_alter_table("lesson_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_access_lesson_id"))
    op.drop_table("lesson_access")

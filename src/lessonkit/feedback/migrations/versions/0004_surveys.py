"""Surveys: per-workshop survey settings (pairing-code salt, the workshop's own items), the forms as
answered (snapshots of the versioned question bank), and the responses (no names or emails).

Revision ID: 0004_surveys
Revises: 0003_workshops
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_surveys"
down_revision = "0003_workshops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_workshops",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("items_text", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workshop_id"),
    )
    op.create_table(
        "survey_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("bank_id", sa.String(length=64), nullable=False),
        sa.Column("bank_version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "phase", "digest", name="uq_survey_forms_digest"),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("bank_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["survey_forms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
        sa.UniqueConstraint("workshop_id", "phase", "code_hash", name="uq_survey_responses_code"),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_responses_form_id"), ["form_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_responses_workshop_id"), ["workshop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_form_id"))
    op.drop_table("survey_responses")
    op.drop_table("survey_forms")
    op.drop_table("survey_workshops")

"""Workshops (issue #18): published workshops and their sessions, registrations with a waiting
list, attendance per session, organiser/instructor roles per workshop, and the log of personal-data
exports.

Revision ID: 0003_workshops
Revises: 0002_security
Create Date: 2026-12-01 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_workshops"
down_revision = "0002_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("workshops",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("slug", sa.String(length=100), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("file_text", sa.Text(), nullable=False),
    sa.Column("lesson_ids", sa.JSON(), nullable=False),
    sa.Column("capacity", sa.Integer(), nullable=True),
    sa.Column("registration_opens", sa.Date(), nullable=True),
    sa.Column("registration_closes", sa.Date(), nullable=True),
    sa.Column("timezone", sa.String(length=64), nullable=False),
    sa.Column("starts_at", sa.DateTime(), nullable=False),
    sa.Column("ends_at", sa.DateTime(), nullable=False),
    sa.Column("contact_email", sa.String(length=254), nullable=False),
    sa.Column("retention_days", sa.Integer(), nullable=True),
    sa.Column("personal_data_deleted_at", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("slug")
    )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshops_ends_at"), ["ends_at"], unique=False)

    op.create_table("export_log",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("who", sa.String(length=200), nullable=False),
    sa.Column("workshop_id", sa.Integer(), nullable=True),
    sa.Column("workshop_slug", sa.String(length=100), nullable=False),
    sa.Column("what", sa.String(length=100), nullable=False),
    sa.Column("rows", sa.Integer(), nullable=False),
    sa.Column("via", sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("export_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_log_workshop_id"), ["workshop_id"], unique=False)

    op.create_table("registrations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("workshop_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("email", sa.String(length=254), nullable=False),
    sa.Column("email_key", sa.String(length=254), nullable=True),
    sa.Column("affiliation", sa.String(length=300), nullable=False),
    sa.Column("career_stage", sa.String(length=32), nullable=False),
    sa.Column("accessibility", sa.Text(), nullable=False),
    sa.Column("consent_contact", sa.Boolean(), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("token", sa.String(length=64), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("seated_at", sa.DateTime(), nullable=True),
    sa.Column("cancelled_at", sa.DateTime(), nullable=True),
    sa.Column("reminded_at", sa.DateTime(), nullable=True),
    sa.Column("anonymised_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("token")
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_workshop_id"), ["workshop_id"], unique=False)
        batch_op.create_index("ix_registrations_workshop_status", ["workshop_id", "status", "id"], unique=False)
        batch_op.create_index("uq_registrations_active_email", ["workshop_id", "email_key"], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))

    op.create_table("workshop_roles",
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("workshop_id", sa.Integer(), nullable=False),
    sa.Column("role", sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("user_id", "workshop_id")
    )
    with op.batch_alter_table("workshop_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_roles_workshop_id"), ["workshop_id"], unique=False)

    op.create_table("workshop_sessions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("workshop_id", sa.Integer(), nullable=False),
    sa.Column("index", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("starts_at", sa.DateTime(), nullable=False),
    sa.Column("ends_at", sa.DateTime(), nullable=False),
    sa.Column("sign_in_code", sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("sign_in_code"),
    sa.UniqueConstraint("workshop_id", "index", name="uq_workshop_sessions_index")
    )
    op.create_table("attendance",
    sa.Column("registration_id", sa.Integer(), nullable=False),
    sa.Column("session_id", sa.Integer(), nullable=False),
    sa.Column("signed_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["session_id"], ["workshop_sessions.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("registration_id", "session_id")
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_session_id"), ["session_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_session_id"))

    op.drop_table("attendance")
    op.drop_table("workshop_sessions")
    with op.batch_alter_table("workshop_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_roles_workshop_id"))

    op.drop_table("workshop_roles")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("uq_registrations_active_email")
        batch_op.drop_index("ix_registrations_workshop_status")
        batch_op.drop_index(batch_op.f("ix_registrations_workshop_id"))

    op.drop_table("registrations")
    with op.batch_alter_table("export_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_log_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_export_log_at"))

    op.drop_table("export_log")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshops_ends_at"))

    op.drop_table("workshops")

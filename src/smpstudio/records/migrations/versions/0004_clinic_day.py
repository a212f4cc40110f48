"""The clinic day.

- ``appointments``: booked slots (practitioner, client, kind, start, length; what they were booked from).
- ``clinic_mail``: each clinic's outgoing mail server (the password sealed, or from the environment).
- ``messages``: the e-mails sent to clients (no body; ``source_key`` unique in the clinic: sent once).
- ``client_links``: clients' own links (SHA-256 of the token only), expiring and revocable.
- ``jobs``: background work the worker runs once.
- ``clients.email_opt_out_at``; ``patch_tests.read_at``/``result`` may be empty until the test is read;
  ``symptom_reports.via``/``link_id``/``reviewed_at``/``reviewed_by`` for reports made by the client.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_links_client_id_clients"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_client_links_clinic_id_clinics"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_client_links_created_by_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_client_links_token_hash")),
    )
    with op.batch_alter_table("client_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_links_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_client_links_clinic_id"), ["clinic_id"], unique=False)

    op.create_table(
        "clinic_mail",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=10), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("password_sealed", sa.Text(), nullable=True),
        sa.Column("from_address", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("send_hour", sa.Integer(), server_default="9", nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_clinic_mail_clinic_id_clinics"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_clinic_mail_updated_by_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_clinic_mail")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("result_name", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_jobs_clinic_id_clinics"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_jobs_requested_by_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_clinic_id"), ["clinic_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("to_address", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("unsubscribe_hash", sa.String(length=64), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_messages_client_id_clients"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_messages_clinic_id_clinics"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("clinic_id", "source_key", name=op.f("uq_messages_clinic_id")),
        sa.UniqueConstraint("unsubscribe_hash", name=op.f("uq_messages_unsubscribe_hash")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_clinic_id"), ["clinic_id"], unique=False)

    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="booked", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("patch_test_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cancelled_by"],
            ["users.id"],
            name=op.f("fk_appointments_cancelled_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_appointments_client_id_clients"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_appointments_clinic_id_clinics"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_appointments_created_by_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_appointments_followup_id_followups"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patch_test_id"],
            ["patch_tests.id"],
            name=op.f("fk_appointments_patch_test_id_patch_tests"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["users.id"],
            name=op.f("fk_appointments_practitioner_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["reminders.id"],
            name=op.f("fk_appointments_reminder_id_reminders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointments_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointments_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index("ix_appointments_clinic_starts", ["clinic_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointments_followup_id"), ["followup_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointments_reminder_id"), ["reminder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointments_patch_test_id"), ["patch_test_id"], unique=False)
        batch_op.create_index(
            "ix_appointments_practitioner_starts", ["practitioner_id", "starts_at"], unique=False
        )

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_opt_out_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("patch_tests", schema=None) as batch_op:
        batch_op.alter_column("read_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch_op.alter_column("result", existing_type=sa.VARCHAR(length=20), nullable=True)

    with op.batch_alter_table("symptom_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("via", sa.String(length=10), server_default="staff", nullable=False))
        batch_op.add_column(sa.Column("link_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_symptom_reports_link_id_client_links"),
            "client_links",
            ["link_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_symptom_reports_reviewed_by_users"),
            "users",
            ["reviewed_by"],
            ["id"],
            ondelete="RESTRICT",
        )

    # What every view asks for: the open follow-ups and reminders by due day, a clinic's sessions by time.
    op.create_index(
        "ix_followups_open_due",
        "followups",
        ["due_on"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index(
        "ix_reminders_open_due",
        "reminders",
        ["due_on"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index("ix_sessions_clinic_started", "sessions", ["clinic_id", "started_at"])
    op.create_index("ix_symptom_reports_via_reviewed", "symptom_reports", ["via", "reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_symptom_reports_via_reviewed", table_name="symptom_reports")
    op.drop_index("ix_sessions_clinic_started", table_name="sessions")
    op.drop_index("ix_reminders_open_due", table_name="reminders")
    op.drop_index("ix_followups_open_due", table_name="followups")
    with op.batch_alter_table("symptom_reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_symptom_reports_reviewed_by_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_symptom_reports_link_id_client_links"), type_="foreignkey")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("link_id")
        batch_op.drop_column("via")

    with op.batch_alter_table("patch_tests", schema=None) as batch_op:
        batch_op.alter_column("result", existing_type=sa.VARCHAR(length=20), nullable=False)
        batch_op.alter_column("read_at", existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("email_opt_out_at")

    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointments_patch_test_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_reminder_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_followup_id"))
        batch_op.drop_index("ix_appointments_practitioner_starts")
        batch_op.drop_index("ix_appointments_clinic_starts")
        batch_op.drop_index(batch_op.f("ix_appointments_clinic_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_client_id"))

    op.drop_table("appointments")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_clinic_id"))
        batch_op.drop_index(batch_op.f("ix_messages_client_id"))

    op.drop_table("messages")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_clinic_id"))

    op.drop_table("jobs")
    op.drop_table("clinic_mail")
    with op.batch_alter_table("client_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_links_clinic_id"))
        batch_op.drop_index(batch_op.f("ix_client_links_client_id"))

    op.drop_table("client_links")

"""Safety floors and data protection.

- ``store_meta``: the store's identity (a random ``store_id``, kept in every backup) and its administrator.
- ``clinic_rules``: each clinic's rule overrides, versioned.
- clinics: timezone and the details printed on handouts; users: an optional login e-mail.
- consent texts belong to a clinic (the packaged ones to none).
- sessions: ``historical`` (recorded after the fact); sterilisation cycles: ``failure_reason``.
- ``followup_outcomes``: every outcome of a follow-up kept; symptom reports: an idempotency key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 19:20:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    meta = op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_meta")),
    )
    op.bulk_insert(meta, [{"key": "store_id", "value": uuid.uuid4().hex}])
    # The first clinic's first owner administers a store made before administrators existed.
    op.execute(
        "INSERT INTO store_meta (key, value) SELECT 'admin_user_id', CAST(MIN(id) AS VARCHAR(40)) "
        "FROM users WHERE role = 'owner' HAVING MIN(id) IS NOT NULL"
    )
    op.create_table(
        "clinic_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_clinic_rules_clinic_id_clinics"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_clinic_rules_created_by_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_rules")),
        sa.UniqueConstraint("clinic_id", "version", name=op.f("uq_clinic_rules_clinic_id")),
    )
    op.create_index(op.f("ix_clinic_rules_clinic_id"), "clinic_rules", ["clinic_id"])
    op.create_table(
        "followup_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_followup_outcomes_followup_id_followups"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_followup_outcomes_recorded_by_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_outcomes")),
    )
    op.create_index(op.f("ix_followup_outcomes_followup_id"), "followup_outcomes", ["followup_id"])
    with op.batch_alter_table("clinics") as b:
        b.add_column(sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False))
        b.add_column(sa.Column("phone", sa.String(length=60), nullable=True))
        b.add_column(sa.Column("email", sa.String(length=200), nullable=True))
        b.add_column(sa.Column("address", sa.Text(), nullable=True))
    with op.batch_alter_table("users") as b:
        b.add_column(sa.Column("email", sa.String(length=200), nullable=True))
        b.create_unique_constraint(op.f("uq_users_email"), ["email"])
    with op.batch_alter_table("consent_texts") as b:
        b.add_column(sa.Column("clinic_id", sa.Integer(), nullable=True))
        b.drop_constraint(op.f("uq_consent_texts_kind"), type_="unique")
        b.create_unique_constraint(op.f("uq_consent_texts_clinic_id"), ["clinic_id", "kind", "version"])
        b.create_foreign_key(
            op.f("fk_consent_texts_clinic_id_clinics"), "clinics", ["clinic_id"], ["id"], ondelete="RESTRICT"
        )
        b.create_index(op.f("ix_consent_texts_clinic_id"), ["clinic_id"])
    with op.batch_alter_table("sessions") as b:
        b.add_column(sa.Column("historical", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("sterilisation_cycles") as b:
        b.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("symptom_reports") as b:
        b.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        b.create_unique_constraint(op.f("uq_symptom_reports_client_id"), ["client_id", "idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("symptom_reports") as b:
        b.drop_constraint(op.f("uq_symptom_reports_client_id"), type_="unique")
        b.drop_column("idempotency_key")
    with op.batch_alter_table("sterilisation_cycles") as b:
        b.drop_column("failure_reason")
    with op.batch_alter_table("sessions") as b:
        b.drop_column("historical")
    with op.batch_alter_table("consent_texts") as b:
        b.drop_index(op.f("ix_consent_texts_clinic_id"))
        b.drop_constraint(op.f("fk_consent_texts_clinic_id_clinics"), type_="foreignkey")
        b.drop_constraint(op.f("uq_consent_texts_clinic_id"), type_="unique")
        b.create_unique_constraint(op.f("uq_consent_texts_kind"), ["kind", "version"])
        b.drop_column("clinic_id")
    with op.batch_alter_table("users") as b:
        b.drop_constraint(op.f("uq_users_email"), type_="unique")
        b.drop_column("email")
    with op.batch_alter_table("clinics") as b:
        b.drop_column("address")
        b.drop_column("email")
        b.drop_column("phone")
        b.drop_column("timezone")
    op.drop_index(op.f("ix_followup_outcomes_followup_id"), table_name="followup_outcomes")
    op.drop_table("followup_outcomes")
    op.drop_index(op.f("ix_clinic_rules_clinic_id"), table_name="clinic_rules")
    op.drop_table("clinic_rules")
    op.drop_table("store_meta")

"""Consultation on the client's photo and repair maps.

- ``designs.photo_id``: the consultation photo a design version was placed on (the photo's landmarks are its
  anchors).
- ``repair_maps``: a repair consultation on a close-up: its scale, the dot map with each dot's class (as
  detected and as corrected) and the removal-and-add plan, as one JSON document.
- Photo kinds ``consultation`` and ``closeup`` (the column is free text; the services check the kind).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("designs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_designs_photo_id"), ["photo_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_designs_photo_id_photos"), "photos", ["photo_id"], ["id"], ondelete="RESTRICT"
        )

    op.create_table(
        "repair_maps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=True),
        sa.Column("mm_per_px", sa.Float(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_repair_maps_client_id_clients"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_repair_maps_photo_id_photos"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["design_id"], ["designs.id"], name=op.f("fk_repair_maps_design_id_designs"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_repair_maps_created_by_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_maps")),
    )
    with op.batch_alter_table("repair_maps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_maps_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_maps_photo_id"), ["photo_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repair_maps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_maps_photo_id"))
        batch_op.drop_index(batch_op.f("ix_repair_maps_client_id"))
    op.drop_table("repair_maps")
    with op.batch_alter_table("designs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_designs_photo_id_photos"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_designs_photo_id"))
        batch_op.drop_column("photo_id")

"""Learned unit words: a distributor's own pack and piece words, from history and from resolutions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learned_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("learned_units", schema=None) as batch_op:
        batch_op.create_index("ix_learned_unit", ["customer_id", "word"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("learned_units", schema=None) as batch_op:
        batch_op.drop_index("ix_learned_unit")
    op.drop_table("learned_units")

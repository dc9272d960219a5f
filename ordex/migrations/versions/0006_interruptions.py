"""Interrupted processing: when the pipeline started on a message under its current lease, and how often a lease
lapsed after that (its worker crashed, was killed or overran), so that a message that brings a worker down is
held instead of leased into the next.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interruptions", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("started_at")
        batch_op.drop_column("interruptions")

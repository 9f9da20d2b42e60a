"""data_state.data_stamp: a random token replaced by every committed write.

``data_version`` counts writes, but a database that is dropped and created again
counts from zero once more; the stamp never repeats, so it can name a cached copy of
the frames (see :mod:`geo.db.snapshot`) without ever matching another database's data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
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
    with op.batch_alter_table("data_state") as batch:
        batch.add_column(sa.Column("data_stamp", sa.String(32), nullable=False,
                                   server_default=""))
    op.execute(sa.text("UPDATE data_state SET data_stamp = :stamp")
               .bindparams(stamp=uuid.uuid4().hex))


def downgrade() -> None:
    with op.batch_alter_table("data_state") as batch:
        batch.drop_column("data_stamp")

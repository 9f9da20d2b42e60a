"""sites.contact: who to reach at a site (name, e-mail or phone), "" when not known.

An import of sites may carry a contact column; it is stored here and shown in the
site's popup, its form and the exports (hidden from the public for partners that have
not approved public listing, like activity contacts).

The frames change shape, so the data stamp is replaced too: a copy of the frames kept
under the old stamp (:mod:`geo.db.snapshot`) has no ``contact`` column and must not be
read back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("contact", sa.Text, nullable=False, server_default=""))
    op.execute(sa.text("UPDATE data_state SET data_version = data_version + 1, "
                       "data_stamp = :stamp").bindparams(stamp=uuid.uuid4().hex))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("contact")
    op.execute(sa.text("UPDATE data_state SET data_version = data_version + 1, "
                       "data_stamp = :stamp").bindparams(stamp=uuid.uuid4().hex))

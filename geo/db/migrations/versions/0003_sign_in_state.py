"""Sign-in state out of the data version; session generations; generated secrets.

* ``sign_in_failures``: the lockout and throttle counts (per address, per client, per
  address and client), written without bumping ``data_state``; replaces
  ``users.failed_attempts`` / ``users.locked_until`` (their counts are not carried
  over: they only delay sign-ins for a few minutes).
* ``users.session_generation``: a counter carried by every signed session token.
* ``app_secrets``: secrets generated once per database (the session signing key).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", _TS, nullable=False),
        sa.Column("locked_until", _TS, nullable=True),
    )
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.drop_column("failed_attempts")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_attempts", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("locked_until", _TS, nullable=True))
        batch.drop_column("session_generation")
    op.drop_table("app_secrets")
    op.drop_table("sign_in_failures")

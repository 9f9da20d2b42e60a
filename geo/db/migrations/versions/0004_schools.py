"""schools: the school directory (an official school list staff load once).

Rows of partners' files without coordinates are matched to it by school ID or name
(:mod:`geo.schools`); ``python -m geo schools load FILE`` replaces its contents.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text, nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "schools",
        sa.Column("school_id", sa.Text, primary_key=True),
        _text("name"),
        _text("city"),
        _text("state"),
        _text("zip"),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        _text("leaid"),
        _text("source"),
    )


def downgrade() -> None:
    op.drop_table("schools")

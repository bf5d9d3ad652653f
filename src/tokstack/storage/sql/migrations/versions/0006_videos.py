"""videos (the Display API's /v2/video/list/ and /v2/video/query/)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "videos",
        sa.Column("id", sa.String(length=19), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=600), nullable=False),
        sa.Column("description", sa.String(length=600), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("privacy_level", sa.String(length=32), nullable=False),
        sa.Column("like_count", sa.BigInteger(), nullable=False),
        sa.Column("comment_count", sa.BigInteger(), nullable=False),
        sa.Column("share_count", sa.BigInteger(), nullable=False),
        sa.Column("view_count", sa.BigInteger(), nullable=False),
        sa.Column("is_aigc", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("media_key", sa.String(length=200), nullable=True),
        sa.Column("cover_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_videos_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_videos")),
    )
    op.create_index("ix_videos_user_id_create_time", "videos", ["user_id", "create_time"])


def downgrade() -> None:
    op.drop_index("ix_videos_user_id_create_time", "videos")
    op.drop_table("videos")

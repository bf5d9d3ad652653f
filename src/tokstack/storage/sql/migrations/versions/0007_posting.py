"""publishes (the Content Posting API), apps.audited and apps.url_prefixes, longer captions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(
            sa.Column("audited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("url_prefixes", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("users") as batch:
        # video_count counts the user's public videos unless an operator set it
        batch.add_column(
            sa.Column("video_count_set", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # before this revision video_count was only ever set by hand
    op.execute(sa.text("UPDATE users SET video_count_set = TRUE WHERE video_count <> 0"))
    with op.batch_alter_table("videos") as batch:
        # a post's caption holds up to 2200 UTF-16 units
        batch.alter_column("description", type_=sa.Text(), existing_nullable=False)
    op.create_table(
        "publishes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("app_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("post_info", sa.Text(), nullable=False),
        sa.Column("video_size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_size", sa.BigInteger(), nullable=False),
        sa.Column("total_chunk_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_bytes", sa.BigInteger(), nullable=False),
        sa.Column("downloaded_bytes", sa.BigInteger(), nullable=False),
        sa.Column("video_url", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(length=8), nullable=False, server_default="VIDEO"),
        sa.Column("photo_images", sa.Text(), nullable=True),
        sa.Column("upload_key", sa.String(length=64), nullable=False),
        sa.Column("upload_expires_at", sa.BigInteger(), nullable=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
        sa.Column("lease_until", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("fail_reason", sa.String(length=64), nullable=True),
        sa.Column("video_id", sa.String(length=19), nullable=True),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f("fk_publishes_app_id_apps")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_publishes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publishes")),
    )
    op.create_index("ix_publishes_due", "publishes", ["ready", "status", "lease_until"])
    op.create_index("ix_publishes_user_created", "publishes", ["user_id", "created_at"])
    op.create_index("ix_publishes_video_id", "publishes", ["video_id"])


def downgrade() -> None:
    op.drop_index("ix_publishes_video_id", "publishes")
    op.drop_index("ix_publishes_user_created", "publishes")
    op.drop_index("ix_publishes_due", "publishes")
    op.drop_table("publishes")
    with op.batch_alter_table("videos") as batch:
        batch.alter_column("description", type_=sa.String(length=600), existing_nullable=False)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("video_count_set")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("url_prefixes")
        batch.drop_column("audited")

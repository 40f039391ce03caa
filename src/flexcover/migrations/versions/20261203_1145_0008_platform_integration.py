"""platform integration

Platforms integrate through the API: their roster by resident ID (matched or registered by
flexcover) with the places each worker works in; payments of what their co-contribution
agreements owe; a log of their writes with the rows refused (no personal data); and the answers
to writes sent with an Idempotency-Key, kept for replays.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 11:45:32.061914
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotent_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_requests")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_idempotent_requests_scope_key")),
    )
    with op.batch_alter_table("idempotent_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotent_requests_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "platform_payments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_platform_payments_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_payments")),
    )
    with op.batch_alter_table("platform_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_payments_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "platform_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejected_rows", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_platform_requests_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_requests")),
    )
    with op.batch_alter_table("platform_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_requests_platform_id"), ["platform_id"], unique=False
        )

    with op.batch_alter_table("platform_workers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_codes", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("'2026-01-01 00:00:00+00:00'"),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("platform_workers", schema=None) as batch_op:
        batch_op.drop_column("created_at")
        batch_op.drop_column("work_codes")

    with op.batch_alter_table("platform_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_requests_platform_id"))

    op.drop_table("platform_requests")
    with op.batch_alter_table("platform_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_payments_platform_id"))

    op.drop_table("platform_payments")
    with op.batch_alter_table("idempotent_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotent_requests_created_at"))

    op.drop_table("idempotent_requests")

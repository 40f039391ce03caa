"""jobs

The job queue that ``flexcover worker`` processes take work from (page-started comparisons,
month-end settlement). A comparison run may be queued: started from a page, waiting for a worker.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=100), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.String(length=200), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_jobs_status_known")
        ),
        sa.CheckConstraint(
            "attempts >= 0 AND max_attempts >= 1", name=op.f("ck_jobs_attempts_counted")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_jobs_key")),
    )
    op.create_index("ix_jobs_waiting", "jobs", ["status", "run_after"], unique=False)
    op.create_index(op.f("ix_jobs_region_code"), "jobs", ["region_code"], unique=False)
    with op.batch_alter_table("comparison_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_comparison_runs_status_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_comparison_runs_status_known"),
            "status IN ('queued', 'running', 'done', 'failed')",
        )


def downgrade() -> None:
    op.execute("UPDATE comparison_runs SET status = 'failed' WHERE status = 'queued'")
    with op.batch_alter_table("comparison_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_comparison_runs_status_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_comparison_runs_status_known"), "status IN ('running', 'done', 'failed')"
        )
    op.drop_index(op.f("ix_jobs_region_code"), table_name="jobs")
    op.drop_index("ix_jobs_waiting", table_name="jobs")
    op.drop_table("jobs")

"""coverage: comparison runs, their results and counts, and the expansion tasks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:45:54.521985
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comparison_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("as_of", sa.String(length=7), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=6), nullable=False),
        sa.Column("engine", sa.String(length=10), nullable=False),
        sa.Column("sources", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("linkage_model", sa.String(length=80), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'failed')", name=op.f("ck_comparison_runs_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["jurisdictions.code"],
            name=op.f("fk_comparison_runs_jurisdiction_code_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_runs")),
    )
    with op.batch_alter_table("comparison_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comparison_runs_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )

    op.create_table(
        "coverage_counts",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("klass", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("tag", sa.String(length=30), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["comparison_runs.id"],
            name=op.f("fk_coverage_counts_run_id_comparison_runs"),
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "district", "klass", "reason", "tag", name=op.f("pk_coverage_counts")
        ),
    )
    op.create_table(
        "coverage_results",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_key", sa.String(length=80), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("klass", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("unpaid_months", sa.Integer(), nullable=True),
        sa.Column("months_total", sa.Integer(), nullable=True),
        sa.Column("retirement_month", sa.String(length=7), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["comparison_runs.id"],
            name=op.f("fk_coverage_results_run_id_comparison_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "person_key", name=op.f("pk_coverage_results")),
    )
    with op.batch_alter_table("coverage_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coverage_results_run_district", ["run_id", "district", "klass"], unique=False
        )

    op.create_table(
        "expansion_tasks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("finding_key", sa.String(length=80), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("klass", sa.String(length=16), nullable=True),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome_reason", sa.String(length=200), nullable=True),
        sa.Column("outcome_by", sa.String(length=100), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "first_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "last_run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('person', 'employer_under_insured', 'project_no_injury_cover')",
            name=op.f("ck_expansion_tasks_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('issued', 'contacted', 'enrolled', 'unreachable', 'not_applicable', 'converted', 'resolved')",
            name=op.f("ck_expansion_tasks_status_known"),
        ),
        sa.CheckConstraint(
            "priority BETWEEN 1 AND 3", name=op.f("ck_expansion_tasks_priority_known")
        ),
        sa.ForeignKeyConstraint(
            ["first_run_id"],
            ["comparison_runs.id"],
            name=op.f("fk_expansion_tasks_first_run_id_comparison_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["comparison_runs.id"],
            name=op.f("fk_expansion_tasks_last_run_id_comparison_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expansion_tasks")),
    )
    with op.batch_alter_table("expansion_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_expansion_tasks_district", ["district_code", "status", "priority"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expansion_tasks_last_run_id"), ["last_run_id"], unique=False
        )
        batch_op.create_index(
            "uq_expansion_tasks_open",
            ["kind", "finding_key"],
            unique=True,
            sqlite_where=sa.text("status IN ('issued', 'contacted', 'enrolled', 'unreachable')"),
            postgresql_where=sa.text(
                "status IN ('issued', 'contacted', 'enrolled', 'unreachable')"
            ),
        )


def downgrade() -> None:
    with op.batch_alter_table("expansion_tasks", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_expansion_tasks_open",
            sqlite_where=sa.text("status IN ('issued', 'contacted', 'enrolled', 'unreachable')"),
            postgresql_where=sa.text(
                "status IN ('issued', 'contacted', 'enrolled', 'unreachable')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_expansion_tasks_last_run_id"))
        batch_op.drop_index("ix_expansion_tasks_district")

    op.drop_table("expansion_tasks")
    with op.batch_alter_table("coverage_results", schema=None) as batch_op:
        batch_op.drop_index("ix_coverage_results_run_district")

    op.drop_table("coverage_results")
    op.drop_table("coverage_counts")
    with op.batch_alter_table("comparison_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comparison_runs_jurisdiction_code"))

    op.drop_table("comparison_runs")

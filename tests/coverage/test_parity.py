"""The classification is written once: DuckDB and Spark give every person the same class,
reason, tags and evidence, and the same employer findings, on the same records."""

from __future__ import annotations

import random
from datetime import date

import pytest

from flexcover.coverage.classify import retirement_table
from flexcover.coverage.classify import settings as classify_settings
from flexcover.kit.credit_code import credit_check_character
from flexcover.kit.months import Month
from flexcover.rules.parameters import default_rulebook
from tests.coverage.fixtures import World, classify_world

AUG = Month(2025, 8)
SETTINGS = classify_settings(default_rulebook(), AUG, "500000", interrupted_after=3)
EMPLOYERS = [
    f"91500103MA{n:07d}" + credit_check_character(f"91500103MA{n:07d}") for n in range(1, 6)
]


def mixed_world(people: int, seed: int) -> World:
    """People in every situation the rules tell apart, drawn at random."""
    rng = random.Random(seed)
    world = World()
    for _ in range(people):
        born = date(rng.randint(1950, 2012), rng.randint(1, 12), rng.randint(1, 28))
        me = world.person(
            born=born,
            gender=rng.choice(("male", "female")),
            district=rng.choice(("500103", "500106", "500112")),
            student=rng.random() < 0.05,
        )
        roll = rng.random()
        if roll < 0.5:
            world.enrolled(
                me,
                scheme=rng.choice(("employee_pension", "employee_pension", "resident_pension")),
                identity=rng.choice(("employee", "flexible")),
                employer_code=rng.choice(EMPLOYERS),
                status=rng.choice(("paying", "paying", "paused", "terminated", "retired")),
                first_month=f"20{rng.randint(10, 25):02d}-{rng.randint(1, 12):02d}",
                paid_last_12=rng.randint(0, 12),
                months_total=rng.randint(0, 300),
            )
        if rng.random() < 0.1:
            world.says(
                me,
                "elsewhere",
                province="510000",
                scheme="employee_pension",
                active=rng.random() < 0.7,
            )
        if rng.random() < 0.03:
            world.says(me, "deaths", death_date=date(2025, rng.randint(1, 12), 1))
        if rng.random() < 0.15:
            world.says(
                me,
                "platform",
                platform_code=EMPLOYERS[0],
                month="2025-08",
                orders=rng.randint(1, 300),
            )
        if rng.random() < 0.4:
            world.says(
                me,
                "tax",
                employer_code=rng.choice(EMPLOYERS),
                employer_name="某公司",
                first_month="2024-09",
                last_month=rng.choice(("2025-08", "2025-03", "2024-06")),
                income_fen=rng.randint(1, 10**7),
            )
        if rng.random() < 0.05:
            world.says(me, "dibao", household=f"H{rng.randint(1, 99)}")
        if rng.random() < 0.05:
            world.says(
                me,
                "business",
                credit_code=rng.choice(EMPLOYERS),
                entity_type="individual",
                status=rng.choice(("active", "cancelled")),
            )
    for index, employer in enumerate(EMPLOYERS):
        world.add(
            "construction",
            project_id=f"P-{index}",
            contractor_code=employer,
            start_date=date(2025, index + 5, 1),
            injury_cover=index % 2 == 0,
            project_district="500103",
        )
    return world


def outcome(engine_name: str, world: World, rulebook) -> tuple[list, list]:
    retirements = retirement_table(rulebook, AUG)
    people, findings = classify_world(world, retirements, SETTINGS, engine_name)
    key = ("person", "klass", "reason", "tags", "evidence", "unpaid_months", "retirement_month")
    return (
        sorted(tuple(_plain(row[k]) for k in key) for row in people),
        sorted(tuple(_plain(v) for v in row.values()) for row in findings),
    )


def _plain(value):
    return tuple(sorted(value)) if isinstance(value, list) else value


@pytest.mark.spark
# PySpark leaves sockets of its Java gateway for the garbage collector to close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_duckdb_and_spark_classify_alike(rulebook):
    world = mixed_world(600, seed=11)
    on_duckdb = outcome("duckdb", world, rulebook)
    on_spark = outcome("spark", world, rulebook)
    classes = {row[1] for row in on_duckdb[0]}
    assert classes == {"covered", "interrupted", "dropped", "never_insured", "excluded"}
    assert on_spark == on_duckdb

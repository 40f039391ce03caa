"""A finished comparison written through the real tables and services: a run row, each person's
class, the counts per district, class, reason and tag (as the batch job writes them), and the
expansion tasks handed out by :func:`expansion.hand_out`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flexcover.coverage import expansion
from flexcover.coverage.models import ComparisonRun, CoverageCount, CoverageResult
from flexcover.kit.database import Database

YUZHONG, SHAPINGBA, CITY = "500103", "500106", "500100"


@dataclass(frozen=True)
class Someone:
    """One person of the population register and the class a comparison gave them."""

    name: str
    district: str = YUZHONG
    klass: str = "never_insured"
    reason: str | None = None
    tags: tuple[str, ...] = ()
    phone: str | None = "13800138000"
    months_total: int | None = None
    key: str = field(default="")


def compare(
    database: Database,
    people: list[Someone],
    *,
    as_of: str = "2026-10",
    jurisdiction: str = "500000",
) -> int:
    """Write a done comparison of ``people``; returns its run id."""
    with database.unit_of_work() as session:
        run = ComparisonRun(
            as_of=as_of,
            jurisdiction_code=jurisdiction,
            engine="duckdb",
            sources="test",
            status="done",
            people=len(people),
            started_by="test",
            counts={"classes": dict(Counter(p.klass for p in people))},
            report={
                "sources": {
                    "population": {
                        "files": ["population.csv"],
                        "rows": len(people) + 2,
                        "kept": len(people),
                        "bad": {"birth_date: missing": 2},
                        "warnings": {},
                    }
                },
                "tasks": {"issued": 0, "updated": 0, "resolved": 0},
            },
        )
        session.add(run)
        session.flush()
        counts: Counter[tuple[str, str, str, str]] = Counter()
        findings = []
        for number, person in enumerate(people, start=1):
            key = person.key or f"h{person.name}"
            tags = _tags(person)
            session.add(
                CoverageResult(
                    run_id=run.id,
                    person_key=key,
                    district=person.district,
                    name=person.name,
                    klass=person.klass,
                    reason=person.reason,
                    tags=expansion.tag_text(tags),
                    months_total=person.months_total,
                    evidence=[f"population.csv:{number}"],
                )
            )
            counts[(person.district, person.klass, person.reason or "", "")] += 1
            for tag in tags:
                counts[(person.district, person.klass, person.reason or "", tag)] += 1
            if person.klass in expansion.TASK_CLASSES:
                findings.append(_finding(key, person))
        for (district, klass, reason, tag), n in counts.items():
            session.add(
                CoverageCount(
                    run_id=run.id, district=district, klass=klass, reason=reason, tag=tag, people=n
                )
            )
        session.flush()
        expansion.hand_out(session, run_id=run.id, jurisdiction=jurisdiction, findings=findings)
        return run.id


def _tags(person: Someone) -> list[str]:
    """The person's tags, with ``platform_no_pension`` where docs/coverage.md puts it."""
    tags = list(person.tags)
    if "platform_worker" in tags and person.klass in expansion.TASK_CLASSES:
        tags.append("platform_no_pension")
    return tags


def _finding(key: str, person: Someone) -> expansion.Finding:
    tags = _tags(person)
    priority = 1 if "near_retirement_short" in tags else 2 if "platform_no_pension" in tags else 3
    return expansion.Finding(
        kind="person",
        finding_key=key,
        district_code=person.district,
        klass=person.klass,
        tags=expansion.tag_text(tags),
        priority=priority,
        action=expansion.ACTIONS[person.klass],
        channel="platform" if "platform_worker" in tags else "phone",
        name=person.name,
        phone=person.phone,
        birth_date="1988-04-02",
        details={"evidence": [f"population.csv:{key}"]},
    )


def city() -> list[Someone]:
    """渝中区: 3 covered, 2 never insured platform workers, 1 dropped, 1 excluded (a student who
    also rides: a platform worker the platform panel must not count);
    沙坪坝区: 1 covered, 1 interrupted, 1 never insured."""
    return [
        Someone("王芳", klass="covered"),
        Someone("李强", klass="covered", tags=("platform_worker",)),
        Someone("赵敏", klass="covered"),
        Someone("骑手甲", tags=("platform_worker",)),
        Someone("骑手乙", tags=("platform_worker",)),
        Someone("孙丽", klass="dropped"),
        Someone("周学", klass="excluded", reason="student", tags=("platform_worker",)),
        Someone("吴刚", district=SHAPINGBA, klass="covered"),
        Someone("郑红", district=SHAPINGBA, klass="interrupted"),
        Someone("冯涛", district=SHAPINGBA),
    ]

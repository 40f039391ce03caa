"""Hand-made canonical records for the classification tests: a few people and what each
department says about them, built row by row and handed to an engine as Arrow tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from flexcover.coverage.canonical import SOURCE_TYPES, fields_of

ARROW = {
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "BIGINT": pa.int64(),
    "VARCHAR[]": pa.list_(pa.string()),
}


@dataclass
class World:
    """Canonical records by source type; ``person`` adds a population record and returns its
    record id (its keyed hash is ``h<n>``)."""

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {source: [] for source in SOURCE_TYPES}
    )

    def person(
        self,
        *,
        born: date = date(1985, 6, 1),
        gender: str = "male",
        district: str = "500103",
        student: bool = False,
        **fields: Any,
    ) -> str:
        number = len(self.rows["population"]) + 1
        return self.add(
            "population",
            id_hash=f"h{number}",
            name=f"人{number}",
            birth_date=born,
            gender=gender,
            district=district,
            student=student,
            **fields,
        )

    def add(self, source: str, **values: Any) -> str:
        record_id = f"{source}.csv:{len(self.rows[source]) + 1}"
        self.rows[source].append({"source": source, "record_id": record_id, **values})
        return record_id

    def says(self, person: str, source: str, **values: Any) -> str:
        """A record of ``source`` about the population record ``person`` (same keyed hash)."""
        who = next(r for r in self.rows["population"] if r["record_id"] == person)
        values.setdefault("id_valid", True)
        return self.add(source, id_hash=who["id_hash"], name=who["name"], **values)

    def enrolled(self, person: str, **values: Any) -> str:
        record = {
            "scheme": "employee_pension",
            "identity": "flexible",
            "status": "paying",
            "first_month": "2020-01",
            "paid_last_12": 12,
            "months_total": 68,
            **values,
        }
        return self.says(person, "register", **record)

    def tables(self) -> dict[str, pa.Table]:
        out = {}
        for source in SOURCE_TYPES:
            schema = pa.schema(
                [("source", pa.string()), ("record_id", pa.string())]
                + [(name, ARROW[sql]) for name, sql in fields_of(source).items()]
            )
            rows = self.rows[source]
            out[source] = pa.Table.from_pylist(
                [{name: row.get(name) for name in schema.names} for row in rows], schema=schema
            )
        return out


def classify_world(
    world: World, retirements: pa.Table, settings: Any, engine_name: str = "duckdb"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The classification of the world's people and its employer findings on an engine, links
    made on the keyed hash alone (rows as dicts)."""
    from flexcover.coverage.classify import classify, employer_findings, exact_links, spine
    from flexcover.coverage.engines import backend

    engine = backend(engine_name)
    try:
        tables = {name: engine.table(name, data) for name, data in world.tables().items()}
        records = [tables[s] for s in tables if s not in ("population", "construction")]
        people = spine(tables["population"])
        linked = [exact_links(people, r) for r in records]
        links = linked[0].union(*linked[1:])
        expression = classify(tables, links, engine.table("retirement", retirements), settings)
        rows = engine.to_arrow(expression).to_pylist()
        findings = engine.to_arrow(employer_findings(tables, settings)).to_pylist()
    finally:
        engine.close()
    return rows, findings

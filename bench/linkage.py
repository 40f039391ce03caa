"""Benchmark: probabilistic person linkage (``coverage.linkage``) on synthetic people.

A population of N people (the spine) and 2·M source records describing 90 % of them and 10 %
outsiders, half with a valid ID number (the labels for training), with the faults listed in
``tests/coverage/linkage_data.py``. The model is trained on all 2·M records; the records left to
link are those without a valid ID or whose valid ID matched no one (≈ M). Reported: training
and linking time, candidate pairs and pairs scored per second, precision (links to the true
person over all links) and recall (over records whose true person is in the population), and the
misses by what the record still had in common with its person.

    .venv/bin/python bench/linkage.py [--people 100000] [--records 5000] [--threshold 0.95]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.coverage

from tests.coverage.linkage_data import Noise, linkage_case

from flexcover.coverage.linkage import DuckDBBackend, candidate_pairs, link, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--noise", choices=("default", "light"), default="default", help="light: faults halved"
    )
    arguments = parser.parse_args()

    started = time.monotonic()
    noise = Noise()
    if arguments.noise == "light":
        noise = Noise(**{name: share / 2 for name, share in asdict(noise).items()})
    case = linkage_case(
        people=arguments.people, records=2 * arguments.records, seed=arguments.seed, noise=noise
    )
    print(f"data: {time.monotonic() - started:.1f} s")
    con = duckdb.connect()
    for name, table in (("left_arrow", case.left), ("right_arrow", case.right)):
        con.register(name, table)
    con.register("truth_arrow", case.truth)
    con.execute(
        "CREATE TABLE population AS FROM left_arrow; CREATE TABLE sources AS FROM right_arrow; "
        "CREATE TABLE truth AS FROM truth_arrow; "
        "CREATE TABLE to_link AS SELECT * FROM sources WHERE id_hash IS NULL "
        "OR id_hash NOT IN (SELECT id_hash FROM population)"
    ).fetchall()
    backend = DuckDBBackend(con)

    started = time.monotonic()
    model = train("population", "sources", backend=backend)
    trained = time.monotonic() - started
    print(f"train: {trained:.1f} s ({model.trained_by}, {model.labels:,} labels)")

    started = time.monotonic()
    links = link(model, "population", "to_link", backend=backend, threshold=0.5)
    linked = time.monotonic() - started
    pairs = candidate_pairs("population", "to_link", backend=backend)
    print(f"link: {linked:.1f} s, {pairs:,} candidate pairs, {pairs / linked:,.0f} pairs/s")

    con.register("all_links", links)
    print("threshold  precision  recall")
    for threshold in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW links AS SELECT * FROM all_links "
            f"WHERE match_probability >= {threshold}"
        ).fetchall()
        (insiders, linked_count, correct) = con.execute(
            """
            SELECT count(*) FILTER (WHERE t.true_left IS NOT NULL), count(l.left_record_id),
                   count(*) FILTER (WHERE l.left_record_id = t.true_left)
            FROM to_link AS r JOIN truth AS t USING (record_id)
            LEFT JOIN links AS l ON l.right_record_id = r.record_id
            """
        ).fetchall()[0]
        print(
            f"{threshold:9}  {correct / max(linked_count, 1):9.4%}  "
            f"{correct / max(insiders, 1):.4%}"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW links AS SELECT * FROM all_links "
        f"WHERE match_probability >= {arguments.threshold}"
    ).fetchall()
    (records, insiders, linked_count, correct) = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE t.true_left IS NOT NULL),
               count(l.left_record_id),
               count(*) FILTER (WHERE l.left_record_id = t.true_left)
        FROM to_link AS r JOIN truth AS t USING (record_id)
        LEFT JOIN links AS l ON l.right_record_id = r.record_id
        """
    ).fetchall()[0]
    print(
        f"to link: {records:,} records, {insiders:,} of people in the population; "
        f"linked {linked_count:,}"
    )
    print(
        f"precision {correct / max(linked_count, 1):.4%}  recall {correct / max(insiders, 1):.4%}"
    )
    print("misses by what the record shares with its person (birth date, phone exact):")
    for row in con.execute(
        """
        SELECT r.birth_date = p.birth_date AS birth, r.phone = p.phone AS phone,
               count(*) AS people,
               count(*) FILTER (WHERE l.left_record_id IS DISTINCT FROM t.true_left) AS missed,
               count(l.left_record_id) FILTER (WHERE l.left_record_id <> t.true_left) AS wrong
        FROM to_link AS r JOIN truth AS t USING (record_id)
        JOIN population AS p ON p.record_id = t.true_left
        LEFT JOIN links AS l ON l.right_record_id = r.record_id
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall():
        print(
            f"  birth {row[0]!s:5} phone {row[1]!s:5}: {row[2]:>7,} people, "
            f"{row[3]:>5,} not linked to them ({row[4]:,} to someone else)"
        )
    outsiders_linked = con.execute(
        "SELECT count(*) FROM links AS l JOIN truth AS t ON t.record_id = l.right_record_id "
        "WHERE t.true_left IS NULL"
    ).fetchall()[0][0]
    print(f"outsiders linked to someone: {outsiders_linked:,}")


if __name__ == "__main__":
    main()

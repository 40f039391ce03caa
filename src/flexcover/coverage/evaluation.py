"""How right a comparison was: its links and classes scored against the hidden truth of a
synthetic department set (``flexcover synth departments`` writes ``truth/``).

Matching: over the source records that describe a person of the population register (the truth
names them), recall is the share linked to the right person; over the records the run linked,
precision is the share linked to the right person (a link to someone outside the register's
truth counts as wrong). Classes: per class, precision and recall of the people put in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Score:
    """Counts behind a precision and a recall."""

    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.actual if self.actual else 1.0


@dataclass(frozen=True)
class Evaluation:
    matching: Score
    matching_by_method: dict[str, Score]
    classes: dict[str, Score]
    people: int


def evaluate(run_folder: Path, truth_folder: Path, population: Path) -> Evaluation:
    """Score the run whose files are in ``run_folder`` (links.parquet, results.parquet) against
    ``truth_folder`` (people.parquet, links.parquet); ``population`` is the population file the
    run read (its rows are the truth's rows, in order)."""
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TABLE spine AS SELECT 公民身份号码 AS true_id, "
            f"'{population.name}:' || row_number() OVER () AS person "
            f"FROM read_parquet('{population}')"
        )
        truth_links = truth_folder / "links.parquet"
        con.execute(f"CREATE TABLE truth_links AS SELECT * FROM read_parquet('{truth_links}')")
        con.execute(
            f"CREATE TABLE links AS SELECT * FROM read_parquet('{run_folder}/links.parquet')"
        )
        # A record the truth says describes someone on the register, and whom the run chose.
        con.execute(
            "CREATE TABLE scored AS SELECT t.source, t.record_id, t.true_id, l.method, "
            "s.true_id AS linked_id FROM truth_links AS t "
            "LEFT JOIN links AS l ON l.source = t.source AND l.record_id = t.record_id "
            "LEFT JOIN spine AS s ON s.person = l.person"
        )
        on_register = "true_id IN (SELECT true_id FROM spine)"
        (tp, predicted, actual) = con.execute(
            "SELECT count(*) FILTER (linked_id = true_id), count(*) FILTER (method IS NOT NULL), "
            f"count(*) FILTER ({on_register}) FROM scored"
        ).fetchall()[0]
        by_method = {
            method: Score(hits, linked, actual)
            for method, hits, linked in con.execute(
                "SELECT method, count(*) FILTER (linked_id = true_id), count(*) FROM scored "
                "WHERE method IS NOT NULL GROUP BY method ORDER BY method"
            ).fetchall()
        }
        con.execute(
            "CREATE TABLE truth_people AS SELECT 公民身份号码 AS true_id, class AS klass, reason "
            f"FROM read_parquet('{truth_folder}/people.parquet')"
        )
        con.execute(
            "CREATE TABLE ours AS SELECT s.true_id, r.klass, r.reason "
            f"FROM read_parquet('{run_folder}/results.parquet') AS r "
            "JOIN spine AS s ON s.person = r.person"
        )
        classes = {
            klass: Score(hits, predicted_n, actual_n)
            for klass, hits, predicted_n, actual_n in con.execute(
                "WITH k AS (SELECT DISTINCT klass FROM truth_people UNION "
                "SELECT DISTINCT klass FROM ours) "
                "SELECT k.klass, "
                "(SELECT count(*) FROM ours o JOIN truth_people t USING (true_id) "
                "WHERE o.klass = k.klass AND t.klass = k.klass), "
                "(SELECT count(*) FROM ours o WHERE o.klass = k.klass), "
                "(SELECT count(*) FROM truth_people t WHERE t.klass = k.klass) "
                "FROM k ORDER BY k.klass"
            ).fetchall()
        }
        (people,) = con.execute("SELECT count(*) FROM ours").fetchall()[0]
    finally:
        con.close()
    return Evaluation(Score(tp, predicted, actual), by_method, classes, people)

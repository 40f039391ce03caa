"""Probabilistic person linkage (docs/coverage.md, "Matching"): a synthetic population of 3,000
with a model trained on it, and hand-made people added to it and to the records to link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from flexcover.coverage.linkage import (
    LINKS_SCHEMA,
    DuckDBBackend,
    LinkageModel,
    LinkageModelInvalid,
    link,
    on_engine,
    train,
)
from tests.coverage.linkage_data import LinkageCase, linkage_case

U_PAIRS = 2e6  # about a quarter of the 3,000 × 2,400 pairs: fast, and enough


def precision_and_recall(case: LinkageCase, links: pa.Table) -> tuple[float, float]:
    """Links to the true person over all links, and over records of people in the population."""
    truth = dict(
        zip(case.truth["record_id"].to_pylist(), case.truth["true_left"].to_pylist(), strict=True)
    )
    correct = sum(truth[r["right_record_id"]] == r["left_record_id"] for r in links.to_pylist())
    insiders = sum(person is not None for person in truth.values())
    return correct / links.num_rows, correct / insiders


def person(
    record_id: str,
    name: str,
    born: date | None = None,
    district: str | None = None,
    phone: str | None = None,
    gender: str | None = None,
) -> dict[str, object]:
    return {
        "record_id": record_id,
        "name": name,
        "birth_date": born,
        "gender": gender,
        "phone": phone,
        "district": district,
        "id_hash": None,
    }


# People added to the population: rare and common names, a namesake pair, a near twin.
POPULATION = [
    person("hand:zhao", "赵雨涵", date(1992, 11, 23), "500105", "13912345678", "female"),
    person("hand:liu", "刘建华", date(1985, 3, 2), "500106", "13700000002", "male"),
    person("hand:zhang", "张娜", date(1980, 1, 1), "500103", "13800000001", "female"),
    person("hand:ouyang", "欧阳翠花", date(1970, 6, 6), "500112", None, "female"),
    person("hand:li-a", "李明轩", date(1990, 2, 3), "500103", "13600000003", "male"),
    person("hand:li-b", "李明轩", date(1990, 2, 3), "500105", None, "male"),
]


@dataclass(frozen=True)
class Trained:
    case: LinkageCase
    model: LinkageModel
    connection: duckdb.DuckDBPyConnection

    def links(self, records: list[dict[str, object]], threshold: float = 0.95) -> pa.Table:
        right = pa.Table.from_pylist(records, schema=self.case.right.schema)
        return link(
            self.model,
            "population",
            right,
            backend=DuckDBBackend(self.connection),
            threshold=threshold,
        )

    def linked(self, records: list[dict[str, object]], **options: float) -> dict[str, dict]:
        return {row["right_record_id"]: row for row in self.links(records, **options).to_pylist()}


@pytest.fixture(scope="module")
def trained() -> Iterator[Trained]:
    case = linkage_case(people=3000, records=2400, seed=7)
    connection = duckdb.connect()
    hand = pa.Table.from_pylist(POPULATION, schema=case.left.schema)
    connection.register("synthetic", case.left)
    connection.register("hand", hand)
    connection.register("sources", case.right)
    connection.execute(
        "CREATE TABLE population AS SELECT * FROM synthetic UNION ALL SELECT * FROM hand"
    ).fetchall()
    model = train("synthetic", "sources", backend=DuckDBBackend(connection), u_max_pairs=U_PAIRS)
    yield Trained(case=case, model=model, connection=connection)
    connection.close()


def test_the_model_learns_m_from_shared_ids_when_there_are_enough(trained: Trained) -> None:
    assert trained.model.trained_by == "labels"
    assert trained.model.labels >= 1000
    # 90 % of the labelled records describe someone in the population of 3,000.
    assert trained.model.people == 3000
    assert trained.model.share == pytest.approx(0.9, rel=0.1)


def test_a_clean_duplicate_links_with_every_field_agreeing(trained: Trained) -> None:
    copy = person("r:1", "赵雨涵", date(1992, 11, 23), "500105", "13912345678", "female")
    linked = trained.linked([copy])
    assert linked["r:1"]["left_record_id"] == "hand:zhao"
    assert linked["r:1"]["match_probability"] > 0.999
    assert linked["r:1"]["agreed"] == ["name", "birth_date", "phone", "district"]


def test_a_homophone_given_name_with_the_same_birth_date_and_district_links(
    trained: Trained,
) -> None:
    typed = person("r:1", "刘建桦", date(1985, 3, 2), "500106")  # 华 typed as 桦
    linked = trained.linked([typed])
    assert linked["r:1"]["left_record_id"] == "hand:liu"
    assert linked["r:1"]["agreed"] == ["name", "birth_date", "district"]


def test_namesakes_with_a_common_name_in_one_district_born_apart_do_not_link(
    trained: Trained,
) -> None:
    namesake = person("r:1", "张娜", date(1991, 7, 15), "500103")
    assert trained.links([namesake], threshold=0.5).num_rows == 0


def test_a_rare_name_counts_for_more_than_a_common_one(trained: Trained) -> None:
    # Name and district agree, nothing else is known: 欧阳翠花 is one in 3,000, 张娜 six.
    rare = person("r:rare", "欧阳翠花", None, "500112")
    common = person("r:common", "张娜", None, "500103")
    linked = trained.linked([rare, common], threshold=0.01)
    assert linked["r:rare"]["match_probability"] > linked["r:common"]["match_probability"]
    assert linked["r:common"]["match_probability"] < 0.95


def test_each_record_gets_one_person_the_most_probable(trained: Trained) -> None:
    # Two 李明轩 born the same day: the one in the same district with the same phone wins.
    record = person("r:1", "李明轩", date(1990, 2, 3), "500103", "13600000003")
    links = trained.links([record])
    assert links.to_pylist() == [
        {
            "right_record_id": "r:1",
            "left_record_id": "hand:li-a",
            "match_probability": links["match_probability"][0].as_py(),
            "agreed": ["name", "birth_date", "phone", "district"],
        }
    ]


def test_the_threshold_keeps_only_links_at_least_that_probable(trained: Trained) -> None:
    backend = DuckDBBackend(trained.connection)
    loose = link(trained.model, "synthetic", "sources", backend=backend, threshold=0.5)
    strict = link(trained.model, "synthetic", "sources", backend=backend, threshold=0.99)
    probabilities = loose["match_probability"].to_pylist()
    assert min(probabilities) >= 0.5
    assert min(strict["match_probability"].to_pylist()) >= 0.99
    kept = [row for row in loose.to_pylist() if row["match_probability"] >= 0.99]
    assert strict.to_pylist() == kept
    assert strict.num_rows < loose.num_rows


def test_links_are_one_per_record_precise_and_mostly_complete(trained: Trained) -> None:
    links = link(trained.model, "synthetic", "sources", backend=DuckDBBackend(trained.connection))
    assert links.schema == LINKS_SCHEMA
    rights = links["right_record_id"].to_pylist()
    assert len(rights) == len(set(rights))
    precision, recall = precision_and_recall(trained.case, links)
    assert precision >= 0.995
    assert recall >= 0.95


def test_a_saved_model_loads_with_its_version_and_links_the_same(
    trained: Trained, tmp_path: Path
) -> None:
    path = tmp_path / "model.json"
    trained.model.save(path)
    loaded = LinkageModel.load(path)
    assert loaded.version == trained.model.version
    backend = DuckDBBackend(trained.connection)
    before = link(trained.model, "population", "sources", backend=backend)
    after = link(loaded, "population", "sources", backend=backend)
    assert after.equals(before)


def test_a_model_file_changed_after_training_is_refused(trained: Trained, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    trained.model.save(path)
    document = json.loads(path.read_text("utf-8"))
    document["settings"]["probability_two_random_records_match"] = 0.5
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(LinkageModelInvalid, match="was changed after training"):
        LinkageModel.load(path)


def test_with_few_shared_ids_the_model_is_estimated_by_em() -> None:
    case = linkage_case(people=2000, records=800, seed=3, valid_id_share=0.05)
    connection = duckdb.connect()
    connection.register("people", case.left)
    connection.register("records", case.right)
    model = train("people", "records", backend=DuckDBBackend(connection), u_max_pairs=U_PAIRS)
    assert model.trained_by == "em"
    links = link(model, "people", "records", backend=DuckDBBackend(connection))
    precision, recall = precision_and_recall(case, links)
    assert precision >= 0.99
    assert recall >= 0.9


def test_linking_leaves_no_tables_behind(trained: Trained) -> None:
    connection = duckdb.connect()
    connection.register("people", trained.case.left.slice(0, 200))
    connection.register("records", trained.case.right.slice(0, 50))
    link(trained.model, "people", "records", backend=DuckDBBackend(connection))
    names = {row[2] for row in connection.execute("SHOW ALL TABLES").fetchall()}
    assert names == {"people", "records"}


@pytest.mark.spark
# PySpark leaves sockets of its Java gateway for the garbage collector to close.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_links_like_duckdb(trained: Trained) -> None:
    from flexcover.coverage.engines import backend

    people, records = trained.case.left.slice(0, 1500), trained.case.right.slice(0, 1200)
    duckdb_engine, spark_engine = backend("duckdb"), backend("spark")
    try:
        outcomes = []
        for engine in (duckdb_engine, spark_engine):
            engine.table("people", people)
            engine.table("records", records)
            same_model = link(trained.model, "people", "records", backend=on_engine(engine))
            own_model = train(
                "people", "records", backend=on_engine(engine), u_max_pairs=U_PAIRS, min_labels=200
            )
            outcomes.append((same_model, own_model))
    finally:
        duckdb_engine.close()
        spark_engine.close()
    (on_duckdb, duckdb_model), (on_spark, spark_model) = outcomes
    assert on_spark.select(["right_record_id", "left_record_id", "agreed"]).equals(
        on_duckdb.select(["right_record_id", "left_record_id", "agreed"])
    )
    assert on_spark["match_probability"].to_pylist() == pytest.approx(
        on_duckdb["match_probability"].to_pylist(), abs=1e-12
    )
    # Trained on either, the model has the same shape and close parameters.
    assert spark_model.trained_by == duckdb_model.trained_by
    assert spark_model.share == pytest.approx(duckdb_model.share, rel=0.05)

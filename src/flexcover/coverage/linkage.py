"""概率匹配: probabilistic person linkage with Splink (docs/coverage.md, "Matching").

LEFT is the population register (the spine); RIGHT are source records to link. Both carry the
canonical person columns ``record_id``, ``name``, ``birth_date``, ``phone``, ``district`` and
``id_hash``. Every right record gets at most one left record: the most probable one whose match
probability is at least the threshold.

Comparisons (the fields of the contract; gender is not one of them):

* ``name``: exact, weighted by how common the name is (term frequency, so that 王伟 or 李娜 agree
  for less than a rare name does); one character different in a name of three or four
  characters (a homophone typed for a given-name character, or for the surname); one character
  different in a two-character name (weaker: 王伟/王玮 leaves only the surname, or only the
  given name); else.
* ``birth_date``: exact (term-frequency adjusted: registers over-use 1 January); day and month
  swapped; one digit different in ``YYYYMMDD``; same year and month; else.
* ``phone``: exact; one digit different; else.
* ``district``: exact; same city (first four digits of the code); else.

Candidate pairs (blocking) share a birth date and one of surname, given name or district; or a
phone number; or the full name and one of district or birth year. A true pair survives any one
broken field, and most pairs with two, at a few dozen candidates per right record at 10 million
people (rather than hundreds for birth date alone).

Training (:func:`train`): u by random sampling, less the true pairs the sample holds (they
dominate rare levels on small data). m from labels when there are enough: left and right records
sharing a valid ``id_hash`` are the same person, so their agreement rates on name, phone and
district are m. Their birth dates agree by construction (both come from the same ID number), so
birth date's m comes from expectation maximisation over the right records without a valid ID.
With too few labels, every m comes from expectation maximisation. Every level keeps half an
observation, so that none is impossible. The prior is the share of right records that describe
someone in the population (from the labels, or EM) spread over the population's size, at link
time the size of the population linked against.

The model (:class:`LinkageModel`) is the Splink settings JSON, written in SQL that DuckDB and
Spark both read, and its version is the hash of what decides the links: a comparison run records
the model file, and the same model on the same data gives the same links on either backend.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa

from flexcover.kit.problems import Problem

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from splink import Linker
    from splink.internals.database_api import DatabaseAPI
    from splink.internals.splink_dataframe import SplinkDataFrame

FIELDS = ("name", "birth_date", "phone", "district")
"""The compared fields, in the order ``agreed`` lists them."""
PERSON_COLUMNS = ("record_id", "name", "birth_date", "phone", "district", "id_hash")
DEFAULT_THRESHOLD = 0.95
"""``coverage.match_threshold`` when the run sets none (docs/coverage.md)."""
MIN_LABELS = 1000
"""Fewer label pairs than this and m is estimated by EM: with a few hundred, a level seen in 1 %
of true pairs may not be seen at all, and an unseen level would be taken as impossible."""
MIN_TRAINING_PEOPLE, MIN_TRAINING_RECORDS = 1000, 200
"""Below these, u and m would be estimated from a handful of pairs: bring a trained model."""
MODEL_FORMAT = "flexcover.linkage/1"
DEFAULT_SEED = 20250801

COMPOUND_SURNAMES = (
    "欧阳", "上官", "皇甫", "令狐", "诸葛", "司徒", "司马", "夏侯", "东方", "尉迟",
    "公孙", "慕容", "长孙", "宇文", "轩辕", "端木", "独孤", "南宫", "西门", "申屠",
)  # fmt: skip
"""Two-character surnames: the rest of the name is the given name."""

_LEFT, _RIGHT = "population", "source"  # Splink's source_dataset values; "population" sorts first


class LinkageModelInvalid(Problem):
    code = "linkage_model_invalid"
    title = {"zh-CN": "匹配模型文件有误", "en": "Invalid linkage model file"}
    detail = {"zh-CN": "{reason}。", "en": "{reason}."}  # the CLI puts the field first


class TooFewToTrain(Problem):
    code = "linkage_too_few_to_train"
    title = {"zh-CN": "数据太少，无法训练匹配模型", "en": "Too few records to train a model"}
    detail = {
        "zh-CN": "{people} 条人口记录、{records} 条待匹配记录，至少需要 {min_people} 和 "
        "{min_records} 条；请使用已训练的模型。",
        "en": "{people} population records and {records} to link are too few to train "
        "a model (at least {min_people} and {min_records}); use a trained model.",
    }


# --- the model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkageModel:
    """匹配模型: trained Splink settings, the size of the population they were trained on, how
    they were trained, and a version (content hash).

    The prior of the settings is for that population. Linking against another population (a
    district's, or an officer's list) keeps the share of records that describe someone in it and
    spreads it over that population's size: see :meth:`prior_for`."""

    settings: dict[str, Any]
    people: int  # population records in training
    trained_by: str  # "labels" or "em"
    labels: int  # label pairs (shared valid id_hash) seen in training

    @property
    def version(self) -> str:
        """The first 16 hex digits of the SHA-256 of what decides the links."""
        canonical = json.dumps(
            {"settings": self.settings, "people": self.people}, sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @property
    def share(self) -> float:
        """Share of right records that describe someone in the population."""
        return min(float(self.settings["probability_two_random_records_match"]) * self.people, 1)

    def prior_for(self, people: int) -> float:
        """Probability that a random pair is a true one, with ``people`` in the population."""
        return self.share / max(people, 1)

    def save(self, path: Path) -> None:
        document = {
            "format": MODEL_FORMAT,
            "version": self.version,
            "people": self.people,
            "trained_by": self.trained_by,
            "labels": self.labels,
            "settings": self.settings,
        }
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")

    @classmethod
    def load(cls, path: Path) -> LinkageModel:
        """The model saved at ``path``; refused when its content no longer has its version."""
        try:
            document = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise LinkageModelInvalid(field="model", reason=f"{path}: {error}") from None
        if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
            reason = f"{path} is not a {MODEL_FORMAT} file"
            raise LinkageModelInvalid(field="model", reason=reason)
        model = cls(
            settings=document["settings"],
            people=int(document["people"]),
            trained_by=str(document.get("trained_by", "")),
            labels=int(document.get("labels", 0)),
        )
        if model.version != document.get("version"):
            reason = f"{path} was changed after training"
            raise LinkageModelInvalid(field="model", reason=reason)
        return model


# --- backends ----------------------------------------------------------------------------------


class LinkageBackend(Protocol):
    """Where Splink runs. Inputs are whatever the backend can name in SQL; the SQL this module
    writes (views, comparisons, blocking) is read alike by DuckDB and Spark."""

    def database_api(self) -> DatabaseAPI[Any]: ...

    def name_table(self, table: Any, name: str) -> str:
        """A name SQL can use for ``table``: itself when it is a name, else ``name``."""
        ...

    def execute(self, sql: str) -> None: ...

    def fetch_one(self, sql: str) -> tuple[Any, ...]: ...


@dataclass(frozen=True)
class DuckDBBackend:
    """Tables, views or relations of one DuckDB connection (or Arrow tables to register there).
    Splink's working tables are created in the connection and dropped after each run."""

    connection: duckdb.DuckDBPyConnection

    def database_api(self) -> DatabaseAPI[Any]:
        from splink import DuckDBAPI

        return DuckDBAPI(self.connection)

    def name_table(self, table: Any, name: str) -> str:
        if isinstance(table, str):
            return table
        if isinstance(table, duckdb.DuckDBPyRelation):
            table.create_view(name, replace=True)
        else:
            self.connection.register(name, table)
        return name

    def execute(self, sql: str) -> None:
        self.connection.execute(sql).fetchall()

    def fetch_one(self, sql: str) -> tuple[Any, ...]:
        # fetchall: DuckDB 2 refuses new work on a connection with a half-read result.
        return tuple(self.connection.execute(sql).fetchall()[0])


@dataclass(frozen=True)
class SparkBackend:
    """Spark DataFrames or tables of one session (Arrow tables are turned into DataFrames).

    Splink writes intermediate tables as Parquet under the SparkContext's checkpoint directory
    (``spark.sparkContext.setCheckpointDir``), unless ``break_lineage_method`` says otherwise
    (``"persist"`` keeps them in memory: enough in local mode)."""

    session: SparkSession
    break_lineage_method: str | None = None

    def database_api(self) -> DatabaseAPI[Any]:
        from splink import SparkAPI

        # Only built-in Spark SQL functions are used: Splink's UDF jar is not needed.
        return SparkAPI(  # type: ignore[no-untyped-call]  # Splink leaves it unannotated
            spark_session=self.session,
            break_lineage_method=self.break_lineage_method,
            register_udfs_automatically=False,
        )

    def name_table(self, table: Any, name: str) -> str:
        if isinstance(table, str):
            return table
        if isinstance(table, pa.Table):
            table = self.session.createDataFrame(table)
        table.createOrReplaceTempView(name)
        return name

    def execute(self, sql: str) -> None:
        self.session.sql(sql).collect()

    def fetch_one(self, sql: str) -> tuple[Any, ...]:
        return tuple(self.session.sql(sql).first() or ())


def on_engine(engine: Any) -> LinkageBackend:
    """The linkage backend of a comparison engine (:func:`flexcover.coverage.engines.backend`):
    Splink runs where the classification runs, on the tables registered there."""
    if engine.name == "duckdb":
        return DuckDBBackend(engine.connection.con)
    if engine.name == "spark":
        context = engine.session.sparkContext
        if context.getCheckpointDir() is None:
            context.setCheckpointDir(str(engine.scratch / "splink"))
        return SparkBackend(engine.session)
    raise ValueError(f"no linkage backend for the {engine.name} engine")


# --- the model's comparisons and blocking ------------------------------------------------------


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(column: str) -> dict[str, Any]:
    return _level(f"{column}_l IS NULL OR {column}_r IS NULL", "null", is_null_level=True)


ELSE = _level("ELSE", "else")


def _characters_different(column: str, width: int = 4) -> str:
    """How many of the first ``width`` characters differ. Not ``levenshtein``: DuckDB's counts
    UTF-8 bytes (王伟/王玮 are 3 apart), Spark's counts characters."""
    return " + ".join(
        f"CASE WHEN substr({column}_l, {i}, 1) = substr({column}_r, {i}, 1) THEN 0 ELSE 1 END"
        for i in range(1, width + 1)
    )


COMPARISONS: tuple[dict[str, Any], ...] = (
    {
        "output_column_name": "name",
        "comparison_levels": [
            _null("name"),
            _level("name_l = name_r", "exact", tf_adjustment_column="name"),
            _level(
                f"length(name_l) = length(name_r) AND length(name_l) BETWEEN 3 AND 4 "
                f"AND {_characters_different('name')} = 1",
                "one character different, 3-4 characters",
            ),
            _level(
                f"length(name_l) = 2 AND length(name_r) = 2 "
                f"AND {_characters_different('name')} = 1",
                "one character different, 2 characters",
            ),
            ELSE,
        ],
    },
    {
        "output_column_name": "birth_date",
        "comparison_levels": [
            _null("birth_date"),
            _level("birth_date_l = birth_date_r", "exact", tf_adjustment_column="birth_date"),
            _level(
                "birth_text_l = substr(birth_text_r, 1, 4) || substr(birth_text_r, 7, 2) "
                "|| substr(birth_text_r, 5, 2)",
                "day and month swapped",
            ),
            _level("levenshtein(birth_text_l, birth_text_r) = 1", "one digit different"),
            _level("substr(birth_text_l, 1, 6) = substr(birth_text_r, 1, 6)", "same month"),
            ELSE,
        ],
    },
    {
        "output_column_name": "phone",
        "comparison_levels": [
            _null("phone"),
            _level("phone_l = phone_r", "exact"),
            _level("levenshtein(phone_l, phone_r) = 1", "one digit different"),
            ELSE,
        ],
    },
    {
        "output_column_name": "district",
        "comparison_levels": [
            _null("district"),
            _level("district_l = district_r", "exact"),
            _level("district_city_l = district_city_r", "same city"),
            ELSE,
        ],
    },
)

BLOCKING_RULES = (
    "l.birth_date = r.birth_date AND l.surname = r.surname",
    "l.birth_date = r.birth_date AND l.given_name = r.given_name",
    "l.birth_date = r.birth_date AND l.district = r.district",
    "l.phone = r.phone",
    "l.name = r.name AND l.district = r.district",
    "l.name = r.name AND l.birth_year = r.birth_year",
)

_EM_WITHOUT_BIRTH_DATE = "l.name = r.name AND l.district = r.district"
_EM_ON_BIRTH_DATE = "l.birth_date = r.birth_date"


def untrained_settings() -> dict[str, Any]:
    """The Splink settings before training: comparisons, blocking, and no parameters."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": "record_id",
        "source_dataset_column_name": "source_dataset",
        "probability_two_random_records_match": 1e-6,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "comparisons": deepcopy(list(COMPARISONS)),
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule} for rule in BLOCKING_RULES
        ],
    }


def _prepared_sql(source: str) -> str:
    """The person columns and the derived columns that comparisons and blocking use."""
    compound = ", ".join(f"'{surname}'" for surname in COMPOUND_SURNAMES)
    surname_length = f"CASE WHEN substr(name, 1, 2) IN ({compound}) THEN 2 ELSE 1 END"
    birth_text = "replace(CAST(birth_date AS STRING), '-', '')"
    return f"""
        SELECT CAST(record_id AS STRING) AS record_id, name, birth_date, phone, district,
               id_hash,
               substr(name, 1, {surname_length}) AS surname,
               substr(name, {surname_length} + 1) AS given_name,
               {birth_text} AS birth_text,
               substr({birth_text}, 1, 4) AS birth_year,
               substr(district, 1, 4) AS district_city
        FROM {source}"""


# --- a run: prepared inputs registered with Splink ---------------------------------------------


TF_COLUMNS = ("name", "birth_date")
"""Columns whose exact agreement is weighted by the value's frequency in the population."""


@dataclass
class _Run:
    backend: LinkageBackend
    api: DatabaseAPI[Any]
    left: SplinkDataFrame
    right: SplinkDataFrame
    left_view: str
    right_view: str
    frequencies: dict[str, SplinkDataFrame]

    def linker(self, settings: dict[str, Any], right: SplinkDataFrame | None = None) -> Linker:
        from splink import Linker

        # log_level=None: Splink's messages go to the application's logging, not to stderr.
        linker = Linker([self.left, right or self.right], settings, log_level=None)
        for column, frequencies in self.frequencies.items():
            linker.table_management.register_term_frequency_lookup(frequencies, column)
        return linker

    def count(self, sql: str) -> int:
        return int(self.backend.fetch_one(sql)[0])


@contextmanager
def _run(backend: LinkageBackend, left: Any, right: Any) -> Iterator[_Run]:
    suffix = uuid.uuid4().hex[:8]
    views = {
        "left": f"linkage_left_{suffix}",
        "right": f"linkage_right_{suffix}",
        "left_input": f"linkage_left_input_{suffix}",
        "right_input": f"linkage_right_input_{suffix}",
        **{f"tf_{column}": f"linkage_tf_{column}_{suffix}" for column in TF_COLUMNS},
    }
    api = backend.database_api()
    try:
        for side, table in (("left", left), ("right", right)):
            source = backend.name_table(table, views[f"{side}_input"])
            backend.execute(f"CREATE OR REPLACE TEMP VIEW {views[side]} AS {_prepared_sql(source)}")
        # Frequencies among the population, not among both inputs: how common a name is among
        # the people a record could be. Splink would count a linked person twice.
        for column in TF_COLUMNS:
            backend.execute(
                f"CREATE OR REPLACE TEMP VIEW {views['tf_' + column]} AS "
                f"SELECT {column}, CAST(count(*) AS DOUBLE) / "
                f"(SELECT count({column}) FROM {views['left']}) AS tf_{column} "
                f"FROM {views['left']} WHERE {column} IS NOT NULL GROUP BY {column}"
            )
        yield _Run(
            backend=backend,
            api=api,
            left=api.register(views["left"], dataset_display_name=_LEFT),
            right=api.register(views["right"], dataset_display_name=_RIGHT),
            left_view=views["left"],
            right_view=views["right"],
            frequencies={
                column: api.register(views["tf_" + column], table_name=f"tf_{column}")
                for column in TF_COLUMNS
            },
        )
    finally:
        api.delete_tables_created_by_splink_from_db()  # type: ignore[no-untyped-call]
        for name in views.values():
            backend.execute(f"DROP VIEW IF EXISTS {name}")


# --- training ----------------------------------------------------------------------------------


def train(
    left: Any,
    right: Any,
    *,
    backend: LinkageBackend,
    seed: int = DEFAULT_SEED,
    u_max_pairs: float = 1e7,
    em_max_pairs: float = 2e6,
    min_labels: int = MIN_LABELS,
) -> LinkageModel:
    """Estimate the model on ``left`` (population) and ``right`` (source records, with their
    valid IDs: those that match the population are the labels)."""
    with _run(backend, left, right) as run:
        people, records, with_id, labels = run.backend.fetch_one(
            f"SELECT (SELECT count(*) FROM {run.left_view}), "
            f"(SELECT count(*) FROM {run.right_view}), "
            f"(SELECT count(*) FROM {run.right_view} WHERE id_hash IS NOT NULL), "
            f"(SELECT count(*) FROM {run.left_view} AS l JOIN {run.right_view} AS r "
            f"ON l.id_hash = r.id_hash)"
        )
        if people < MIN_TRAINING_PEOPLE or records < MIN_TRAINING_RECORDS:
            raise TooFewToTrain(
                field="model",
                people=people,
                records=records,
                min_people=MIN_TRAINING_PEOPLE,
                min_records=MIN_TRAINING_RECORDS,
            )
        linker = run.linker(untrained_settings())
        linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
        em = {"max_pairs": em_max_pairs, "record_sample_proportion": min(1.0, 1e5 / people)}
        if labels >= min_labels:
            trained_by = "labels"
            linker.training.estimate_m_from_label_column("id_hash")
            settings = _settings_of(linker)
            # Labelled records that found their person, spread over the population.
            settings["probability_two_random_records_match"] = min(labels / with_id, 1) / people
            _replace_comparison(settings, _birth_date_from_em(run, settings, em))
        else:
            trained_by = "em"
            for rule in (_EM_ON_BIRTH_DATE, _EM_WITHOUT_BIRTH_DATE):
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule,
                    populate_probability_two_random_records_match_from_trained_values=True,
                    **em,
                )
            settings = _settings_of(linker)
    # A right record is at most one person: no more than one pair in n_left is a true one.
    settings["probability_two_random_records_match"] = min(
        settings["probability_two_random_records_match"], 1 / people
    )
    _smooth_m(settings, observations=max(labels, min_labels))
    _remove_true_pairs_from_u(settings, floor=1 / min(u_max_pairs, max(people * records, 1)))
    return LinkageModel(settings=settings, people=people, trained_by=trained_by, labels=labels)


def _smooth_m(settings: dict[str, Any], *, observations: int) -> None:
    """Half an observation more in every level: a level never seen among true pairs becomes
    rare rather than impossible (Splink would otherwise fall back to a default)."""
    for levels in _levels(settings):
        for level in levels:
            seen = level.get("m_probability", 0.0) * observations
            level["m_probability"] = (seen + 0.5) / (observations + 0.5 * len(levels))


def _remove_true_pairs_from_u(settings: dict[str, Any], *, floor: float) -> None:
    """u as if the random sample held no true pairs.

    A random pair is a true one with the prior's probability, and then falls in each level with
    m: observed = prior × m + (1 − prior) × u. On a few thousand records those true pairs
    dominate the rare levels (a shared phone number) and would cap their weight; ``floor`` is the
    sample's resolution."""
    prior = float(settings["probability_two_random_records_match"])
    for levels in _levels(settings):
        corrected = [
            max(
                (level.get("u_probability", 0.0) - prior * level["m_probability"]) / (1 - prior),
                floor,
            )
            for level in levels
        ]
        total = sum(corrected)
        for level, u in zip(levels, corrected, strict=True):
            level["u_probability"] = u / total


def _levels(settings: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    for comparison in settings["comparisons"]:
        yield [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]


def _settings_of(linker: Linker) -> dict[str, Any]:
    settings = linker.misc.save_model_to_json()
    # Neither decides a link: the dialect is the backend's, the uid is random per linker.
    settings.pop("sql_dialect", None)
    settings.pop("linker_uid", None)
    return settings


def _birth_date_from_em(run: _Run, settings: dict[str, Any], em: dict[str, Any]) -> dict[str, Any]:
    """Birth date's comparison with m estimated by EM over the right records without a valid ID
    (all right records when there are fewer than a hundred of those)."""
    without_id = f"{run.right_view}_without_id"
    run.backend.execute(
        f"CREATE OR REPLACE TEMP VIEW {without_id} AS "
        f"SELECT * FROM {run.right_view} WHERE id_hash IS NULL"
    )
    try:
        right = run.right
        if run.count(f"SELECT count(*) FROM {without_id}") >= 100:
            right = run.api.register(
                without_id, dataset_display_name=_RIGHT, table_name=f"{_RIGHT}_without_id"
            )
        linker = run.linker(settings, right)
        linker.training.estimate_parameters_using_expectation_maximisation(
            _EM_WITHOUT_BIRTH_DATE, **em
        )
        trained = _settings_of(linker)
    finally:
        run.backend.execute(f"DROP VIEW IF EXISTS {without_id}")
    return next(c for c in trained["comparisons"] if c["output_column_name"] == "birth_date")


def _replace_comparison(settings: dict[str, Any], comparison: dict[str, Any]) -> None:
    comparisons = settings["comparisons"]
    for index, existing in enumerate(comparisons):
        if existing["output_column_name"] == comparison["output_column_name"]:
            comparisons[index] = comparison


# --- linking -----------------------------------------------------------------------------------

LINKS_SCHEMA = pa.schema(
    [
        ("right_record_id", pa.string()),
        ("left_record_id", pa.string()),
        ("match_probability", pa.float64()),
        ("agreed", pa.list_(pa.string())),
    ]
)


def link(
    model: LinkageModel,
    left: Any,
    right: Any,
    *,
    backend: LinkageBackend,
    threshold: float = DEFAULT_THRESHOLD,
) -> pa.Table:
    """For each right record, the most probable left record with a match probability of at least
    ``threshold`` (ties go to the smaller left ``record_id``), as :data:`LINKS_SCHEMA` sorted by
    ``right_record_id``. ``agreed`` lists the fields whose match weight is positive. The prior is
    the model's share of records in the population over the size of ``left``."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    weights = ", ".join(_weight_sql(comparison) for comparison in model.settings["comparisons"])
    with _run(backend, left, right) as run:
        people = run.count(f"SELECT count(*) FROM {run.left_view}")
        settings = {
            **model.settings,
            "probability_two_random_records_match": model.prior_for(people),
            # Each field's match weight (with its term-frequency part) says whether it agreed.
            "retain_intermediate_calculation_columns": True,
        }
        linker = run.linker(settings)
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        names = ", ".join(f"weight_{name}" for name in FIELDS)
        best = linker.misc.query_sql(  # type: ignore[no-untyped-call]
            f"""
            SELECT right_record_id, left_record_id, match_probability, {names}
            FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY right_record_id
                    ORDER BY match_probability DESC, left_record_id
                ) AS candidate
                FROM (
                    SELECT CASE WHEN source_dataset_l = '{_RIGHT}' THEN record_id_l
                                ELSE record_id_r END AS right_record_id,
                           CASE WHEN source_dataset_l = '{_RIGHT}' THEN record_id_r
                                ELSE record_id_l END AS left_record_id,
                           match_probability, {weights}
                    FROM {predictions.physical_name}
                    WHERE match_probability >= {threshold!r}
                ) AS pairs
            ) AS ranked
            WHERE candidate = 1
            ORDER BY right_record_id
            """
        )
        table = best.as_pyarrow_table()
    return _with_agreed(table.sort_by("right_record_id"))


def candidate_pairs(left: Any, right: Any, *, backend: LinkageBackend) -> int:
    """How many pairs the blocking rules make (each pair once): the work of a :func:`link`."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    with _run(backend, left, right) as run:
        counts = count_comparisons_from_blocking_rules(
            [run.left, run.right],
            blocking_rules=list(BLOCKING_RULES),
            link_type="link_only",
            unique_id_column_name="record_id",
            source_dataset_column_name="source_dataset",
            record_sample_proportion=1.0,
        )
    return int(counts[-1]["cumulative_comparison_count"])


def _weight_sql(comparison: dict[str, Any]) -> str:
    name = comparison["output_column_name"]
    has_tf = any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"])
    return f"mw_{name}" + (f" + mw_tf_adj_{name}" if has_tf else "") + f" AS weight_{name}"


def _with_agreed(table: pa.Table) -> pa.Table:
    flags = np.column_stack(
        [table[f"weight_{name}"].to_numpy(zero_copy_only=False) > 0 for name in FIELDS]
    ).reshape(len(table), len(FIELDS))
    offsets = np.concatenate([[0], np.cumsum(flags.sum(axis=1))]).astype(np.int32)
    names = np.tile(np.array(FIELDS, dtype=object), len(table))[flags.ravel()]
    agreed = pa.ListArray.from_arrays(pa.array(offsets), pa.array(names, pa.string()))
    return pa.table(
        [
            table["right_record_id"].cast(pa.string()),
            table["left_record_id"].cast(pa.string()),
            table["match_probability"].cast(pa.float64()),
            agreed,
        ],
        schema=LINKS_SCHEMA,
    )

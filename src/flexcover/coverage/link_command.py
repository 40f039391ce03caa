"""``flexcover link``: an officer's ad-hoc comparison (比对) of any two files.

    flexcover link --left 人口.xlsx --right 骑手.csv --config link.yaml --out pairs.csv

The YAML config maps each file's columns to the canonical person fields and sets the threshold
and, optionally, a trained model::

    threshold: 0.95            # optional (coverage.match_threshold's default)
    model: linkage-model.json  # optional, relative to this file; else one is trained on the
                               # two files and saved next to the output as <out>.model.json
    left:
      encoding: gbk            # CSV only, default utf-8
      sheet: 人员              # Excel only, default the first sheet
      fields:
        record_id: 编号         # optional: default <file name>:<line>
        name: 姓名              # required
        id_number: 身份证号
        birth_date: {column: 出生日期, format: "%Y%m%d"}
        gender: 性别
        phone: 手机号
        district: 区县代码      # 6-digit GB/T 2260 code
    right:
      fields: {name: 姓名, id_number: 证件号码}

Records are normalised as the comparison engine's sources are (``coverage.normalise``); a valid
ID number is hashed with the instance's key (``kit.resident_id``), and its birth date and gender
replace the file's. Pairs sharing a valid ID link exactly; the other right records are linked
probabilistically (``coverage.linkage``). ``pairs.csv`` has one row per linked right record:
``left_record_id, right_record_id, method`` (``id`` or ``probabilistic``), ``match_probability``,
``agreed`` (fields separated by ``;``) and the model version. Plain ID numbers are never written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import duckdb
import pyarrow as pa
import typer
import yaml

from flexcover.coverage import linkage
from flexcover.coverage import normalise as fmt
from flexcover.kit.problems import Problem

FIELDS = ("record_id", "name", "id_number", "birth_date", "gender", "phone", "district")
FILE_FORMATS = (".csv", ".xlsx", ".parquet")


class LinkConfigInvalid(Problem):
    code = "link_config_invalid"
    title = {"zh-CN": "比对配置有误", "en": "Invalid comparison config"}
    detail = {"zh-CN": "{reason}。", "en": "{reason}."}  # the CLI puts the field first


@dataclass(frozen=True)
class FileMapping:
    """How one file's columns become canonical person fields."""

    columns: dict[str, str]  # canonical field → column
    date_patterns: tuple[str, ...]
    encoding: str = "utf-8"
    sheet: str | None = None


@dataclass(frozen=True)
class LinkConfig:
    """比对配置: both files' mappings, the threshold and the model to use (if any)."""

    left: FileMapping
    right: FileMapping
    threshold: float
    model: Path | None


def link(
    left: Annotated[Path, typer.Option("--left", help="The spine: CSV, XLSX or Parquet")],
    right: Annotated[Path, typer.Option("--right", help="Records to link to it")],
    config: Annotated[Path, typer.Option("--config", help="YAML: column mappings, threshold")],
    out: Annotated[Path, typer.Option("--out", help="pairs.csv to write")],
) -> None:
    """Link each RIGHT record to at most one LEFT record: exact ID, else probabilistic."""
    from flexcover.commandline import one_line_errors

    # Splink reports untrained levels and sampling choices through logging: not for officers.
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    try:
        one_line_errors(run_link)(left=left, right=right, config=config, out=out)
    finally:
        splink_logger.setLevel(level)


def run_link(*, left: Path, right: Path, config: Path, out: Path) -> None:
    from flexcover.kit.settings import Settings

    settings = read_config(config)
    left_raw = _read("left", left, settings.left)
    right_raw = _read("right", right, settings.right)
    model = linkage.LinkageModel.load(settings.model) if settings.model is not None else None
    key = Settings.from_env().id_hash_key
    con = duckdb.connect()
    try:
        _canonical(con, "left", left_raw, left.name, settings.left, key)
        _canonical(con, "right", right_raw, right.name, settings.right, key)
        con.execute(
            "CREATE TEMP TABLE right_to_link AS SELECT * FROM right_people WHERE id_hash IS NULL "
            "OR id_hash NOT IN (SELECT id_hash FROM left_people WHERE id_hash IS NOT NULL)"
        ).fetchall()
        backend = linkage.DuckDBBackend(con)
        trained = model is None
        if model is None:
            model = linkage.train("left_people", "right_people", backend=backend)
        out.parent.mkdir(parents=True, exist_ok=True)
        if trained:
            model_path = out.with_suffix(".model.json")
            model.save(model_path)
            typer.echo(f"model: trained on these files ({model.trained_by}), saved to {model_path}")
        else:
            typer.echo(f"model: {settings.model} (version {model.version})")
        probable = linkage.link(
            model, "left_people", "right_to_link", backend=backend, threshold=settings.threshold
        )
        con.register("probable", probable)
        counts = _write_pairs(con, out, model.version)
    finally:
        con.close()
    typer.echo(
        f"{counts[0]:,} right records: {counts[1]:,} linked by ID, "
        f"{counts[2]:,} probabilistically; wrote {out}"
    )


# --- config ------------------------------------------------------------------------------------


def read_config(path: Path) -> LinkConfig:
    """The config at ``path``, or :class:`LinkConfigInvalid` naming the first bad key."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise LinkConfigInvalid(field="config", reason=f"cannot be read: {error}") from None
    except yaml.YAMLError as error:
        reason = f"not YAML: {str(error).splitlines()[0]}"
        raise LinkConfigInvalid(field="config", reason=reason) from None
    if not isinstance(data, dict):
        raise LinkConfigInvalid(field="config", reason="must be a mapping")
    unknown = set(data) - {"left", "right", "threshold", "model"}
    if unknown:
        raise LinkConfigInvalid(field=str(min(unknown)), reason="unknown key")
    threshold = data.get("threshold", linkage.DEFAULT_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise LinkConfigInvalid(field="threshold", reason="must be a number")
    if not 0 < threshold < 1:
        raise LinkConfigInvalid(field="threshold", reason="must be between 0 and 1")
    model = data.get("model")
    if model is not None:
        if not isinstance(model, str):
            raise LinkConfigInvalid(field="model", reason="must be a file path")
        model = (path.parent / model) if not Path(model).is_absolute() else Path(model)
        if not model.is_file():
            raise LinkConfigInvalid(field="model", reason=f"{model} is not a file")
    return LinkConfig(
        left=_file_mapping("left", data.get("left")),
        right=_file_mapping("right", data.get("right")),
        threshold=float(threshold),
        model=model,
    )


def _file_mapping(side: str, data: Any) -> FileMapping:
    from flexcover.coverage.sources import DATE_PATTERNS

    if not isinstance(data, dict):
        raise LinkConfigInvalid(field=side, reason="needs a mapping with its fields")
    unknown = set(data) - {"fields", "encoding", "sheet"}
    if unknown:
        raise LinkConfigInvalid(field=f"{side}.{min(unknown)}", reason="unknown key")
    fields = data.get("fields")
    if not isinstance(fields, dict):
        raise LinkConfigInvalid(field=f"{side}.fields", reason="a mapping of field to column")
    columns: dict[str, str] = {}
    patterns: tuple[str, ...] = DATE_PATTERNS
    for name, spec in fields.items():
        where = f"{side}.fields.{name}"
        if name not in FIELDS:
            raise LinkConfigInvalid(field=where, reason=f"not one of {', '.join(FIELDS)}")
        if isinstance(spec, dict):
            extra = set(spec) - {"column", "format"}
            if extra:
                raise LinkConfigInvalid(field=f"{where}.{min(extra)}", reason="unknown key")
            if "format" in spec:
                if name != "birth_date":
                    raise LinkConfigInvalid(field=f"{where}.format", reason="only for birth_date")
                if not isinstance(spec["format"], str) or "%" not in spec["format"]:
                    reason = "a strptime pattern such as %Y%m%d"
                    raise LinkConfigInvalid(field=f"{where}.format", reason=reason)
                patterns = (spec["format"],)
            spec = spec.get("column")
        if not isinstance(spec, str) or not spec.strip():
            raise LinkConfigInvalid(field=where, reason="needs a column name")
        columns[name] = spec
    if "name" not in columns:
        raise LinkConfigInvalid(field=f"{side}.fields.name", reason="required")
    if "id_number" in columns and columns.get("record_id") == columns["id_number"]:
        reason = "must not be the ID number column: pairs.csv never shows ID numbers"
        raise LinkConfigInvalid(field=f"{side}.fields.record_id", reason=reason)
    encoding = data.get("encoding", "utf-8")
    try:
        "".encode(encoding)
    except (LookupError, TypeError):
        raise LinkConfigInvalid(field=f"{side}.encoding", reason="unknown encoding") from None
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise LinkConfigInvalid(field=f"{side}.sheet", reason="must be a sheet name")
    return FileMapping(columns=columns, date_patterns=patterns, encoding=encoding, sheet=sheet)


# --- files to canonical records ----------------------------------------------------------------


def _read(side: str, path: Path, mapping: FileMapping) -> pa.Table:
    from flexcover.coverage.sources import SourceMapping, read_file

    if not path.is_file():
        raise LinkConfigInvalid(field=side, reason=f"{path} is not a file")
    if path.suffix.lower() not in FILE_FORMATS:
        raise LinkConfigInvalid(field=side, reason=f"{path.name}: not a CSV, XLSX or Parquet file")
    reading = SourceMapping(
        type="population",
        title=side,
        files=(),
        fields=(),
        encoding=mapping.encoding,
        sheet=mapping.sheet,
    )
    table = read_file(path, reading)
    for name, column in mapping.columns.items():
        if column not in table.column_names:
            reason = f"no column {column} in {path.name}"
            raise LinkConfigInvalid(field=f"{side}.fields.{name}", reason=reason)
    return table


def _canonical(
    con: duckdb.DuckDBPyConnection,
    side: str,
    raw: pa.Table,
    file_name: str,
    mapping: FileMapping,
    key: bytes,
) -> None:
    """The canonical person records of one file as ``<side>_people`` (rows without a name are
    left out: there is nothing to compare)."""
    from flexcover.kit.divisions import known_codes

    con.register("known_regions", pa.table({"code": sorted(known_codes())}))
    columns = {name: fmt.ident(f"_{name}") for name in mapping.columns}
    picked = pa.table(
        {f"_{name}": raw[column] for name, column in mapping.columns.items()}
        | _identity_columns(raw, mapping.columns.get("id_number"), key)
        | {"_line": pa.array(range(1, len(raw) + 1), pa.int64())}
    )
    formats: dict[str, Callable[[str], str]] = {
        "name": fmt.name,
        "birth_date": lambda column: fmt.date_value(column, mapping.date_patterns),
        "gender": fmt.gender_value,
        "phone": fmt.phone_value,
        "district": fmt.district_value,
    }
    values = {name: formats[name](columns[name]) if name in columns else "NULL" for name in formats}
    record_id = (
        f"CAST({columns['record_id']} AS VARCHAR)"
        if "record_id" in columns
        else f"{fmt.quote(file_name)} || ':' || CAST(_line AS VARCHAR)"
    )
    # A valid ID number's birth date and gender replace the file's (docs/coverage.md).
    con.register("picked", picked)
    con.execute(
        f"""
        CREATE TEMP TABLE {side}_people AS
        SELECT record_id, name, coalesce(_id_birth, birth_date) AS birth_date,
               coalesce(_id_gender, gender) AS gender, phone, district, _id_hash AS id_hash,
               _line AS line
        FROM (
            SELECT {record_id} AS record_id,
                   {", ".join(f"{sql} AS {name}" for name, sql in values.items())},
                   _id_hash, _id_birth, _id_gender, _line
            FROM picked
        )
        WHERE name IS NOT NULL
        """
    ).fetchall()
    con.unregister("picked")
    repeated = con.execute(
        f"SELECT record_id FROM {side}_people GROUP BY 1 HAVING count(*) > 1 OR record_id IS NULL "
        "ORDER BY 1 NULLS FIRST LIMIT 1"
    ).fetchall()
    if repeated:
        shown = "empty" if repeated[0][0] is None else f"{repeated[0][0]} repeated"
        reason = f"must name each row once ({shown})"
        raise LinkConfigInvalid(field=f"{side}.fields.record_id", reason=reason)


def _identity_columns(raw: pa.Table, column: str | None, key: bytes) -> dict[str, pa.Array]:
    """Hash, birth date and gender of each valid ID number (null where invalid or missing)."""
    from flexcover.kit.resident_id import hash_id, parse_resident_id

    values = raw[column].to_pylist() if column is not None else [None] * len(raw)
    parsed: dict[str, tuple[str, Any, str] | None] = {}
    for value in values:
        text = "" if value is None else re.sub(r"\s", "", str(value))
        if text not in parsed:
            try:
                resident = parse_resident_id(text)
            except Problem:
                parsed[text] = None
            else:
                parsed[text] = (
                    hash_id(resident.number, key),
                    resident.birth_date,
                    resident.gender,
                )
    identities = [parsed["" if v is None else re.sub(r"\s", "", str(v))] for v in values]
    return {
        "_id_hash": pa.array([i[0] if i else None for i in identities], pa.string()),
        "_id_birth": pa.array([i[1] if i else None for i in identities], pa.date32()),
        "_id_gender": pa.array([i[2] if i else None for i in identities], pa.string()),
    }


def _write_pairs(con: duckdb.DuckDBPyConnection, out: Path, version: str) -> tuple[int, int, int]:
    """Write pairs.csv: exact ID links first choice, else the probabilistic link."""
    agreed_by_id = " || ".join(
        f"CASE WHEN l.{field} = r.{field} THEN ';{field}' ELSE '' END" for field in linkage.FIELDS
    )
    con.execute(
        f"""
        CREATE TEMP TABLE pairs AS
        SELECT * FROM (
            SELECT l.record_id AS left_record_id, r.record_id AS right_record_id,
                   'id' AS method, 1.0 AS match_probability,
                   'id_number' || {agreed_by_id} AS agreed
            FROM right_people AS r JOIN left_people AS l ON l.id_hash = r.id_hash
            QUALIFY row_number() OVER (PARTITION BY r.record_id ORDER BY l.record_id) = 1
        )
        UNION ALL
        SELECT left_record_id, right_record_id, 'probabilistic', match_probability,
               array_to_string(agreed, ';')
        FROM probable
        """
    ).fetchall()
    con.execute(
        f"COPY (SELECT p.*, {fmt.quote(version)} AS model_version FROM pairs AS p "
        "JOIN right_people AS r ON r.record_id = p.right_record_id ORDER BY r.line) "
        f"TO {fmt.quote(str(out))} (HEADER, DELIMITER ',')"
    ).fetchall()
    row = con.execute(
        "SELECT (SELECT count(*) FROM right_people), count(*) FILTER (WHERE method = 'id'), "
        "count(*) FILTER (WHERE method = 'probabilistic') FROM pairs"
    ).fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])

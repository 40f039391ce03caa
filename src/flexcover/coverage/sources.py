"""Departmental datasets in, canonical records out.

Each source type has a declarative mapping (``mappings/<type>.yaml``): which files belong to it,
how they are encoded, and for each canonical field the column it comes from, its format and
whether a row without it is unusable. :func:`ingest` reads every file of every type (CSV in any
encoding, Excel, Parquet) into DuckDB, normalises it with the formats of
:mod:`flexcover.coverage.normalise`, and keeps the rows that are usable as the table
``canon_<type>``. Rows that are not are left out and counted by reason; an optional field that
does not parse is emptied and counted as a warning. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import glob
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import yaml

from flexcover.coverage import normalise as fmt
from flexcover.coverage.canonical import PERSON_FIELDS, SOURCE_TYPES, WITHOUT_PEOPLE, fields_of
from flexcover.coverage.problems import MappingInvalid, SourceUnreadable
from flexcover.kit.divisions import current_divisions, known_codes

FILE_FORMATS = ("csv", "xlsx", "parquet")
DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class FieldMap:
    """One canonical field: the column it comes from, in which format, and whether required."""

    field: str
    column: str
    format: str
    required: bool = False
    values: dict[str, str] = dataclass_field(default_factory=dict)  # for the enum format
    default: str | None = None  # for the enum format: the value of any text not in ``values``
    patterns: tuple[str, ...] = DATE_PATTERNS  # for the date format


@dataclass(frozen=True)
class SourceMapping:
    """数据源映射: how one department's files become canonical records of ``type``."""

    type: str
    title: str
    files: tuple[str, ...]
    fields: tuple[FieldMap, ...]
    encoding: str = "utf-8"
    sheet: str | None = None

    def field_map(self, name: str) -> FieldMap | None:
        return next((f for f in self.fields if f.field == name), None)


@dataclass
class SourceReport:
    """What one source type's files gave: rows read, rows kept, rows left out by reason, and
    fields emptied by reason."""

    type: str
    files: list[str] = dataclass_field(default_factory=list)
    rows: int = 0
    kept: int = 0
    bad: dict[str, int] = dataclass_field(default_factory=dict)
    warnings: dict[str, int] = dataclass_field(default_factory=dict)


# --- mappings ----------------------------------------------------------------------------------


def load_mappings(directory: Path | None = None) -> dict[str, SourceMapping]:
    """The mappings, by name: the built-in ones (one per source type, plus any more that feed a
    type), each replaced by a file of the same name in ``directory`` when one is there (an
    agency whose tax bureau names its columns differently ships its own ``tax.yaml``), plus the
    other files there."""
    found: dict[str, SourceMapping] = {}
    builtin = resources.files("flexcover.coverage").joinpath("mappings")
    names = sorted(
        entry.name.removesuffix(".yaml")
        for entry in builtin.iterdir()
        if entry.name.endswith(".yaml")
    )
    local = sorted(directory.glob("*.yaml")) if directory is not None else []
    for name in names:
        text = builtin.joinpath(f"{name}.yaml").read_text("utf-8")
        found[name] = parse_mapping(text, origin=f"{name}.yaml")
    for path in local:
        found[path.stem] = parse_mapping(path.read_text("utf-8"), origin=str(path))
    return found


def parse_mapping(text: str, *, origin: str) -> SourceMapping:
    """A mapping from its YAML, or :class:`MappingInvalid` naming the file and key."""

    def invalid(key: str, reason: str) -> MappingInvalid:
        return MappingInvalid(field=f"{origin}: {key}", reason=reason)

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise invalid("(file)", f"not YAML: {error}") from None
    if not isinstance(data, dict):
        raise invalid("(file)", "must be a mapping")
    unknown = set(data) - {"type", "title", "files", "encoding", "sheet", "fields"}
    if unknown:
        raise invalid(min(unknown), "unknown key")
    source_type = data.get("type")
    if source_type not in SOURCE_TYPES:
        raise invalid("type", f"one of {', '.join(SOURCE_TYPES)}")
    files = data.get("files")
    if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
        raise invalid("files", "a list of file patterns relative to the sources folder")
    if any(Path(f).is_absolute() or ".." in Path(f).parts for f in files):
        raise invalid("files", "patterns must stay inside the sources folder")
    encoding = data.get("encoding", "utf-8")
    try:
        "".encode(encoding)
    except (LookupError, TypeError):
        raise invalid("encoding", f"unknown encoding {encoding!r}") from None
    canonical = {name for name in fields_of(source_type) if name not in ("id_valid", "id_repairs")}
    if source_type not in WITHOUT_PEOPLE:
        canonical.add("id_number")
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise invalid("fields", "a mapping of canonical field to {column, format}")
    fields = []
    for name, spec in raw_fields.items():
        key = f"fields.{name}"
        if name not in canonical:
            raise invalid(key, f"not a field of {source_type}: {', '.join(sorted(canonical))}")
        if not isinstance(spec, dict) or not isinstance(spec.get("column"), str):
            raise invalid(key, "needs a column")
        extra = set(spec) - {"column", "format", "required", "values", "default", "patterns"}
        if extra:
            raise invalid(f"{key}.{min(extra)}", "unknown key")
        kind = spec.get("format", "text")
        if kind not in fmt.FORMATS:
            raise invalid(f"{key}.format", f"one of {', '.join(fmt.FORMATS)}")
        values = spec.get("values", {})
        if kind == "enum" and (not isinstance(values, dict) or not values):
            raise invalid(f"{key}.values", "an enum needs its values: source text → canonical")
        patterns = spec.get("patterns", list(DATE_PATTERNS))
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise invalid(f"{key}.patterns", "a list of strptime patterns")
        fields.append(
            FieldMap(
                field=name,
                column=spec["column"],
                format=kind,
                required=bool(spec.get("required", False)),
                values={str(k): str(v) for k, v in values.items()},
                default=str(spec["default"]) if spec.get("default") is not None else None,
                patterns=tuple(patterns),
            )
        )
    if source_type not in WITHOUT_PEOPLE and not any(f.field == "name" for f in fields):
        raise invalid("fields.name", "a source describing people needs their name")
    if {"id_number", "id_hash"} <= {f.field for f in fields}:
        raise invalid("fields.id_hash", "a source gives the ID number or its keyed hash, not both")
    return SourceMapping(
        type=source_type,
        title=str(data.get("title", source_type)),
        files=tuple(files),
        fields=tuple(fields),
        encoding=encoding,
        sheet=data.get("sheet"),
    )


# --- reading -----------------------------------------------------------------------------------


def files_of(mapping: SourceMapping, sources: Path) -> list[Path]:
    """The files of ``mapping`` in the folder. A symbolic link or a special file among them is
    refused: a source folder holds the departments' files themselves, nothing that points
    elsewhere on the server."""
    found: set[Path] = set()
    for pattern in mapping.files:
        found.update(Path(p) for p in glob.glob(str(sources / pattern), recursive=True))
    chosen = []
    for path in sorted(found):
        if path.suffix.lower().lstrip(".") not in FILE_FORMATS:
            continue
        if path.is_symlink() or not path.is_file():
            raise SourceUnreadable(
                field=str(path.relative_to(sources)),
                reason="is a symbolic link or a special file, not a file of the folder; "
                "copy the file itself into the folder",
            )
        chosen.append(path)
    return chosen


def read_file(path: Path, mapping: SourceMapping, *, name: str | None = None) -> pa.Table:
    """The file as an Arrow table of its columns, every value as text (Parquet columns keep
    their types; the SQL casts them), in file order. An unreadable file is refused under
    ``name`` (its path by default)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if suffix == ".csv":
            return _csv_as_text(path, mapping.encoding)
        return _xlsx_as_text(path, mapping.sheet)
    except (OSError, pa.ArrowInvalid, UnicodeDecodeError, ValueError, KeyError) as error:
        raise SourceUnreadable(field=name or str(path), reason=_reason(error)) from None


_ARROW_FACTS = re.compile(r"Row #\d+|Expected \d+ columns, got \d+|CSV parse error")


def _reason(error: Exception) -> str:
    """Why a file could not be read, in words that hold none of its values (a reader's own
    message often quotes the offending row: a resident ID and a name) nor the server's paths."""
    if isinstance(error, UnicodeDecodeError):
        return f"not readable as {error.encoding} (byte {error.start})"
    if isinstance(error, pa.ArrowInvalid):
        facts = _ARROW_FACTS.findall(str(error))
        return ": ".join(dict.fromkeys(facts)) if facts else "the file could not be parsed"
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    if isinstance(error, KeyError):
        return f"no sheet {error.args[0]!r}" if error.args else "a sheet is missing"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    # Our own workbook messages ("sheet N: ..."), cut before anything the library quotes.
    return text.split(":", 1)[0] if ":" in text else text


def _csv_as_text(path: Path, encoding: str) -> pa.Table:
    """Every column as text: a code such as 500103 or an ID with leading zeros stays as it is."""
    with path.open(encoding=encoding, newline="") as handle:
        header = next(csv.reader([handle.readline().lstrip("\ufeff")]), [])
    return pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(encoding=encoding, block_size=1 << 24),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False
        ),
    )


def _xlsx_as_text(path: Path, sheet: str | None) -> pa.Table:
    """The sheet (the first, unless the mapping names one) read with calamine: a department's
    million-row workbook in seconds."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except CalamineError as error:
        raise ValueError(f"not a readable workbook: {error}") from None
    try:
        worksheet = book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)
        rows = worksheet.to_python(skip_empty_area=False)
    except CalamineError as error:
        raise ValueError(f"sheet {sheet or 1}: {error}") from None
    finally:
        book.close()
    header = [
        str(h).strip() if h not in (None, "") else f"column{i + 1}"
        for i, h in enumerate(rows[0] if rows else ())
    ]
    columns: list[list[str | None]] = [[] for _ in header]
    for row in rows[1:]:
        if all(v is None or v == "" for v in row):
            continue  # an empty row is no record
        for index in range(len(header)):
            columns[index].append(_cell_text(row[index]) if index < len(row) else None)
    return pa.table(
        {name: pa.array(values, pa.string()) for name, values in zip(header, columns, strict=True)}
    )


def _cell_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 5234 as 5234.0; money columns are text or exact
    return str(value)


# --- normalising -------------------------------------------------------------------------------


def prepare(con: duckdb.DuckDBPyConnection, jurisdiction: str) -> None:
    """Reference tables the formats look up: every GB/T 2260 code ever, and the names of the
    current divisions inside ``jurisdiction`` (for sources that name districts)."""
    con.execute("CREATE OR REPLACE TEMP TABLE known_regions (code VARCHAR PRIMARY KEY)")
    con.executemany("INSERT INTO known_regions VALUES (?)", [(c,) for c in sorted(known_codes())])
    prefix = jurisdiction.rstrip("0") if jurisdiction != "000000" else ""
    if len(prefix) % 2:
        prefix += "0"
    names = [
        (code, name)
        for code, name in sorted(current_divisions().items())
        if code.startswith(prefix) and not code.endswith("00")
    ]
    con.execute("CREATE OR REPLACE TEMP TABLE division_names (code VARCHAR, name VARCHAR)")
    if names:
        con.executemany("INSERT INTO division_names VALUES (?, ?)", names)


def ingest(
    con: duckdb.DuckDBPyConnection,
    sources: Path,
    mappings: dict[str, SourceMapping],
    *,
    id_key: bytes,
    jurisdiction: str,
    as_of: date,
    extra: Sequence[tuple[str, Path, SourceMapping]] = (),
    progress: Callable[[str], None] | None = None,
) -> dict[str, SourceReport]:
    """Normalise the files of every mapping into ``canon_<type>`` (several mappings may feed one
    type, e.g. a legacy register and flexcover's own); ``extra`` names more mappings with the
    folder their files are in. Returns a report per mapping."""
    prepare(con, jurisdiction)
    for source_type in SOURCE_TYPES:
        columns = fields_of(source_type)
        con.execute(
            f"CREATE OR REPLACE TABLE canon_{source_type} (source VARCHAR, record_id VARCHAR, "
            + ", ".join(f"{name} {sql}" for name, sql in columns.items())
            + ")"
        )
    reports = {}
    work = [(name, sources, mapping) for name, mapping in mappings.items()] + list(extra)
    for name, base, mapping in work:
        if progress is not None:
            progress(name)
        reports[name] = _ingest_files(con, base, mapping, id_key=id_key, as_of=as_of)
    return reports


def _ingest_files(
    con: duckdb.DuckDBPyConnection,
    sources: Path,
    mapping: SourceMapping,
    *,
    id_key: bytes,
    as_of: date,
) -> SourceReport:
    report = SourceReport(type=mapping.type)
    table = f"canon_{mapping.type}"
    seen: dict[str, Path] = {}
    for path in files_of(mapping, sources):
        if path.name in seen:
            # A record is named by its file's name and line: two files may not share a name.
            raise SourceUnreadable(
                field=str(path.relative_to(sources)),
                reason=f"another {mapping.type} file is also named {path.name} "
                f"({seen[path.name].relative_to(sources)})",
            )
        seen[path.name] = path
        report.files.append(str(path.relative_to(sources)))
        raw = read_file(path, mapping, name=str(path.relative_to(sources)))
        missing = [f.column for f in mapping.fields if f.column not in raw.column_names]
        if missing:
            raise SourceUnreadable(
                field=str(path.relative_to(sources)),
                reason=f"no column {missing[0]} (the {mapping.type} mapping expects it)",
            )
        _normalise_file(con, raw, path.name, mapping, table, report, id_key=id_key, as_of=as_of)
    return report


def _normalise_file(
    con: duckdb.DuckDBPyConnection,
    raw: pa.Table,
    file_name: str,
    mapping: SourceMapping,
    table: str,
    report: SourceReport,
    *,
    id_key: bytes,
    as_of: date,
) -> None:
    people = mapping.type not in WITHOUT_PEOPLE
    id_map = mapping.field_map("id_number") if people else None
    hash_map = mapping.field_map("id_hash") if people else None
    # Each mapped column once as trimmed text (and the ID number folded once): the formats
    # below read these, and one statement does the rest.
    texts = [
        f"{fmt.blank_to_null(fmt.ident(f.column))} AS _raw{i}" for i, f in enumerate(mapping.fields)
    ]
    if id_map is not None:
        texts.append(f"{fmt.folded_id(fmt.ident(id_map.column))} AS _folded")
    con.register("raw_file", raw)
    try:
        # Arrow keeps the file's order; the line is the record's name in reports and links.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE raw_rows AS SELECT "
            f"row_number() OVER () AS _line, {', '.join(texts)} FROM raw_file"
        )
    finally:
        con.unregister("raw_file")
    parsed: list[str] = []
    for i, f in enumerate(mapping.fields):
        parsed.append(f"_raw{i}")
        parsed.append(f"{_value_sql(f, f'_raw{i}')} AS {fmt.ident(f.field)}")
    if hash_map is not None:
        parsed.append(f"_raw{mapping.fields.index(hash_map)} IS NOT NULL AS _id_given")
    if id_map is not None:
        parsed.append(f"{fmt.id_number_18('_folded', folded=True)} AS _id18")
        parsed.append(f"_raw{mapping.fields.index(id_map)} IS NOT NULL AS _id_given")
    if hash_map is not None:
        valid = "id_hash IS NOT NULL"  # flexcover's own register: the keyed hash, no number
    elif id_map is not None:
        valid = fmt.id_valid("_id18", as_of=as_of)
    else:
        valid = "false"
    # A required field empty or unparsable makes the row bad (the first such field is its
    # reason); an optional field that does not parse is emptied and counted as a warning.
    fatal: list[tuple[str, str]] = []
    warn: list[tuple[str, str]] = []
    for i, f in enumerate(mapping.fields):
        if f.field in ("id_number", "id_hash"):
            continue
        unparsable = f"_raw{i} IS NOT NULL AND {fmt.ident(f.field)} IS NULL"
        if f.required:
            fatal.append((f"{f.field}: missing", f"_raw{i} IS NULL"))
            fatal.append((f"{f.field}: not a valid {f.format}", unparsable))
        else:
            warn.append((f"{f.field}: not a valid {f.format}, left empty", unparsable))
    if id_map is not None or hash_map is not None:
        warn.append((INVALID_ID, "_id_given AND NOT _id_valid"))
    bad = " ".join(f"WHEN {cond} THEN {fmt.quote(reason)}" for reason, cond in fatal)
    flags = "".join(f", ({cond}) AS _warn{i}" for i, (_, cond) in enumerate(warn))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE judged AS SELECT *, "
        f"{f'CASE {bad} END' if bad else 'NULL'} AS _bad{flags} FROM ("
        f"SELECT *, {valid} AS _id_valid FROM ("
        f"SELECT _line, {', '.join(parsed)} FROM raw_rows))"
    )
    counts = ", ".join(
        ["count(*)", "count(*) FILTER (_bad IS NULL)"]
        + [f"count(*) FILTER (_bad IS NULL AND _warn{i})" for i in range(len(warn))]
    )
    row = con.execute(f"SELECT {counts} FROM judged").fetchone()
    assert row is not None
    report.rows += row[0]
    report.kept += row[1]
    for (reason, _), count in zip(warn, row[2:], strict=True):
        if count:
            report.warnings[reason] = report.warnings.get(reason, 0) + count
    for reason, count in con.execute(
        "SELECT _bad, count(*) FROM judged WHERE _bad IS NOT NULL GROUP BY 1"
    ).fetchall():
        report.bad[reason] = report.bad.get(reason, 0) + count
    if id_map is not None:
        repairs = fmt.id_repair_sql(id_key, as_of=as_of)
        con.execute(f"CREATE OR REPLACE TEMP TABLE repairs AS {repairs}")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE repairs (_line BIGINT, hashes VARCHAR[])")
    out = ", ".join(
        f"{_canonical_sql(name, mapping, id_key)} AS {name}" for name in fields_of(mapping.type)
    )
    record = f"{fmt.quote(file_name)} || ':' || _line"
    con.execute(
        f"INSERT INTO {table} SELECT {fmt.quote(mapping.type)}, {record}, {out} "
        "FROM judged LEFT JOIN repairs USING (_line) WHERE _bad IS NULL"
    )


INVALID_ID = "id_number: not a valid resident ID (kept for probabilistic matching)"


def _value_sql(f: FieldMap, column: str) -> str:
    builders: dict[str, Callable[[], str]] = {
        "text": lambda: fmt.text(column),
        "name": lambda: fmt.name(column),
        "id_number": lambda: fmt.blank_to_null(column),
        "id_hash": lambda: fmt.id_hash_value(column),
        "date": lambda: fmt.date_value(column, f.patterns),
        "month": lambda: fmt.month_value(column),
        "integer": lambda: fmt.integer_value(column),
        "yuan": lambda: fmt.yuan_value(column),
        "district": lambda: fmt.district_value(column),
        "district_name": lambda: fmt.district_name_value(column),
        "credit_code": lambda: fmt.credit_code_value(column),
        "phone": lambda: fmt.phone_value(column),
        "gender": lambda: fmt.gender_value(column),
        "bool": lambda: fmt.bool_value(column),
        "enum": lambda: fmt.enum_value(column, f.values, f.default),
    }
    return builders[f.format]()


def _canonical_sql(name: str, mapping: SourceMapping, id_key: bytes) -> str:
    """The SQL (over ``judged``) of one canonical field."""
    has_id = mapping.field_map("id_number") is not None
    if mapping.field_map("id_hash") is not None:
        if name == "id_valid":
            return "_id_valid"
        if name == "id_hash":
            return "id_hash"
    if name == "id_valid":
        return "_id_valid" if has_id else "false"
    if name == "id_repairs":
        return "repairs.hashes"
    if name == "id_hash":
        return (
            f"CASE WHEN _id_valid THEN {fmt.hmac_sha256('_id18', id_key)} END" if has_id else "NULL"
        )
    own = f'"{name}"' if mapping.field_map(name) is not None else "NULL"
    if name == "birth_date" and has_id:
        return f"CASE WHEN _id_valid THEN {fmt.id_birth_date('_id18')} ELSE {own} END"
    if name == "gender" and has_id:
        return f"CASE WHEN _id_valid THEN {fmt.id_gender('_id18')} ELSE {own} END"
    sql_type = fields_of(mapping.type)[name] if name not in PERSON_FIELDS else PERSON_FIELDS[name]
    return f"CAST({own} AS {sql_type})"

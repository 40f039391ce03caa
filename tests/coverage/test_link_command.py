"""``flexcover link``: an officer compares two small files with a trained model; bad configs and
files are one-line errors (exit 2) that write nothing."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
import typer
import yaml
from typer.testing import CliRunner

from flexcover.coverage.link_command import link
from flexcover.coverage.linkage import DuckDBBackend, LinkageModel, train
from flexcover.kit.resident_id import check_character
from tests.coverage.linkage_data import linkage_case

runner = CliRunner()
app = typer.Typer()
app.command()(link)
ENV = {"FLEXCOVER_ID_HASH_KEY": "test-key"}


def resident_id(region: str, born: str, sequence: str) -> str:
    first17 = region + born + sequence
    return first17 + check_character(first17)


ZHAO = resident_id("500105", "19921123", "002")
LIU = resident_id("500106", "19850302", "011")
LEFT = {
    "编号": ["P1", "P2", "P3", "P4"],
    "姓名": ["赵雨涵", "刘建华", "张娜", "李明轩"],
    "身份证号": [ZHAO, LIU, resident_id("500103", "19800101", "022"), ""],
    "手机号": ["13912345678", "", "13800000001", "13600000003"],
    "出生日期": ["", "", "", "1990-02-03"],
    "区县代码": ["500105", "500106", "500103", "500103"],
}
RIGHT = {
    "姓名": ["赵雨涵", "刘建桦", "陈立新", "李明轩"],
    # Liu's number lost its check character: kept, and matched on name, birth date, district.
    "证件号码": [ZHAO, LIU[:17] + ("0" if LIU[17] != "0" else "1"), "", ""],
    "出生日期": ["", "19850302", "19990909", "19900203"],
    "电话": ["", "", "13000000000", "13600000003"],
    "区县": ["500105", "500106", "500101", "500103"],
}
CONFIG = """
threshold: 0.9
model: model.json
left:
  fields: {record_id: 编号, name: 姓名, id_number: 身份证号, phone: 手机号,
           birth_date: 出生日期, district: 区县代码}
right:
  fields:
    name: 姓名
    id_number: 证件号码
    birth_date: {column: 出生日期, format: "%Y%m%d"}
    phone: 电话
    district: 区县
"""


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A model trained on synthetic people, as an officer would get it from the province."""
    case = linkage_case(people=2000, records=1600, seed=5)
    connection = duckdb.connect()
    connection.register("people", case.left)
    connection.register("records", case.right)
    model = train("people", "records", backend=DuckDBBackend(connection), u_max_pairs=2e6)
    path = tmp_path_factory.mktemp("model") / "model.json"
    model.save(path)
    yield path
    connection.close()


@pytest.fixture
def files(tmp_path: Path, model_file: Path) -> Path:
    pa_csv.write_csv(pa.table(LEFT), tmp_path / "人口.csv")
    pq.write_table(pa.table(RIGHT), tmp_path / "骑手.parquet")
    (tmp_path / "model.json").write_bytes(model_file.read_bytes())
    (tmp_path / "link.yaml").write_text(CONFIG, "utf-8")
    return tmp_path


def run(
    folder: Path,
    *extra: str,
    config: str = "link.yaml",
    left: str = "人口.csv",
    right: str = "骑手.parquet",
):
    return runner.invoke(
        app,
        [
            "--left",
            str(folder / left),
            "--right",
            str(folder / right),
            "--config",
            str(folder / config),
            "--out",
            str(folder / "out" / "pairs.csv"),
            *extra,
        ],
        env=ENV,
    )


def test_links_by_id_first_then_probabilistically_and_writes_no_id_numbers(files: Path) -> None:
    result = run(files)
    assert result.exit_code == 0, result.output
    text = (files / "out" / "pairs.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["left_record_id"], r["right_record_id"], r["method"]) for r in rows] == [
        ("P1", "骑手.parquet:1", "id"),
        ("P2", "骑手.parquet:2", "probabilistic"),
        ("P4", "骑手.parquet:4", "probabilistic"),
    ]
    assert rows[0]["agreed"] == "id_number;name;birth_date;district"
    assert rows[1]["agreed"] == "name;birth_date;district"
    assert float(rows[2]["match_probability"]) >= 0.9
    assert "1 linked by ID, 2 probabilistically" in result.stdout
    for number in (ZHAO, LIU, RIGHT["证件号码"][1]):
        assert number not in text


def test_an_excel_file_links_like_the_same_csv(files: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(RIGHT))
    for row in zip(*RIGHT.values(), strict=True):
        sheet.append(list(row))
    book.save(files / "骑手.xlsx")
    result = run(files, right="骑手.xlsx")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((files / "out" / "pairs.csv").read_text("utf-8").splitlines()))
    assert [r["left_record_id"] for r in rows] == ["P1", "P2", "P4"]


def test_without_a_model_one_is_trained_on_the_files_and_saved_with_the_pairs(
    tmp_path: Path,
) -> None:
    case = linkage_case(people=1500, records=400, seed=9, valid_id_share=0)
    pq.write_table(case.left.drop_columns(["id_hash"]), tmp_path / "人口.parquet")
    pq.write_table(case.right.drop_columns(["id_hash", "record_id"]), tmp_path / "骑手.parquet")
    fields = {name: name for name in ("name", "birth_date", "phone", "district")}
    config = {"left": {"fields": {"record_id": "record_id", **fields}}, "right": {"fields": fields}}
    (tmp_path / "link.yaml").write_text(yaml.safe_dump(config), "utf-8")
    result = run(tmp_path, left="人口.parquet")
    assert result.exit_code == 0, result.output
    model = LinkageModel.load(tmp_path / "out" / "pairs.model.json")
    assert model.trained_by == "em"
    rows = list(csv.DictReader((tmp_path / "out" / "pairs.csv").read_text("utf-8").splitlines()))
    assert {row["model_version"] for row in rows} == {model.version}
    truth = dict(
        zip(case.truth["record_id"].to_pylist(), case.truth["true_left"].to_pylist(), strict=True)
    )
    right_ids = [f"source.csv:{r['right_record_id'].rsplit(':', 1)[1]}" for r in rows]
    correct = sum(truth[r] == row["left_record_id"] for r, row in zip(right_ids, rows, strict=True))
    assert correct / len(rows) >= 0.99
    assert len(rows) >= 0.8 * sum(person is not None for person in truth.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("model: model.json", "model: missing.json"), "error: model: "),
        (("threshold: 0.9", "threshold: 1.5"), "error: threshold: must be between 0 and 1"),
        (("threshold: 0.9", "threshold: high"), "error: threshold: must be a number"),
        (("threshold: 0.9", "treshold: 0.9"), "error: treshold: unknown key"),
        (("name: 姓名, id_number", "id_number"), "error: left.fields.name: required"),
        (("phone: 电话", "phone: 手机"), "error: right.fields.phone: no column 手机 in 骑手"),
        (("record_id: 编号", "record_id: 身份证号"), "error: left.fields.record_id: must not"),
        (("record_id: 编号", "record_id: 区县代码"), "error: left.fields.record_id: must name"),
        (('format: "%Y%m%d"', "format: yyyymmdd"), "error: right.fields.birth_date.format: "),
        (("    phone: 电话", "    mobile: 电话"), "error: right.fields.mobile: not one of"),
        (("  fields: {record_id", "  columns: {record_id"), "error: left.columns: unknown key"),
        (("right:\n  fields:\n", "right: 骑手.parquet\nx:\n  fields:\n"), "error: x: unknown"),
        (("model: model.json\n", ""), "error: model: 4 population records and 4 to link"),
    ],
)
def test_a_bad_config_is_a_one_line_error_naming_the_field(
    files: Path, change: tuple[str, str], message: str
) -> None:
    config = CONFIG.replace(*change)
    assert config != CONFIG
    (files / "bad.yaml").write_text(config, "utf-8")
    result = run(files, config="bad.yaml")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (files / "out").exists()


def test_a_missing_or_unknown_file_is_a_one_line_error(files: Path) -> None:
    missing = run(files, right="nobody.csv")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: right: ")
    (files / "骑手.json").write_text("{}", "utf-8")
    unknown = run(files, right="骑手.json")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: right: 骑手.json: not a CSV, XLSX or Parquet file")


def test_a_config_that_is_not_yaml_is_a_one_line_error(files: Path) -> None:
    (files / "bad.yaml").write_text("left: [unclosed", "utf-8")
    result = run(files, config="bad.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: config: not YAML")
    assert len(result.stderr.strip().splitlines()) == 1

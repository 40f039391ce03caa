"""Departmental files become canonical records: every format, the ID rules of the registry, and
every bad row counted by its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flexcover.coverage.problems import MappingInvalid, SourceUnreadable
from flexcover.coverage.sources import ingest, load_mappings, parse_mapping
from flexcover.kit.credit_code import credit_check_character
from flexcover.kit.resident_id import hash_id, upgrade_15
from tests.conftest import make_id

KEY = b"test-id-key"
AS_OF = date(2025, 8, 31)
ZHANG = make_id(region="500103", birth=date(1985, 5, 6), sequence=101)
LI = make_id(region="500106", birth=date(1990, 1, 2), sequence=202)
EMPLOYER = "91500103MA0000001" + credit_check_character("91500103MA0000001")
TAX_HEADER = (
    "证件类型,证件号码,纳税人姓名,扣缴义务人统一社会信用代码,扣缴义务人名称,"
    "所得期间起,所得期间止,月份数,收入额"
)


def run(sources: Path, *types: str) -> tuple[duckdb.DuckDBPyConnection, dict]:
    con = duckdb.connect()
    mappings = load_mappings()
    reports = ingest(
        con,
        sources,
        {t: mappings[t] for t in types},
        id_key=KEY,
        jurisdiction="500000",
        as_of=AS_OF,
    )
    return con, reports


def write_tax(sources: Path, *rows: str, encoding: str = "gb18030") -> None:
    (sources / "tax").mkdir(parents=True, exist_ok=True)
    text = "\n".join([TAX_HEADER, *rows]) + "\n"
    (sources / "tax" / "个税收入.csv").write_bytes(text.encode(encoding))


def test_a_gb18030_csv_becomes_canonical_records_in_fen(tmp_path):
    write_tax(tmp_path, f"居民身份证,{ZHANG},张伟,{EMPLOYER},重庆某公司,202409,202508,12,60000.50")
    con, reports = run(tmp_path, "tax")
    assert reports["tax"].rows == reports["tax"].kept == 1
    row = con.execute(
        "SELECT record_id, id_hash, id_valid, name, birth_date, gender, employer_code, "
        "first_month, last_month, months, income_fen FROM canon_tax"
    ).fetchone()
    assert row == (
        "个税收入.csv:1",
        hash_id(ZHANG, KEY),
        True,
        "张伟",
        date(1985, 5, 6),
        "male",
        EMPLOYER,
        "2024-09",
        "2025-08",
        12,
        6000050,
    )


def test_the_keyed_hash_is_the_registrys_for_every_spelling_of_a_number(tmp_path):
    lower = ZHANG[:-1] + ZHANG[-1].lower()
    full_width = ZHANG.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    old = "500103850506101"  # 15 digits: born 1985-05-06, upgraded before hashing
    write_tax(
        tmp_path,
        *(
            f"居民身份证, {number} ,张伟,{EMPLOYER},某公司,202508,202508,1,100"
            for number in (lower, full_width, old)
        ),
    )
    con, _ = run(tmp_path, "tax")
    hashes = [
        row[0] for row in con.execute("SELECT id_hash FROM canon_tax ORDER BY record_id").fetchall()
    ]
    assert hashes[:2] == [hash_id(ZHANG, KEY)] * 2
    assert hashes[2] == hash_id(upgrade_15(old), KEY)


def test_an_invalid_number_keeps_the_record_for_probabilistic_matching(tmp_path):
    wrong = ZHANG[:5] + str((int(ZHANG[5]) + 1) % 10) + ZHANG[6:]  # check character now fails
    write_tax(
        tmp_path,
        f"居民身份证,{wrong},张伟,{EMPLOYER},某公司,202508,202508,1,100",
        f"居民身份证,,李娜,{EMPLOYER},某公司,202508,202508,1,100",
    )
    con, reports = run(tmp_path, "tax")
    assert con.execute("SELECT id_valid, id_hash, birth_date FROM canon_tax").fetchall() == [
        (False, None, None),
        (False, None, None),
    ]
    assert reports["tax"].warnings == {
        "id_number: not a valid resident ID (kept for probabilistic matching)": 1
    }


def test_bad_rows_are_left_out_and_counted_by_reason(tmp_path):
    write_tax(
        tmp_path,
        f"居民身份证,{ZHANG},张伟,{EMPLOYER},某公司,202508,202508,1,100.5",
        f"居民身份证,{LI},,{EMPLOYER},某公司,202508,202508,1,100",
        f"居民身份证,{LI},李娜,{EMPLOYER[:-1]}0,某公司,202508,202508,1,100",
        f"居民身份证,{LI},李娜,{EMPLOYER},某公司,2025-13,202508,1,100",
        f"居民身份证,{LI},李娜,{EMPLOYER},某公司,202508,202508,1,1.005",
        f"居民身份证,{LI},李娜,{EMPLOYER},某公司,202508,202508,一,100",
    )
    con, reports = run(tmp_path, "tax")
    report = reports["tax"]
    assert (report.rows, report.kept) == (6, 2)
    assert report.bad == {
        "name: missing": 1,
        "employer_code: not a valid credit_code": 1,
        "first_month: not a valid month": 1,
        "income_fen: not a valid yuan": 1,
    }
    assert report.warnings == {"months: not a valid integer, left empty": 1}
    assert con.execute("SELECT record_id, income_fen, months FROM canon_tax").fetchall() == [
        ("个税收入.csv:1", 10050, 1),
        ("个税收入.csv:6", 10000, None),
    ]


def test_parquet_and_excel_sources(tmp_path):
    (tmp_path / "population").mkdir()
    pq.write_table(
        pa.table(
            {
                "公民身份号码": [ZHANG, LI],
                "姓名": ["张 伟", "阿依·古丽"],
                "性别": ["男", "女"],
                "出生日期": [date(1985, 5, 6), date(1990, 1, 2)],
                "户籍地区划": ["500103", "510104"],
                "居住地区划": ["500103", "500106"],
                "联系电话": ["+86 138-0013-8000", None],
                "职业": ["职员", "在校学生"],
            }
        ),
        tmp_path / "population" / "人口库.parquet",
    )
    (tmp_path / "market").mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "统一社会信用代码",
            "主体名称",
            "主体类型",
            "住所所在区划",
            "成立日期",
            "登记状态",
            "经营者姓名",
            "经营者证件号码",
        ]
    )
    sheet.append([EMPLOYER, "重庆某公司", "企业", "500103", date(2020, 3, 1), "存续", None, None])
    sheet.append(
        ["92500106MA00000020", "李娜小吃店", "个体工商户", 500106, "2021/04/05", "存续", "李娜", LI]
    )
    book.save(tmp_path / "market" / "市场主体登记.xlsx")
    con, reports = run(tmp_path, "population", "business")
    assert con.execute(
        "SELECT name, phone, student, hukou_district FROM canon_population ORDER BY record_id"
    ).fetchall() == [("张伟", "13800138000", False, "500103"), ("阿依古丽", None, True, "510104")]
    assert reports["business"].bad == {"credit_code: not a valid credit_code": 1}
    assert con.execute(
        "SELECT record_id, entity_type, status, founded, name, id_hash FROM canon_business"
    ).fetchall() == [("市场主体登记.xlsx:1", "enterprise", "active", date(2020, 3, 1), None, None)]


def test_a_district_named_in_chinese_is_looked_up_in_the_jurisdiction(tmp_path):
    (tmp_path / "platforms").mkdir()
    platform = "91500000MA0000002" + credit_check_character("91500000MA0000002")
    (tmp_path / "platforms" / "订单.csv").write_text(
        "平台名称,平台统一社会信用代码,从业人员姓名,身份证号,手机号,统计月份,完成订单数,常驻区县\n"
        f"某外卖,{platform},张伟,{ZHANG},13800138000,2025-08,312,渝中区\n"
        f"某外卖,{platform},李娜,{LI},13800138001,2025-08,40,朝阳区\n",
        encoding="utf-8",
    )
    con, reports = run(tmp_path, "platform")
    assert con.execute("SELECT district, orders FROM canon_platform").fetchall() == [
        ("500103", 312),
        (None, 40),
    ]
    assert reports["platform"].warnings == {"district: not a valid district_name, left empty": 1}


def test_a_file_without_a_mapped_column_is_refused_by_name(tmp_path):
    (tmp_path / "tax").mkdir()
    (tmp_path / "tax" / "个税收入.csv").write_bytes("证件号码,姓名\n1,2\n".encode("gb18030"))
    with pytest.raises(SourceUnreadable) as refused:
        run(tmp_path, "tax")
    assert refused.value.field == "tax/个税收入.csv"
    assert "纳税人姓名" in refused.value.message("en")


def test_a_broken_workbook_is_refused_by_name(tmp_path):
    (tmp_path / "civil").mkdir()
    (tmp_path / "civil" / "低保对象.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SourceUnreadable) as refused:
        run(tmp_path, "dibao")
    assert refused.value.field == "civil/低保对象.xlsx"
    assert "workbook" in refused.value.message("en")


def test_a_missing_sheet_is_refused_by_name(tmp_path):
    (tmp_path / "civil").mkdir()
    book = openpyxl.Workbook()
    book.active.append(["成员姓名", "身份证号", "家庭编号", "所在区划"])
    book.save(tmp_path / "civil" / "低保对象.xlsx")
    mapping = replace(load_mappings()["dibao"], sheet="2025年8月")
    con = duckdb.connect()
    with pytest.raises(SourceUnreadable) as refused:
        ingest(con, tmp_path, {"dibao": mapping}, id_key=KEY, jurisdiction="500000", as_of=AS_OF)
    assert refused.value.field == "civil/低保对象.xlsx"
    assert "2025年8月" in refused.value.message("en")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("type: unknown\nfiles: [a.csv]\nfields: {name: {column: x}}", "t.yaml: type"),
        ("type: tax\nfiles: [../a.csv]\nfields: {name: {column: x}}", "t.yaml: files"),
        ("type: tax\nfiles: [a.csv]\nfields: {salary: {column: x}}", "t.yaml: fields.salary"),
        (
            "type: tax\nfiles: [a.csv]\nfields: {name: {column: x, format: float}}",
            "t.yaml: fields.name.format",
        ),
        ("type: tax\nfiles: [a.csv]\nencoding: klingon\nfields: {}", "t.yaml: encoding"),
        ("type: tax\nfiles: [a.csv]\nfields: {months: {column: x}}", "t.yaml: fields.name"),
        ("- not a mapping", "t.yaml: (file)"),
    ],
)
def test_a_mapping_is_checked_and_its_mistake_named(text, field):
    with pytest.raises(MappingInvalid) as refused:
        parse_mapping(text, origin="t.yaml")
    assert refused.value.field == field


def test_an_agency_mapping_replaces_the_builtin_one(tmp_path):
    (tmp_path / "tax.yaml").write_text(
        "type: tax\nfiles: [tax/*.csv]\nencoding: utf-8\nfields:\n"
        "  name: {column: 姓名, required: true}\n"
        "  employer_code: {column: 单位, format: credit_code, required: true}\n",
        encoding="utf-8",
    )
    mappings = load_mappings(tmp_path)
    assert mappings["tax"].encoding == "utf-8"
    assert [f.column for f in mappings["tax"].fields] == ["姓名", "单位"]
    assert mappings["population"].files[0] == "population/*.parquet"


def test_flexcovers_own_register_gives_the_keyed_hash_not_the_number(tmp_path):
    (tmp_path / "flexcover").mkdir()
    pq.write_table(
        pa.table(
            {
                "证件号码哈希": [hash_id(ZHANG, KEY), "not-a-hash"],
                "姓名": ["张伟", "李娜"],
                "性别": ["男", "女"],
                "出生日期": [date(1985, 5, 6), date(1990, 1, 2)],
                "险种": ["employee_pension", "employee_pension"],
                "参保身份": ["flexible", "flexible"],
                "参保地区划": ["500103", "500106"],
                "参保状态": ["active", "paused"],
                "首次参保年月": ["2025-01", "2025-03"],
                "最后缴费年月": ["2025-08", None],
                "近12个月缴费月数": [8, 0],
                "累计缴费月数": [8, 2],
            }
        ),
        tmp_path / "flexcover" / "参保登记.parquet",
    )
    con, reports = run(tmp_path, "flexcover_register")
    assert con.execute(
        "SELECT id_hash, id_valid, status, paid_last_12 FROM canon_register ORDER BY record_id"
    ).fetchall() == [(hash_id(ZHANG, KEY), True, "paying", 8), (None, False, "paused", 0)]
    assert reports["flexcover_register"].warnings == {
        "id_number: not a valid resident ID (kept for probabilistic matching)": 1
    }


def test_a_mistyped_number_carries_the_hash_of_its_correction(tmp_path):
    position = 10
    wrong = ZHANG[:position] + str((int(ZHANG[position]) + 3) % 10) + ZHANG[position + 1 :]
    swapped = ZHANG[:3] + ZHANG[4] + ZHANG[3] + ZHANG[5:]
    assert swapped != ZHANG
    write_tax(
        tmp_path,
        f"居民身份证,{wrong},张伟,{EMPLOYER},某公司,202508,202508,1,100",
        f"居民身份证,{swapped},张伟,{EMPLOYER},某公司,202508,202508,1,100",
    )
    con, _ = run(tmp_path, "tax")
    repairs = [
        row[0]
        for row in con.execute("SELECT id_repairs FROM canon_tax ORDER BY record_id").fetchall()
    ]
    assert all(hash_id(ZHANG, KEY) in candidates for candidates in repairs)
    assert all(len(candidates) < 40 for candidates in repairs)  # only valid numbers are kept


def test_two_files_of_a_source_may_not_share_a_name(tmp_path):
    write_tax(tmp_path, f"居民身份证,{ZHANG},张伟,{EMPLOYER},某公司,202508,202508,1,100")
    (tmp_path / "tax" / "2024").mkdir()
    (tmp_path / "tax" / "2024" / "个税收入.csv").write_bytes(
        (tmp_path / "tax" / "个税收入.csv").read_bytes()
    )
    mappings = load_mappings()
    tax = mappings["tax"]
    nested = type(tax)(**{**tax.__dict__, "files": ("tax/**/*.csv",)})
    with pytest.raises(SourceUnreadable) as refused:
        ingest(
            duckdb.connect(),
            tmp_path,
            {"tax": nested},
            id_key=KEY,
            jurisdiction="500000",
            as_of=AS_OF,
        )
    assert "also named 个税收入.csv" in refused.value.message("en")

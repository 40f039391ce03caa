"""Synthetic departmental datasets: the files, their noise, and the truth they are scored on."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flexcover.kit.credit_code import credit_check_character, parse_credit_code
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.kit.resident_id import parse_resident_id, upgrade_15
from flexcover.rules.parameters import default_rulebook
from flexcover.synth.commands import synth_app
from flexcover.synth.departments import Departments, generate_departments
from flexcover.synth.departments_employers import credit_codes
from flexcover.synth.departments_files import FILES, HEADERS, TRUTH_FILES, write_departments
from flexcover.synth.departments_noise import (
    ID_DIGIT_TYPO_RATE,
    ID_FORMAT_RATE,
    ID_MISSING_RATE,
    ID_OLD_FORMAT_RATE,
    ID_TRANSPOSITION_RATE,
    NAME_VARIANT_RATE,
    PHONE_CHANGED_RATE,
    PHONE_MISSING_RATE,
    POPULATION_PHONE_MISSING_RATE,
    STALE_DISTRICT_RATE,
    name_variant,
    noisy_ids,
    stale_districts,
)
from flexcover.synth.departments_state import PLATFORM_OUTSIDE_SHARE, TAX_OUTSIDE_SHARE
from flexcover.synth.departments_truth import (
    CLASSES,
    EMPLOYEE,
    EMPLOYEE_MEDICAL,
    EMPLOYEE_PENSION,
    FLEXIBLE,
    PAUSED,
    PAYING,
    REASONS,
    RESIDENT_PENSION,
    RETIREE,
    TAGS,
    TERMINATED,
    TRANSFERRED_OUT,
    Evidence,
    PersonFacts,
    classify_people,
    retirement_schedule,
    under_insured_employers,
)
from flexcover.synth.table_files import write_xlsx

PEOPLE = 20_000
SEED = 11
AS_OF = Month(2025, 8)
M = AS_OF.index
PERSON_SOURCES = {
    # source: (ID column, name column)
    "tax": ("证件号码", "纳税人姓名"),
    "platform": ("身份证号", "从业人员姓名"),
    "injury": ("证件号码", "姓名"),
    "deaths": ("身份证号码", "姓名"),
    "dibao": ("身份证号", "成员姓名"),
    "disadvantaged": ("身份证号", "姓名"),
    "business": ("经营者证件号码", "经营者姓名"),
    "elsewhere": ("证件号码", "姓名"),
    "register": ("证件号码", "姓名"),
}
CIVIL = ("deaths", "dibao", "disadvantaged")
NOISY_SOURCES = {s: columns for s, columns in PERSON_SOURCES.items() if s != "register"}
"""The departments' files carry noise; the agency's own register does not."""


@dataclass(frozen=True)
class Written:
    departments: Departments
    out: Path


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    out = tmp_path_factory.mktemp("departments")
    departments = generate_departments(jurisdiction="500000", people=PEOPLE, seed=SEED, as_of=AS_OF)
    write_departments(departments, out)
    return Written(departments, out)


def read_rows(out: Path, source: str) -> list[dict[str, Any]]:
    """A department file's data rows, every value as the file holds it (text for CSV)."""
    path = out / FILES[source]
    if path.suffix == ".parquet":
        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        return rows
    if path.suffix == ".csv":
        text = pcsv.ReadOptions(encoding="gb18030" if source == "tax" else "utf-8")
        convert = pcsv.ConvertOptions(
            column_types=dict.fromkeys(HEADERS[source], pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )
        return pcsv.read_csv(path, read_options=text, convert_options=convert).to_pylist()
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for sheet in workbook.worksheets:
        values = sheet.iter_rows(values_only=True)
        header = next(values)
        rows += [dict(zip(header, row, strict=True)) for row in values]
    workbook.close()
    return rows


def normalised_id(raw: str | None) -> str | None:
    """The valid 18-character number a raw ID normalises to, or None."""
    if raw is None:
        return None
    number = unicodedata.normalize("NFKC", raw).strip().upper()
    if len(number) == 15:
        number = upgrade_15(number)
    try:
        return parse_resident_id(number, today=date(2026, 1, 1)).number
    except Problem:
        return None


@pytest.fixture(scope="module")
def links(written: Written) -> dict[str, dict[int, str | None]]:
    """Per source: line → true ID number, from truth/links.parquet."""
    table = pq.read_table(written.out / TRUTH_FILES["links"]).to_pylist()
    result: dict[str, dict[int, str | None]] = {}
    for row in table:
        file_name, line = row["record_id"].rsplit(":", 1)
        assert file_name == Path(FILES[row["source"]]).name
        assert int(line) not in result.setdefault(row["source"], {})
        result[row["source"]][int(line)] = row["true_id"]
    return result


# --- files ---------------------------------------------------------------------------------------


def test_every_file_is_written_with_exactly_its_header(written: Written) -> None:
    for source, relative in FILES.items():
        path = written.out / relative
        if path.suffix == ".parquet":
            header = tuple(pq.read_schema(path).names)
        elif path.suffix == ".csv":
            encoding = "gb18030" if source == "tax" else "utf-8"
            first_line = path.read_bytes().split(b"\n", 1)[0].decode(encoding)
            header = tuple(name.strip('"') for name in first_line.split(","))
        else:
            workbook = openpyxl.load_workbook(path, read_only=True)
            header = next(workbook.worksheets[0].iter_rows(values_only=True))
            workbook.close()
        assert header == HEADERS[source], source
    assert pq.read_schema(written.out / TRUTH_FILES["people"]).names == [
        "公民身份号码", "class", "reason", "tags", "district",
    ]  # fmt: skip
    assert pq.read_schema(written.out / TRUTH_FILES["links"]).names == [
        "source", "record_id", "true_id",
    ]  # fmt: skip
    assert pq.read_schema(written.out / TRUTH_FILES["employers"]).names == [
        "kind", "code", "district", "tax_people", "insured_people",
    ]  # fmt: skip


def test_the_tax_file_is_gb18030_and_the_others_utf8(written: Written) -> None:
    tax = (written.out / FILES["tax"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        tax.decode("utf-8")
    assert "纳税人姓名" in tax.decode("gb18030")
    (written.out / FILES["platform"]).read_bytes().decode("utf-8")


def test_the_excel_sheets_are_named_and_dates_are_dates(written: Written) -> None:
    dibao = openpyxl.load_workbook(written.out / FILES["dibao"], read_only=True)
    assert dibao.sheetnames == ["低保"]
    dibao.close()
    projects = read_rows(written.out, "construction")
    assert all(isinstance(row["开工日期"], date) for row in projects)
    assert {row["是否参加工伤保险"] for row in projects} <= {"是", "否"}


def test_the_population_register_is_clean_but_for_missing_phones(written: Written) -> None:
    rows = read_rows(written.out, "population")
    assert len(rows) == PEOPLE
    for row in rows[:2000]:
        parsed = parse_resident_id(row["公民身份号码"], today=date(2026, 1, 1))
        assert parsed.birth_date == row["出生日期"]
        assert row["性别"] == ("男" if parsed.gender == "male" else "女")
        assert row["户籍地区划"] == parsed.region_code
    missing = sum(row["联系电话"] is None for row in rows) / PEOPLE
    assert missing == pytest.approx(POPULATION_PHONE_MISSING_RATE, abs=0.006)
    occupations = Counter(row["职业"] for row in rows)
    assert {"职员", "个体", "骑手", "网约车司机", "无业", "农民", "离退休", "在校学生"} <= set(
        occupations
    )


def test_credit_codes_are_valid(written: Written) -> None:
    codes = [row["统一社会信用代码"] for row in read_rows(written.out, "business")]
    codes += [row["平台统一社会信用代码"] for row in read_rows(written.out, "platform")]
    for code in set(codes):
        assert parse_credit_code(code) == code
    assert (
        len(set(codes))
        == len({row["统一社会信用代码"] for row in read_rows(written.out, "business")}) + 3
    )


def test_the_vectorised_check_character_agrees_with_the_kit() -> None:
    codes = credit_codes(
        np.random.default_rng(3), np.array([1, 2] * 500), np.full(1000, 500103)
    ).to_pylist()
    assert all(code[17] == credit_check_character(code[:17]) for code in codes)
    assert len(set(codes)) == 1000


def test_the_same_arguments_write_the_same_bytes(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        out = tmp_path / name
        departments = generate_departments(jurisdiction="500000", people=2_000, seed=5)
        write_departments(departments, out)
        digests.append(
            {
                str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
                for path in sorted(out.rglob("*"))
                if path.is_file()
            }
        )
    assert digests[0] == digests[1]
    assert len(digests[0]) == len(FILES) + len(TRUTH_FILES)


# --- truth files against the department files -----------------------------------------------------


def test_every_population_row_has_exactly_one_class(written: Written) -> None:
    truth = pq.read_table(written.out / TRUTH_FILES["people"]).to_pylist()
    population = read_rows(written.out, "population")
    assert [t["公民身份号码"] for t in truth] == [p["公民身份号码"] for p in population]
    assert [t["district"] for t in truth] == [p["居住地区划"] for p in population]
    for row in truth:
        assert row["class"] in CLASSES
        assert (row["reason"] is not None) == (row["class"] == "excluded")
        assert set(row["tags"]) <= set(TAGS)
        assert row["tags"] == sorted(row["tags"], key=TAGS.index)
    classes = Counter(row["class"] for row in truth)
    assert set(classes) == set(CLASSES)
    assert classes["covered"] > classes["never_insured"] > classes["dropped"] > 0
    reasons = Counter(row["reason"] for row in truth)
    assert {"deceased", "over_age", "retired", "student", "insured_elsewhere"} <= set(reasons)


def test_links_cover_every_record_with_person_fields(
    written: Written, links: dict[str, dict[int, str | None]]
) -> None:
    for source in PERSON_SOURCES:
        rows = read_rows(written.out, source)
        carrying = [
            line
            for line, row in enumerate(rows, 1)
            if source != "business" or row["主体类型"] == "个体工商户"
        ]
        assert sorted(links[source]) == carrying, source
    assert "construction" not in links
    assert "population" not in links


def test_record_ids_point_at_the_rows_of_the_people_they_describe(
    written: Written, links: dict[str, dict[int, str | None]]
) -> None:
    registered = {row["公民身份号码"] for row in read_rows(written.out, "population")}
    for source, (id_column, _) in PERSON_SOURCES.items():
        rows = read_rows(written.out, source)
        checked = 0
        for line, true_id in links[source].items():
            number = normalised_id(rows[line - 1][id_column])
            if number is None:
                continue  # missing or mistyped: only the truth knows who it is
            if true_id is None:
                assert number not in registered
            else:
                assert number == true_id, (source, line)
                checked += 1
        assert checked > 0.9 * sum(t is not None for t in links[source].values()), source


def test_people_outside_the_register_have_no_true_id(
    links: dict[str, dict[int, str | None]],
) -> None:
    for source, share in (("platform", PLATFORM_OUTSIDE_SHARE), ("tax", TAX_OUTSIDE_SHARE)):
        outside = sum(t is None for t in links[source].values()) / len(links[source])
        assert outside == pytest.approx(share, rel=0.35), source
    assert any(t is None for t in links["elsewhere"].values())
    assert all(t is not None for t in links["dibao"].values())


def test_findings_name_codes_and_projects_in_the_files(written: Written) -> None:
    findings = pq.read_table(written.out / TRUTH_FILES["employers"]).to_pylist()
    kinds = Counter(f["kind"] for f in findings)
    assert kinds["employer_under_insured"] > 0
    firms = {row["统一社会信用代码"]: row for row in read_rows(written.out, "business")}
    projects = {row["项目编号"]: row for row in read_rows(written.out, "construction")}
    uncovered = [
        number
        for number, row in projects.items()
        if row["是否参加工伤保险"] == "否" and row["开工日期"].date() <= AS_OF.last_day
    ]
    assert kinds["project_no_injury_cover"] == len(uncovered)
    for finding in findings:
        if finding["kind"] == "employer_under_insured":
            assert firms[finding["code"]]["主体类型"] == "企业"
            assert finding["district"] == firms[finding["code"]]["住所所在区划"]
            assert finding["tax_people"] > finding["insured_people"]
        else:
            project = projects[finding["code"]]
            assert project["是否参加工伤保险"] == "否"
            assert project["开工日期"].date() <= AS_OF.last_day
            assert finding["tax_people"] is None


# --- noise ---------------------------------------------------------------------------------------


def test_the_insured_register_carries_valid_numbers_and_registered_names(
    written: Written, links: dict[str, dict[int, str | None]]
) -> None:
    population = {row["公民身份号码"]: row for row in read_rows(written.out, "population")}
    rows = read_rows(written.out, "register")
    for line, true_id in links["register"].items():
        row = rows[line - 1]
        assert normalised_id(row["证件号码"]) == row["证件号码"]  # valid as written
        if true_id is not None:  # None: someone insured here who lives elsewhere
            assert row["证件号码"] == true_id
            assert row["姓名"] == population[true_id]["姓名"]


def test_id_noise_rates_over_all_person_records(
    written: Written, links: dict[str, dict[int, str | None]]
) -> None:
    kinds: Counter[str] = Counter()
    for source, (id_column, _) in NOISY_SOURCES.items():
        rows = read_rows(written.out, source)
        for line in links[source]:
            raw = rows[line - 1][id_column]
            if raw is None:
                kinds["missing"] += 1
            elif normalised_id(raw) is None:
                kinds["invalid"] += 1
            elif len(raw.strip()) == 15:
                kinds["old"] += 1
            elif raw != unicodedata.normalize("NFKC", raw).strip().upper():
                kinds["formatted"] += 1
    total = sum(len(lines) for source, lines in links.items() if source in NOISY_SOURCES)
    assert total > 15_000
    assert kinds["missing"] / total == pytest.approx(ID_MISSING_RATE, rel=0.2)
    typed = ID_DIGIT_TYPO_RATE + ID_TRANSPOSITION_RATE
    assert kinds["invalid"] / total == pytest.approx(typed, rel=0.2)
    assert kinds["formatted"] / total == pytest.approx(ID_FORMAT_RATE, rel=0.25)


def test_name_phone_and_district_noise_rates(
    written: Written, links: dict[str, dict[int, str | None]]
) -> None:
    population = {row["公民身份号码"]: row for row in read_rows(written.out, "population")}
    names = differs = 0
    for source, (_, name_column) in NOISY_SOURCES.items():
        rows = read_rows(written.out, source)
        for line, true_id in links[source].items():
            if true_id is not None:
                names += 1
                differs += rows[line - 1][name_column] != population[true_id]["姓名"]
    assert differs / names == pytest.approx(NAME_VARIANT_RATE, rel=0.2)

    # A platform roster entry is typed once and repeats every month: count each worker once.
    people = written.departments.people
    platform = read_rows(written.out, "platform")
    seen: dict[tuple[str, str], str | None] = {}
    for line, true_id in links["platform"].items():
        if true_id is not None:
            row = platform[line - 1]
            seen[(row["平台名称"], true_id)] = row["手机号"]
    phones = {row["公民身份号码"]: people.phone[i] for i, row in enumerate(population.values())}
    missing = sum(phone is None for phone in seen.values()) / len(seen)
    changed = sum(
        phone is not None and phone != f"{phones[true_id]:011d}"
        for (_, true_id), phone in seen.items()
    ) / len(seen)
    assert missing == pytest.approx(PHONE_MISSING_RATE, abs=0.03)
    assert changed == pytest.approx(PHONE_CHANGED_RATE, abs=0.03)

    dibao = read_rows(written.out, "dibao") + read_rows(written.out, "disadvantaged")
    districts = [row.get("所在区划") or row.get("区划") for row in dibao]
    dibao_links = list(links["dibao"].values()) + list(links["disadvantaged"].values())
    stale = sum(
        d != population[t]["居住地区划"] for d, t in zip(districts, dibao_links, strict=True) if t
    ) / len(districts)
    assert stale == pytest.approx(STALE_DISTRICT_RATE, abs=0.02)


def test_noisy_ids_are_never_another_valid_number() -> None:
    rng = np.random.default_rng(1)
    clean = [
        parse_resident_id(number, today=date(2026, 1, 1)).number
        for number in ("11010519491231002X", "500103198002290011", "440305200001011234")
        if normalised_id(number)
    ]
    matrix = np.frombuffer("".join(clean * 20_000).encode(), dtype=np.uint8).reshape(-1, 18)
    years = np.array([int(number[6:10]) for number in clean] * 20_000)
    noisy = noisy_ids(rng, matrix, years).to_pylist()
    kinds = Counter()
    for number, raw in zip(clean * 20_000, noisy, strict=True):
        valid = normalised_id(raw)
        assert valid in (None, number)
        kinds["old" if raw and len(raw) == 15 else "x"] += 1
    born_before_1990 = sum(int(number[6:10]) < 1990 for number in clean) * 20_000
    assert kinds["old"] / born_before_1990 == pytest.approx(ID_OLD_FORMAT_RATE, rel=0.3)
    assert all(len(raw) != 15 or raw[6:8] < "90" for raw in noisy if raw)


def test_old_format_numbers_only_in_civil_affairs_lists(written: Written) -> None:
    for source, (id_column, _) in PERSON_SOURCES.items():
        if source in CIVIL:
            continue
        rows = read_rows(written.out, source)
        assert not any(len((row[id_column] or "").strip()) == 15 for row in rows), source


@pytest.mark.parametrize(
    ("name", "kind", "where", "expected"),
    [
        ("王伟", 0.1, 0.0, "王玮"),
        ("李明丽", 0.1, 0.9, "李明莉"),
        ("林静", 0.1, 0.5, "林婧"),  # the surname 林 is never swapped
        ("王伟", 0.9, 0.0, "王 伟"),
        ("张三丰", 0.9, 0.9, "张三 丰"),
        ("阿卜杜拉·买买提", 0.0, 0.5, "阿卜杜拉.买买提"),
        ("阿卜杜拉·买买提", 0.99, 0.5, "阿卜杜拉买买提"),
    ],
)
def test_name_variants(name: str, kind: float, where: float, expected: str) -> None:
    assert name_variant(name, kind, where) == expected


def test_stale_districts_stay_in_the_city() -> None:
    codes = np.full(10_000, 500103)
    stale = stale_districts(np.random.default_rng(2), codes, rate=0.5)
    moved = stale != codes
    assert moved.mean() == pytest.approx(0.5, abs=0.03)
    assert (stale[moved] // 100 == 5001).all()


def test_excel_tables_continue_on_further_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("flexcover.synth.table_files.MAX_SHEET_ROWS", 3)
    table = pa.table(
        {
            "姓名": ["甲", None, "丙 & 丁", "<戊>"],
            "日期": pa.array([date(2025, 1, 2), None, date(1999, 12, 31), date(2025, 8, 31)]),
        }
    )
    path = tmp_path / "t.xlsx"
    write_xlsx(path, table, sheet="表")
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["表", "表2"]
    rows = [
        row for sheet in workbook.worksheets for row in list(sheet.iter_rows(values_only=True))[1:]
    ]
    workbook.close()
    assert [row[0] for row in rows] == ["甲", None, "丙 & 丁", "<戊>"]
    assert [row[1].date() if row[1] else None for row in rows] == [
        date(2025, 1, 2), None, date(1999, 12, 31), date(2025, 8, 31),
    ]  # fmt: skip


# --- the classification rules on hand-made people ------------------------------------------------


def facts(n: int, **overrides: Any) -> PersonFacts:
    """``n`` people aged 40, retiring in 100 months, needing 180 months, not students."""
    values: dict[str, Any] = {
        "age": np.full(n, 40),
        "retirement_month": np.full(n, M + 100),
        "minimum_months": np.full(n, 180),
        "student": np.zeros(n, dtype=bool),
    }
    for key, value in overrides.items():
        values[key] = np.asarray(value)
    return PersonFacts(**values)


def register(*records: tuple[int, int, int, int, int, int]) -> dict[str, Any]:
    """Evidence fields for register records (person, scheme, status, first month, paid of the last
    12, months in all); employee identity, no employer."""
    columns = np.array(records, dtype=np.int64).reshape(-1, 6).T
    person, scheme, status, first, paid, total = columns
    return {
        "register_person": person,
        "register_scheme": scheme,
        "register_identity": np.full(len(person), EMPLOYEE),
        "register_employer": np.full(len(person), -1),
        "register_status": status,
        "register_first_month": first,
        "register_paid_last_12": paid,
        "register_months_total": total,
    }


def classify(people: PersonFacts, **evidence: Any) -> list[tuple[str, str | None, list[str]]]:
    truth = classify_people(
        people,
        Evidence(**{k: np.asarray(v) for k, v in evidence.items()}),
        reference_month=AS_OF,
    )
    return [
        (
            CLASSES[c],
            REASONS[r] if r >= 0 else None,
            [TAGS[i] for i in np.flatnonzero(tags)],
        )
        for c, r, tags in zip(truth.klass, truth.reason, truth.tags, strict=True)
    ]


def classes(people: PersonFacts, **evidence: Any) -> list[tuple[str, str | None]]:
    return [(c, r) for c, r, _ in classify(people, **evidence)]


def test_without_any_record_a_person_of_working_age_was_never_insured() -> None:
    assert classes(facts(1)) == [("never_insured", None)]


def test_employee_pension_with_two_unpaid_months_is_covered_and_three_is_interrupted() -> None:
    records = register(
        (0, EMPLOYEE_PENSION, PAYING, M - 100, 10, 90),
        (1, EMPLOYEE_PENSION, PAYING, M - 100, 9, 90),
        (2, EMPLOYEE_PENSION, PAUSED, M - 100, 12, 90),
    )
    assert classes(facts(3), **records) == [
        ("covered", None), ("interrupted", None), ("covered", None),
    ]  # fmt: skip


def test_only_months_since_enrolment_can_be_unpaid() -> None:
    # Enrolled two months before M, nothing paid yet: two unpaid months, still covered.
    records = register(
        (0, EMPLOYEE_PENSION, PAYING, M - 1, 0, 0), (1, EMPLOYEE_PENSION, PAYING, M - 2, 0, 0)
    )
    assert classes(facts(2), **records) == [("covered", None), ("interrupted", None)]


def test_resident_pension_paid_yearly_is_covered_while_paying_or_paused() -> None:
    records = register(
        (0, RESIDENT_PENSION, PAUSED, M - 60, 0, 48), (1, RESIDENT_PENSION, PAYING, M - 60, 0, 48)
    )
    assert classes(facts(2), **records) == [("covered", None), ("covered", None)]


def test_medical_enrolment_is_evidence_only() -> None:
    records = register((0, EMPLOYEE_MEDICAL, PAYING, M - 60, 12, 60))
    assert classes(facts(1), **records) == [("never_insured", None)]


def test_terminated_or_transferred_out_is_dropped() -> None:
    records = register(
        (0, EMPLOYEE_PENSION, TERMINATED, M - 60, 0, 40),
        (1, RESIDENT_PENSION, TRANSFERRED_OUT, M - 60, 0, 40),
    )
    assert classes(facts(2), **records) == [("dropped", None), ("dropped", None)]


def test_insured_elsewhere_only_when_active_and_not_covered_here() -> None:
    records = register(
        (0, EMPLOYEE_PENSION, PAYING, M - 60, 12, 60),
        (2, EMPLOYEE_PENSION, TERMINATED, M - 60, 0, 9),
    )
    elsewhere = {"elsewhere_person": [0, 1, 2, 3], "elsewhere_active": [True, True, True, False]}
    assert classes(facts(4), **records, **elsewhere) == [
        ("covered", None),
        ("excluded", "insured_elsewhere"),
        ("excluded", "insured_elsewhere"),
        ("never_insured", None),
    ]


def test_exclusions_come_first_in_their_order() -> None:
    paying = [(p, EMPLOYEE_PENSION, PAYING, M - 60, 12, 60) for p in range(6)]
    records = register(*paying, (2, EMPLOYEE_MEDICAL, RETIREE, M - 60, 0, 60))
    people = facts(
        6,
        age=[40, 15, 40, 40, 70, 40],
        retirement_month=[M + 100, M + 100, M + 100, M + 100, M, M + 100],
        student=[False, False, False, True, True, False],
    )
    deaths = {
        "death_person": [0, 5],
        "death_day": np.array(["2025-08-31", "2025-09-01"], dtype="datetime64[D]"),
    }
    assert classes(people, **records, **deaths) == [
        ("excluded", "deceased"),
        ("excluded", "under_age"),
        ("excluded", "retired"),
        ("excluded", "student"),
        ("excluded", "over_age"),
        ("covered", None),  # died after the reference month
    ]


def test_platform_worker_tags_need_orders_in_the_last_three_months() -> None:
    records = register((0, EMPLOYEE_PENSION, PAYING, M - 60, 12, 60))
    platform = {
        "platform_person": [0, 1, 2, 3],
        "platform_month": [M, M - 2, M - 3, M],
        "platform_orders": [5, 1, 400, 0],
    }
    tags = [t for _, _, t in classify(facts(4), **records, **platform)]
    assert tags == [
        ["platform_worker"], ["platform_worker", "platform_no_pension"], [], [],
    ]  # fmt: skip


def test_tax_income_uninsured_needs_tax_months_in_the_last_twelve() -> None:
    records = register((2, EMPLOYEE_PENSION, TERMINATED, M - 60, 0, 40))
    tax = {
        "tax_person": [0, 1, 2, 3],
        "tax_employer": [0, 0, 0, 0],
        "tax_first_month": [M - 11, M - 30, M - 11, M - 5],
        "tax_last_month": [M - 11, M - 12, M - 3, M],
    }
    people = facts(4, student=[False, False, False, True])
    tags = [t for _, _, t in classify(people, **records, **tax)]
    assert tags == [["tax_income_uninsured"], [], ["tax_income_uninsured"], []]


def test_near_retirement_short_within_sixty_months_and_below_the_minimum() -> None:
    records = register(
        (0, EMPLOYEE_PENSION, PAYING, M - 60, 12, 179),
        (1, EMPLOYEE_PENSION, PAYING, M - 60, 12, 180),
        (3, EMPLOYEE_PENSION, TERMINATED, M - 60, 0, 100),
        (3, RESIDENT_PENSION, TERMINATED, M - 60, 0, 50),
    )
    people = facts(5, retirement_month=[M + 60, M + 60, M + 61, M + 1, M])
    tags = [t for _, _, t in classify(people, **records)]
    assert tags == [["near_retirement_short"], [], [], ["near_retirement_short"], []]


def test_list_tags_and_self_employment_of_an_active_individual_business() -> None:
    evidence = {
        "dibao_person": [0],
        "disadvantaged_person": [1],
        "business_person": [2, 3, 4],
        "business_individual": [True, True, False],
        "business_active": [True, False, True],
    }
    tags = [t for _, _, t in classify(facts(5), **evidence)]
    assert tags == [["minimum_income"], ["disadvantaged"], ["self_employed"], [], []]


def test_records_of_people_outside_the_register_are_ignored() -> None:
    records = register((7, EMPLOYEE_PENSION, PAYING, M - 60, 12, 60))
    assert classes(facts(1), **records, dibao_person=[9]) == [("never_insured", None)]


def test_an_employer_is_under_insured_when_it_taxes_more_people_than_it_insures() -> None:
    evidence = Evidence(
        tax_person=np.array([0, 1, 2, 2, 3, 10]),
        tax_employer=np.array([0, 0, 0, 0, 1, 1]),
        tax_first_month=np.array([M - 11, M - 11, M - 11, M - 11, M - 11, M - 11]),
        tax_last_month=np.array([M, M, M, M, M - 1, M]),
        **{
            k: v
            for k, v in register(
                (0, EMPLOYEE_PENSION, PAYING, M - 60, 12, 60),
                (1, EMPLOYEE_PENSION, PAUSED, M - 60, 12, 60),
                (10, EMPLOYEE_PENSION, PAYING, M - 60, 12, 60),
                (2, EMPLOYEE_PENSION, TERMINATED, M - 60, 12, 60),
            ).items()
            if k != "register_employer"
        },
        register_employer=np.array([0, 0, 1, 0]),
    )
    taxed, insured = under_insured_employers(evidence, employers=2, reference_month=AS_OF)
    assert taxed.tolist() == [3, 1]
    assert insured.tolist() == [2, 1]


def test_flexible_identity_does_not_count_as_insured_staff() -> None:
    records = register((0, EMPLOYEE_PENSION, PAYING, M - 60, 12, 60))
    records["register_identity"] = np.array([FLEXIBLE])
    records["register_employer"] = np.array([0])
    evidence = Evidence(
        tax_person=np.array([0]),
        tax_employer=np.array([0]),
        tax_first_month=np.array([M]),
        tax_last_month=np.array([M]),
        **records,
    )
    taxed, insured = under_insured_employers(evidence, employers=1, reference_month=AS_OF)
    assert (taxed.tolist(), insured.tolist()) == ([1], [0])


def test_retirement_months_come_from_the_2025_reform() -> None:
    births = np.array([Month(1965, 1).index, Month(1970, 1).index, Month(1960, 5).index])
    month, minimum = retirement_schedule(
        births,
        np.array([True, False, True]),
        as_of=AS_OF,
        rulebook=default_rulebook(),
        jurisdiction="500000",
    )
    # One month of delay for the first delayed cohorts (men 60, women 55); none before.
    assert [str(Month.from_index(int(m))) for m in month] == ["2025-02", "2025-02", "2020-05"]
    assert minimum.tolist() == [180, 180, 180]


# --- the command ---------------------------------------------------------------------------------

runner = CliRunner()


def test_the_command_writes_the_set_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "set"
    result = runner.invoke(
        synth_app,
        ["departments", "--people", "1500", "--seed", "3", "--as-of", "2025-06", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    for relative in (*FILES.values(), *TRUTH_FILES.values()):
        assert (out / relative).is_file(), relative
        assert relative in result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert re.search(r"Wrote 14 files for 1,500 people as of 2025-06 to .* people/s\)$", last)
    assert not list(out.rglob(".*.partial"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2025-13"], "--as-of"),
        (["--as-of", "2021-01"], "2022-07"),
        (["--jurisdiction", "999999"], "999999"),
        (["--people", "0"], "people"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "set"
    result = runner.invoke(synth_app, ["departments", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_an_earlier_reference_month_has_people_under_age() -> None:
    departments = generate_departments(
        jurisdiction="500103", people=3_000, seed=2, as_of=Month(2024, 8)
    )
    reasons = Counter(departments.truth.reason.tolist())
    assert reasons[REASONS.index("under_age")] > 0


def test_situation_shares_are_percentages() -> None:
    from flexcover.synth.departments_state import OVER_AGE_SHARES, SITUATION_SHARES, SITUATIONS
    from flexcover.synth.population import WORK_TYPES

    assert set(SITUATION_SHARES) == set(WORK_TYPES)
    for shares in (*SITUATION_SHARES.values(), OVER_AGE_SHARES):
        assert len(shares) == len(SITUATIONS)
        assert sum(shares) == 100

"""The files of the synthetic departments (部门数据文件), as each department would hand them over,
and the truth files beside them.

=================================================  =============================================
file                                               format
=================================================  =============================================
``population/人口库.parquet``                      Parquet; clean but for missing phones
``tax/个税收入.csv``                               CSV in GB18030
``platforms/平台从业人员订单.csv``                 CSV (UTF-8), three months, three platforms
``injury/职业伤害保障参保.csv``                    CSV
``civil/死亡人员.csv``                             CSV, dates ``YYYY/MM/DD``
``civil/低保对象.xlsx``                            Excel, sheet 低保
``civil/困难群体.csv``                             CSV
``market/市场主体登记.xlsx``                       Excel; operator columns empty for 企业
``construction/开工项目.xlsx``                     Excel
``elsewhere/外省参保人员.parquet``                 Parquet
``register/本地参保库.parquet``                    Parquet
``truth/people.parquet``                           per population row: true ID, class, tags
``truth/links.parquet``                            per person-carrying record: its true ID
``truth/employers.parquet``                        employer and project findings
=================================================  =============================================

The columns are in :data:`HEADERS`. A record's identity is ``<file name>:<line>``, line 1 being
the first data row (Parquet: row index + 1). An Excel sheet holds at most 1,048,575 data rows;
a longer table continues on sheets ``<name>2``, ``<name>3``…, each with its header, and its line
numbers run on across them. Rows are shuffled, person fields carry noise
(:mod:`~flexcover.synth.departments_noise`), and only the truth files know who is who.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flexcover.kit.divisions import known_codes
from flexcover.synth.departments import Departments
from flexcover.synth.departments_employers import PLATFORMS, district_names, project_findings
from flexcover.synth.departments_noise import (
    ascii_strings,
    noisy_ids,
    noisy_names,
    noisy_phones,
    stale_districts,
)
from flexcover.synth.departments_state import DISADVANTAGED_CATEGORIES, ELSEWHERE_STATUSES
from flexcover.synth.departments_truth import CLASSES, REASONS, TAGS
from flexcover.synth.table_files import replacing, write_table

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
TableMaker = Callable[[Departments, np.random.Generator], tuple[pa.Table, IntArray | None]]

FILES = {
    "population": "population/人口库.parquet",
    "tax": "tax/个税收入.csv",
    "platform": "platforms/平台从业人员订单.csv",
    "injury": "injury/职业伤害保障参保.csv",
    "deaths": "civil/死亡人员.csv",
    "dibao": "civil/低保对象.xlsx",
    "disadvantaged": "civil/困难群体.csv",
    "business": "market/市场主体登记.xlsx",
    "construction": "construction/开工项目.xlsx",
    "elsewhere": "elsewhere/外省参保人员.parquet",
    "register": "register/本地参保库.parquet",
}
TRUTH_FILES = {
    "people": "truth/people.parquet",
    "links": "truth/links.parquet",
    "employers": "truth/employers.parquet",
}
HEADERS = {
    "population": (
        "公民身份号码", "姓名", "性别", "出生日期", "户籍地区划", "居住地区划", "联系电话", "职业",
    ),
    "tax": (
        "证件类型", "证件号码", "纳税人姓名", "扣缴义务人统一社会信用代码", "扣缴义务人名称",
        "所得期间起", "所得期间止", "月份数", "收入额",
    ),
    "platform": (
        "平台名称", "平台统一社会信用代码", "从业人员姓名", "身份证号", "手机号", "统计月份",
        "完成订单数", "常驻区县",
    ),
    "injury": ("平台统一社会信用代码", "姓名", "证件号码", "参保开始日期"),
    "deaths": ("姓名", "身份证号码", "死亡日期", "户籍地区划"),
    "dibao": ("成员姓名", "身份证号", "家庭编号", "所在区划"),
    "disadvantaged": ("姓名", "身份证号", "类别", "区划"),
    "business": (
        "统一社会信用代码", "主体名称", "主体类型", "住所所在区划", "成立日期", "登记状态",
        "经营者姓名", "经营者证件号码",
    ),
    "construction": (
        "项目编号", "项目名称", "项目所在区划", "施工单位统一社会信用代码", "开工日期",
        "是否参加工伤保险",
    ),
    "elsewhere": ("证件号码", "姓名", "参保省份", "险种", "参保状态"),
    "register": (
        "证件号码", "姓名", "险种", "参保身份", "单位统一社会信用代码", "参保地区划", "参保状态",
        "首次参保年月", "最后缴费年月", "近12个月缴费月数", "累计缴费月数", "转入年月",
    ),
}  # fmt: skip
SHEETS = {"dibao": "低保", "business": "市场主体登记", "construction": "开工项目"}
REGISTER_SCHEMES = (
    "企业职工基本养老保险",
    "城乡居民基本养老保险",
    "职工基本医疗保险",
    "城乡居民基本医疗保险",
)
REGISTER_IDENTITIES = ("职工", "灵活就业", "城乡居民")
REGISTER_STATUSES = ("参保缴费", "暂停缴费", "终止参保", "转出", "待遇领取")
ELSEWHERE_SCHEMES = REGISTER_SCHEMES[:2]
LINKS_BATCH_ROWS = 2_000_000
NOISE_TAG = 0x4E015E


@dataclass(frozen=True)
class Written:
    """One file written: its path under the output folder and its data rows."""

    path: str
    rows: int


def write_departments(departments: Departments, out: Path) -> list[Written]:
    """Write every department file and the truth files under ``out``; each replaces its path
    atomically. Returns what was written, in order."""
    sources = tuple(FILES)
    streams = np.random.SeedSequence([departments.seed, NOISE_TAG]).spawn(len(sources))
    rng = {
        s: np.random.Generator(np.random.PCG64(q)) for s, q in zip(sources, streams, strict=True)
    }
    makers: dict[str, TableMaker] = {
        "population": _population, "tax": _tax, "platform": _platform, "injury": _injury,
        "deaths": _deaths, "dibao": _dibao, "disadvantaged": _disadvantaged,
        "business": _business, "construction": _construction, "elsewhere": _elsewhere,
        "register": _register,
    }  # fmt: skip
    written = []
    with replacing(out / TRUTH_FILES["links"]) as links_path:
        links = pq.ParquetWriter(links_path, LINKS_SCHEMA, compression="zstd")
        try:
            for source in sources:
                table, keys = makers[source](departments, rng[source])
                path = out / FILES[source]
                encoding = "gb18030" if source == "tax" else "utf-8"
                write_table(path, table, sheet=SHEETS.get(source), encoding=encoding)
                written.append(Written(FILES[source], table.num_rows))
                del table  # the big tables should not outlive their file
                if keys is not None and source != "population":
                    for start in range(0, len(keys), LINKS_BATCH_ROWS):
                        batch = keys[start : start + LINKS_BATCH_ROWS]
                        links.write_table(_links(departments, source, path.name, batch, start))
        finally:
            links.close()
    links_rows = pq.ParquetFile(out / TRUTH_FILES["links"]).metadata.num_rows
    write_table(out / TRUTH_FILES["people"], _truth_people(departments))
    write_table(out / TRUTH_FILES["employers"], employers := _truth_employers(departments))
    written += [
        Written(TRUTH_FILES["people"], departments.people.registered),
        Written(TRUTH_FILES["links"], links_rows),
        Written(TRUTH_FILES["employers"], employers.num_rows),
    ]
    return written


# --- the department files -----------------------------------------------------------------------


def _shuffled(rng: np.random.Generator, n: int) -> IntArray:
    order: IntArray = rng.permutation(n).astype(np.int64)
    return order


def _strings(labels: list[str] | tuple[str, ...], index: IntArray) -> pa.Array:
    """``labels[index]`` as an Arrow string array; index -1 gives null."""
    array = pa.array(list(labels), pa.string())
    return array.take(pa.array(index, mask=index < 0))


@cache
def _known_codes() -> IntArray:
    return np.array(sorted(int(code) for code in known_codes()), dtype=np.int64)


def _codes(codes: IntArray) -> pa.Array:
    """6-digit division codes (any GB/T 2260 edition's, or a province's ``xx0000``) as text."""
    known = _known_codes()
    at = np.minimum(np.searchsorted(known, codes), len(known) - 1)
    if not (known[at] == codes).all():
        raise ValueError("not a GB/T 2260 code")
    return _strings([f"{c:06d}" for c in known.tolist()], at)


def _months(index: IntArray, pattern: str) -> pa.Array:
    """Month indexes as ``YYYYMM`` (pattern ``"{y:04d}{m:02d}"``) or the like; -1 gives null."""
    valid = index >= 0
    low = int(index[valid].min(initial=0))
    high = int(index[valid].max(initial=0))
    labels = [pattern.format(y=u // 12, m=u % 12 + 1) for u in range(low, high + 1)]
    return _strings(labels, np.where(valid, index - low, -1))


def _days(days: npt.NDArray[np.datetime64], pattern: str) -> pa.Array:
    unique, inverse = np.unique(days, return_inverse=True)
    labels = [d.strftime(pattern) for d in unique.astype(date).tolist()]
    return _strings(labels, inverse.reshape(-1))


def _ids(
    rng: np.random.Generator, d: Departments, keys: IntArray, *, civil: bool = False
) -> pa.Array:
    years = d.people.birth_year[keys] if civil else None
    return noisy_ids(rng, d.people.ids[keys], years)


def _names(rng: np.random.Generator, d: Departments, keys: IntArray) -> pa.Array:
    return noisy_names(rng, d.people.names.take(pa.array(keys)))


def _population(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    n = d.people.registered
    keys = np.arange(n, dtype=np.int64)
    people = d.people
    columns = [
        ascii_strings(people.ids[:n]), people.names.slice(0, n),
        _strings(("男", "女"), np.where(people.is_male[:n], 0, 1)),
        pa.array(people.birth[:n], pa.date32()), _codes(people.hukou[:n]),
        _codes(people.residence[:n]), d.population_phone, d.occupation,
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["population"]), keys


def _tax(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    order = _shuffled(rng, len(d.tax.person))
    keys = d.tax.person[order]
    employer = pa.array(d.tax.employer[order])
    first, last = d.tax.first_month[order], d.tax.last_month[order]
    fen = d.tax.income_fen[order]
    words = np.stack([fen, np.where(fen < 0, -1, 0)], axis=1)
    yuan = pa.Array.from_buffers(
        pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words.tobytes())]
    )
    columns = [
        _strings(("居民身份证",), np.zeros(len(keys), dtype=np.int64)), _ids(rng, d, keys),
        _names(rng, d, keys), d.market.enterprises.code.take(employer),
        d.market.enterprises.name.take(employer), _months(first, "{y:04d}{m:02d}"),
        _months(last, "{y:04d}{m:02d}"), pa.array(last - first + 1), yuan,
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["tax"]), keys


def _platform(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    work = d.platforms
    # A worker's identity is typed once into the platform's roster, then repeats every month.
    person = work.person
    ids, names = _ids(rng, d, person), _names(rng, d, person)
    phones = noisy_phones(rng, d.people.phone[person])
    places = district_names(stale_districts(rng, d.people.residence[person]))
    order = _shuffled(rng, len(work.row_entry))
    entry = pa.array(work.row_entry[order])
    platform = work.platform[work.row_entry[order]]
    columns = [
        _strings([name for name, _ in PLATFORMS], platform),
        d.market.platform_code.take(pa.array(platform)), names.take(entry), ids.take(entry),
        phones.take(entry), _months(work.row_month[order], "{y:04d}-{m:02d}"),
        pa.array(work.row_orders[order]), places.take(entry),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["platform"]), person[work.row_entry[order]]


def _injury(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    order = _shuffled(rng, len(d.platforms.injury_entry))
    entry = d.platforms.injury_entry[order]
    keys = d.platforms.person[entry]
    columns = [
        d.market.platform_code.take(pa.array(d.platforms.platform[entry])),
        _names(rng, d, keys), _ids(rng, d, keys),
        pa.array(d.platforms.injury_day[order], pa.date32()),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["injury"]), keys


def _deaths(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    order = _shuffled(rng, len(d.civil.death_person))
    keys = d.civil.death_person[order]
    columns = [
        _names(rng, d, keys), _ids(rng, d, keys, civil=True),
        _days(d.civil.death_day[order], "%Y/%m/%d"),
        _codes(stale_districts(rng, d.people.hukou[keys])),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["deaths"]), keys


def _dibao(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    order = _shuffled(rng, len(d.civil.dibao_person))
    keys = d.civil.dibao_person[order]
    household = pc.binary_join_element_wise(
        "DB",
        pc.utf8_lpad(pc.cast(pa.array(d.civil.dibao_household[order] + 1), pa.string()), 8, "0"),
        "",
    )
    columns = [
        _names(rng, d, keys), _ids(rng, d, keys, civil=True), household,
        _codes(stale_districts(rng, d.people.residence[keys])),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["dibao"]), keys


def _disadvantaged(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    order = _shuffled(rng, len(d.civil.disadvantaged_person))
    keys = d.civil.disadvantaged_person[order]
    columns = [
        _names(rng, d, keys), _ids(rng, d, keys, civil=True),
        _strings(DISADVANTAGED_CATEGORIES, d.civil.disadvantaged_category[order]),
        _codes(stale_districts(rng, d.people.residence[keys])),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["disadvantaged"]), keys


def _business(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    firms, shops = d.market.enterprises, d.market.businesses
    k = len(firms.district)
    operator_ids = _ids(rng, d, shops.person)
    operator_names = _names(rng, d, shops.person)
    stale = stale_districts(rng, shops.district)
    order = _shuffled(rng, k + len(shops.person))
    keys = np.concatenate([np.full(k, -1), shops.person])[order]
    shop = pa.array(np.maximum(order - k, 0), mask=order < k)
    firm = pa.array(np.minimum(order, k - 1), mask=order >= k)
    is_firm = pa.array(order < k)

    def merged(of_firms: pa.Array, of_shops: pa.Array) -> pa.Array:
        return pc.if_else(is_firm, of_firms.take(firm), of_shops.take(shop))

    nothing = pa.nulls(k, pa.string())
    active = np.concatenate([firms.active, shops.active])[order]
    columns = [
        merged(firms.code, shops.code), merged(firms.name, shops.name),
        _strings(("企业", "个体工商户"), np.where(order < k, 0, 1)),
        _codes(np.concatenate([firms.district, stale])[order]),
        pa.array(np.concatenate([firms.founded, shops.founded])[order], pa.date32()),
        _strings(("存续", "注销"), np.where(active, 0, 1)),
        merged(nothing, operator_names), merged(nothing, operator_ids),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["business"]), keys


def _construction(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, None]:
    p = d.projects
    order = _shuffled(rng, len(p.district))
    take = pa.array(order)
    columns = [
        p.number.take(take), p.name.take(take), _codes(p.district[order]),
        d.market.enterprises.code.take(pa.array(p.contractor[order])),
        pa.array(p.start[order], pa.date32()),
        _strings(("是", "否"), np.where(p.injury_cover[order], 0, 1)),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["construction"]), None


def _elsewhere(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    e = d.elsewhere
    order = _shuffled(rng, len(e.person))
    keys = e.person[order]
    columns = [
        _ids(rng, d, keys), _names(rng, d, keys), _codes(e.province[order] * 10_000),
        _strings(ELSEWHERE_SCHEMES, e.scheme[order]), _strings(ELSEWHERE_STATUSES, e.status[order]),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["elsewhere"]), keys


def _register(d: Departments, rng: np.random.Generator) -> tuple[pa.Table, IntArray]:
    r = d.register
    order = _shuffled(rng, len(r.person))
    keys = r.person[order]
    employer = r.employer[order]
    # The agency's own register checked every number at enrolment (kit.resident_id) and keeps
    # names as registered: no ID or name noise here.
    columns = [
        ascii_strings(d.people.ids[keys]), d.people.names.take(pa.array(keys)),
        _strings(REGISTER_SCHEMES, r.scheme[order]),
        _strings(REGISTER_IDENTITIES, r.identity[order]),
        d.market.enterprises.code.take(pa.array(np.maximum(employer, 0), mask=employer < 0)),
        _codes(stale_districts(rng, r.district[order])),
        _strings(REGISTER_STATUSES, r.status[order]),
        _months(r.first_month[order], "{y:04d}{m:02d}"),
        _months(r.last_paid_month[order], "{y:04d}{m:02d}"),
        pa.array(r.paid_last_12[order]), pa.array(r.months_total[order]),
        _months(r.transfer_in_month[order], "{y:04d}{m:02d}"),
    ]  # fmt: skip
    return pa.table(columns, names=HEADERS["register"]), keys


# --- the truth files ----------------------------------------------------------------------------

LINKS_SCHEMA = pa.schema(
    [("source", pa.string()), ("record_id", pa.string()), ("true_id", pa.string())]
)


def _links(
    d: Departments, source: str, file_name: str, keys: IntArray, first_line: int = 0
) -> pa.Table:
    """One row per record with person fields (a key ≥ 0): its source, ``<file>:<line>`` and the
    true ID number (null outside the register); ``keys`` are the file's rows from ``first_line``."""
    lines = first_line + np.flatnonzero(keys >= 0)
    person = keys[keys >= 0]
    inside = person < d.people.registered
    true_ids = ascii_strings(d.people.ids[np.where(inside, person, 0)])
    record = pc.binary_join_element_wise(
        f"{file_name}:", pc.cast(pa.array(lines + 1), pa.string()), ""
    )
    return pa.table(
        [
            _strings((source,), np.zeros(len(lines), dtype=np.int64)),
            record,
            pc.if_else(pa.array(inside), true_ids, pa.scalar(None, pa.string())),
        ],
        schema=LINKS_SCHEMA,
    )


def _truth_people(d: Departments) -> pa.Table:
    n = d.people.registered
    truth = d.truth
    row, tag = np.nonzero(truth.tags)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))]).astype(np.int32)
    tags = pa.ListArray.from_arrays(pa.array(offsets), _strings(TAGS, tag.astype(np.int64)))
    return pa.table(
        {
            "公民身份号码": ascii_strings(d.people.ids[:n]),
            "class": _strings(CLASSES, truth.klass.astype(np.int64)),
            "reason": _strings(REASONS, truth.reason.astype(np.int64)),
            "tags": tags,
            "district": _codes(d.people.residence[:n]),
        }
    )


def _truth_employers(d: Departments) -> pa.Table:
    """``employer_under_insured`` (with both counts) and ``project_no_injury_cover`` findings."""
    firms = d.market.enterprises
    under = np.flatnonzero(d.taxed_people > d.insured_people)
    projects = np.flatnonzero(project_findings(d.projects, d.as_of))
    kinds = np.concatenate([np.zeros(len(under)), np.ones(len(projects))]).astype(np.int64)
    none = np.full(len(projects), -1)
    return pa.table(
        {
            "kind": _strings(("employer_under_insured", "project_no_injury_cover"), kinds),
            "code": pa.concat_arrays(
                [firms.code.take(pa.array(under)), d.projects.number.take(pa.array(projects))]
            ),
            "district": _codes(
                np.concatenate([firms.district[under], d.projects.district[projects]])
            ),
            "tax_people": pa.array(np.concatenate([d.taxed_people[under], none]), mask=kinds == 1),
            "insured_people": pa.array(
                np.concatenate([d.insured_people[under], none]), mask=kinds == 1
            ),
        }
    )

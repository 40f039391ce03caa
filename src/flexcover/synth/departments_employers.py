"""Employers, businesses and building sites of the synthetic departments: enterprises (企业) and
individual businesses (个体工商户) with unified social credit codes (统一社会信用代码,
GB 32100-2015), the three platforms, and construction projects (开工项目).

Names are made up from small word lists; codes are valid (check character as
:func:`flexcover.kit.credit_code.credit_check_character` computes it) and unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from flexcover.kit.credit_code import ALPHABET
from flexcover.kit.credit_code import WEIGHTS as CREDIT_WEIGHTS
from flexcover.kit.divisions import current_divisions
from flexcover.kit.months import Month
from flexcover.synth.departments_state import (
    CANCELLED_BUSINESS_SHARE,
    CANCELLED_ENTERPRISE_SHARE,
    INDIVIDUAL_BUSINESS_SHARES,
    PEOPLE_PER_PROJECT,
    PROJECT_LATER_START_SHARE,
    PROJECT_MONTHS,
    PROJECT_WITHOUT_INJURY_COVER_SHARE,
)
from flexcover.synth.names import draw_from
from flexcover.synth.population import WORK_TYPES

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

PLATFORMS = (("飞驰外卖", 110105), ("畅行出行", 310104), ("同城急送", 440305))
"""The three platforms (made-up names) and the districts where they are registered."""
ENTERPRISE, INDIVIDUAL_BUSINESS = 1, 2
"""Organisation-type characters of the credit code: 91… enterprise, 92… 个体工商户."""
BRAND_CHARACTERS = "华兴达盛嘉信恒泰鑫源宏瑞隆昌丰和聚德安顺通汇创凯博远诚佳美天宇金龙辰星"
INDUSTRIES = (
    "科技", "商贸", "建筑工程", "物流", "餐饮管理", "电子", "机械制造", "房地产开发", "物业管理",
    "医药", "服装", "食品", "广告传媒", "信息技术", "劳务服务", "汽车销售", "装饰工程",
    "教育咨询", "环保科技", "农业开发",
)  # fmt: skip
TRADES = (
    "面馆", "小吃店", "便利店", "五金店", "水果店", "理发店", "服装店", "汽车修理部", "烟酒店",
    "餐馆", "网店", "茶馆", "火锅店", "副食店", "家电维修部",
)  # fmt: skip
PROJECT_KINDS = (
    "住宅", "商业综合体", "道路改造", "安置房", "学校", "产业园厂房", "医院", "桥梁", "管网改造",
    "写字楼",
)  # fmt: skip
EARLIEST_FOUNDING = date(1995, 1, 1)  # assumption: older enterprises re-registered since
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


@dataclass(frozen=True)
class Enterprises:
    """企业: the employers first (row = employer index), then cancelled enterprises."""

    code: pa.StringArray
    name: pa.StringArray
    district: IntArray
    founded: DayArray
    active: BoolArray
    under_insuring: BoolArray
    """Per employer: leaves some staff uninsured (the planted finding)."""


@dataclass(frozen=True)
class IndividualBusinesses:
    """个体工商户 with their operators (person keys)."""

    person: IntArray
    code: pa.StringArray
    name: pa.StringArray
    district: IntArray
    founded: DayArray
    active: BoolArray


@dataclass(frozen=True)
class Projects:
    """开工项目: construction projects, their contractor (employer index) and work-injury cover."""

    number: pa.StringArray
    name: pa.StringArray
    district: IntArray
    contractor: IntArray
    start: DayArray
    injury_cover: BoolArray


def credit_codes(rng: np.random.Generator, kind: IntArray, district: IntArray) -> pa.StringArray:
    """Unique valid codes: 9 (market supervision), ``kind``, the district, a random organisation
    code and the check character (Σ value × 3^i mod 31, vectorised)."""
    n = len(kind)
    values = np.empty((n, 17), dtype=np.int64)
    values[:, 0] = 9
    values[:, 1] = kind
    rest = np.asarray(district, dtype=np.int64)
    for column in range(7, 1, -1):
        rest, values[:, column] = np.divmod(rest, 10)
    values[:, 8:] = rng.integers(0, 31, (n, 9))
    for _ in range(100):  # make the organisation codes unique
        key = np.zeros(n, dtype=np.int64)
        for column in range(8, 17):
            key = key * 31 + values[:, column]
        _, first = np.unique(key, return_index=True)
        repeated = np.ones(n, dtype=np.bool_)
        repeated[first] = False
        if not repeated.any():
            break
        values[repeated, 8:] = rng.integers(0, 31, (int(repeated.sum()), 9))
    else:  # pragma: no cover - 31^9 codes
        raise RuntimeError("could not make the credit codes unique")
    total = np.zeros(n, dtype=np.int64)
    for i, weight in enumerate(CREDIT_WEIGHTS):  # NumPy has no fast integer matrix product
        total += values[:, i] * weight
    check = (31 - total % 31) % 31
    table = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    chars = table[np.concatenate([values, check[:, None]], axis=1)]
    offsets = np.arange(0, (n + 1) * 18, 18, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def short_place_name(code: str) -> str:
    """``重庆市`` → ``重庆``: the name of ``code``'s province as enterprise names use it."""
    name = current_divisions()[code[:2] + "0000"]
    for suffix in PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _words(rng: np.random.Generator, n: int, words: tuple[str, ...] | str) -> pa.Array:
    dictionary = pa.array(list(words), type=pa.string())
    return dictionary.take(pa.array(rng.integers(0, len(dictionary), n)))


def district_names(codes: IntArray) -> pa.StringArray:
    """The current names of county-level codes (the code itself when it is not current)."""
    unique, inverse = np.unique(codes, return_inverse=True)
    names = current_divisions()
    labels = pa.array([names.get(f"{c:06d}", f"{c:06d}") for c in unique.tolist()], pa.string())
    return labels.take(pa.array(inverse.reshape(-1)))


def _days_between(rng: np.random.Generator, first: DayArray, last: DayArray) -> DayArray:
    span = np.maximum((last - first).astype(np.int64), 0) + 1
    days: DayArray = first + (rng.random(len(span)) * span).astype(np.int64)
    return days


@dataclass(frozen=True)
class Market:
    """市场主体登记 and the platforms: every registered entity with its credit code."""

    platform_code: pa.StringArray
    enterprises: Enterprises
    businesses: IndividualBusinesses


def draw_market(
    rng: np.random.Generator,
    *,
    employer_district: IntArray,
    under_insuring: BoolArray,
    districts: IntArray,
    operator: IntArray,
    operator_active: BoolArray,
    operator_name: pa.StringArray,
    operator_district: IntArray,
    operator_birth: DayArray,
    jurisdiction: str,
    as_of: Month,
) -> Market:
    """The platforms, the employers (with cancelled enterprises after them) and the individual
    businesses of ``operator`` (person keys), all with codes drawn together so none repeats."""
    employers = len(employer_district)
    cancelled = round(employers * CANCELLED_ENTERPRISE_SHARE)
    district = np.concatenate(
        [employer_district, districts[rng.integers(0, len(districts), cancelled)]]
    )
    total = len(district)
    founded = _days_between(
        rng,
        np.full(total, np.datetime64(EARLIEST_FOUNDING, "D")),
        np.full(total, np.datetime64(as_of.first_day, "D")),
    )
    name = pc.binary_join_element_wise(
        short_place_name(jurisdiction),
        _words(rng, total, BRAND_CHARACTERS),
        _words(rng, total, BRAND_CHARACTERS),
        _words(rng, total, INDUSTRIES),
        "有限公司",
        "",
    )
    platform_district = np.array([d for _, d in PLATFORMS], dtype=np.int64)
    kinds = np.concatenate(
        [
            np.full(len(PLATFORMS) + total, ENTERPRISE),
            np.full(len(operator), INDIVIDUAL_BUSINESS),
        ]
    )
    codes = credit_codes(
        rng, kinds, np.concatenate([platform_district, district, operator_district])
    )
    enterprises = Enterprises(
        code=codes.slice(len(PLATFORMS), total),
        name=name,
        district=district,
        founded=founded,
        active=np.arange(total) < employers,
        under_insuring=under_insuring,
    )
    businesses = IndividualBusinesses(
        person=operator,
        code=codes.slice(len(PLATFORMS) + total),
        name=individual_business_names(rng, operator_name, operator_district),
        district=operator_district,
        founded=operator_founding_days(rng, operator_birth, as_of),
        active=operator_active,
    )
    return Market(codes.slice(0, len(PLATFORMS)), enterprises, businesses)


def individual_operators(
    rng: np.random.Generator, work: IntArray, working_age: BoolArray
) -> tuple[IntArray, BoolArray]:
    """Who runs an individual business (active) or ran one (cancelled)."""
    u = rng.random(len(work))
    active = np.zeros(len(work), dtype=np.bool_)
    for work_type, share in INDIVIDUAL_BUSINESS_SHARES.items():
        active |= (work == WORK_TYPES.index(work_type)) & (u < share)
    others = working_age & ~np.isin(
        work, [WORK_TYPES.index(w) for w in (*INDIVIDUAL_BUSINESS_SHARES, "student", "retired")]
    )
    cancelled = others & (u < CANCELLED_BUSINESS_SHARE)
    person = np.flatnonzero(active | cancelled)
    return person, active[person]


def individual_business_names(
    rng: np.random.Generator, names: pa.StringArray, districts: IntArray
) -> pa.StringArray:
    """``渝中区王记面馆``: district, the operator's surname character, 记, a trade."""
    surname = pc.utf8_slice_codeunits(names, 0, 1)
    return pc.binary_join_element_wise(
        district_names(districts), surname, "记", _words(rng, len(names), TRADES), ""
    )


def operator_founding_days(rng: np.random.Generator, birth: DayArray, as_of: Month) -> DayArray:
    """A day between the operator's 18th birthday (not before 1995) and the reference month."""
    adult = birth.astype("datetime64[M]") + 18 * 12
    earliest = np.maximum(adult.astype("datetime64[D]"), np.datetime64(EARLIEST_FOUNDING, "D"))
    last = np.full(len(birth), np.datetime64(as_of.last_day, "D"))
    return _days_between(rng, np.minimum(earliest, last), last)


def draw_projects(
    rng: np.random.Generator,
    *,
    people: int,
    districts: IntArray,
    employer_weights: npt.NDArray[np.float64],
    as_of: Month,
) -> Projects:
    """Projects started in the 36 months to ``as_of`` (a few registered to start after it)."""
    count = max(5, people // PEOPLE_PER_PROJECT)
    district = districts[rng.integers(0, len(districts), count)]
    end = np.datetime64(as_of.last_day, "D")
    since = np.datetime64((as_of - (PROJECT_MONTHS - 1)).first_day, "D")
    start = _days_between(rng, np.full(count, since), np.full(count, end))
    later = rng.random(count) < PROJECT_LATER_START_SHARE
    start = np.where(later, end + 1 + rng.integers(0, 60, count), start)
    year = start.astype("datetime64[Y]").astype(np.int64) + 1970
    serial = district * 10**10 + year * 10**6 + np.arange(1, count + 1)
    number = pc.cast(pa.array(serial), pa.string())
    name = pc.binary_join_element_wise(
        district_names(district),
        _words(rng, count, BRAND_CHARACTERS),
        _words(rng, count, BRAND_CHARACTERS),
        _words(rng, count, PROJECT_KINDS),
        "项目",
        "",
    )
    contractor = draw_from(rng, employer_weights, count).astype(np.int64)
    cover = rng.random(count) >= PROJECT_WITHOUT_INJURY_COVER_SHARE
    return Projects(number, name, district, contractor, start, cover)


def project_findings(projects: Projects, as_of: Month) -> BoolArray:
    """``project_no_injury_cover``: started by the end of ``as_of`` without work-injury cover."""
    started = projects.start <= np.datetime64(as_of.last_day, "D")
    finding: BoolArray = started & ~projects.injury_cover
    return finding

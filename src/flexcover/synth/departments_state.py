"""The clean underlying state of the synthetic departments: who is insured where, who works for
whom, who rides for which platform, who died (one situation per person, then every department's
clean records drawn from it).

Each share below is an assumption unless its comment names a source; they are meant to give a
plausible mix for a Chinese city, not to reproduce any published table. The situations
(:data:`SITUATIONS`) are drawn per work type from :data:`SITUATION_SHARES`; the register,
tax, platform and civil-affairs records follow from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from flexcover.kit.months import Month
from flexcover.synth.departments_truth import EMPLOYEE, EMPLOYEE_PENSION, TERMINATED
from flexcover.synth.names import draw_from
from flexcover.synth.places import leaf_divisions, province_weights
from flexcover.synth.population import WORK_TYPES

if TYPE_CHECKING:  # the register module draws on the situations defined here
    from flexcover.synth.departments_register import Register

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

SITUATIONS = ("never", "employed", "flexible", "resident", "lapsed", "elsewhere", "pensioner")
NEVER, EMPLOYED, FLEXIBLE_ENROLEE, RESIDENT_ENROLEE, LAPSED, ELSEWHERE, PENSIONER = range(7)
SITUATION_SHARES: dict[str, tuple[int, ...]] = {
    # percent, in SITUATIONS order, of people of working age (assumptions)
    "employee": (2, 86, 2, 2, 3, 5, 0),
    "platform_rider": (28, 5, 22, 17, 12, 16, 0),
    "ride_hailing_driver": (24, 5, 28, 17, 12, 14, 0),
    "online_seller": (24, 3, 28, 25, 10, 10, 0),
    "freelancer": (24, 3, 33, 20, 10, 10, 0),
    "self_employed": (15, 2, 41, 27, 8, 7, 0),
    "unemployed": (25, 0, 8, 47, 12, 8, 0),
    "retired": (4, 0, 0, 0, 0, 0, 96),
    "student": (98, 0, 0, 0, 0, 2, 0),
}
OVER_AGE_SHARES = (8, 0, 2, 0, 5, 5, 80)  # assumption: past retirement age, any work type
UNDER_INSURING_EMPLOYER_SHARE = 0.15  # assumption: employers that leave some staff uninsured
UNINSURED_STAFF_SHARE = 0.4  # assumption: of the staff of such an employer
UNINSURED_STAFF_SHARES = (50, 0, 15, 20, 15, 0, 0)  # assumption: their situation instead
MEAN_STAFF_PER_EMPLOYER = 20  # assumption
EMPLOYER_SIZE_SIGMA = 1.5  # assumption: lognormal spread of headcounts
MIN_EMPLOYERS = 10

LAPSED_ELSEWHERE_RECORD_SHARE = 0.3  # assumption: lapsed people with a dormant record elsewhere
DORMANT_SUSPENDED_SHARE = 0.5  # assumption: of dormant records, 暂停 rather than 终止
NEVER_ELSEWHERE_RECORD_SHARE = 0.03  # assumption: never insured here, an ended record elsewhere
TRANSFERRED_IN_ELSEWHERE_RECORD_SHARE = 0.7  # assumption: the origin still lists them (终止)
ELSEWHERE_EMPLOYEE_SCHEME_SHARE = 0.8  # assumption

JOB_CHANGE_SHARE = 0.08  # assumption: employees with two employers in the last 12 months
LAID_OFF_TAX_SHARE = 0.5  # assumption: lapsed employees taxed by their last employer this year
FREELANCE_TAX_SHARE = 0.25  # assumption: freelancers and sellers with a withheld 劳务报酬

RIDER_PLATFORM_WEIGHTS = (0.6, 0.0, 0.4)  # assumption: riders' first platform of the three
DRIVER_PLATFORM = 1
MULTI_PLATFORM_SHARE = 0.12  # assumption: riders on both delivery platforms
PART_TIME_PLATFORM_SHARE = 0.02  # assumption: others with a side job on a platform
ACTIVE_MONTH_SHARES = (0.85, 0.5)  # assumption: full-time, part-time workers active in a month
ZERO_ORDER_ROW_SHARE = 0.3  # assumption: an inactive month still has a row with 0 orders
MEDIAN_ORDERS = (500, 300, 500, 40)  # assumption: per month on platforms 0-2, part-time
ORDERS_SIGMA = 0.6  # assumption
INJURY_ENROLLED_SHARE = 0.85  # assumption: platform workers with occupational-injury cover
INJURY_PILOT_START = date(2022, 7, 1)  # 人社部发〔2021〕110号: the pilot began on 2022-07-01

UNREPORTED_DEATH_SHARE = 0.004  # assumption: dead but still on the population register
MORTALITY_DOUBLING_YEARS = 8.0  # assumption (Gompertz): death risk doubles every 8 years of age
DEATH_LAG_MONTHS = 6  # assumption: how long a death takes to be struck off the register
DEATH_AFTER_REFERENCE_SHARE = 0.02  # assumption: deaths reported early in the following month
STRUCK_OFF_DEATH_SHARE = 0.012  # assumption: deaths of 24 months already off the register
STRUCK_OFF_DEATH_MONTHS = 24

DIBAO_SHARE = 0.022  # assumption: 低保 members among residents (about Chongqing's share)
DIBAO_WEIGHTS = (0.2, 0.5, 0.3, 0.5, 0.8, 0.5, 5.0, 2.0, 1.0)  # assumption: by WORK_TYPES
DIBAO_HOUSEHOLD_SIZES = (0.4, 0.3, 0.2, 0.1)  # assumption: shares of 1-4 listed members
DISADVANTAGED_CATEGORIES = ("零就业家庭", "残疾人", "长期失业人员")
ZERO_EMPLOYMENT_FAMILY_SHARE = 0.03  # assumption: of the unemployed
DISABLED_LISTED_SHARE = 0.008  # assumption: of everyone of working age
LONG_TERM_UNEMPLOYED_SHARE = 0.12  # assumption: of the unemployed

INDIVIDUAL_BUSINESS_SHARES = {"self_employed": 0.6, "online_seller": 0.3}  # assumption: active
CANCELLED_BUSINESS_SHARE = 0.01  # assumption: others with a cancelled 个体工商户
CANCELLED_ENTERPRISE_SHARE = 0.2  # assumption: cancelled enterprises per employer

PEOPLE_PER_PROJECT = 2_000  # assumption: construction projects started in three years
PROJECT_MONTHS = 36
PROJECT_WITHOUT_INJURY_COVER_SHARE = 0.1  # assumption: projects not in 工伤保险 (按项目参保)
PROJECT_LATER_START_SHARE = 0.03  # assumption: registered before their start, after M

PLATFORM_OUTSIDE_SHARE = 0.03  # assumption: platform workers not on the population register
TAX_OUTSIDE_SHARE = 0.02  # assumption: taxpayers not on the population register
ELSEWHERE_OUTSIDE_SHARE = 0.1  # assumption: other provinces' lists, people who left
ELSEWHERE_OUTSIDE_ACTIVE_SHARE = 0.8  # assumption: of those, still insured there (正常参保)
REGISTER_LEFT_SHARE = 0.005  # assumption: register rows of people who moved away


@dataclass(frozen=True)
class TaxRecords:
    """个税收入: one row per person and withholding employer over the last 12 months."""

    person: IntArray
    employer: IntArray
    first_month: IntArray
    last_month: IntArray
    income_fen: IntArray


@dataclass(frozen=True)
class PlatformWork:
    """平台从业人员: the rosters (a worker on a platform) and their monthly order counts."""

    person: IntArray
    platform: IntArray
    row_entry: IntArray
    row_month: IntArray
    row_orders: IntArray
    injury_entry: IntArray
    injury_day: DayArray


@dataclass(frozen=True)
class CivilRecords:
    """民政: deaths, 低保 members with their households, and the disadvantaged groups."""

    death_person: IntArray
    death_day: DayArray
    dibao_person: IntArray
    dibao_household: IntArray
    disadvantaged_person: IntArray
    disadvantaged_category: IntArray


ELSEWHERE_STATUSES = ("正常参保", "暂停", "终止")
ACTIVE_ELSEWHERE = 0
"""Only 正常参保 counts as ``active`` (insured elsewhere); a suspended record does not."""


@dataclass(frozen=True)
class ElsewhereRecords:
    """外省参保: other provinces' pension records (scheme 0 employee, 1 resident; status an
    index into :data:`ELSEWHERE_STATUSES`)."""

    person: IntArray
    province: IntArray
    scheme: IntArray
    status: IntArray


Records = TypeVar("Records")


def stacked(*parts: Records) -> Records:
    """Records of one kind (dataclasses of equal-length arrays), one part after the other."""
    fields: dict[str, Any] = vars(parts[0])
    return type(parts[0])(
        **{name: np.concatenate([vars(part)[name] for part in parts]) for name in fields}
    )


def draw_situations(
    rng: np.random.Generator, work: IntArray, over_age: BoolArray
) -> npt.NDArray[np.int64]:
    """The pension situation (:data:`SITUATIONS`) of each person, by work type and age."""
    rows = [SITUATION_SHARES[w] for w in WORK_TYPES] + [OVER_AGE_SHARES]
    group = np.where(over_age, len(WORK_TYPES), work)
    u = rng.random(len(work))
    situation = np.zeros(len(work), dtype=np.int64)
    for g, shares in enumerate(rows):
        where = group == g
        cdf = np.cumsum(shares) / sum(shares)
        situation[where] = np.minimum(np.searchsorted(cdf, u[where], side="right"), len(cdf) - 1)
    return situation


def draw_employers(
    rng: np.random.Generator, situation: IntArray, work: IntArray
) -> tuple[IntArray, npt.NDArray[np.float64], BoolArray, IntArray]:
    """Employers of the employed: each person's employer (-1: none), employer size weights, which
    employers under-insure, and the situations after those employers' choices."""
    employed = np.flatnonzero(situation == EMPLOYED)
    count = max(MIN_EMPLOYERS, round(len(employed) / MEAN_STAFF_PER_EMPLOYER))
    weights = rng.lognormal(0.0, EMPLOYER_SIZE_SIGMA, count)
    weights /= weights.sum()
    employer = np.full(len(situation), -1, dtype=np.int64)
    employer[employed] = draw_from(rng, weights, len(employed))
    under = rng.random(count) < UNDER_INSURING_EMPLOYER_SHARE
    left_out = employed[
        under[employer[employed]]
        & (work[employed] == WORK_TYPES.index("employee"))
        & (rng.random(len(employed)) < UNINSURED_STAFF_SHARE)
    ]
    shares = np.asarray(UNINSURED_STAFF_SHARES, dtype=np.float64)
    situation = situation.copy()
    situation[left_out] = draw_from(rng, shares / shares.sum(), len(left_out))
    return employer, weights, under, situation


def draw_tax(
    rng: np.random.Generator,
    *,
    employer: IntArray,
    employer_weights: npt.NDArray[np.float64],
    work: IntArray,
    register: Register,
    situation: IntArray,
    income_fen: IntArray,
    death_month: IntArray,
    as_of: Month,
) -> TaxRecords:
    """Income withheld by employers in the 12 months ending with ``as_of``: current staff (some
    with an earlier employer in the same year), staff let go this year, and freelance fees."""
    m = as_of.index
    staff = np.flatnonzero(employer >= 0)
    changed = rng.random(len(staff)) < JOB_CHANGE_SHARE
    joined = m - 10 + (rng.random(len(staff)) * 10).astype(np.int64)
    movers = staff[changed]
    previous = draw_from(rng, employer_weights, len(movers)).astype(np.int64)

    pension = register.scheme == EMPLOYEE_PENSION
    let_go = pension & (register.identity == EMPLOYEE) & (register.status == TERMINATED)
    let_go &= (register.last_paid_month > m - 12) & (register.person < len(situation))
    let_go &= rng.random(len(register.person)) < LAID_OFF_TAX_SHARE
    freelance_types = np.isin(
        work, [WORK_TYPES.index("freelancer"), WORK_TYPES.index("online_seller")]
    )
    freelancers = np.flatnonzero(freelance_types & (rng.random(len(work)) < FREELANCE_TAX_SHARE))
    length = 1 + (rng.random(len(freelancers)) * 6).astype(np.int64)
    ends = m - 1 - (rng.random(len(freelancers)) * (12 - length)).astype(np.int64)
    clients = draw_from(rng, employer_weights, len(freelancers)).astype(np.int64)

    person = np.concatenate([staff, movers, register.person[let_go], freelancers])
    payer = np.concatenate([employer[staff], previous, register.employer[let_go], clients])
    first = np.concatenate(
        [
            np.where(changed, joined, m - 11),
            np.full(len(movers), m - 11),
            np.full(int(let_go.sum()), m - 11),
            ends - length + 1,
        ]
    )
    last = np.concatenate(
        [np.full(len(staff), m), joined[changed] - 1, register.last_paid_month[let_go], ends]
    )
    last = np.minimum(last, death_month[person])
    # One row per person and employer: a second row with the same employer (an earlier job
    # there, a let-go record) gives way to the first, the current one.
    _, once = np.unique(person * (int(payer.max(initial=0)) + 1) + payer, return_index=True)
    kept = np.zeros(len(person), dtype=np.bool_)
    kept[once] = True
    kept &= last >= first
    person, payer, first, last = person[kept], payer[kept], first[kept], last[kept]
    return TaxRecords(person, payer, first, last, income_fen[person] * (last - first + 1))


def platform_entries(
    rng: np.random.Generator, work: IntArray, over_age: BoolArray
) -> tuple[IntArray, IntArray, BoolArray]:
    """Who works for which platform: riders (some on both delivery platforms), drivers, and
    people of other work types with a side job. Returns person, platform and part-time."""
    riders = np.flatnonzero(work == WORK_TYPES.index("platform_rider"))
    weights = np.asarray(RIDER_PLATFORM_WEIGHTS)
    first = draw_from(rng, weights / weights.sum(), len(riders)).astype(np.int64)
    both = riders[rng.random(len(riders)) < MULTI_PLATFORM_SHARE]
    other = 2 - first[np.isin(riders, both)]  # the other of the two delivery platforms (0, 2)
    drivers = np.flatnonzero(work == WORK_TYPES.index("ride_hailing_driver"))
    regular = np.isin(
        work, [WORK_TYPES.index(w) for w in ("platform_rider", "ride_hailing_driver", "retired")]
    )
    side = np.flatnonzero(~regular & ~over_age & (rng.random(len(work)) < PART_TIME_PLATFORM_SHARE))
    person = np.concatenate([riders, both, drivers, side])
    platform = np.concatenate(
        [first, other, np.full(len(drivers), DRIVER_PLATFORM), rng.integers(0, 3, len(side))]
    )
    part_time = np.zeros(len(person), dtype=np.bool_)
    part_time[len(person) - len(side) :] = True
    return person, platform, part_time


def draw_platform_work(
    rng: np.random.Generator,
    *,
    person: IntArray,
    platform: IntArray,
    part_time: BoolArray,
    death_month: IntArray,
    as_of: Month,
) -> PlatformWork:
    """Monthly order counts for the 3 months ending with ``as_of``, and injury cover."""
    m = as_of.index
    k = len(person)
    month = m - 2 + np.arange(3)
    u = rng.random((k, 3, 2))
    full_time, side_job = ACTIVE_MONTH_SHARES
    active = u[:, :, 0] < np.where(part_time, side_job, full_time)[:, None]
    median = np.where(part_time, MEDIAN_ORDERS[3], np.asarray(MEDIAN_ORDERS)[platform])
    noise = np.exp(ORDERS_SIGMA * rng.standard_normal((k, 3)))
    orders = np.where(active, np.maximum(np.round(median[:, None] * noise), 1), 0).astype(np.int64)
    alive = month[None, :] <= death_month[person][:, None]
    listed = (active | (u[:, :, 1] < ZERO_ORDER_ROW_SHARE)) & alive
    entry, col = np.nonzero(listed)
    worked = np.bincount(entry, minlength=k) > 0
    covered = np.flatnonzero(worked & (rng.random(k) < INJURY_ENROLLED_SHARE))
    start = np.datetime64(INJURY_PILOT_START, "D")
    days = (np.datetime64(as_of.last_day, "D") - start).astype(np.int64) + 1
    injury_day = start + (rng.random(len(covered)) * days).astype(np.int64)
    return PlatformWork(
        person, platform, entry, month[col], orders[entry, col], covered, injury_day
    )


ALIVE = np.iinfo(np.int64).max // 2
"""The death month of the living: later than any month."""


def draw_deaths(
    rng: np.random.Generator, age: IntArray, as_of: Month
) -> tuple[BoolArray, DayArray]:
    """Who on the register has died but is still on it, and when (NaT for the living)."""
    risk = np.exp2((age - age.mean()) / MORTALITY_DOUBLING_YEARS)
    dead = rng.random(len(age)) < np.minimum(UNREPORTED_DEATH_SHARE * risk / risk.mean(), 1.0)
    end = np.datetime64(as_of.last_day, "D")
    lag_days = DEATH_LAG_MONTHS * 30
    back = (rng.random(len(age)) * lag_days).astype(np.int64)
    later = rng.random(len(age)) < DEATH_AFTER_REFERENCE_SHARE
    day = np.where(later, end + 1 + back % 28, end - back)
    return dead, np.where(dead, day, np.datetime64("NaT", "D"))


def struck_off_death_days(rng: np.random.Generator, count: int, as_of: Month) -> DayArray:
    """Death days of people already removed from the register, over the last 24 months."""
    end = np.datetime64(as_of.last_day, "D")
    span = (end - np.datetime64((as_of - (STRUCK_OFF_DEATH_MONTHS - 1)).first_day, "D")).astype(
        np.int64
    )
    days: DayArray = end - (rng.random(count) * (span + 1)).astype(np.int64)
    return days


def draw_civil(
    rng: np.random.Generator,
    *,
    work: IntArray,
    working_age: BoolArray,
    residence: IntArray,
    dead: BoolArray,
    death_day: DayArray,
    struck_off: IntArray,
    struck_off_days: DayArray,
) -> CivilRecords:
    """Deaths (on the register and already struck off), 低保 households, disadvantaged groups."""
    n = len(work)
    weights = np.asarray(DIBAO_WEIGHTS)[work]
    on_dibao = np.flatnonzero(rng.random(n) < np.minimum(DIBAO_SHARE * weights / weights.mean(), 1))
    # Members of one household live in one district: group the listed people district by district.
    order = np.lexsort((rng.random(len(on_dibao)), residence[on_dibao]))
    on_dibao = on_dibao[order]
    sizes = 1 + draw_from(rng, np.asarray(DIBAO_HOUSEHOLD_SIZES), len(on_dibao))
    household = np.searchsorted(np.cumsum(sizes), np.arange(len(on_dibao)), side="right")

    unemployed = work == WORK_TYPES.index("unemployed")
    u, v = rng.random(n), rng.random(n)
    category = np.full(n, -1, dtype=np.int64)
    category[working_age & (v < DISABLED_LISTED_SHARE)] = 1
    long_term = (
        unemployed & working_age & (u < ZERO_EMPLOYMENT_FAMILY_SHARE + LONG_TERM_UNEMPLOYED_SHARE)
    )
    category[long_term] = 2
    category[unemployed & working_age & (u < ZERO_EMPLOYMENT_FAMILY_SHARE)] = 0
    listed = np.flatnonzero(category >= 0)
    deaths = np.flatnonzero(dead)
    return CivilRecords(
        np.concatenate([deaths, struck_off]),
        np.concatenate([death_day[deaths], struck_off_days]),
        on_dibao,
        household.astype(np.int64),
        listed,
        category[listed],
    )


def draw_elsewhere(
    rng: np.random.Generator,
    *,
    situation: IntArray,
    register: Register,
    hukou: IntArray,
    province: str,
) -> ElsewhereRecords:
    """Other provinces' records: the insured elsewhere (正常参保), dormant records of the lapsed
    and never insured (暂停/终止), and the origins of transfers in (终止)."""
    n = len(situation)
    u = rng.random(n)
    status = np.full(n, -1, dtype=np.int64)
    status[situation == ELSEWHERE] = ACTIVE_ELSEWHERE
    ended = ELSEWHERE_STATUSES.index("终止")
    dormant = (situation == LAPSED) & (u < LAPSED_ELSEWHERE_RECORD_SHARE)
    suspended = rng.random(int(dormant.sum())) < DORMANT_SUSPENDED_SHARE
    status[dormant] = np.where(suspended, ELSEWHERE_STATUSES.index("暂停"), ended)
    status[(situation == NEVER) & (u < NEVER_ELSEWHERE_RECORD_SHARE)] = ended
    moved_in = register.person[(register.transfer_in_month >= 0) & (register.person < n)]
    status[moved_in[rng.random(len(moved_in)) < TRANSFERRED_IN_ELSEWHERE_RECORD_SHARE]] = ended
    person = np.flatnonzero(status >= 0)
    scheme = np.where(rng.random(len(person)) < ELSEWHERE_EMPLOYEE_SCHEME_SHARE, 0, 1)
    return ElsewhereRecords(
        person, other_provinces(rng, hukou[person], province), scheme, status[person]
    )


def other_provinces(rng: np.random.Generator, hukou: IntArray, province: str) -> IntArray:
    """A province other than ``province`` per person: the hukou's when it is another, else one
    drawn as places draws hukou provinces (neighbours and labour exporters weigh more)."""
    provinces = tuple(sorted({code[:2] for code in leaf_divisions()}))
    drawn = np.asarray(provinces, dtype=np.int64)[
        draw_from(rng, province_weights(province, provinces), len(hukou))
    ]
    own = hukou // 10_000
    result: IntArray = np.where(own != int(province), own, drawn)
    return result

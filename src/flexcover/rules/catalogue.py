"""Every parameter a rule may use: its name, its kind, and what it means.

A parameter file may only set names listed here, with values of the listed kind; the loader
refuses anything else at start-up. Kinds:

- ``money``: a yuan amount as a string (``"4404"``, ``"0.07"``), held as integer fen;
- ``rate``/``decimal``: an exact decimal string (``"0.20"``, ``"139"``), held as ``Decimal``;
- ``fraction``: ``"2/3"``, held as ``Fraction`` (for shares no decimal writes exactly);
- ``integer``; ``boolean``; ``month`` (``"1965-01"``);
- ``choice``: one of the listed words;
- ``table:<kind>``: a mapping from whole numbers (an age, a grade) to values of ``<kind>``;
- ``list:<kind>``: a list of values of ``<kind>``.

Figures an agency publishes for each year (the base limits, the reference wage, the pension
calculation base) say how long the last published value carries forward: 新基数公布前暂按上年度
标准执行, so until the new figure is loaded the last one applies, and every result that uses it is
provisional (see :meth:`flexcover.rules.parameters.Rulebook.find`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    kind: str
    meaning: str
    choices: tuple[str, ...] = ()
    carry_forward_months: int = 0
    """How many months past its last period a value still applies while the next one is not
    published (0: never); a result that uses a carried value is provisional."""


def _spec(kind: str, meaning: str, *choices: str) -> ParameterSpec:
    return ParameterSpec(kind=kind, meaning=meaning, choices=choices)


CARRY_A_YEAR = 12
"""新基数公布前暂按上年度标准执行: the last published figure applies for at most one more year."""


def _yearly(kind: str, meaning: str) -> ParameterSpec:
    """A figure published for each year, carried forward until the next one is loaded."""
    return ParameterSpec(kind=kind, meaning=meaning, carry_forward_months=CARRY_A_YEAR)


PARAMETERS: dict[str, ParameterSpec] = {
    # --- contribution bases (国办发〔2019〕13号; provincial notices) -----------------------------
    "reference_wage.monthly_yuan": _yearly(
        "money",
        "全口径城镇单位就业人员月平均工资 used for the contribution year's base limits and the "
        "contribution index",
    ),
    "contribution_base.floor_yuan": _yearly("money", "lowest monthly base, as published"),
    "contribution_base.ceiling_yuan": _yearly("money", "highest monthly base, as published"),
    "contribution_year.first_month": _spec(
        "integer", "calendar month the contribution year starts in (1: calendar, 7: July–June)"
    ),
    "contribution_base.change_frequency": _spec(
        "choice",
        "how often a flexible worker may change the base",
        "annual",
        "any_month",
        "window",
    ),
    "contribution_base.change_window_months": _spec(
        "list:integer", "calendar months in which a base may be changed (change_frequency window)"
    ),
    "payment.frequencies": _spec(
        "list:choice",
        "how often a flexible worker may pay",
        "monthly",
        "quarterly",
        "semiannual",
        "annual",
    ),
    "arrears.reminder_after_months": _spec(
        "integer", "unpaid months after which a bill is in arrears and the worker is reminded"
    ),
    "makeup.policy": _spec(
        "choice",
        "which back months a flexible worker may pay: none; a one-off payment up to the "
        "minimum for people short of it at retirement (人社部令第13号 art. 2); or a window of "
        "recent months",
        "none",
        "short_of_minimum_at_retirement",
        "window",
    ),
    "makeup.window_months": _spec("integer", "how many months back the window policy reaches"),
    "makeup.insured_before": _spec(
        "month", "the lump-sum make-up is for people first insured before this month"
    ),
    "contribution_index.floor": _spec("decimal", "lowest monthly contribution index counted"),
    "contribution_index.ceiling": _spec("decimal", "highest monthly contribution index counted"),
    "rounding.contribution": _spec(
        "choice",
        "how a contribution amount is rounded: half-up to the fen, or up to the next jiao",
        "half_up_fen",
        "up_to_jiao",
    ),
    # --- employee pension (国发〔2005〕38号; 人社部发〔2017〕31号) -------------------------------
    "pension.rate": _spec("rate", "flexible worker's pension contribution rate"),
    "pension.personal_account_rate": _spec(
        "rate", "share of the base credited to the personal account (the rest goes to the pool)"
    ),
    "pension.calculation_base_yuan": _yearly(
        "money", "养老金计发基数 C for people retiring on the date"
    ),
    "pension.transitional_coefficient": _spec(
        "rate", "过渡系数 per deemed (视同) year of the transitional pension"
    ),
    "pension.index_decimals": _spec("integer", "decimals kept of the average contribution index"),
    "pension.years_decimals": _spec("integer", "decimals kept of contribution years N"),
    "account.interest_rate": _spec("rate", "national personal-account crediting rate (记账利率)"),
    "account.crediting_method": _spec(
        "choice",
        "how a year's interest is credited: on the opening balance only, or also on the year's "
        "contributions with the half-year factor",
        "annual_compound",
        "half_year_factor",
    ),
    "account.half_year_factor": _spec(
        "decimal", "factor applied to r × ½ on the year's own contributions (half_year_factor)"
    ),
    "divisor.table": _spec("table:decimal", "计发月数 by whole age at retirement"),
    "divisor.interpolation": _spec(
        "choice",
        "how ages with months are handled: straight line between whole ages, rounded to 0.1",
        "linear_tenth",
        "whole_years",
    ),
    # --- retirement (NPC decision of 2024-09-13; State Council measures) -------------------------
    "retirement.delay_from_birth_month": _spec(
        "table:month", "first birth month whose retirement is delayed, by original age"
    ),
    "retirement.delay_step_months": _spec(
        "table:integer", "months of birth cohort per month of delay, by original age"
    ),
    "retirement.delay_cap_months": _spec("table:integer", "largest delay, by original age"),
    "retirement.flexible_early_months": _spec(
        "integer", "how far before the statutory age one may retire (never below the original age)"
    ),
    "retirement.flexible_original_age.male": _spec(
        "integer", "original retirement age of a man insured as a flexible worker"
    ),
    "retirement.flexible_original_age.female": _spec(
        "integer", "original retirement age of a woman insured as a flexible worker"
    ),
    "retirement.minimum_contribution_months": _spec(
        "integer", "minimum months of contribution for a pension, for people retiring on the date"
    ),
    # --- medical (社会保险法 arts. 23, 27; 医保办发〔2021〕43号; 国办发〔2024〕38号) -------------
    "medical.rate": _spec("rate", "flexible worker's employee-medical contribution rate"),
    "medical.personal_account_rate": _spec(
        "rate", "share of the medical base credited to the medical personal account"
    ),
    "medical.fixed_base_yuan": _yearly(
        "money", "the one base allowed for flexible workers' employee medical, where it is fixed"
    ),
    "medical.gap_without_waiting_months": _spec(
        "integer",
        "an interruption of at most this many months can be paid back under the new area's "
        "rules, with benefits retroactive (no waiting period)",
    ),
    "medical.max_waiting_period_months": _spec(
        "integer", "longest waiting period an area may impose after a longer interruption"
    ),
    "medical.waiting_period_months": _spec(
        "integer", "waiting period of a flexible worker joining or re-joining employee medical"
    ),
    "medical.waiting_waived_within_months": _spec(
        "integer", "no waiting period when joining within this many months after cover ended"
    ),
    "medical.lifetime_years.male": _spec(
        "integer", "employee-medical years for cover after retirement without paying (men)"
    ),
    "medical.lifetime_years.female": _spec(
        "integer", "employee-medical years for cover after retirement without paying (women)"
    ),
    "resident_medical.individual_premium_min_yuan": _yearly(
        "money", "least yearly individual premium of the urban-rural resident medical scheme"
    ),
    "resident_medical.subsidy_min_yuan": _yearly(
        "money", "least yearly per-capita fiscal subsidy of the resident medical scheme"
    ),
    "resident_medical.waiting_period_months": _spec(
        "integer", "fixed waiting period for people who missed the enrolment window"
    ),
    "resident_medical.waiting_per_missed_year_months": _spec(
        "integer", "extra waiting months per further year without enrolment"
    ),
    "resident_medical.long_gap_years": _spec(
        "integer", "a gap of this many years or more means at least the long-gap waiting period"
    ),
    "resident_medical.long_gap_waiting_months": _spec(
        "integer", "least total waiting period after a long gap"
    ),
    # --- urban-rural resident pension (国发〔2014〕8号) ------------------------------------------
    "resident.contribution_tiers_yuan": _spec("list:money", "yearly contribution tiers"),
    "resident.subsidy_min_yuan": _spec("money", "least yearly government contribution subsidy"),
    "resident.subsidy_min_high_tier_yuan": _spec(
        "money", "least yearly subsidy for tiers from resident.high_tier_from_yuan"
    ),
    "resident.high_tier_from_yuan": _spec("money", "lowest tier that earns the higher subsidy"),
    "resident.minimum_basic_pension_yuan": _yearly(
        "money", "基础养老金最低标准 per month (central minimum, or a province's own)"
    ),
    "resident.account_divisor": _spec("decimal", "divisor of the resident personal account"),
    "resident.eligibility_age": _spec("integer", "age from which the resident pension is paid"),
    "resident.minimum_contribution_years": _spec("integer", "years needed for the pension"),
    # --- occupational injury (人社部发〔2025〕24号; 工伤保险条例) --------------------------------
    "injury.premium_per_order_yuan.mobility": _spec("money", "platform premium per ride order"),
    "injury.premium_per_order_yuan.instant_delivery": _spec(
        "money", "platform premium per instant-delivery order"
    ),
    "injury.premium_per_order_yuan.instant_delivery_errand": _spec(
        "money", "the second instant-delivery base amount (errand-type orders, unconfirmed)"
    ),
    "injury.premium_per_order_yuan.food_delivery": _spec(
        "money", "platform premium per food-delivery order (an industry of its own until 2025-07)"
    ),
    "injury.premium_per_order_yuan.freight": _spec(
        "money", "platform premium per intra-city freight order"
    ),
    "injury.premium_float_limit": _spec(
        "rate", "largest up or down adjustment of a platform's per-order premium (浮动费率)"
    ),
    "injury.premium_float_step": _spec(
        "rate", "the step a platform's per-order premium moves up or down in (浮动档次)"
    ),
    "injury.bill_due_days": _spec(
        "integer", "days after a month's platform bill is issued within which it is due"
    ),
    "injury.platform_report_working_days": _spec(
        "integer", "working days after the accident within which the platform reports it"
    ),
    "injury.personal_report_days": _spec(
        "integer", "days after the accident within which the worker, a relative or the union may"
    ),
    "injury.acceptance_days": _spec(
        "integer", "days from a report to the decision whether to accept it (受理)"
    ),
    "injury.decision_days": _spec(
        "integer", "days from acceptance to the confirmation decision (认定)"
    ),
    "injury.return_grace_minutes": _spec(
        "integer", "minutes after an order ends that still count as within it (the way back)"
    ),
    "injury.overlap_rule": _spec(
        "choice",
        "which running order is responsible when several are (several platforms' orders)",
        "earliest_accepted",
        "latest_accepted",
    ),
    "injury.nursing_allowance_rate": _spec(
        "table:rate", "生活护理费 as a share of W per month, by dependency level (1 full, 2, 3)"
    ),
    "injury.dependant_pension_rate.spouse": _spec(
        "rate", "供养亲属抚恤金 for a spouse, as a share of W per month"
    ),
    "injury.dependant_pension_rate.other": _spec(
        "rate", "供养亲属抚恤金 for each other dependant, as a share of W per month"
    ),
    "injury.dependant_pension_rate.orphan_bonus": _spec(
        "rate", "the addition for an orphan or an elderly person living alone"
    ),
    "injury.approval_limit_yuan.district_officer": _spec(
        "money", "the largest claim a district officer may approve (审批权限)"
    ),
    "injury.approval_limit_yuan.city_officer": _spec(
        "money", "the largest claim a city officer may approve"
    ),
    "injury.approval_limit_yuan.province_officer": _spec(
        "money", "the largest claim a province officer may approve"
    ),
    "injury.disability_grant_months": _spec(
        "table:integer", "一次性伤残补助金 in months of the wage base W, by disability grade"
    ),
    "injury.disability_allowance_rate": _spec(
        "table:rate", "伤残津贴 as a share of W per month, by grade (grades 1–4)"
    ),
    "injury.funeral_grant_months": _spec("integer", "丧葬补助金 in months of the regional wage"),
    "injury.death_grant_multiple": _spec(
        "integer", "一次性工亡补助金 as a multiple of the national urban disposable income"
    ),
    "injury.urban_disposable_income_yuan": _yearly(
        "money", "prior-year national per-capita urban disposable income, for deaths on the date"
    ),
    "injury.wage_base_monthly_yuan": _yearly("money", "the wage base W of the benefit multiples"),
    # --- subsidies (财社〔2017〕164号) -----------------------------------------------------------
    "subsidy.scheme": _spec(
        "choice",
        "how a flexible-employment social-insurance subsidy is computed",
        "share_of_paid",
        "share_of_floor_amount",
    ),
    "subsidy.max_share": _spec("fraction", "largest share of the contributions the subsidy pays"),
    "subsidy.cap_at_floor": _spec(
        "boolean", "the subsidy is computed as if the worker paid at the floor base"
    ),
    "subsidy.duration_months": _spec("integer", "longest subsidy for employment-difficulty people"),
    "subsidy.near_retirement_years": _spec(
        "integer", "within this many years of retirement at first approval: paid to retirement"
    ),
    "subsidy.graduate_duration_months": _spec("integer", "longest subsidy for recent graduates"),
    "subsidy.graduate_window_years": _spec("integer", "years after leaving school that count"),
    "subsidy.backdate_months": _spec(
        "integer", "months before the application month that an approved subsidy may start"
    ),
    # --- transfers (国办发〔2009〕66号; 人社部发〔2009〕187号) ---
    "transfer.pooled_fund_rate": _spec(
        "rate", "share of every month's base since 1998 that moves with a person's pooled fund"
    ),
    # --- late fees (社会保险法 art. 86) ----------------------------------------------------------
    "late_fee.daily_rate": _spec("rate", "滞纳金 per day of arrears"),
    "late_fee.applies_to": _spec(
        "choice", "who owes late fees", "employers", "employers_and_individuals"
    ),
}

"""GB/T 2260 administrative division codes, every edition since 1980.

Resident ID numbers carry the code of the place that first issued them, which may since have been
renamed or merged away; so an ID's region prefix is checked against every code that ever existed,
while the registry of live jurisdictions uses only the current ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class DivisionPeriod:
    """One name period of one code: ``first_year``/``last_year`` are None when open-ended."""

    code: str
    name: str
    first_year: int | None
    last_year: int | None

    @property
    def current(self) -> bool:
        return self.last_year is None


@cache
def division_periods() -> tuple[DivisionPeriod, ...]:
    text = resources.files("flexcover.kit").joinpath("data/gb2260.tsv").read_text("utf-8")
    periods = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, first, last = line.split("\t")
        periods.append(
            DivisionPeriod(code, name, int(first) if first else None, int(last) if last else None)
        )
    return tuple(periods)


@cache
def known_codes() -> frozenset[str]:
    """Every six-digit code that has appeared in any edition."""
    return frozenset(period.code for period in division_periods())


@cache
def current_divisions() -> dict[str, str]:
    """Code → name for the codes in force in the latest edition."""
    return {period.code: period.name for period in division_periods() if period.current}


PROVINCE_CODES = frozenset(code[:2] for code in known_codes() if code.endswith("0000"))

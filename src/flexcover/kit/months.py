"""Calendar months (YYYY-MM): the unit of contribution, billing and the insurance record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import overload

from flexcover.kit.problems import InvalidMonth

_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month. Ordered, hashable, and arithmetic in whole months."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise InvalidMonth(field="month", value=f"{self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str, *, field: str = "month") -> Month:
        """Parse ``"2025-08"``; anything else is an :class:`InvalidMonth` naming ``field``."""
        match = _MONTH_RE.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidMonth(field=field, value=str(text))
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or year < 1:
            raise InvalidMonth(field=field, value=text)
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Month:
        """Inverse of :attr:`index`."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    @property
    def index(self) -> int:
        """Months since year 0: a plain integer for vectorised month arithmetic."""
        return self.year * 12 + self.month - 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return (self + 1).first_day - timedelta(days=1)

    def __add__(self, months: int) -> Month:
        if not isinstance(months, int):
            return NotImplemented
        return Month.from_index(self.index + months)

    @overload
    def __sub__(self, other: Month) -> int: ...
    @overload
    def __sub__(self, other: int) -> Month: ...
    def __sub__(self, other: int | Month) -> Month | int:
        """``month - 3`` is three months earlier; ``month - other`` is the months between them."""
        if isinstance(other, Month):
            return self.index - other.index
        if isinstance(other, int):
            return Month.from_index(self.index - other)
        return NotImplemented

    def months_until(self, other: Month) -> int:
        """Whole months from ``self`` to ``other`` (negative when ``other`` is earlier)."""
        return other.index - self.index

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_range(first: Month, last: Month) -> Iterator[Month]:
    """Every month from ``first`` to ``last``, both included; empty when ``last < first``."""
    for index in range(first.index, last.index + 1):
        yield Month.from_index(index)


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday on 29 February counts from 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


CHINA = timezone(timedelta(hours=8))
"""China Standard Time, UTC+8 all year: civil dates of contributions and birthdays."""


def china_today() -> date:
    """Today's date in China."""
    return datetime.now(CHINA).date()

"""Dated parameters per jurisdiction, loaded once from ``params/*.yaml`` and validated.

A lookup for a jurisdiction walks up its lineage — district, city, province, nation — and takes
the first file that has a value for that name covering the date. Where no period covers it and
the catalogue lets the parameter carry forward (a yearly figure not yet published), the last
period of the nearest file applies, marked ``carried``: every result that uses it is
provisional. A bad file stops the program at start-up with the file, the parameter and the
reason. A reform for simulation is an override file
in the same format: for each name it sets, its periods replace the base file's periods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from flexcover.kit.divisions import current_divisions
from flexcover.kit.money import parse_yuan
from flexcover.kit.months import Month
from flexcover.kit.problems import Problem
from flexcover.rules.catalogue import PARAMETERS

NATION = "000000"
PARAMS_DIR = Path(__file__).parent / "params"
Confidence = Literal["P", "O", "S", "U"]


class ParameterFileError(Exception):
    """A parameter file that cannot be used: which file, which parameter, why."""

    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        self.path, self.key, self.reason = str(path), key, reason
        super().__init__(f"{path}: {key}: {reason}")


class MissingParameter(Problem):
    code = "no_parameter"
    status = 422
    title = {"zh-CN": "没有适用的参数", "en": "No parameter for that date"}
    detail = {
        "zh-CN": "{field}：{jurisdiction} 在 {on} 没有“{key}”的参数。{known_zh}",
        "en": "{field}: {jurisdiction} has no '{key}' in force on {on}. {known_en}",
    }


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One dated value of one parameter, with where it came from and how sure we are of it."""

    key: str
    value: Any
    effective_from: date
    effective_to: date | None
    source: str
    url: str | None
    confidence: str
    note: str | None
    jurisdiction: str
    carried: bool = False
    """Applied past its last period because the next figure is not published yet (暂按上年度
    标准): provisional until the real figure is loaded."""

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def uncertain(self) -> bool:
        return self.confidence == "U" or self.carried

    @property
    def label(self) -> str:
        carried = "+carried" if self.carried else ""
        return f"{self.key}@{self.jurisdiction}:{self.effective_from.isoformat()}{carried}"

    def describe(self) -> dict[str, Any]:
        """The JSON form used in every ``explain`` record."""
        return {
            "key": self.key,
            "value": render_value(self.key, self.value),
            "jurisdiction": self.jurisdiction,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source": self.source,
            "url": self.url,
            "confidence": self.confidence,
            "note": self.note,
            "carried_forward": self.carried,
        }


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any
    effective_from: date
    effective_to: date | None = None
    source: str
    url: str | None = None
    confidence: Confidence
    note: str | None = None


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str
    name: str
    parameters: dict[str, list[_Entry]]


@dataclass
class Rulebook:
    """All parameter files, by jurisdiction code."""

    values: dict[str, dict[str, list[ParameterValue]]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    origins: list[str] = field(default_factory=list)

    # --- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path = PARAMS_DIR) -> Rulebook:
        rulebook = cls()
        paths = sorted(directory.glob("*.yaml"))
        if not paths:
            raise ParameterFileError(directory, "-", "no parameter files found")
        for path in paths:
            rulebook._add_file(path, replace=False)
        if NATION not in rulebook.values:
            raise ParameterFileError(directory, "-", f"the national file {NATION}.yaml is missing")
        return rulebook

    def with_override(self, path: Path) -> Rulebook:
        """A copy with a reform file layered on top."""
        layered = Rulebook(
            values={code: dict(keys) for code, keys in self.values.items()},
            names=dict(self.names),
            origins=list(self.origins),
        )
        layered._add_file(path, replace=True)
        return layered

    def _add_file(self, path: Path, *, replace: bool) -> None:
        try:
            raw = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ParameterFileError(path, "-", f"not readable YAML ({error})") from None
        try:
            parsed = _File.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ParameterFileError(path, where, first["msg"]) from None
        code = parsed.jurisdiction
        if code != NATION and code not in current_divisions():
            raise ParameterFileError(
                path, "jurisdiction", f"{code} is not a current GB/T 2260 code"
            )
        if not replace and path.stem != code:
            raise ParameterFileError(path, "jurisdiction", f"file name must be {code}.yaml")
        if not replace and code in self.values:
            raise ParameterFileError(path, "jurisdiction", f"{code} is defined twice")
        keys = self.values.setdefault(code, {})
        self.names.setdefault(code, parsed.name)
        for key, entries in parsed.parameters.items():
            keys[key] = _checked_entries(path, code, key, entries)
        self.origins.append(str(path))

    # --- lookups -------------------------------------------------------------------------------

    def lineage(self, code: str) -> list[str]:
        """The jurisdictions whose files apply to ``code``, nearest first."""
        chain = [code, code[:4] + "00", code[:2] + "0000", NATION]
        seen: list[str] = []
        for candidate in chain:
            if candidate in self.values and candidate not in seen:
                seen.append(candidate)
        return seen

    def find(self, code: str, key: str, on: date) -> ParameterValue | None:
        """The value in force on ``on``; failing that, the last published one carried forward
        where the parameter allows it (marked ``carried``); else None."""
        lineage = self.lineage(code)
        for jurisdiction in lineage:
            for value in self.values[jurisdiction].get(key, ()):
                if value.covers(on):
                    return value
        spec = PARAMETERS.get(key)
        if spec is None or not spec.carry_forward_months:
            return None
        for jurisdiction in lineage:
            ended = [
                value
                for value in self.values[jurisdiction].get(key, ())
                if value.effective_to is not None and value.effective_to < on
            ]
            if ended:
                last = max(ended, key=lambda value: value.effective_from)
                assert last.effective_to is not None
                reach = Month.of(last.effective_to) + spec.carry_forward_months
                return replace(last, carried=True) if on <= reach.last_day else None
        return None

    def get(self, code: str, key: str, on: date, *, field: str = "jurisdiction") -> ParameterValue:
        """The value in force, or :class:`MissingParameter` saying which periods are known."""
        found = self.find(code, key, on)
        if found is None:
            periods = self.periods(code, key)
            if periods:
                spans = ", ".join(_span(p) for p in periods)
                known_zh, known_en = f"已知期间：{spans}。", f"Known for: {spans}."
                carry = PARAMETERS[key].carry_forward_months if key in PARAMETERS else 0
                if carry:
                    known_zh += f"新标准公布前，上一期最多沿用 {carry} 个月。"
                    known_en += f" The last one applies for at most {carry} months after it ends."
            else:
                known_zh, known_en = "该地区尚未载入此参数。", "It is not loaded for this region."
            raise MissingParameter(
                field=field,
                jurisdiction=code,
                key=key,
                on=on.isoformat(),
                known_zh=known_zh,
                known_en=known_en,
            )
        return found

    def periods(self, code: str, key: str) -> list[ParameterValue]:
        """Every period of ``key`` that applies to ``code``, nearest file first, by date."""
        found: list[ParameterValue] = []
        for jurisdiction in self.lineage(code):
            found.extend(
                sorted(self.values[jurisdiction].get(key, ()), key=lambda v: v.effective_from)
            )
        return found

    def effective(self, code: str, on: date) -> dict[str, ParameterValue]:
        """Every parameter in force for ``code`` on ``on``, by name."""
        return {key: value for key in PARAMETERS if (value := self.find(code, key, on)) is not None}


def _span(value: ParameterValue) -> str:
    until = value.effective_to.isoformat() if value.effective_to else ""
    return f"{value.effective_from.isoformat()}–{until}"


def _checked_entries(
    path: Path, code: str, key: str, entries: Iterable[_Entry]
) -> list[ParameterValue]:
    spec = PARAMETERS.get(key)
    if spec is None:
        raise ParameterFileError(path, key, "not a known parameter (see rules/catalogue.py)")
    values = []
    for index, entry in enumerate(entries):
        where = f"{key}[{index}]"
        if entry.effective_to is not None and entry.effective_to < entry.effective_from:
            raise ParameterFileError(path, where, "effective_to is before effective_from")
        try:
            value = convert(spec.kind, entry.value, spec.choices)
        except ValueError as error:
            raise ParameterFileError(path, where, str(error)) from None
        values.append(
            ParameterValue(
                key=key,
                value=value,
                effective_from=entry.effective_from,
                effective_to=entry.effective_to,
                source=entry.source.strip(),
                url=entry.url,
                confidence=entry.confidence,
                note=entry.note,
                jurisdiction=code,
            )
        )
    values.sort(key=lambda v: v.effective_from)
    for before, after in pairwise(values):
        if before.effective_to is None or before.effective_to >= after.effective_from:
            raise ParameterFileError(
                path, key, f"periods overlap from {after.effective_from.isoformat()}"
            )
    return values


_FRACTION = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")


def convert(kind: str, raw: Any, choices: tuple[str, ...] = ()) -> Any:
    """A raw YAML value as the typed value of ``kind`` (see :mod:`flexcover.rules.catalogue`)."""
    if kind.startswith("table:"):
        if not isinstance(raw, Mapping) or not raw:
            raise ValueError("expected a non-empty mapping")
        inner = kind.removeprefix("table:")
        table = {}
        for k, v in raw.items():
            if isinstance(k, bool) or not isinstance(k, int):
                raise ValueError(f"table keys must be whole numbers, got {k!r}")
            table[k] = convert(inner, v)
        return dict(sorted(table.items()))
    if kind.startswith("list:"):
        if not isinstance(raw, list) or not raw:
            raise ValueError("expected a non-empty list")
        return tuple(convert(kind.removeprefix("list:"), item, choices) for item in raw)
    if kind == "money":
        if not isinstance(raw, str):
            raise ValueError(f"money must be a quoted yuan string, got {raw!r}")
        try:
            return parse_yuan(raw)
        except Problem:
            raise ValueError(f"{raw!r} is not a yuan amount") from None
    if kind in ("rate", "decimal"):
        if not isinstance(raw, str):
            raise ValueError(f"{kind} must be a quoted decimal string, got {raw!r}")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a decimal number") from None
        if not number.is_finite() or number < 0 or (kind == "rate" and number > 1):
            raise ValueError(f"{raw!r} is out of range for a {kind}")
        return number
    if kind == "fraction":
        match = _FRACTION.match(raw) if isinstance(raw, str) else None
        if match is None or int(match.group(2)) == 0:
            raise ValueError(f"expected a fraction such as '2/3', got {raw!r}")
        share = Fraction(int(match.group(1)), int(match.group(2)))
        if share > 1:
            raise ValueError(f"{raw!r} is more than the whole")
        return share
    if kind == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueError(f"expected a non-negative whole number, got {raw!r}")
        return raw
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"expected true or false, got {raw!r}")
        return raw
    if kind == "month":
        if not isinstance(raw, str):
            raise ValueError(f"expected a quoted month 'YYYY-MM', got {raw!r}")
        try:
            return Month.parse(raw)
        except Problem:
            raise ValueError(f"{raw!r} is not a month YYYY-MM") from None
    if kind == "choice":
        if raw not in choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(choices)}")
        return raw
    raise ValueError(f"unknown kind {kind!r}")


def render_value(key: str, value: Any) -> Any:
    """A typed value back in the JSON form of its kind (money as a yuan string)."""
    kind = PARAMETERS[key].kind if key in PARAMETERS else ""
    return _render(kind, value)


def _render(kind: str, value: Any) -> Any:
    from flexcover.kit.money import format_yuan

    if kind.startswith("table:"):
        inner = kind.removeprefix("table:")
        return {str(k): _render(inner, v) for k, v in value.items()}
    if kind.startswith("list:"):
        inner = kind.removeprefix("list:")
        return [_render(inner, v) for v in value]
    if kind == "money":
        return format_yuan(value)
    if kind in ("rate", "decimal"):
        return str(value)
    if kind == "fraction":
        return f"{value.numerator}/{value.denominator}"
    if kind == "month":
        return str(value)
    return value


@cache
def default_rulebook() -> Rulebook:
    """The rulebook shipped with flexcover, loaded and validated once per process."""
    return Rulebook.load()

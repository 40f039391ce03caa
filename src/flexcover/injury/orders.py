"""Orders from platforms (每单必保): checked row by row in a fixed precedence, written set-based.

A batch is up to 100,000 orders. Each row gets one result, the first that applies:

1. ``invalid``: not an object, a field missing or of the wrong shape, an unknown field;
2. ``bad_id``: the worker's resident ID number fails GB 11643;
3. ``end_before_start``: completed or cancelled before it was accepted;
4. ``in_future``: accepted or ended after now (with a few minutes for clocks);
5. ``jurisdiction_not_served``: a place outside those the platform was onboarded for (a city
   onboarded serves its districts);
6. ``no_premium_rate``: no per-order premium is loaded for the industry, place and day;
7. ``unknown_worker``: nobody of that ID on the platform's roster in the order's month;
8. ``exists_different``: the order id was sent before (or earlier in the batch) with other
   fields;
9. ``exists``: sent before with the same fields (a replay, nothing changes);
10. ``ok``: recorded.

The checks that need no database run in Python over the rows; the rest are one query each over
a staging table the candidates are copied into (COPY on PostgreSQL), and the new orders go in
with one ``INSERT … SELECT`` from it. The platform's lock is held from the first look at its
orders to the insert, so the business key (platform, order id) holds across every month even
though PostgreSQL's unique keys on a partitioned table must include the month.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from flexcover.injury import repository
from flexcover.injury.models import OrderEnd
from flexcover.kit.problems import Problem
from flexcover.kit.resident_id import hash_id, parse_resident_id
from flexcover.registry.authz import region_prefix
from flexcover.rules.injury import per_order_fen
from flexcover.rules.parameters import Rulebook

CHINA = timezone(timedelta(hours=8))
CLOCK_SKEW = timedelta(minutes=5)
MAX_ORDERS = 100_000
MAX_DISTANCE_M = 2_000_000
FIELDS = frozenset(
    {
        "order_id",
        "worker_id",
        "jurisdiction",
        "accepted_at",
        "completed_at",
        "cancelled_at",
        "distance_m",
    }
)
_ORDER_REF = re.compile(r"^[\x21-\x7e]{1,64}$")
_CODE = re.compile(r"^[0-9]{6}$")

OK, EXISTS = "ok", "exists"
RESULTS = (
    "invalid",
    "bad_id",
    "end_before_start",
    "in_future",
    "jurisdiction_not_served",
    "no_premium_rate",
    "unknown_worker",
    "exists_different",
    EXISTS,
    OK,
)
"""Every result an order can get, in precedence."""

_DETAILS = {
    "bad_id": "the resident ID number is not valid (GB 11643)",
    "end_before_start": "the order ends before it was accepted",
    "in_future": "the order is accepted or ends in the future",
    "jurisdiction_not_served": "the platform is not onboarded for this jurisdiction",
    "no_premium_rate": "no per-order premium is loaded for this industry, place and day",
    "unknown_worker": "no worker with this ID number is on the platform's roster that month",
    "exists_different": "this order id was sent before with other fields",
}


class OrdersRejected(Problem):
    """A strict batch with refused orders: nothing was recorded; ``rows`` says why."""

    code = "orders_rejected"
    status = 422
    title = {"zh-CN": "订单未接收", "en": "Orders not recorded"}
    detail = {
        "zh-CN": "{rejected} 单不能接收，整批未接收（strict 模式）；各行原因见 rows。",
        "en": "{rejected} order(s) were refused, so none was recorded (strict mode); see rows.",
    }

    def __init__(self, rows: list[dict[str, object]], counts: dict[str, int]) -> None:
        self.rows = rows
        self.counts = counts
        super().__init__(field=None, rejected=sum(counts.values()) - counts.get(OK, 0))

    def to_dict(self, language: str, *, instance: str | None = None) -> dict[str, object]:
        body = super().to_dict(language, instance=instance)
        body["counts"] = self.counts
        body["rows"] = self.rows
        return body


@dataclass
class RowResult:
    line: int
    result: str
    pointer: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Outcome:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.result for row in self.rows)
        return {result: counted[result] for result in RESULTS if counted[result]}

    @property
    def recorded(self) -> int:
        return sum(1 for row in self.rows if row.result == OK)

    @property
    def refused(self) -> list[RowResult]:
        return [row for row in self.rows if row.result not in (OK, EXISTS)]


@dataclass(slots=True)
class Candidate:
    """An order that passed the checks that need no database (its worker and premium are
    filled in as they are found)."""

    line: int
    order_ref: str
    id_hash: str
    jurisdiction: str
    month: str
    day: date
    accepted_at: datetime
    ended_at: datetime
    accepted_text: str
    ended_text: str
    """The moments as RFC 3339 text, for the staging COPY (PostgreSQL reads them itself)."""
    end_kind: str
    distance_m: int | None
    premium_fen: int = 0
    person_id: int | None = None

    def same_as(self, stored: repository.StoredOrder, person_id: int | None) -> bool:
        return (
            stored.person_id == person_id
            and stored.jurisdiction_code == self.jurisdiction
            and stored.accepted_at == self.accepted_at
            and stored.ended_at == self.ended_at
            and stored.end_kind == self.end_kind
            and stored.distance_m == self.distance_m
        )


def record_orders(
    *,
    session: Session,
    platform_id: int,
    industry: str,
    served: frozenset[str],
    rows: Sequence[Any],
    rulebook: Rulebook,
    id_key: bytes,
    now: datetime,
    partial: bool,
) -> Outcome:
    """Check and record a batch of ``rows`` (decoded JSON values, or the :class:`Problem` of a
    line that did not parse) for a platform already authorised."""
    outcome = Outcome()
    candidates: list[Candidate] = []
    premiums: dict[tuple[str, date], int | None] = {}
    by_ref: dict[str, Candidate] = {}
    repeated: list[tuple[RowResult, Candidate]] = []
    ids = _IdCache(id_key)
    for line, raw in enumerate(rows, start=1):
        result = RowResult(line=line, result=OK)
        outcome.rows.append(result)
        candidate = _checked(raw, line, result, ids, served, now)
        if candidate is None:
            continue
        day = candidate.day
        place = (candidate.jurisdiction, day)
        if place not in premiums:
            premiums[place] = per_order_fen(
                rulebook=rulebook, jurisdiction=candidate.jurisdiction, industry=industry, on=day
            )
        premium = premiums[place]
        if premium is None:
            _refuse(result, "no_premium_rate", f"/{line}/accepted_at")
            continue
        candidate.premium_fen = premium
        first = by_ref.get(candidate.order_ref)
        if first is not None:
            repeated.append((result, candidate))
            continue
        by_ref[candidate.order_ref] = candidate
        candidates.append(candidate)
    if candidates:
        repository.open_months(session, {c.month for c in candidates})
        _check_against_database(session, platform_id, candidates, outcome)
    for result, candidate in repeated:
        first = by_ref[candidate.order_ref]
        first_result = outcome.rows[first.line - 1].result
        if first_result not in (OK, EXISTS):
            _refuse(result, first_result, outcome.rows[first.line - 1].pointer)
        elif _same_fields(first, candidate):
            result.result = EXISTS
        else:
            _refuse(result, "exists_different", f"/{result.line}/order_id")
    counts = outcome.counts
    if outcome.refused and not partial:
        raise OrdersRejected([row.to_dict() for row in outcome.rows if row.result != OK], counts)
    keep = [c for c in candidates if outcome.rows[c.line - 1].result == OK]
    repository.insert_orders(session, platform_id=platform_id, industry=industry, lines=keep)
    return outcome


def _check_against_database(
    session: Session, platform_id: int, candidates: list[Candidate], outcome: Outcome
) -> None:
    repository.lock_platform_orders(session, platform_id)
    roster = repository.roster_of(session, platform_id, {c.id_hash for c in candidates})
    for candidate in candidates:
        candidate.person_id = next(
            (
                person_id
                for person_id, first, last in roster.get(candidate.id_hash, ())
                if first <= candidate.month and (last is None or candidate.month <= last)
            ),
            None,
        )
    repository.stage_orders(session, candidates)
    stored = repository.staged_existing(session, platform_id)
    for candidate in candidates:
        result = outcome.rows[candidate.line - 1]
        person_id = candidate.person_id
        if person_id is None:
            _refuse(result, "unknown_worker", f"/{candidate.line}/worker_id")
            continue
        before = stored.get(candidate.line)
        if before is None:
            continue
        if candidate.same_as(before, person_id):
            result.result = EXISTS
        else:
            _refuse(result, "exists_different", f"/{candidate.line}/order_id")


def _same_fields(a: Candidate, b: Candidate) -> bool:
    return (a.id_hash, a.jurisdiction, a.accepted_at, a.ended_at, a.end_kind, a.distance_m) == (
        b.id_hash,
        b.jurisdiction,
        b.accepted_at,
        b.ended_at,
        b.end_kind,
        b.distance_m,
    )


class _IdCache:
    """Validated and hashed ID numbers: a batch names the same workers again and again."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.hashes: dict[str, str | None] = {}

    def hash_of(self, number: str) -> str | None:
        if number not in self.hashes:
            try:
                parsed = parse_resident_id(number, field="worker_id")
            except Problem:
                self.hashes[number] = None
            else:
                self.hashes[number] = hash_id(parsed.number, self.key)
        return self.hashes[number]


def _checked(
    raw: Any,
    line: int,
    result: RowResult,
    ids: _IdCache,
    served: frozenset[str],
    now: datetime,
) -> Candidate | None:
    """The row as a candidate, or None with ``result`` saying why not (checks 1–5)."""
    if isinstance(raw, Problem):
        _refuse(result, "invalid", f"/{line}", "the line is not a JSON object")
        return None
    if not isinstance(raw, dict):
        _refuse(result, "invalid", f"/{line}", "the line is not a JSON object")
        return None
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        _refuse(result, "invalid", f"/{line}/{unknown[0]}", "unknown field")
        return None
    order_ref = raw.get("order_id")
    if not isinstance(order_ref, str) or not _ORDER_REF.match(order_ref):
        _refuse(result, "invalid", f"/{line}/order_id", "1–64 printable ASCII characters")
        return None
    number = raw.get("worker_id")
    if not isinstance(number, str) or not number:
        _refuse(result, "invalid", f"/{line}/worker_id", "the worker's resident ID number")
        return None
    code = raw.get("jurisdiction")
    if not isinstance(code, str) or not _CODE.match(code):
        _refuse(result, "invalid", f"/{line}/jurisdiction", "a 6-digit GB/T 2260 code")
        return None
    accepted = _moment(raw.get("accepted_at"))
    if accepted is None:
        _refuse(result, "invalid", f"/{line}/accepted_at", _MOMENT)
        return None
    completed, cancelled = raw.get("completed_at"), raw.get("cancelled_at")
    if (completed is None) == (cancelled is None):
        _refuse(
            result,
            "invalid",
            f"/{line}/completed_at",
            "exactly one of completed_at and cancelled_at",
        )
        return None
    end_field = "completed_at" if completed is not None else "cancelled_at"
    ended = _moment(completed if completed is not None else cancelled)
    if ended is None:
        _refuse(result, "invalid", f"/{line}/{end_field}", _MOMENT)
        return None
    distance = raw.get("distance_m")
    if distance is not None and (
        isinstance(distance, bool)
        or not isinstance(distance, int)
        or not 0 <= distance <= MAX_DISTANCE_M
    ):
        _refuse(result, "invalid", f"/{line}/distance_m", f"whole metres, 0–{MAX_DISTANCE_M}")
        return None
    id_hash = ids.hash_of(number)
    if id_hash is None:
        _refuse(result, "bad_id", f"/{line}/worker_id")
        return None
    if ended < accepted:
        _refuse(result, "end_before_start", f"/{line}/{end_field}")
        return None
    if max(accepted, ended) > now + CLOCK_SKEW:
        late_field = "accepted_at" if accepted > now + CLOCK_SKEW else end_field
        _refuse(result, "in_future", f"/{line}/{late_field}")
        return None
    if code not in served and not any(code.startswith(region_prefix(s)) for s in served):
        _refuse(result, "jurisdiction_not_served", f"/{line}/jurisdiction")
        return None
    local = accepted.astimezone(CHINA)
    return Candidate(
        line=line,
        order_ref=order_ref,
        id_hash=id_hash,
        jurisdiction=code,
        month=f"{local.year:04d}-{local.month:02d}",
        day=local.date(),
        accepted_at=accepted,
        ended_at=ended,
        accepted_text=_text(raw["accepted_at"], accepted),
        ended_text=_text(str(completed if completed is not None else cancelled), ended),
        end_kind=OrderEnd.COMPLETED if completed is not None else OrderEnd.CANCELLED,
        distance_m=distance,
    )


def _text(given: str, moment: datetime) -> str:
    """The moment as COPY text: as sent when it has no fraction of a second (stored to the
    second), else the second it was cut to."""
    return given if "." not in given and "," not in given else moment.isoformat()


_MOMENT = "an RFC 3339 time with its offset, e.g. 2026-11-03T12:30:00+08:00"


def _moment(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with an offset, as UTC (microseconds dropped); None if not one."""
    if not isinstance(value, str) or not 20 <= len(value) <= 35:
        return None
    return _parse_moment(value)


def _parse_moment(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.year < 2000:
        return None
    if parsed.microsecond:
        parsed = parsed.replace(microsecond=0)
    return parsed.astimezone(UTC)


def _refuse(result: RowResult, code: str, pointer: str | None, detail: str | None = None) -> None:
    result.result = code
    result.pointer = pointer
    result.detail = detail or _DETAILS.get(code)

"""平台从业人员名册: the workers a platform engages, sent by resident ID number, name and phone —
never by flexcover's internal ids, which a platform cannot know.

Each row is matched to a registered person through the keyed hash of the ID (the name must
agree: 实名核验), or registered through the registry's own validation when new. Rows come in
bulk with a result per row in a fixed precedence, and either all or none are kept (``strict``)
or the good ones are (``partial``). A row already on the roster is ``exists``; a period that
overlaps another of the same person, or starts before the current month, is refused with the
reason. No answer says where a person lives or whether they were known before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flexcover.kit import audit
from flexcover.kit.audit import Actor
from flexcover.kit.months import Month
from flexcover.kit.pagination import Page, PageRequest
from flexcover.kit.problems import NotFound, Problem, Refusal
from flexcover.kit.resident_id import hash_id
from flexcover.registry import repository
from flexcover.registry.authz import Target, authorize
from flexcover.registry.models import Person, Platform, PlatformWorker
from flexcover.registry.schemas import PersonIn, RosterRowIn
from flexcover.registry.service import checked_person


class RosterRefusal(Refusal):
    code = "roster_row_refused"
    status = 409
    title = {"zh-CN": "名册行不能登记", "en": "Roster row refused"}


class RosterRejected(Problem):
    """A strict roster request with refused rows: nothing was kept; ``rows`` says why."""

    code = "roster_rejected"
    status = 422
    title = {"zh-CN": "名册未登记", "en": "Roster not recorded"}
    detail = {
        "zh-CN": "{rejected} 行不能登记，整批未登记（strict 模式）；各行原因见 rows。",
        "en": "{rejected} row(s) were refused, so none was recorded (strict mode); see rows.",
    }

    def __init__(self, rows: list[dict[str, object]], rejected: int) -> None:
        self.rows = rows
        super().__init__(field=None, rejected=rejected)

    def to_dict(self, language: str, *, instance: str | None = None) -> dict[str, object]:
        body = super().to_dict(language, instance=instance)
        body["rows"] = self.rows
        return body


@dataclass
class RowResult:
    """The answer for one roster row: ``ok`` (added), ``exists`` (already there, same period),
    or the code of the refusal, with the field and a message that holds no personal data."""

    line: int
    result: str
    roster_id: int | None = None
    pointer: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class RosterOutcome:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(row.result in ("ok", "exists") for row in self.rows)

    @property
    def rejected(self) -> list[RowResult]:
        return [row for row in self.rows if row.result not in ("ok", "exists")]


def platform_for(session: Session, actor: Actor, platform_id: int, action: str) -> Platform:
    """The platform, if ``actor`` may take ``action`` for it (its own login, or staff of its
    region); unknown and forbidden look alike to a platform."""
    platform = repository.get_platform(session, platform_id)
    if platform is None:
        raise NotFound(field="platform_id", what="platform", key=platform_id)
    target = Target(region_code=platform.region_code, platform_id=platform.id)
    authorize(actor, action, target, field="platform_id")
    return platform


def add_workers(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    rows: Sequence[RosterRowIn | Problem],
    id_key: bytes,
    as_of: Month,
    partial: bool = False,
) -> RosterOutcome:
    """Put ``rows`` on the platform's roster (a row that did not parse arrives as its
    :class:`Problem`). Strict: any refused row refuses them all, with every row's result."""
    platform = platform_for(session, actor, platform_id, "platform.roster")
    outcome = RosterOutcome()
    planned: list[tuple[RowResult, RosterRowIn, Person | None, dict[str, object] | None]] = []
    batch: dict[str, list[tuple[Month, Month | None, int]]] = {}
    for line, row in enumerate(rows, start=1):
        result = RowResult(line=line, result="ok")
        outcome.rows.append(result)
        if isinstance(row, Problem):
            _refuse(result, row, line)
            continue
        try:
            person, new_row, id_hash = _person_for(session, row, id_key, line)
            first = Month.parse(row.from_month, field=f"{line}.from_month")
            last = (
                Month.parse(row.until_month, field=f"{line}.until_month")
                if row.until_month
                else None
            )
            existing = repository.roster_periods(session, platform.id, person.id) if person else []
            same = next(
                (
                    entry
                    for entry in existing
                    if entry.from_month == str(first) and entry.until_month == row.until_month
                ),
                None,
            )
            if same is not None:
                result.result, result.roster_id = "exists", same.id
                continue
            _check_period(first, last, as_of, line)
            for entry in existing:
                if _overlaps(first, last, entry.from_month, entry.until_month):
                    span = _span(entry.from_month, entry.until_month)
                    raise RosterRefusal(
                        field=f"{line}.from_month",
                        reason_zh=f"与名册第 {entry.id} 条（{span}）期间重叠",
                        reason_en=f"overlaps roster entry {entry.id} ({span})",
                    )
            for other_first, other_last, other_line in batch.get(id_hash, []):
                if _overlaps(
                    first, last, str(other_first), str(other_last) if other_last else None
                ):
                    raise RosterRefusal(
                        field=f"{line}.from_month",
                        reason_zh=f"与本批第 {other_line} 行期间重叠",
                        reason_en=f"overlaps line {other_line} of this request",
                    )
            batch.setdefault(id_hash, []).append((first, last, line))
            planned.append((result, row, person, new_row))
        except Problem as problem:
            _refuse(result, problem, line)
    if outcome.rejected and not partial:
        raise RosterRejected([r.to_dict() for r in outcome.rows], len(outcome.rejected))
    for result, row, person, new_row in planned:
        if person is None:
            assert new_row is not None
            person = repository.person_by_hash(session, str(new_row["id_hash"]))
            if person is None:  # a person registered by an earlier row of this request
                person = Person(**new_row)
                session.add(person)
                session.flush()
                audit.record(
                    session,
                    actor=actor,
                    action="person.register",
                    entity="person",
                    entity_id=person.id,
                    details={"via": "platform_roster", "platform_id": platform.id},
                )
        entry = PlatformWorker(
            platform_id=platform.id,
            person_id=person.id,
            from_month=row.from_month,
            until_month=row.until_month,
            work_codes=sorted(set(row.work_codes)),
        )
        session.add(entry)
        session.flush()
        result.roster_id = entry.id
    added = [r.roster_id for r, *_ in planned if r.roster_id is not None]
    audit.record_many(
        session,
        actor=actor,
        action="platform.roster_add",
        entity="platform_worker",
        entity_ids=list(added),
        details={"platform_id": platform.id},
    )
    return outcome


def _person_for(
    session: Session, row: RosterRowIn, id_key: bytes, line: int
) -> tuple[Person | None, dict[str, object] | None, str]:
    """The registered person of the row's ID (its name must agree), or the row to register."""
    person_in = PersonIn(
        id_number=row.id_number,
        name=row.name,
        phone=row.phone,
        residence_code=row.residence_code,
    )
    resident_id, new_row = checked_person(
        session, person_in, id_key=id_key, field_prefix=f"{line}."
    )
    id_hash = hash_id(resident_id.number, id_key)
    person = repository.person_by_hash(session, id_hash)
    if person is None:
        return None, new_row, id_hash
    if person.name.strip() != row.name.strip():
        raise RosterRefusal(
            field=f"{line}.name",
            reason_zh="姓名与该身份证号码登记的姓名不一致（实名核验）",
            reason_en="the name does not match the name registered for this ID number",
        )
    return person, None, id_hash


def _check_period(first: Month, last: Month | None, as_of: Month, line: int) -> None:
    if first < as_of:
        raise RosterRefusal(
            field=f"{line}.from_month",
            reason_zh=f"名册期间从 {as_of} 或以后开始（已结算的月份不能追溯变更）",
            reason_en=f"a roster period starts in {as_of} or later (settled months cannot change)",
        )
    if last is not None and last < first:
        raise RosterRefusal(
            field=f"{line}.until_month",
            reason_zh="结束月份早于开始月份",
            reason_en="until_month is before from_month",
        )


def _overlaps(first: Month, last: Month | None, other_from: str, other_until: str | None) -> bool:
    return (other_until is None or str(first) <= other_until) and (
        last is None or other_from <= str(last)
    )


def _span(first: str, last: str | None) -> str:
    return f"{first}–{last or ''}"


def _refuse(result: RowResult, problem: Problem, line: int) -> None:
    result.result = problem.code
    result.pointer = problem.pointer
    result.detail = problem.message("en")


@dataclass(frozen=True)
class RosterRow:
    entry: PlatformWorker
    name: str
    id_masked: str


def end_worker(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    roster_id: int,
    until_month: Month,
    as_of: Month,
) -> RosterRow:
    """The person stops working through the platform after ``until_month``."""
    platform = platform_for(session, actor, platform_id, "platform.roster")
    entry = session.get(PlatformWorker, roster_id)
    if entry is None or entry.platform_id != platform.id:
        raise NotFound(field="roster_id", what="roster entry", key=roster_id)
    person = session.get(Person, entry.person_id)
    assert person is not None
    if entry.until_month == str(until_month):
        return RosterRow(entry, person.name, person.id_masked)  # the same request twice
    if str(until_month) < entry.from_month or until_month < as_of - 1:
        raise RosterRefusal(
            field="until_month",
            reason_zh=f"结束月份不能早于 {max(entry.from_month, str(as_of - 1))}",
            reason_en=f"until_month cannot be before {max(entry.from_month, str(as_of - 1))}",
        )
    if entry.until_month is not None and entry.until_month < str(until_month):
        raise RosterRefusal(
            field="until_month",
            reason_zh=f"该条已于 {entry.until_month} 结束，延长请登记新的期间",
            reason_en=f"the entry already ended in {entry.until_month}; add a new period instead",
        )
    entry.until_month = str(until_month)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="platform.roster_end",
        entity="platform_worker",
        entity_id=entry.id,
        details={"platform_id": platform.id, "until_month": str(until_month)},
    )
    return RosterRow(entry, person.name, person.id_masked)


def list_workers(
    *,
    session: Session,
    actor: Actor,
    platform_id: int,
    active_in: Month | None,
    page: PageRequest,
) -> Page[RosterRow]:
    """The platform's roster with names and masked IDs, newest first (audited as a listing)."""
    platform = platform_for(session, actor, platform_id, "platform.read")
    found = repository.roster_page(
        session, platform.id, str(active_in) if active_in else None, page
    )
    audit.record(
        session,
        actor=actor,
        action="platform.roster_list",
        entity="platform",
        entity_id=platform.id,
        details={"page": page.page, "people": [row[0].person_id for row in found.items]},
    )
    return Page([RosterRow(*row) for row in found.items], found.total, found.page, found.size)


def roster_size(session: Session, platform_id: int, month: Month) -> int:
    """How many people are on the platform's roster in ``month``."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(PlatformWorker)
            .where(
                PlatformWorker.platform_id == platform_id,
                PlatformWorker.from_month <= str(month),
                (PlatformWorker.until_month.is_(None)) | (PlatformWorker.until_month >= str(month)),
            )
        )
        or 0
    )


def on_roster(session: Session, platform_id: int, person_id: int) -> bool:
    """Whether the person is, or was, on the platform's roster."""
    return bool(repository.roster_periods(session, platform_id, person_id))


def people_on(session: Session, platform_id: int, month: Month) -> list[int]:
    """The ids of the people on the platform's roster in ``month`` (for batch work)."""
    return list(
        session.scalars(
            select(PlatformWorker.person_id)
            .where(
                PlatformWorker.platform_id == platform_id,
                PlatformWorker.from_month <= str(month),
                (PlatformWorker.until_month.is_(None)) | (PlatformWorker.until_month >= str(month)),
            )
            .order_by(PlatformWorker.person_id)
        )
    )

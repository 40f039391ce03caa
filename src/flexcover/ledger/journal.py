"""Posting to the journal: one entry, a batch of entries, a reversal.

Every entry is balanced (two or more non-zero postings summing to zero) and idempotent on its
business key: posting the same key with the same postings again returns the first entry and
writes nothing; the same key with other postings is refused. Writes happen inside a SAVEPOINT, so
a refusal leaves the caller's unit of work as it was, and the database's CHECK constraint, not
this module, has the last word on an account going negative.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flexcover.kit.audit import Actor, record
from flexcover.kit.database import utc_now
from flexcover.kit.money import format_yuan
from flexcover.kit.months import Month
from flexcover.kit.problems import NotFound
from flexcover.ledger import repository
from flexcover.ledger.accounts import (
    ACCOUNT_KINDS,
    AccountRef,
    NaturalKey,
    label,
    natural_key,
    ref_of,
)
from flexcover.ledger.models import JournalEntry, Posting
from flexcover.ledger.problems import (
    AccountWouldGoNegative,
    AlreadyReversed,
    InvalidEntry,
    KeyRepeatedInBatch,
    KeyReused,
    NotReversible,
    UnbalancedEntry,
)
from flexcover.ledger.repository import AccountState, StoredEntry
from flexcover.registry.problems import UnknownJurisdiction

REVERSAL = "reversal"
MAX_FEN = 10**14  # a trillion yuan: far beyond any single movement we book (as kit.money)
Lines = tuple[tuple[NaturalKey, int], ...]


@dataclass(frozen=True)
class Draft:
    """记账凭证草稿: an entry to post, under a business key unique across the journal."""

    key: str
    kind: str
    description: str
    postings: tuple[tuple[AccountRef, int], ...]
    month: Month | None = None


@dataclass(frozen=True)
class BatchResult:
    posted: int
    skipped: int
    copied: bool = dataclass_field(default=False, compare=False)
    """Written by COPY on the fast path (:mod:`flexcover.ledger.columns`), for the record."""


@dataclass(frozen=True)
class _Checked:
    draft: Draft
    field: str
    lines: Lines  # in the draft's order
    fingerprint: Lines  # sorted: the multiset that idempotency compares


class _SignRuleBroken(Exception):
    """The database refused a balance; carries the changes so the account can be named."""

    def __init__(self, deltas: dict[NaturalKey, int]) -> None:
        super().__init__("sign rule")
        self.deltas = deltas


# --- public API --------------------------------------------------------------------------------


def post(*, session: Session, draft: Draft, actor: Actor) -> JournalEntry:
    """Post one entry, or return the entry already posted under its key with the same postings."""
    checked = _check(draft, field="")
    existing = repository.entry_by_key(session, draft.key)
    if existing is not None:
        return _same_or_refuse(session, existing, checked.fingerprint, field="key")
    try:
        entry = _write(session, checked, reverses_entry_id=None, actor=actor)
    except IntegrityError:
        # A concurrent transaction posted the key between our read and our write.
        existing = repository.entry_by_key(session, draft.key)
        if existing is None:
            raise
        return _same_or_refuse(session, existing, checked.fingerprint, field="key")
    record(
        session,
        actor=actor,
        action="ledger.post",
        entity="ledger_entry",
        entity_id=entry.id,
        details={"key": draft.key, "kind": draft.kind, "amount_fen": _debits(checked.lines)},
    )
    return entry


def open_accounts(*, session: Session, refs: Sequence[AccountRef]) -> None:
    """开户: create the accounts ``refs`` name, holding nothing, where they do not exist yet (an
    enrolment opens its worker's accounts; posting to an account that was never opened opens
    it too)."""
    keys = [natural_key(ref, field=f"refs.{index}") for index, ref in enumerate(refs)]
    with repository.savepoint(session):
        _accounts(session, keys, field="refs")


def reverse(
    *, session: Session, entry_id: int, key: str, reason: str, actor: Actor
) -> JournalEntry:
    """冲销: post the mirror of an entry (every amount negated), pointing back at it."""
    _text(reason, 500, "reason", "冲销原因", "the reason")
    original = repository.entry_by_id(session, entry_id)
    if original is None:
        raise NotFound(field="entry_id", what="ledger entry", key=str(entry_id))
    if original.reverses_entry_id is not None:
        raise NotReversible(field="entry_id", entry_id=entry_id)
    stored = repository.stored_entries(session, [original.key])[original.key]
    draft = Draft(
        key=key,
        kind=REVERSAL,
        description=reason,
        postings=tuple((ref_of(k), -amount) for k, amount in stored.lines),
        month=Month.parse(original.month) if original.month else None,
    )
    checked = _check(draft, field="", reversal=True)
    for attempt in range(2):
        existing = repository.entry_by_key(session, key)
        if existing is not None:
            if existing.reverses_entry_id != entry_id:
                raise KeyReused(field="key", key=key, entry_id=existing.id)
            return _same_or_refuse(session, existing, checked.fingerprint, field="key")
        prior = repository.reversal_of(session, entry_id)
        if prior is not None:
            raise AlreadyReversed(
                field="entry_id", entry_id=entry_id, reversal_id=prior.id, reversal_key=prior.key
            )
        try:
            entry = _write(session, checked, reverses_entry_id=entry_id, actor=actor)
        except IntegrityError:
            if attempt:
                raise
            continue  # lost a race for the key or the entry: look again
        record(
            session,
            actor=actor,
            action="ledger.reverse",
            entity="ledger_entry",
            entity_id=entry.id,
            details={"key": key, "reverses_entry_id": entry_id, "reason": reason},
        )
        return entry
    raise AssertionError("unreachable")


def post_batch(*, session: Session, drafts: Sequence[Draft], actor: Actor) -> BatchResult:
    """Post many entries with one statement per table: keys already posted with the same postings
    are skipped, accounts are created as needed, each account's balance is changed once."""
    pending: dict[str, _Checked] = {}
    skipped = 0
    for index, draft in enumerate(drafts):
        checked = _check(draft, field=f"drafts.{index}.")
        first = pending.setdefault(draft.key, checked)
        if first is not checked:
            if first.fingerprint != checked.fingerprint:
                raise KeyRepeatedInBatch(
                    field=f"{checked.field}key", key=draft.key, first=first.field.rstrip(".")
                )
            skipped += 1
    for key, stored in repository.stored_entries(session, list(pending)).items():
        checked = pending.pop(key)
        if stored.lines != checked.fingerprint:
            raise KeyReused(field=f"{checked.field}key", key=key, entry_id=stored.id)
        skipped += 1
    if not pending:
        return BatchResult(posted=0, skipped=skipped)
    todo = [pending[key] for key in sorted(pending)]
    try:
        with repository.savepoint(session):
            accounts = _accounts(session, (k for c in todo for k, _ in c.lines), field="drafts")
            lock_in_order(session, accounts)
            ids = repository.insert_entries(
                session,
                [
                    {
                        "key": c.draft.key,
                        "kind": c.draft.kind,
                        "description": c.draft.description,
                        "month": str(c.draft.month) if c.draft.month else None,
                    }
                    for c in todo
                ],
                actor=actor.username,
                at=utc_now(),
            )
            if len(ids) < len(todo):  # keys a concurrent transaction posted since we looked
                lost = [c for c in todo if c.draft.key not in ids]
                theirs = repository.stored_entries(session, [c.draft.key for c in lost])
                for c in lost:
                    if theirs[c.draft.key].lines != c.fingerprint:
                        raise KeyReused(
                            field=f"{c.field}key", key=c.draft.key, entry_id=theirs[c.draft.key].id
                        )
                skipped += len(lost)
                todo = [c for c in todo if c.draft.key in ids]
            repository.insert_postings(
                session,
                [(ids[c.draft.key], accounts[k].id, amount) for c in todo for k, amount in c.lines],
            )
            _apply(session, accounts, (line for c in todo for line in c.lines))
    except _SignRuleBroken as broken:
        raise _would_go_negative(session, broken.deltas, field="drafts") from None
    if todo:
        record(
            session,
            actor=actor,
            action="ledger.post_batch",
            entity="ledger_entry",
            entity_id=f"{min(ids.values())}-{max(ids.values())}",
            details={
                "count": len(todo),
                "skipped": skipped,
                "first_key": todo[0].draft.key,
                "last_key": todo[-1].draft.key,
            },
        )
    return BatchResult(posted=len(todo), skipped=skipped)


# --- locks -------------------------------------------------------------------------------------


def is_shared(key: NaturalKey) -> bool:
    """A jurisdiction's or a scheme's account, which the entries of many owners touch."""
    return ACCOUNT_KINDS[key[0]].owner in ("jurisdiction", "scheme")


def lock_in_order(session: Session, accounts: dict[NaturalKey, AccountState]) -> None:
    """PostgreSQL: lock the accounts of single owners first, then the shared ones, each by id.
    Every poster takes its locks in this one order, so no two wait for each other in a cycle,
    and a batch can take the busy shared accounts last, just before it commits."""
    if repository.is_postgresql(session):
        owned = [state.id for key, state in accounts.items() if not is_shared(key)]
        repository.lock_accounts(session, owned)
        repository.lock_accounts(session, [s.id for k, s in accounts.items() if is_shared(k)])


# --- the steps ---------------------------------------------------------------------------------


def _check(draft: Draft, *, field: str, reversal: bool = False) -> _Checked:
    _text(draft.key, 200, f"{field}key", "业务键", "the key")
    _text(draft.kind, 40, f"{field}kind", "凭证类型", "the kind")
    _text(draft.description, 500, f"{field}description", "摘要", "the description", empty=True)
    if draft.kind == REVERSAL and not reversal:
        raise InvalidEntry(
            field=f"{field}kind",
            reason_zh="冲销凭证只能通过冲销生成",
            reason_en="reversal entries are made by reverse() only",
        )
    if draft.month is not None and not isinstance(draft.month, Month):
        raise InvalidEntry(
            field=f"{field}month", reason_zh="月份应为 Month", reason_en="month must be a Month"
        )
    postings = tuple(draft.postings)

    def unbalanced(reason_zh: str, reason_en: str) -> UnbalancedEntry:
        return UnbalancedEntry(
            field=f"{field}postings", key=draft.key, reason_zh=reason_zh, reason_en=reason_en
        )

    if len(postings) < 2:
        raise unbalanced(f"只有 {len(postings)} 条分录", f"has {len(postings)} posting(s)")
    lines = []
    for index, (ref, given) in enumerate(postings):
        try:  # any integer (a NumPy one too), never a float or a bool
            amount = operator.index(given) if not isinstance(given, bool) else None
        except TypeError:
            amount = None
        if amount is None or abs(amount) > MAX_FEN:
            raise unbalanced(
                f"第 {index + 1} 条分录金额不是合理的整数分",
                f"has an amount in posting {index + 1} that is not a plausible whole fen",
            )
        if amount == 0:
            raise unbalanced(
                f"第 {index + 1} 条分录金额为零", f"has a zero amount in posting {index + 1}"
            )
        lines.append((natural_key(ref, field=f"{field}postings.{index}.account"), amount))
    total = sum(amount for _, amount in lines)
    if total != 0:
        raise unbalanced(f"借贷相差 {format_yuan(total)} 元", f"is off by {format_yuan(total)}")
    return _Checked(draft, field, tuple(lines), tuple(sorted(lines)))


def _text(
    value: object, limit: int, field: str, name_zh: str, name_en: str, *, empty: bool = False
) -> None:
    if not isinstance(value, str) or (not empty and not value.strip()) or len(value) > limit:
        raise InvalidEntry(
            field=field,
            reason_zh=f"{name_zh}应为{'' if empty else '非空且'}不超过 {limit} 个字符的文本",
            reason_en=f"{name_en} must be {'' if empty else 'non-blank '}text of at most "
            f"{limit} characters",
        )


def _write(
    session: Session, checked: _Checked, *, reverses_entry_id: int | None, actor: Actor
) -> JournalEntry:
    """Insert one entry with its postings and balances. An IntegrityError that escapes means a
    unique key was taken by a concurrent transaction: the savepoint is rolled back and the caller
    re-reads."""
    draft = checked.draft
    try:
        with repository.savepoint(session):
            accounts = _accounts(session, (k for k, _ in checked.lines), field="postings")
            lock_in_order(session, accounts)
            entry = JournalEntry(
                key=draft.key,
                kind=draft.kind,
                description=draft.description,
                month=str(draft.month) if draft.month else None,
                reverses_entry_id=reverses_entry_id,
                actor=actor.username,
                created_at=utc_now(),
                postings=[
                    Posting(account_id=accounts[k].id, amount_fen=amount)
                    for k, amount in checked.lines
                ],
            )
            session.add(entry)
            session.flush()
            _apply(session, accounts, checked.lines)
    except _SignRuleBroken as broken:
        raise _would_go_negative(session, broken.deltas, field="postings") from None
    return entry


def _accounts(
    session: Session, keys: Iterable[NaturalKey], *, field: str
) -> dict[NaturalKey, AccountState]:
    """The accounts, created first where missing (once their owners are known to exist)."""
    wanted = set(keys)
    found = repository.accounts_by_key(session, wanted)
    missing = sorted(wanted - found.keys())
    if not missing:
        return found
    _require_owners(session, missing, field=field)
    repository.insert_accounts(
        session,
        [
            {
                "kind": kind,
                "jurisdiction_code": code,
                "owner_key": owner,
                "person_id": int(owner[7:]) if owner.startswith("person:") else None,
                "platform_id": int(owner[9:]) if owner.startswith("platform:") else None,
                "normal_side": ACCOUNT_KINDS[kind].side,
                "allow_negative": ACCOUNT_KINDS[kind].allow_negative,
                "balance_fen": 0,
                "created_at": utc_now(),
            }
            for kind, code, owner in missing
        ],
    )
    found.update(repository.accounts_by_key(session, missing))
    return found


def _require_owners(session: Session, keys: Sequence[NaturalKey], *, field: str) -> None:
    codes = repository.missing_jurisdictions(session, [code for _, code, _ in keys])
    if codes:
        raise UnknownJurisdiction(field=field, value=min(codes))
    people = [int(owner[7:]) for _, _, owner in keys if owner.startswith("person:")]
    if people and (unknown := repository.missing_people(session, people)):
        raise NotFound(field=field, what="person", key=str(min(unknown)))
    platforms = [int(owner[9:]) for _, _, owner in keys if owner.startswith("platform:")]
    if platforms and (unknown := repository.missing_platforms(session, platforms)):
        raise NotFound(field=field, what="platform", key=str(min(unknown)))


def _apply(
    session: Session,
    accounts: dict[NaturalKey, AccountState],
    lines: Iterable[tuple[NaturalKey, int]],
) -> None:
    """Add each account's net change on its normal side to its balance."""
    deltas: dict[NaturalKey, int] = defaultdict(int)
    for key, amount in lines:
        deltas[key] += ACCOUNT_KINDS[key[0]].sign * amount
    try:
        repository.add_to_balances(
            session, {accounts[key].id: delta for key, delta in deltas.items()}
        )
    except IntegrityError as refused:
        raise _SignRuleBroken(dict(deltas)) from refused


def _would_go_negative(
    session: Session, deltas: dict[NaturalKey, int], *, field: str
) -> AccountWouldGoNegative:
    """Name the account the database refused (the savepoint is rolled back: balances are as
    before the write, and an account created inside it is gone, so holds 0)."""
    states = repository.accounts_by_key(session, deltas)
    for key in sorted(deltas):
        if ACCOUNT_KINDS[key[0]].allow_negative:
            continue
        before = states[key].balance_fen if key in states else 0
        if before + deltas[key] < 0:
            return AccountWouldGoNegative(
                field=field,
                account=label(key),
                balance=format_yuan(before),
                change=format_yuan(deltas[key]),
                result=format_yuan(before + deltas[key]),
            )
    raise AssertionError("the database refused a balance that no sign rule forbids")


def _same_or_refuse(
    session: Session, existing: JournalEntry, fingerprint: Lines, *, field: str
) -> JournalEntry:
    stored: StoredEntry = repository.stored_entries(session, [existing.key])[existing.key]
    if stored.lines != fingerprint:
        raise KeyReused(field=field, key=existing.key, entry_id=existing.id)
    return existing


def _debits(lines: Lines) -> int:
    return sum(amount for _, amount in lines if amount > 0)

"""Posting many entries of one shape, column by column: a settlement chunk's bills.

A chunk's bills are tens of thousands of entries that differ only in amounts and owners. Held as
columns (a key, description and month per entry; per *leg*, an account kind and, per entry, a
jurisdiction, an owner and an amount), they are checked with array operations and, on
PostgreSQL, written with COPY under ids drawn from the journal's sequence.

The journal that results is the one :func:`~flexcover.ledger.journal.post_batch` writes for the
same entries. The fast path takes only fresh, valid entries: anything else (a key already
posted, a value the checks refuse, an account that would go negative or whose owner does not
exist) makes it step back to its savepoint and hand the batch to ``post_batch``, which skips
what was posted before and names any problem exactly. SQLite always takes that path.

Locks follow the journal's order (accounts of one owner first, then shared accounts, each by
id; see :func:`~flexcover.ledger.journal.lock_in_order`), and the shared accounts — a district's
billed contributions, touched by every chunk — are locked and updated last, so that chunks
settled in parallel hold them only for the end of their transactions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from flexcover.kit.audit import Actor, record
from flexcover.kit.bulk import REFUSED
from flexcover.kit.database import utc_now
from flexcover.kit.months import Month
from flexcover.ledger import repository
from flexcover.ledger.accounts import ACCOUNT_KINDS, SCHEMES, NaturalKey, ref_of
from flexcover.ledger.journal import (
    MAX_FEN,
    REVERSAL,
    BatchResult,
    Draft,
    is_shared,
    post_batch,
)
from flexcover.ledger.problems import InvalidEntry

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Leg:
    """One posting slot of every entry in an :class:`EntryColumns`: the account kind, and per
    entry the account's jurisdiction and owner key (``person:42``, ``platform:3``,
    ``scheme:employee_pension`` or ``-``) and the amount (+ debit, − credit, 0: no posting)."""

    kind: str
    jurisdictions: Sequence[str]
    owners: Sequence[str]
    amounts: IntArray


@dataclass(frozen=True)
class EntryColumns:
    """记账凭证（批量）: entries of one kind, one per key, their postings given leg by leg."""

    kind: str
    keys: Sequence[str]
    descriptions: Sequence[str]
    months: Sequence[str | None]
    legs: Sequence[Leg]

    def __len__(self) -> int:
        return len(self.keys)

    def drafts(self) -> list[Draft]:
        """The same entries one by one, as :func:`post_batch` takes them."""
        drafts = []
        for index, key in enumerate(self.keys):
            postings = []
            for number, leg in enumerate(self.legs):
                amount = leg.amounts[index]
                if amount:
                    account = (leg.kind, leg.jurisdictions[index], leg.owners[index])
                    postings.append((_ref(account, f"entries.{index}.legs.{number}"), amount))
            month = self.months[index]
            drafts.append(
                Draft(
                    key=key,
                    kind=self.kind,
                    description=self.descriptions[index],
                    postings=tuple(postings),
                    month=_month(month, f"entries.{index}.month") if month is not None else None,
                )
            )
        return drafts


def post_columns(*, session: Session, entries: EntryColumns, actor: Actor) -> BatchResult:
    """Post every entry of ``entries``; entries already posted with the same postings are
    skipped, as by :func:`post_batch`."""
    if not len(entries):
        return BatchResult(posted=0, skipped=0)
    if repository.is_postgresql(session) and _plainly_valid(entries):
        try:
            with repository.savepoint(session):
                posted = _copy(session, entries, actor)
        except REFUSED:
            pass  # the careful path below skips or names what the fast one could not take
        else:
            return posted
    return post_batch(session=session, drafts=entries.drafts(), actor=actor)


# --- the checks --------------------------------------------------------------------------------


def _plainly_valid(entries: EntryColumns) -> bool:
    """Whether every entry passes every check :func:`post_batch` makes. False sends the batch
    the careful way, which says what is wrong."""
    count = len(entries.keys)
    if not _text(entries.kind, 40) or entries.kind == REVERSAL:
        return False
    if (
        len(entries.descriptions) != count
        or len(entries.months) != count
        or len(set(entries.keys)) != count
        or not all(_text(key, 200) for key in entries.keys)
        or not all(isinstance(d, str) and len(d) <= 500 for d in entries.descriptions)
    ):
        return False
    try:
        {_month(month, "") for month in set(entries.months) if month is not None}
    except InvalidEntry:
        return False
    postings = np.zeros(count, dtype=np.int64)
    total = np.zeros(count, dtype=np.int64)
    for leg in entries.legs:
        amounts = leg.amounts
        if (
            leg.kind not in ACCOUNT_KINDS
            or not isinstance(amounts, np.ndarray)
            or amounts.dtype.kind not in "iu"
            or amounts.shape != (count,)
            or len(leg.jurisdictions) != count
            or len(leg.owners) != count
            or bool(np.any(np.abs(amounts) > MAX_FEN))
        ):
            return False
        used = np.flatnonzero(amounts).tolist()
        owner = _OWNER[ACCOUNT_KINDS[leg.kind].owner]
        if not all(
            isinstance(o, str) and owner.fullmatch(o) for o in {leg.owners[i] for i in used}
        ):
            return False
        if not all(
            isinstance(c, str) and _CODE.fullmatch(c) for c in {leg.jurisdictions[i] for i in used}
        ):
            return False
        postings += amounts != 0
        total += amounts
    return bool(np.all(postings >= 2) and np.all(total == 0))


# The owner keys natural_key() makes, by the kind of owner (its checks, as patterns).
_OWNER = {
    "person": re.compile(r"person:[1-9][0-9]*"),
    "platform": re.compile(r"platform:[1-9][0-9]*"),
    "scheme": re.compile("scheme:(" + "|".join(map(re.escape, SCHEMES)) + ")"),
    "jurisdiction": re.compile("-"),
}
_CODE = re.compile(r"[0-9]{6}")


def _all_match(pattern: re.Pattern[str], values: set[object]) -> bool:
    return all(isinstance(value, str) and pattern.fullmatch(value) for value in values)


def _text(value: object, limit: int) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= limit


def _month(text: str, field: str) -> Month:
    try:
        month = Month.parse(text)
    except (ValueError, TypeError, AttributeError):
        raise InvalidEntry(
            field=field, reason_zh="月份应为 YYYY-MM", reason_en="month must be YYYY-MM"
        ) from None
    if str(month) != text:
        raise InvalidEntry(
            field=field, reason_zh="月份应为 YYYY-MM", reason_en="month must be YYYY-MM"
        )
    return month


def _ref(account: NaturalKey, field: str) -> Any:
    try:
        return ref_of(account)
    except (ValueError, TypeError, AttributeError):
        raise InvalidEntry(
            field=field,
            reason_zh=f"账户所有者“{account[2]}”无法识别",
            reason_en=f"owner '{account[2]}' is not an owner key",
        ) from None


# --- the fast path -----------------------------------------------------------------------------


def _copy(session: Session, entries: EntryColumns, actor: Actor) -> BatchResult:
    """COPY the entries and their postings, create the accounts they need, change each balance
    once. Raises one of :data:`~flexcover.kit.bulk.REFUSED` on anything the database refuses."""
    count = len(entries.keys)
    order = sorted(range(count), key=entries.keys.__getitem__)  # key order, as post_batch
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    deltas: dict[NaturalKey, int] = {}
    used_by_leg: list[tuple[IntArray, list[NaturalKey], IntArray]] = []
    for leg in entries.legs:
        sign = ACCOUNT_KINDS[leg.kind].sign
        used = np.flatnonzero(leg.amounts)
        amounts = leg.amounts[used]
        accounts = [(leg.kind, leg.jurisdictions[i], leg.owners[i]) for i in used.tolist()]
        for account, amount in zip(accounts, amounts.tolist(), strict=True):
            deltas[account] = deltas.get(account, 0) + sign * amount
        used_by_leg.append((used, accounts, amounts))
    existing = repository.accounts_by_key(session, deltas)
    ids = {key: state.id for key, state in existing.items()}
    ids.update(
        repository.copy_new_accounts(session, {k: d for k, d in deltas.items() if k not in ids})
    )
    owned = {ids[key]: deltas[key] for key in existing if not is_shared(key)}
    shared = {ids[key]: deltas[key] for key in existing if is_shared(key)}
    repository.lock_accounts(session, owned)
    entry_ids = np.array(repository.next_entry_ids(session, count), dtype=np.int64)
    at = utc_now()
    keys = [entries.keys[index] for index in order]
    repository.copy_entries(
        session,
        count,
        {
            "id": entry_ids.tolist(),
            "key": keys,
            "kind": entries.kind,
            "description": [entries.descriptions[index] for index in order],
            "month": [entries.months[index] for index in order],
            "actor": actor.username,
            "created_at": at,
        },
    )
    # Postings entry by entry, in leg order within each (a stable sort by the entry's rank).
    posting_entries = np.concatenate([rank[used] for used, _, _ in used_by_leg])
    posting_accounts = np.array(
        [ids[account] for _, accounts, _ in used_by_leg for account in accounts], dtype=np.int64
    )
    posting_amounts = np.concatenate([amounts for _, _, amounts in used_by_leg])
    by_entry = np.argsort(posting_entries, kind="stable")
    repository.copy_postings(
        session,
        len(by_entry),
        {
            "entry_id": entry_ids[posting_entries[by_entry]].tolist(),
            "account_id": posting_accounts[by_entry].tolist(),
            "amount_fen": posting_amounts[by_entry].tolist(),
        },
    )
    repository.add_to_balances(session, owned)
    repository.lock_accounts(session, shared)
    repository.add_to_balances(session, shared)
    record(
        session,
        actor=actor,
        action="ledger.post_batch",
        entity="ledger_entry",
        entity_id=f"{entry_ids[0]}-{entry_ids[-1]}",
        details={"count": count, "skipped": 0, "first_key": keys[0], "last_key": keys[-1]},
    )
    return BatchResult(posted=count, skipped=0, copied=True)

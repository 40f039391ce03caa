"""Ledger tables: accounts, journal entries and their postings.

Entries and postings are append-only: nothing in flexcover updates or deletes them (the mapper
refuses to), and a correction is a reversing entry. An account's ``balance_fen`` is a cache of
its postings on its normal side, kept in the same transaction, and the database itself refuses a
balance that breaks the account's sign rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flexcover.kit.database import Base, UtcDateTime, utc_now
from flexcover.ledger.accounts import ACCOUNT_KINDS

LedgerId = BigInteger().with_variant(Integer, "sqlite")
"""64-bit ids on PostgreSQL; INTEGER on SQLite, the only type that autoincrements there."""

_KINDS_SQL = ", ".join(f"'{kind}'" for kind in ACCOUNT_KINDS)


class LedgerAccount(Base):
    """科目账户: one account of one kind, in one jurisdiction, for one owner."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("kind", "jurisdiction_code", "owner_key"),
        CheckConstraint(f"kind IN ({_KINDS_SQL})", name="kind_known"),
        CheckConstraint("normal_side IN ('debit', 'credit')", name="normal_side_known"),
        CheckConstraint("allow_negative OR balance_fen >= 0", name="sign_rule"),
        # Room on each page for a balance's new version: updates stay off the indexes (HOT).
        {"postgresql_with": {"fillfactor": 80}},
    )

    id: Mapped[int] = mapped_column(LedgerId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    owner_key: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    normal_side: Mapped[str] = mapped_column(String(6))
    allow_negative: Mapped[bool] = mapped_column(Boolean)
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class JournalEntry(Base):
    """记账凭证: one balanced movement of money, under a unique business key."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(LedgerId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(500))
    month: Mapped[str | None] = mapped_column(String(7))
    # Unique: an entry is reversed at most once, even by two transactions racing.
    reverses_entry_id: Mapped[int | None] = mapped_column(
        LedgerId, ForeignKey("ledger_entries.id"), unique=True
    )
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.id", lazy="selectin"
    )


class Posting(Base):
    """分录: one amount on one account, + for a debit and − for a credit."""

    __tablename__ = "ledger_postings"
    __table_args__ = (CheckConstraint("amount_fen <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(LedgerId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(LedgerId, ForeignKey("ledger_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(LedgerId, ForeignKey("ledger_accounts.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship()


def _refuse_change(_mapper: Any, _connection: Any, target: object) -> None:
    raise TypeError(f"{type(target).__name__} rows are immutable: post a reversing entry instead")


for _model in (JournalEntry, Posting):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)

"""The kinds of ledger account (科目), their normal side and sign rule, and how one is named.

An account is identified by ``(kind, jurisdiction_code, owner_key)``; ``owner_key`` is
``person:<id>``, ``platform:<id>``, ``scheme:<name>`` or ``-`` so that the unique key never holds
a NULL (NULLs are distinct in a unique index, which would let a jurisdiction account exist twice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from flexcover.ledger.problems import InvalidEntry

Side = Literal["debit", "credit"]
Owner = Literal["person", "platform", "scheme", "jurisdiction"]


@dataclass(frozen=True, slots=True)
class AccountKind:
    """How one kind of account behaves: its normal side, whether it may go negative, its owner."""

    name: str
    side: Side
    allow_negative: bool
    owner: Owner
    description: str

    @property
    def sign(self) -> int:
        """+1 when a debit raises the balance, −1 when a credit does."""
        return 1 if self.side == "debit" else -1


ACCOUNT_KINDS: dict[str, AccountKind] = {
    kind.name: kind
    for kind in (
        AccountKind("receivable", "debit", False, "person", "应收: what a worker owes"),
        AccountKind(
            "collection_clearing",
            "debit",
            True,
            "jurisdiction",
            "征收清算: money collected by the tax bureau or bank, and paid out",
        ),
        AccountKind(
            "contributions_billed",
            "credit",
            True,
            "scheme",
            "已核定缴费: billed, awaiting allocation (one per jurisdiction and scheme)",
        ),
        AccountKind("personal_pension", "credit", False, "person", "个人账户 (养老)"),
        AccountKind("personal_medical", "credit", False, "person", "个人账户 (医疗)"),
        AccountKind("pooled_pension", "credit", True, "jurisdiction", "统筹基金 (养老)"),
        AccountKind("pooled_medical", "credit", True, "jurisdiction", "统筹基金 (医疗)"),
        AccountKind("subsidy_budget", "credit", False, "jurisdiction", "补贴资金"),
        AccountKind(
            "subsidy_payable", "credit", False, "person", "应付补贴: a grant owed to a worker"
        ),
        AccountKind(
            "refund_payable",
            "credit",
            False,
            "person",
            "应退: contributions a worker paid beyond a re-priced bill, owed back (多退)",
        ),
        AccountKind(
            "platform_payable",
            "debit",
            False,
            "platform",
            "平台应缴: the platforms' co-contributions to their workers' pensions",
        ),
        AccountKind(
            "injury_premium_receivable",
            "debit",
            False,
            "platform",
            "职业伤害保障费应收: the per-order premiums a platform's monthly bills ask for",
        ),
        AccountKind(
            "injury_premium_billed",
            "credit",
            True,
            "jurisdiction",
            "职业伤害保障费已核定: billed premiums not yet received",
        ),
        AccountKind(
            "injury_fund",
            "credit",
            True,
            "jurisdiction",
            "职业伤害保障基金: premiums received, less benefits paid (accounted apart from the "
            "work-injury fund)",
        ),
        AccountKind(
            "injury_benefit_payable",
            "credit",
            False,
            "person",
            "应付职业伤害保障待遇: benefits approved for a worker, not yet paid",
        ),
    )
}
SCHEMES = ("employee_pension", "employee_medical")
_CODE = re.compile(r"^[0-9]{6}$")
_OWNER_ZH = {"person": "人员", "platform": "平台", "scheme": "险种", "jurisdiction": "行政区划"}

NaturalKey = tuple[str, str, str]
"""``(kind, jurisdiction_code, owner_key)``: the unique name of an account."""


@dataclass(frozen=True)
class AccountRef:
    """Names an account, whether or not it exists yet; posting to it creates it."""

    kind: str
    jurisdiction: str
    person_id: int | None = None
    platform_id: int | None = None
    scheme: str | None = None


def natural_key(ref: AccountRef, *, field: str = "account") -> NaturalKey:
    """The unique name of the account ``ref`` names, or :class:`InvalidEntry` saying why not."""
    try:
        return _known_key(ref)  # a settlement names the same accounts month after month
    except (InvalidEntry, TypeError):
        return _natural_key(ref, field)  # raises, naming the caller's field


@lru_cache(maxsize=200_000)
def _known_key(ref: AccountRef) -> NaturalKey:
    return _natural_key(ref, "account")


def _natural_key(ref: AccountRef, field: str) -> NaturalKey:
    kind = ACCOUNT_KINDS.get(ref.kind)
    if kind is None:
        raise _invalid(field, f"未知的科目“{ref.kind}”", f"unknown account kind '{ref.kind}'")
    if not isinstance(ref.jurisdiction, str) or not _CODE.match(ref.jurisdiction):
        raise _invalid(
            field,
            f"行政区划代码“{ref.jurisdiction}”应为 6 位数字",
            f"jurisdiction '{ref.jurisdiction}' is not a 6-digit code",
        )
    given = {
        "person": ref.person_id is not None,
        "platform": ref.platform_id is not None,
        "scheme": ref.scheme is not None,
    }
    if any(present for owner, present in given.items() if owner != kind.owner):
        raise _invalid(
            field,
            f"{ref.kind} 科目只属于{_OWNER_ZH[kind.owner]}",
            f"a {ref.kind} account is owned by a {kind.owner} only",
        )
    if kind.owner == "person":
        return ref.kind, ref.jurisdiction, f"person:{_owner_id(ref.person_id, ref, field)}"
    if kind.owner == "platform":
        return ref.kind, ref.jurisdiction, f"platform:{_owner_id(ref.platform_id, ref, field)}"
    if kind.owner == "scheme":
        if ref.scheme not in SCHEMES:
            raise _invalid(
                field,
                f"{ref.kind} 科目需要险种（{'、'.join(SCHEMES)}）",
                f"a {ref.kind} account needs a scheme ({', '.join(SCHEMES)})",
            )
        return ref.kind, ref.jurisdiction, f"scheme:{ref.scheme}"
    return ref.kind, ref.jurisdiction, "-"


def _owner_id(value: int | None, ref: AccountRef, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        owner = ACCOUNT_KINDS[ref.kind].owner
        raise _invalid(
            field,
            f"{ref.kind} 科目需要{_OWNER_ZH[owner]}编号",
            f"a {ref.kind} account needs a {owner} id",
        )
    return value


def ref_of(key: NaturalKey) -> AccountRef:
    """The :class:`AccountRef` that names the account with this natural key."""
    kind, code, owner_key = key
    owner, _, value = owner_key.partition(":")
    if owner == "person":
        return AccountRef(kind, code, person_id=int(value))
    if owner == "platform":
        return AccountRef(kind, code, platform_id=int(value))
    if owner == "scheme":
        return AccountRef(kind, code, scheme=value)
    return AccountRef(kind, code)


def label(key: NaturalKey) -> str:
    """How an account is named in messages: ``personal_pension 500103 person:42``."""
    return " ".join(key)


def _invalid(field: str, reason_zh: str, reason_en: str) -> InvalidEntry:
    return InvalidEntry(field=field, reason_zh=reason_zh, reason_en=reason_en)

"""Who may do what, where: the one place authorisation is decided.

A policy maps each role to the actions it may take and the scope each applies in:

- ``ANY``: anywhere (reference data);
- ``REGION``: on records whose jurisdiction lies inside the actor's region. Regions nest by their
  GB/T 2260 code: a province ``500000`` holds every code starting ``50``, a city ``500100`` every
  code starting ``5001``, a district only itself; ``000000`` is the whole nation;
- ``SELF``: a worker on their own person record only;
- ``OWN_PLATFORM``: a platform's user on its own platform only.

Anything not listed is refused. Tests exercise the whole matrix (role × action × region).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from flexcover.kit.audit import Actor
from flexcover.kit.problems import Forbidden

NATION = "000000"


class Scope(Enum):
    ANY = "any"
    REGION = "region"
    SELF = "self"
    OWN_PLATFORM = "own_platform"


ANY, REGION, SELF, OWN_PLATFORM = Scope.ANY, Scope.REGION, Scope.SELF, Scope.OWN_PLATFORM

_OFFICER = {
    "jurisdiction.read": ANY,
    "staff.home": REGION,
    "person.register": REGION,
    "person.read": REGION,
    "person.list": REGION,
    "employer.register": REGION,
    "employer.read": REGION,
    "platform.read": REGION,
    "enrolment.manage": REGION,
    "enrolment.read": REGION,
    "payment.make": REGION,
    "subsidy.apply": REGION,
    # 精准扩面: every officer sees the cockpit and the expansion tasks of their region, and
    # records what came of a task (the seeds: "cities and counties verify").
    "coverage.read": REGION,
    "task.outcome": REGION,
    # 职业伤害保障: officers read the platforms' bills and orders of their region, answer who
    # covered a worker when, take in claims, decide them and pay them (approval has its own
    # action: the maker–checker rule and the amount limits are the service's).
    "injury.read": REGION,
    "injury.cover": REGION,
    "injury.bill": REGION,
    "injury.claim.read": REGION,
    "injury.claim.report": REGION,
    "injury.claim.handle": REGION,
    "injury.claim.investigate": REGION,
    "injury.claim.approve": REGION,
}

POLICY: dict[str, dict[str, Scope]] = {
    "worker": {
        "jurisdiction.read": ANY,
        "worker.home": SELF,
        "person.read": SELF,
        "enrolment.manage": SELF,
        "enrolment.read": SELF,
        "payment.make": SELF,
        "subsidy.apply": SELF,
        "injury.claim.report": SELF,
        "injury.claim.read": SELF,
        "injury.claim.appeal": SELF,
    },
    "platform": {
        "jurisdiction.read": ANY,
        "platform.read": OWN_PLATFORM,
        "platform.agreement": OWN_PLATFORM,
        "platform.roster": OWN_PLATFORM,
        "platform.pay": OWN_PLATFORM,
        "platform.tokens": OWN_PLATFORM,
        "injury.orders": OWN_PLATFORM,
        "injury.read": OWN_PLATFORM,
        "injury.claim.report": OWN_PLATFORM,
        "injury.claim.read": OWN_PLATFORM,
        "injury.claim.appeal": OWN_PLATFORM,
    },
    # Subsidy decisions are a district's (财社〔2017〕164号 leaves them to the local agencies): its
    # officers propose and confirm.
    "district_officer": {**_OFFICER, "subsidy.review": REGION},
    "city_officer": dict(_OFFICER),
    # A comparison is the province's: it issues the tasks and the data (the seeds).
    "province_officer": {
        **_OFFICER,
        "platform.register": REGION,
        "coverage.compare": REGION,
        "injury.onboard": REGION,
    },
    # 委托商业保险机构: a commissioned insurer takes in claims, investigates and proposes; the
    # agency decides, approves and pays (it keeps the legal decision on confirmation).
    "insurer": {
        "jurisdiction.read": ANY,
        "staff.home": REGION,
        "injury.cover": REGION,
        "injury.claim.read": REGION,
        "injury.claim.investigate": REGION,
    },
    "auditor": {
        "jurisdiction.read": ANY,
        "staff.home": REGION,
        "person.read": REGION,
        "person.list": REGION,
        "employer.read": REGION,
        "platform.read": REGION,
        "enrolment.read": REGION,
        "audit.read": REGION,
        "ledger.read": REGION,
        "coverage.read": REGION,
        "injury.read": REGION,
        "injury.claim.read": REGION,
    },
    "admin": {
        **_OFFICER,
        "platform.register": REGION,
        "user.create": REGION,
        "user.manage": REGION,
        "token.issue": REGION,
        "audit.read": REGION,
        "ledger.read": REGION,
        "platform.agreement": REGION,
        "platform.roster": REGION,
        "platform.tokens": REGION,
        "coverage.compare": REGION,
        "injury.onboard": REGION,
    },
}

ACTIONS = sorted({action for actions in POLICY.values() for action in actions} | {"worker.home"})

# The level of region each role is scoped to; admins and auditors may hold any level.
ROLE_REGION_LEVELS: dict[str, tuple[str, ...]] = {
    "worker": ("district",),
    "platform": ("national", "province", "city", "district"),
    "district_officer": ("district",),
    "city_officer": ("city",),
    "province_officer": ("province",),
    "auditor": ("national", "province", "city", "district"),
    "admin": ("national", "province", "city", "district"),
    "insurer": ("province", "city", "district"),
}


def region_prefix(region_code: str) -> str:
    """The code prefix that every jurisdiction inside ``region_code`` shares."""
    if region_code == NATION:
        return ""
    if region_code.endswith("0000"):
        return region_code[:2]
    if region_code.endswith("00"):
        return region_code[:4]
    return region_code


def within(column: Any, region_code: str) -> Any:
    """The SQL condition that ``column`` (a GB/T 2260 code) lies inside ``region_code``: how every
    listing query keeps to the reader's region (the nation is everything)."""
    return column.startswith(region_prefix(region_code))


def region_contains(region_code: str, code: str) -> bool:
    """Whether jurisdiction ``code`` lies inside (or is) ``region_code``."""
    return code.startswith(region_prefix(region_code))


@dataclass(frozen=True, slots=True)
class Target:
    """What an action touches: where it is, and whose it is."""

    region_code: str
    person_id: int | None = None
    platform_id: int | None = None


def allows(actor: Actor, action: str, target: Target) -> bool:
    if actor.role == "system":
        return True
    scope = POLICY.get(actor.role, {}).get(action)
    if scope is None:
        return False
    if scope is ANY:
        return True
    if scope is SELF:
        return actor.person_id is not None and actor.person_id == target.person_id
    if scope is OWN_PLATFORM:
        return actor.platform_id is not None and actor.platform_id == target.platform_id
    return actor.region_code is not None and region_contains(actor.region_code, target.region_code)


def authorize(actor: Actor, action: str, target: Target, *, field: str | None = None) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may take ``action`` on ``target``.

    ``field`` names the request field that chose the target's region, when one did.
    """
    if not allows(actor, action, target):
        raise Forbidden(field=field, role=actor.role, action=action)

"""The authorisation matrix, role × action × region, written out by hand from the brief:
officers act inside their region only, auditors read, admins administer, workers see themselves,
platforms see their own platform.
"""

import itertools

import pytest

from flexcover.kit.audit import Actor
from flexcover.kit.problems import Forbidden
from flexcover.registry.authz import ACTIONS, Target, allows, authorize

OFFICER_ACTIONS = {
    "jurisdiction.read",
    "staff.home",
    "person.register",
    "person.read",
    "person.list",
    "employer.register",
    "employer.read",
    "platform.read",
    "enrolment.manage",
    "enrolment.read",
    "payment.make",
    "subsidy.apply",
    "coverage.read",
    "task.outcome",
    "injury.read",
    "injury.cover",
    "injury.bill",
    "injury.claim.read",
    "injury.claim.report",
    "injury.claim.handle",
    "injury.claim.investigate",
    "injury.claim.approve",
}
ALLOWED = {
    "district_officer": OFFICER_ACTIONS | {"subsidy.review"},
    "city_officer": OFFICER_ACTIONS,
    "province_officer": OFFICER_ACTIONS
    | {"platform.register", "coverage.compare", "injury.onboard"},
    "auditor": {
        "jurisdiction.read",
        "staff.home",
        "person.read",
        "person.list",
        "employer.read",
        "platform.read",
        "enrolment.read",
        "audit.read",
        "ledger.read",
        "coverage.read",
        "injury.read",
        "injury.claim.read",
    },
    # A commissioned insurer takes in, investigates and proposes; it never decides or approves.
    "insurer": {
        "jurisdiction.read",
        "staff.home",
        "injury.cover",
        "injury.claim.read",
        "injury.claim.investigate",
    },
    "admin": OFFICER_ACTIONS
    | {
        "platform.register",
        "user.create",
        "user.manage",
        "token.issue",
        "audit.read",
        "ledger.read",
        "platform.agreement",
        "platform.roster",
        "platform.tokens",
        "coverage.compare",
        "injury.onboard",
    },
}
HOME = {
    "district_officer": "500103",
    "city_officer": "500100",
    "province_officer": "500000",
    "auditor": "500000",
    "insurer": "500100",
    "admin": "000000",
}
# Which target regions lie inside each home region.
TARGETS = ("500103", "500106", "500243", "420106")
INSIDE = {
    "500103": {"500103"},
    "500100": {"500103", "500106"},
    "500000": {"500103", "500106", "500243"},
    "000000": set(TARGETS),
}
EVERY_ACTION = sorted(set(ACTIONS) | {"worker.home", "user.create", "user.manage", "audit.read"})


def staff(role: str) -> Actor:
    return Actor(user_id=1, username=role, role=role, region_code=HOME[role], source="test")


@pytest.mark.parametrize(
    ("role", "action", "target"), list(itertools.product(sorted(HOME), EVERY_ACTION, TARGETS))
)
def test_staff_matrix(role, action, target):
    expected = action in ALLOWED[role] and (
        action == "jurisdiction.read" or target in INSIDE[HOME[role]]
    )
    assert allows(staff(role), action, Target(region_code=target)) is expected


WORKER = Actor(
    user_id=2, username="w", role="worker", region_code="500103", source="t", person_id=7
)
PLATFORM = Actor(
    user_id=3, username="p", role="platform", region_code="500103", source="t", platform_id=4
)


@pytest.mark.parametrize("action", EVERY_ACTION)
def test_worker_reaches_only_their_own_record(action):
    own = Target(region_code="500103", person_id=7)
    other = Target(region_code="500103", person_id=8)
    mine = {
        "person.read",
        "worker.home",
        "jurisdiction.read",
        "enrolment.manage",
        "enrolment.read",
        "payment.make",
        "subsidy.apply",
        "injury.claim.report",
        "injury.claim.read",
        "injury.claim.appeal",
    }
    assert allows(WORKER, action, own) is (action in mine)
    assert allows(WORKER, action, other) is (action == "jurisdiction.read")


@pytest.mark.parametrize("action", EVERY_ACTION)
def test_platform_reaches_only_its_own_platform(action):
    own = Target(region_code="500103", platform_id=4)
    other = Target(region_code="500103", platform_id=5)
    assert allows(PLATFORM, action, own) is (
        action
        in {
            "platform.read",
            "jurisdiction.read",
            "platform.agreement",
            "platform.roster",
            "platform.pay",
            "platform.tokens",
            "injury.orders",
            "injury.read",
            "injury.claim.report",
            "injury.claim.read",
            "injury.claim.appeal",
        }
    )
    assert allows(PLATFORM, action, other) is (action == "jurisdiction.read")


def test_unknown_roles_may_do_nothing():
    stranger = Actor(user_id=9, username="x", role="visitor", region_code="000000", source="t")
    assert not any(
        allows(stranger, action, Target(region_code="500103")) for action in EVERY_ACTION
    )


def test_refusal_names_the_field_that_chose_the_region():
    with pytest.raises(Forbidden) as raised:
        authorize(
            staff("district_officer"),
            "person.register",
            Target(region_code="500106"),
            field="residence_code",
        )
    assert raised.value.field == "residence_code"
    assert raised.value.status == 403

"""The enrolment's one transition table: every action in every state is allowed or refused by
it alone, and the table, the model's CHECK and the API's schema name the same states."""

from __future__ import annotations

import pytest

from flexcover.contributions.lifecycle import TRANSITIONS, Action, EnrolmentStatus, allowed
from flexcover.contributions.models import Enrolment
from flexcover.contributions.problems import WrongEnrolmentState
from flexcover.contributions.schemas import EnrolmentOut


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(EnrolmentStatus), ids=str)
def test_each_action_in_each_state_is_the_tables_to_say(action, status):
    if (action, status) in TRANSITIONS:
        assert allowed(7, status, action) == TRANSITIONS[(action, status)]
    else:
        with pytest.raises(WrongEnrolmentState) as refused:
            allowed(7, status, action)
        assert refused.value.field == "enrolment_id"
        assert f"enrolment 7 is {status}" in refused.value.message("en")


def test_a_terminated_enrolment_allows_nothing():
    assert not [key for key in TRANSITIONS if key[1] == EnrolmentStatus.TERMINATED]


def test_the_check_the_schema_and_the_enum_name_the_same_states():
    (check,) = [c for c in Enrolment.__table__.constraints if str(c.name).endswith("status_known")]
    assert str(check.sqltext) == "status IN ('active', 'paused', 'terminated')"
    schema = EnrolmentOut.model_json_schema()
    named = schema["$defs"]["EnrolmentStatus"]["enum"]
    assert named == [status.value for status in EnrolmentStatus]


def test_every_status_check_names_its_enum():
    from flexcover.contributions.models import (
        BillStatus,
        ContributionBill,
        SettlementRun,
        SettlementStatus,
        SubsidyApplication,
        SubsidyStatus,
    )

    for model, enum in (
        (ContributionBill, BillStatus),
        (SettlementRun, SettlementStatus),
        (SubsidyApplication, SubsidyStatus),
    ):
        (check,) = [c for c in model.__table__.constraints if str(c.name).endswith("status_known")]
        listed = ", ".join(f"'{status.value}'" for status in enum)
        assert str(check.sqltext) == f"status IN ({listed})", model

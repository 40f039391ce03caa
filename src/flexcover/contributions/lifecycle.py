"""An enrolment's states and the one table of what may change them (参保状态).

Every change of state goes through :func:`allowed`: the services check other conditions (the
months, the bills) themselves, but whether an action is possible in a state is only said here.
"""

from __future__ import annotations

from enum import StrEnum

from flexcover.contributions.problems import WrongEnrolmentState


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    """Paying (正常缴费)."""
    PAUSED = "paused"
    """A pause has been asked for: in force, or from a month ahead (暂停缴费)."""
    TERMINATED = "terminated"
    """Ended after its last month (终止参保); a person may enrol again."""


class Action(StrEnum):
    CHANGE_BASE = "change_base"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW_PAUSE = "withdraw_pause"
    TERMINATE = "terminate"


TRANSITIONS: dict[tuple[Action, EnrolmentStatus], EnrolmentStatus] = {
    (Action.CHANGE_BASE, EnrolmentStatus.ACTIVE): EnrolmentStatus.ACTIVE,
    (Action.CHANGE_BASE, EnrolmentStatus.PAUSED): EnrolmentStatus.PAUSED,
    (Action.PAUSE, EnrolmentStatus.ACTIVE): EnrolmentStatus.PAUSED,
    (Action.RESUME, EnrolmentStatus.PAUSED): EnrolmentStatus.ACTIVE,
    (Action.WITHDRAW_PAUSE, EnrolmentStatus.PAUSED): EnrolmentStatus.ACTIVE,
    (Action.TERMINATE, EnrolmentStatus.ACTIVE): EnrolmentStatus.TERMINATED,
    (Action.TERMINATE, EnrolmentStatus.PAUSED): EnrolmentStatus.TERMINATED,
}
"""(action, state it is taken in) → the state it leaves the enrolment in; what is not here is
refused."""

WORDS = {
    Action.CHANGE_BASE: ("调整基数", "given a new base"),
    Action.PAUSE: ("暂停", "paused"),
    Action.RESUME: ("恢复", "resumed"),
    Action.WITHDRAW_PAUSE: ("撤销暂停", "have a pause withdrawn"),
    Action.TERMINATE: ("终止", "terminated"),
}


def allowed(enrolment_id: int, status: str, action: Action) -> EnrolmentStatus:
    """The state ``action`` leaves an enrolment in ``status`` in, or the refusal."""
    target = TRANSITIONS.get((action, EnrolmentStatus(status)))
    if target is None:
        raise refusal(enrolment_id, status, action)
    return target


def refusal(enrolment_id: int, status: str, action: Action) -> WrongEnrolmentState:
    """The refusal of ``action`` for an enrolment in ``status``."""
    zh, en = WORDS[action]
    return WrongEnrolmentState(
        field="enrolment_id",
        enrolment_id=enrolment_id,
        status=status,
        action_zh=zh,
        action_en=en,
    )

"""A claim's states and the one table of what may change them (职业伤害确认到待遇支付).

Every step goes through :func:`allowed`: the table says in which states an action may be taken,
which state it leaves, and which authorisation action it needs (``registry.authz`` says who holds
that one, and where). The services check the rest (the preconditions of a payment, the
maker–checker rule and the amount limits of an approval).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flexcover.injury.models import ClaimStatus
from flexcover.injury.problems import WrongClaimState


class ClaimAction(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"
    RESUBMIT = "resubmit"
    ASSIGN = "assign"
    """Name the responsible platform against the order rule, with a reason."""
    INVESTIGATE = "investigate"
    PROPOSE = "propose"
    CONFIRM = "confirm"
    REJECT = "reject"
    ASSESS = "assess"
    COMPUTE = "compute"
    APPROVE = "approve"
    PAY = "pay"
    CLOSE = "close"
    APPEAL = "appeal"
    RE_REVIEW = "re_review"
    REOPEN = "reopen"


S = ClaimStatus
A = ClaimAction


@dataclass(frozen=True)
class Rule:
    needs: str
    """The authorisation action (``registry.authz``)."""
    reason_required: bool = False


RULES: dict[ClaimAction, Rule] = {
    A.ACCEPT: Rule("injury.claim.handle"),
    A.RETURN: Rule("injury.claim.handle", reason_required=True),
    A.RESUBMIT: Rule("injury.claim.report"),
    A.ASSIGN: Rule("injury.claim.handle", reason_required=True),
    A.INVESTIGATE: Rule("injury.claim.investigate"),
    A.PROPOSE: Rule("injury.claim.investigate", reason_required=True),
    A.CONFIRM: Rule("injury.claim.handle"),
    A.REJECT: Rule("injury.claim.handle", reason_required=True),
    A.ASSESS: Rule("injury.claim.handle"),
    A.COMPUTE: Rule("injury.claim.handle"),
    A.APPROVE: Rule("injury.claim.approve"),
    A.PAY: Rule("injury.claim.handle"),
    A.CLOSE: Rule("injury.claim.handle"),
    A.APPEAL: Rule("injury.claim.appeal", reason_required=True),
    A.RE_REVIEW: Rule("injury.claim.handle"),
    A.REOPEN: Rule("injury.claim.handle", reason_required=True),
}

TRANSITIONS: dict[tuple[ClaimAction, ClaimStatus], ClaimStatus] = {
    (A.ACCEPT, S.REPORTED): S.ACCEPTED,
    (A.RETURN, S.REPORTED): S.RETURNED,
    (A.RESUBMIT, S.RETURNED): S.REPORTED,
    (A.ASSIGN, S.REPORTED): S.REPORTED,
    (A.ASSIGN, S.ACCEPTED): S.ACCEPTED,
    (A.ASSIGN, S.INVESTIGATING): S.INVESTIGATING,
    (A.INVESTIGATE, S.ACCEPTED): S.INVESTIGATING,
    (A.PROPOSE, S.INVESTIGATING): S.INVESTIGATING,
    (A.CONFIRM, S.INVESTIGATING): S.CONFIRMED,
    (A.REJECT, S.INVESTIGATING): S.NOT_CONFIRMED,
    (A.ASSESS, S.CONFIRMED): S.ASSESSED,
    (A.COMPUTE, S.ASSESSED): S.COMPUTED,
    (A.COMPUTE, S.COMPUTED): S.COMPUTED,
    (A.APPROVE, S.COMPUTED): S.APPROVED,
    (A.PAY, S.APPROVED): S.PAID,
    (A.CLOSE, S.PAID): S.CLOSED,
    (A.CLOSE, S.NOT_CONFIRMED): S.CLOSED,
    (A.APPEAL, S.NOT_CONFIRMED): S.APPEALED,
    (A.APPEAL, S.CLOSED): S.APPEALED,
    (A.RE_REVIEW, S.APPEALED): S.INVESTIGATING,
    (A.REOPEN, S.CLOSED): S.INVESTIGATING,
}
"""(action, state it is taken in) → the state it leaves the claim in; what is not here is
refused."""

STATUS_WORDS: dict[ClaimStatus, tuple[str, str]] = {
    S.REPORTED: ("已申报", "reported"),
    S.RETURNED: ("退回补正", "returned for information"),
    S.ACCEPTED: ("已受理", "accepted"),
    S.INVESTIGATING: ("调查核实中", "under investigation"),
    S.CONFIRMED: ("已确认为职业伤害", "confirmed"),
    S.NOT_CONFIRMED: ("不予确认", "not confirmed"),
    S.ASSESSED: ("已完成劳动能力鉴定", "assessed"),
    S.COMPUTED: ("已核定待遇", "benefits computed"),
    S.APPROVED: ("已审批", "approved"),
    S.PAID: ("已支付", "paid"),
    S.CLOSED: ("已结案", "closed"),
    S.APPEALED: ("申请复核中", "under appeal"),
}

ACTION_WORDS: dict[ClaimAction, tuple[str, str]] = {
    A.ACCEPT: ("受理", "accepted"),
    A.RETURN: ("退回补正", "returned"),
    A.RESUBMIT: ("重新提交", "resubmitted"),
    A.ASSIGN: ("指定责任平台", "assigned a platform"),
    A.INVESTIGATE: ("调查", "investigated"),
    A.PROPOSE: ("提出调查意见", "given a proposal"),
    A.CONFIRM: ("确认", "confirmed"),
    A.REJECT: ("不予确认", "rejected"),
    A.ASSESS: ("鉴定", "assessed"),
    A.COMPUTE: ("核定待遇", "computed"),
    A.APPROVE: ("审批", "approved"),
    A.PAY: ("支付", "paid"),
    A.CLOSE: ("结案", "closed"),
    A.APPEAL: ("申请复核", "appealed"),
    A.RE_REVIEW: ("复核", "re-reviewed"),
    A.REOPEN: ("重新办理", "reopened"),
}


def allowed(claim_id: int, status: str, action: ClaimAction) -> ClaimStatus:
    """The state ``action`` leaves a claim in ``status`` in, or the refusal."""
    target = TRANSITIONS.get((action, ClaimStatus(status)))
    if target is None:
        zh, en = STATUS_WORDS[ClaimStatus(status)]
        action_zh, action_en = ACTION_WORDS[action]
        raise WrongClaimState(
            field="action",
            claim_id=claim_id,
            status_zh=zh,
            status_en=en,
            action_zh=action_zh,
            action_en=action_en,
        )
    return target

"""What contributions refuse, and the rule that refuses it."""

from __future__ import annotations

from flexcover.kit.problems import Problem, Refusal


class AlreadyEnrolled(Problem):
    code = "already_enrolled"
    status = 409
    title = {"zh-CN": "已参保", "en": "Already enrolled"}
    detail = {
        "zh-CN": "{field}：该人员已在 {jurisdiction} 参加{scheme}（参保编号 {enrolment_id}），"
        "同一险种全国只能有一处有效参保。",
        "en": "{field}: this person is already enrolled in {scheme} in {jurisdiction} "
        "(enrolment {enrolment_id}); one open enrolment per scheme is allowed nationwide.",
    }


class FrequencyNotAllowed(Problem):
    code = "payment_frequency_not_allowed"
    title = {"zh-CN": "缴费方式不可用", "en": "Payment frequency not allowed"}
    detail = {
        "zh-CN": "{field}：{jurisdiction} 允许的缴费方式为 {allowed}。",
        "en": "{field}: {jurisdiction} allows paying {allowed}.",
    }


class MonthNotAllowed(Refusal):
    code = "month_not_allowed"
    title = {"zh-CN": "月份不可用", "en": "Month not allowed"}


class BaseChangeNotAllowed(Refusal):
    code = "base_change_not_allowed"
    status = 409
    title = {"zh-CN": "暂不能调整缴费基数", "en": "Base change not allowed now"}


class WrongEnrolmentState(Problem):
    code = "wrong_enrolment_state"
    status = 409
    title = {"zh-CN": "参保状态不允许此操作", "en": "Not possible in this enrolment state"}
    detail = {
        "zh-CN": "{field}：参保编号 {enrolment_id} 当前为“{status}”，不能{action_zh}。",
        "en": "{field}: enrolment {enrolment_id} is {status}; it cannot be {action_en}.",
    }


class NothingToPay(Problem):
    code = "nothing_to_pay"
    status = 409
    title = {"zh-CN": "没有待缴费用", "en": "Nothing to pay"}
    detail = {
        "zh-CN": "{field}：当前没有待缴费用。",
        "en": "{field}: there is no open bill to pay.",
    }


class Overpayment(Problem):
    code = "overpayment"
    title = {"zh-CN": "缴费金额超过应缴", "en": "More than is owed"}
    detail = {
        "zh-CN": "{field}：{amount} 元超过待缴合计 {outstanding} 元。",
        "en": "{field}: {amount} yuan is more than the {outstanding} yuan owed.",
    }


class IdempotencyKeyReused(Problem):
    code = "idempotency_key_reused"
    status = 409
    title = {"zh-CN": "幂等键已用于另一笔缴费", "en": "Idempotency key used for another payment"}
    detail = {
        "zh-CN": "{field}：该键已用于一笔 {amount} 元的缴费（渠道 {channel}）；"
        "新的缴费请使用新的键。",
        "en": "{field}: this key was used for a payment of {amount} yuan via {channel}; use a new "
        "key for a new payment.",
    }


class MakeupNotAllowed(Refusal):
    code = "makeup_not_allowed"
    status = 409
    title = {"zh-CN": "不符合补缴政策", "en": "No make-up allowed"}


class SubsidyNotAllowed(Refusal):
    code = "subsidy_not_allowed"
    status = 409
    title = {"zh-CN": "补贴申请不可办理", "en": "Subsidy not possible"}


class MonthNotEnded(Problem):
    code = "month_not_ended"
    status = 409
    title = {"zh-CN": "该月尚未结束", "en": "The month has not ended"}
    detail = {
        "zh-CN": "{field}：{month} 到 {last_day} 才结束，月结应在 {first_after} 及以后进行"
        "（结算未结束的月份会把仍可缴费的账单记为欠费）；确需提前结算请使用 --force 并写明原因。",
        "en": "{field}: {month} ends on {last_day}; settle it from {first_after} on (settling a "
        "month not yet over turns bills that can still be paid into arrears). To settle it "
        "anyway, pass --force with a --reason.",
    }


class NothingToSettle(Problem):
    code = "nothing_to_settle"
    status = 409
    title = {"zh-CN": "该月没有可结算的参保", "en": "No enrolment for that month"}
    detail = {
        "zh-CN": "{field}：{month} 以前没有任何参保登记{first_zh}，没有可结算的账单。",
        "en": "{field}: no enrolment began by {month}{first_en}, so there is nothing to settle.",
    }


class AgreementConflict(Refusal):
    code = "agreement_conflict"
    status = 409
    title = {"zh-CN": "协议冲突", "en": "Agreement conflict"}

"""The refusals of occupational-injury protection, each with a stable code."""

from __future__ import annotations

from flexcover.kit.problems import Problem, Refusal


class NotOnboarded(Problem):
    code = "injury_not_onboarded"
    status = 409
    title = {"zh-CN": "平台未参加职业伤害保障", "en": "Platform not onboarded"}
    detail = {
        "zh-CN": "{field}：平台 {platform_id} 尚未由省级经办机构登记参加职业伤害保障。",
        "en": "{field}: platform {platform_id} has not been onboarded for occupational-injury "
        "protection by a province.",
    }


class OnboardingRefused(Refusal):
    code = "injury_onboarding_refused"
    status = 422
    title = {"zh-CN": "参保登记有误", "en": "Onboarding refused"}


class MonthNotOver(Problem):
    code = "month_not_ended"
    status = 409
    title = {"zh-CN": "该月尚未结束", "en": "The month has not ended"}
    detail = {
        "zh-CN": "{field}：{month} 尚未结束，平台账单在月末之后开具。",
        "en": "{field}: {month} has not ended; a platform's bill is issued after the month.",
    }


class PaymentRefused(Refusal):
    code = "injury_payment_refused"
    status = 422
    title = {"zh-CN": "缴费不能受理", "en": "Payment refused"}


class ClaimRefused(Refusal):
    """A claim's report or step that the rules refuse; the reason says which rule."""

    code = "claim_refused"
    status = 422
    title = {"zh-CN": "申报不能受理", "en": "Claim refused"}


class WrongClaimState(Problem):
    code = "wrong_claim_state"
    status = 409
    title = {"zh-CN": "申报状态不允许该操作", "en": "Not allowed in the claim's state"}
    detail = {
        "zh-CN": "{field}：申报 {claim_id} 处于“{status_zh}”，不能{action_zh}。",
        "en": "{field}: claim {claim_id} is {status_en}; it cannot be {action_en}.",
    }


class PaymentPreconditions(Problem):
    code = "claim_not_payable"
    status = 409
    title = {"zh-CN": "尚不能支付", "en": "Not payable yet"}
    detail = {
        "zh-CN": "{field}：申报 {claim_id} 尚不能支付：{missing_zh}。",
        "en": "{field}: claim {claim_id} cannot be paid yet: {missing_en}.",
    }


class SameOfficer(Problem):
    code = "maker_checker"
    status = 409
    title = {"zh-CN": "需由另一经办人审批", "en": "Another officer must approve"}
    detail = {
        "zh-CN": "{field}：核定待遇的经办人不能审批同一申报（双人复核）。",
        "en": "{field}: the officer who computed the benefits cannot approve them (maker–checker).",
    }


class OverApprovalLimit(Problem):
    code = "over_approval_limit"
    status = 403
    title = {"zh-CN": "超出审批权限", "en": "Over the approval limit"}
    detail = {
        "zh-CN": "{field}：待遇合计 {amount} 元，超出您的审批权限 {limit} 元，请报上级审批。",
        "en": "{field}: the benefits total {amount} yuan, over your approval limit of {limit} "
        "yuan; a higher level must approve.",
    }


class AttachmentRefused(Refusal):
    code = "attachment_refused"
    status = 422
    title = {"zh-CN": "附件不能接收", "en": "Attachment refused"}

"""What the ledger refuses, and why: each a problem with a stable code and both languages."""

from __future__ import annotations

from flexcover.kit.problems import Problem


class InvalidEntry(Problem):
    code = "invalid_entry"
    title = {"zh-CN": "记账凭证有误", "en": "Invalid ledger entry"}
    detail = {"zh-CN": "{field}：{reason_zh}。", "en": "{field}: {reason_en}."}


class UnbalancedEntry(Problem):
    code = "unbalanced_entry"
    title = {"zh-CN": "借贷不平衡", "en": "Unbalanced entry"}
    detail = {
        "zh-CN": "{field}：凭证“{key}”{reason_zh}；每笔凭证至少两条分录，金额非零，借贷合计为零。",
        "en": "{field}: entry '{key}' {reason_en}; an entry needs two or more non-zero postings "
        "that sum to zero.",
    }


class KeyReused(Problem):
    code = "key_reused"
    status = 409
    title = {"zh-CN": "业务键已用于其他凭证", "en": "Key already used"}
    detail = {
        "zh-CN": "{field}：业务键“{key}”已记入凭证 {entry_id}，但分录不同；更正请冲销原凭证。",
        "en": "{field}: key '{key}' is already entry {entry_id} with different postings; "
        "reverse that entry to correct it.",
    }


class KeyRepeatedInBatch(Problem):
    code = "key_repeated_in_batch"
    title = {"zh-CN": "同一批次中业务键重复", "en": "Key repeated in the batch"}
    detail = {
        "zh-CN": "{field}：业务键“{key}”在本批次中已出现（{first}），但分录不同。",
        "en": "{field}: key '{key}' already appears in this batch ({first}) with different "
        "postings.",
    }


class AccountWouldGoNegative(Problem):
    code = "account_would_go_negative"
    status = 409
    title = {"zh-CN": "账户余额不足", "en": "Account would go negative"}
    detail = {
        "zh-CN": "{field}：账户 {account} 余额 {balance} 元，变动 {change} 元后为 {result} 元；"
        "该科目余额不能为负。",
        "en": "{field}: account {account} holds {balance} yuan; a change of {change} would leave "
        "{result}, and this kind of account cannot go negative.",
    }


class AlreadyReversed(Problem):
    code = "already_reversed"
    status = 409
    title = {"zh-CN": "凭证已冲销", "en": "Entry already reversed"}
    detail = {
        "zh-CN": "{field}：凭证 {entry_id} 已由凭证 {reversal_id}（“{reversal_key}”）冲销。",
        "en": "{field}: entry {entry_id} was already reversed by entry {reversal_id} "
        "('{reversal_key}').",
    }


class NotReversible(Problem):
    code = "not_reversible"
    status = 409
    title = {"zh-CN": "冲销凭证不能再冲销", "en": "A reversal cannot be reversed"}
    detail = {
        "zh-CN": "{field}：凭证 {entry_id} 本身是冲销凭证；如需恢复，请以新的业务键重新记账。",
        "en": "{field}: entry {entry_id} is itself a reversal; post the original movement again "
        "under a new key instead.",
    }

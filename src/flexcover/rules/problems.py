"""What the calculators refuse, each saying what would be allowed."""

from __future__ import annotations

from flexcover.kit.problems import Problem, Refusal


class BaseOutOfRange(Problem):
    code = "base_out_of_range"
    title = {"zh-CN": "缴费基数超出范围", "en": "Contribution base out of range"}
    detail = {
        "zh-CN": "{field}：{base} 元不在 {jurisdiction} {month} 的缴费基数范围 "
        "{floor}–{ceiling} 元内。",
        "en": "{field}: {base} yuan is outside the allowed base range of {floor}–{ceiling} yuan "
        "for {jurisdiction} in {month}.",
    }


class OutOfRange(Refusal):
    code = "out_of_range"
    title = {"zh-CN": "输入超出范围", "en": "Input out of range"}


class UnknownJurisdictionCode(Problem):
    code = "unknown_jurisdiction"
    title = {"zh-CN": "行政区划不存在", "en": "Unknown jurisdiction"}
    detail = {
        "zh-CN": "{field}：{value} 不是现行的 GB/T 2260 行政区划代码。",
        "en": "{field}: {value} is not a current GB/T 2260 jurisdiction code.",
    }


class UnknownCalculator(Problem):
    code = "unknown_calculator"
    status = 404
    title = {"zh-CN": "没有这个计算器", "en": "No such calculator"}
    detail = {
        "zh-CN": "{field}：没有计算器“{value}”；可用的有 {known}。",
        "en": "{field}: there is no calculator '{value}'; the calculators are {known}.",
    }

"""Unified social credit codes (统一社会信用代码, GB 32100-2015) of employers and platforms.

18 characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V): the
registration authority, the organisation type, a GB/T 2260 region code, a 9-character organisation
code, and a check character (weights 3^(i) mod 31; check = 31 − Σ mod 31).
"""

from __future__ import annotations

import re

from flexcover.kit.divisions import known_codes
from flexcover.kit.problems import Problem

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class InvalidCreditCode(Problem):
    code = "invalid_credit_code"
    title = {"zh-CN": "统一社会信用代码有误", "en": "Invalid unified social credit code"}
    detail = {
        "zh-CN": "{field} 不是有效的统一社会信用代码：{reason_zh}",
        "en": "{field} is not a valid unified social credit code: {reason_en}",
    }


def credit_check_character(first17: str) -> str:
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(text: str, *, field: str = "credit_code") -> str:
    """Validate and normalise a unified social credit code, or raise naming ``field``."""
    code = text.strip().upper() if isinstance(text, str) else ""
    if not _SHAPE.match(code):
        raise InvalidCreditCode(
            field=field,
            reason_zh="应为 18 位，由数字和除 I、O、Z、S、V 外的大写字母组成",
            reason_en="it must be 18 digits or capitals other than I, O, Z, S, V",
        )
    expected = credit_check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode(
            field=field,
            reason_zh=f"校验码应为 {expected}",
            reason_en=f"the check character should be {expected}",
        )
    if code[2:8] not in known_codes():
        raise InvalidCreditCode(
            field=field,
            reason_zh=f"登记管理机关行政区划码 {code[2:8]} 未知",
            reason_en=f"the region code {code[2:8]} is not a GB/T 2260 code",
        )
    return code

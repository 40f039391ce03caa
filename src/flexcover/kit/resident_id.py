"""Resident identity numbers (公民身份号码, GB 11643-1999).

18 characters: a 6-digit GB/T 2260 address code, an 8-digit birth date, a 3-digit sequence whose
last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character. The
15-digit form issued before 1999 has a 2-digit year and no check character; it is upgraded by
inserting "19" and computing the check character.

Numbers are never logged. They are shown masked (``110101********1234``) and joined across
datasets through a keyed HMAC hash, never the plain number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from flexcover.kit.divisions import known_codes
from flexcover.kit.problems import Problem

# ISO 7064 MOD 11-2: weight of position i (1-based from the left of 18) is 2^(18-i) mod 11.
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARACTERS = "10X98765432"
_SHAPE_18 = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d would take full-width digits
_SHAPE_15 = re.compile(r"^[0-9]{15}$")


class InvalidIdFormat(Problem):
    code = "invalid_id_format"
    title = {"zh-CN": "身份证号码格式有误", "en": "Malformed resident ID number"}
    detail = {
        "zh-CN": "{field} 应为 18 位（最后一位可为 X）或 15 位的公民身份号码。",
        "en": "{field} must be an 18-character (last may be X) or 15-digit resident ID number.",
    }


class InvalidIdChecksum(Problem):
    code = "invalid_id_checksum"
    title = {"zh-CN": "身份证号码校验码错误", "en": "Resident ID check character is wrong"}
    detail = {
        "zh-CN": "{field} 的校验码应为 {expected}，号码可能输错了。",
        "en": "{field}: the check character should be {expected}; "
        "the number was probably mistyped.",
    }


class InvalidIdBirthDate(Problem):
    code = "invalid_id_birth_date"
    title = {
        "zh-CN": "身份证号码中的出生日期无效",
        "en": "Birth date in the resident ID is invalid",
    }
    detail = {
        "zh-CN": "{field} 中的出生日期“{value}”不是有效日期。",
        "en": "{field}: the birth date '{value}' in the number is not a valid date.",
    }


class UnknownIdRegion(Problem):
    code = "unknown_id_region"
    title = {"zh-CN": "身份证号码地址码未知", "en": "Unknown region code in the resident ID"}
    detail = {
        "zh-CN": "{field} 的地址码 {region} 不是任何版本 GB/T 2260 中的行政区划代码。",
        "en": "{field}: the address code {region} is not in any edition of GB/T 2260.",
    }


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def check_characters(digits: npt.NDArray[np.integer]) -> npt.NDArray[np.str_]:
    """Vectorised :func:`check_character` over an ``(n, 17)`` array of digits."""
    weights = np.asarray(WEIGHTS, dtype=np.int64)
    totals = digits.astype(np.int64) @ weights
    table: npt.NDArray[np.str_] = np.array(list(CHECK_CHARACTERS))
    characters: npt.NDArray[np.str_] = table[totals % 11]
    return characters


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A validated 18-character resident ID number and what it says about its holder."""

    number: str
    region_code: str
    birth_date: date
    gender: str  # "male" or "female"

    @property
    def masked(self) -> str:
        return mask(self.number)

    def __repr__(self) -> str:  # never print the number itself
        return f"ResidentId({self.masked})"

    __str__ = __repr__


def mask(number: str) -> str:
    """``110101199003071234`` → ``110101********1234``: region and last four only."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def upgrade_15(number: str) -> str:
    """Turn a 15-digit legacy number into its 18-character form (born 1900-1999)."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


def parse_resident_id(
    text: str, *, field: str = "id_number", today: date | None = None
) -> ResidentId:
    """Validate ``text`` and return the parsed number, or raise a problem naming ``field``.

    Checks, in order: shape, check character, a real birth date not in the future and not before
    1800, and an address code known to GB/T 2260.
    """
    number = text.strip().upper() if isinstance(text, str) else ""
    if _SHAPE_15.match(number):
        number = upgrade_15(number)
    elif not _SHAPE_18.match(number):
        raise InvalidIdFormat(field=field)
    expected = check_character(number[:17])
    if number[17] != expected:
        raise InvalidIdChecksum(field=field, expected=expected)
    birth_text = number[6:14]
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:8]))
    except ValueError:
        raise InvalidIdBirthDate(field=field, value=birth_text) from None
    if birth.year < 1800 or birth > (today or date.today()):  # noqa: DTZ011 - civil dates
        raise InvalidIdBirthDate(field=field, value=birth_text)
    region = number[:6]
    if region not in known_codes():
        raise UnknownIdRegion(field=field, region=region)
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, region_code=region, birth_date=birth, gender=gender)


def hash_id(number: str, key: bytes) -> str:
    """The keyed hash used to join people across datasets: HMAC-SHA256, hex.

    Only the normalised 18-character form is hashed, so the same person always hashes the same.
    """
    return hmac.new(key, number.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()

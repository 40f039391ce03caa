"""The resident ID validator against GB 11643-1999 and its ISO 7064 MOD 11-2 check character."""

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexcover.kit.resident_id import (
    InvalidIdBirthDate,
    InvalidIdChecksum,
    InvalidIdFormat,
    UnknownIdRegion,
    check_character,
    check_characters,
    hash_id,
    mask,
    parse_resident_id,
    upgrade_15,
)

# The two worked examples printed in GB 11643-1999.
STANDARD_EXAMPLES = {
    "11010519491231002X": ("110105", date(1949, 12, 31), "female"),
    "440524188001010014": ("440524", date(1880, 1, 1), "male"),
}


@pytest.mark.parametrize(("number", "expected"), STANDARD_EXAMPLES.items())
def test_accepts_the_standards_own_examples(number, expected):
    parsed = parse_resident_id(number)
    assert (parsed.region_code, parsed.birth_date, parsed.gender) == expected


def test_lowercase_x_is_the_same_number():
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"


def test_weights_are_powers_of_two_mod_11():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_wrong_check_character_is_refused_with_the_expected_one():
    with pytest.raises(InvalidIdChecksum) as raised:
        parse_resident_id("110105194912310021", field="id_number")
    assert raised.value.params["expected"] == "X"
    assert raised.value.field == "id_number"


@pytest.mark.parametrize(
    "number",
    ["", "1101051949123100", "11010519491231002Y", "A1010519491231002X", "1101051949123100211"],
)
def test_malformed_numbers_are_refused(number):
    with pytest.raises(InvalidIdFormat):
        parse_resident_id(number)


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def test_impossible_birth_dates_are_refused():
    with pytest.raises(InvalidIdBirthDate):
        parse_resident_id(_with_check("11010519490230002"))  # 30 February
    with pytest.raises(InvalidIdBirthDate):
        parse_resident_id(_with_check("11010520990101002"), today=date(2025, 8, 1))  # future


def test_unknown_region_codes_are_refused():
    with pytest.raises(UnknownIdRegion) as raised:
        parse_resident_id(_with_check("99999919900101002"))
    assert raised.value.params["region"] == "999999"


def test_abolished_county_codes_still_count():
    """崇文区 (110103) merged into 东城区 in 2010; IDs issued there stay valid."""
    assert parse_resident_id(_with_check("11010319800101001")).region_code == "110103"


def test_fifteen_digit_numbers_are_upgraded():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    parsed = parse_resident_id("110105491231002")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)


def test_masking_keeps_region_and_last_four():
    assert mask("110101199003071234") == "110101********1234"
    parsed = parse_resident_id("11010519491231002X")
    assert parsed.masked == "110105********002X"
    assert "19491231" not in repr(parsed)
    assert "19491231" not in str(parsed)


def test_keyed_hash_is_stable_per_key_and_differs_across_keys():
    number = "11010519491231002X"
    assert hash_id(number, b"k1") == hash_id(number.lower(), b"k1")
    assert hash_id(number, b"k1") != hash_id(number, b"k2")
    assert len(hash_id(number, b"k1")) == 64
    assert number not in hash_id(number, b"k1")


def test_vectorised_check_characters_agree_with_the_scalar_rule():
    rng = np.random.default_rng(7)
    digits = rng.integers(0, 10, size=(2000, 17))
    vectorised = check_characters(digits)
    scalar = [check_character("".join(map(str, row))) for row in digits]
    assert list(vectorised) == scalar


valid_first17 = st.builds(
    lambda region, day, seq: f"{region}{day:%Y%m%d}{seq:03d}",
    st.sampled_from(["110105", "500103", "420106", "440305", "320102"]),
    st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)),
    st.integers(0, 999),
)


@given(valid_first17, st.integers(0, 17), st.integers(1, 9))
def test_every_single_character_substitution_is_detected(first17, position, shift):
    number = _with_check(first17)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    original = alphabet.index(number[position])
    replacement = alphabet[(original + shift) % len(alphabet)]
    corrupted = number[:position] + replacement + number[position + 1 :]
    with pytest.raises((InvalidIdChecksum, InvalidIdFormat)):
        parse_resident_id(corrupted)


@given(valid_first17, st.integers(0, 15))
def test_every_adjacent_transposition_is_detected(first17, position):
    number = _with_check(first17)
    if number[position] == number[position + 1]:
        return
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    with pytest.raises(InvalidIdChecksum):
        parse_resident_id(swapped)

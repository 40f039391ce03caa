import pytest

from flexcover.kit.credit_code import InvalidCreditCode, credit_check_character, parse_credit_code

# A published code of a central state organ (GB 32100-2015 examples follow this layout).
VALID = "91350100M000100Y43"


def test_accepts_a_valid_code_and_normalises_case():
    assert parse_credit_code(VALID) == VALID
    assert parse_credit_code(VALID.lower()) == VALID


def test_check_character_uses_weights_3_pow_i_mod_31():
    assert credit_check_character(VALID[:17]) == VALID[17]


def test_wrong_check_character_is_refused_naming_the_field():
    wrong = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    with pytest.raises(InvalidCreditCode) as raised:
        parse_credit_code(wrong, field="credit_code")
    assert raised.value.field == "credit_code"
    assert VALID[17] in raised.value.message("en")


@pytest.mark.parametrize(
    "code", ["", "91350100M000100Y4", "91350100M000100I43", "9135010OM000100Y43"]
)
def test_malformed_codes_are_refused(code):
    with pytest.raises(InvalidCreditCode):
        parse_credit_code(code)


def test_unknown_region_is_refused():
    first17 = "91999999M000100Y4"
    with pytest.raises(InvalidCreditCode) as raised:
        parse_credit_code(first17 + credit_check_character(first17))
    assert "999999" in raised.value.message("en")

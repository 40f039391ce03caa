"""Parameter files: inheritance, provisional values, overrides, bad files refused at start-up."""

from datetime import date
from pathlib import Path

import pytest

from flexcover.rules.catalogue import PARAMETERS
from flexcover.rules.parameters import PARAMS_DIR, MissingParameter, ParameterFileError, Rulebook

GOOD_NATION = """\
jurisdiction: "000000"
name: 中华人民共和国
parameters:
  pension.rate:
    - value: "0.20"
      effective_from: 2006-01-01
      source: 国发〔2005〕38号
      confidence: O
"""


def test_every_shipped_file_loads_and_uses_only_catalogued_names(rulebook):
    for keys in rulebook.values.values():
        assert set(keys) <= set(PARAMETERS)
    assert {
        "000000",
        "110000",
        "310000",
        "440000",
        "440100",
        "440300",
        "320000",
        "500000",
        "420100",
        "420300",
        "421000",
        "510000",
        "330000",
        "120000",
    } <= set(rulebook.values)


def test_every_value_names_its_source_and_confidence(rulebook):
    for keys in rulebook.values.values():
        for periods in keys.values():
            for value in periods:
                assert value.source
                assert value.confidence in {"P", "O", "S", "U"}


def test_a_city_inherits_what_it_does_not_set(rulebook):
    on = date(2025, 8, 1)
    guangzhou_floor = rulebook.get("440100", "contribution_base.floor_yuan", on)
    assert (guangzhou_floor.value, guangzhou_floor.jurisdiction) == (551000, "440100")
    ceiling = rulebook.get("440100", "contribution_base.ceiling_yuan", on)
    assert (ceiling.value, ceiling.jurisdiction) == (2754900, "440000")
    assert rulebook.get("440600", "contribution_base.floor_yuan", on).value == 477500  # Foshan
    rate = rulebook.get("440106", "pension.rate", on)  # a Guangzhou district, from the nation
    assert rate.jurisdiction == "000000"


def test_shenzhen_has_its_own_calculation_base(rulebook):
    on = date(2025, 8, 1)
    assert rulebook.get("440300", "pension.calculation_base_yuan", on).value == 1129300
    assert rulebook.get("440100", "pension.calculation_base_yuan", on).value == 949300


def test_hubei_tiers(rulebook):
    on = date(2025, 8, 1)
    floors = {
        code: rulebook.get(code, "contribution_base.floor_yuan", on).value
        for code in ("420100", "420300", "421000")
    }
    assert floors == {"420100": 449800, "420300": 429900, "421000": 425400}


def test_uncertain_values_are_loaded_and_flagged(rulebook):
    rate = rulebook.get("000000", "account.interest_rate", date(2025, 6, 1))
    assert str(rate.value) == "0.0150"
    assert rate.uncertain
    assert not rulebook.get("000000", "account.interest_rate", date(2024, 6, 1)).uncertain


def test_a_missing_period_names_the_known_ones(rulebook):
    with pytest.raises(MissingParameter) as raised:
        rulebook.get("310000", "contribution_base.floor_yuan", date(2020, 1, 1), field="month")
    assert "2024-07-01" in raised.value.message("en")


def test_last_years_limits_carry_forward_until_the_new_ones_are_published(rulebook):
    # 新基数公布前暂按上年度标准执行: Chongqing's 2026 floor applies in 2027, provisionally.
    floor = rulebook.get("500103", "contribution_base.floor_yuan", date(2027, 1, 1))
    assert (floor.value, floor.effective_to, floor.carried) == (455300, date(2026, 12, 31), True)
    assert floor.uncertain
    assert floor.describe()["carried_forward"] is True
    assert floor.label.endswith("+carried")
    in_force = rulebook.get("500103", "contribution_base.floor_yuan", date(2026, 12, 1))
    assert not in_force.carried
    # Wuhan publishes calendar 2025 limits only: 2026 runs on them.
    wuhan = rulebook.get("420113", "contribution_base.ceiling_yuan", date(2026, 6, 1))
    assert (wuhan.value, wuhan.carried) == (2248800, True)


def test_a_carried_value_lapses_after_a_year(rulebook):
    assert rulebook.find("500103", "contribution_base.floor_yuan", date(2027, 12, 31)) is not None
    with pytest.raises(MissingParameter) as raised:
        rulebook.get("500103", "contribution_base.floor_yuan", date(2028, 1, 1), field="month")
    assert "at most 12 months" in raised.value.message("en")


def test_a_parameter_that_is_not_yearly_never_carries(rulebook):
    # The account rate is credited once it is published; it is not applied ahead.
    assert rulebook.find("000000", "account.interest_rate", date(2026, 6, 1)) is None


def test_a_later_published_figure_replaces_the_carried_one(rulebook, tmp_path):
    published = tmp_path / "500000.yaml"
    published.write_text(
        """\
jurisdiction: "500000"
name: 重庆市
parameters:
  contribution_base.floor_yuan:
    - value: "4700"
      effective_from: 2027-01-01
      effective_to: 2027-12-31
      source: a 2027 notice
      confidence: S
""",
        "utf-8",
    )
    loaded = rulebook.with_override(published)
    floor = loaded.get("500103", "contribution_base.floor_yuan", date(2027, 3, 1))
    assert (floor.value, floor.carried) == (470000, False)


def test_an_override_replaces_a_parameter_for_a_reform(rulebook, tmp_path):
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        'jurisdiction: "500000"\nname: 重庆市\nparameters:\n  pension.rate:\n'
        '    - value: "0.16"\n      effective_from: 2025-01-01\n      source: reform scenario\n'
        "      confidence: U\n",
        encoding="utf-8",
    )
    layered = rulebook.with_override(reform)
    assert str(layered.get("500000", "pension.rate", date(2025, 8, 1)).value) == "0.16"
    assert str(rulebook.get("500000", "pension.rate", date(2025, 8, 1)).value) == "0.20"


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (GOOD_NATION.replace("pension.rate", "pension.ratee"), "pension.ratee", "not a known"),
        (GOOD_NATION.replace('"0.20"', '"twenty"'), "pension.rate[0]", "not a decimal"),
        (GOOD_NATION.replace('"0.20"', '"1.5"'), "pension.rate[0]", "out of range"),
        (
            GOOD_NATION.replace("confidence: O", "confidence: X"),
            "parameters.pension.rate.0.confidence",
            "",
        ),
        (
            GOOD_NATION.replace("      source: 国发〔2005〕38号\n", ""),
            "parameters.pension.rate.0.source",
            "",
        ),
        (
            GOOD_NATION + '    - value: "0.19"\n      effective_from: 2010-01-01\n      source: x\n'
            "      confidence: O\n",
            "pension.rate",
            "overlap",
        ),
    ],
)
def test_bad_files_fail_naming_file_key_and_reason(tmp_path, text, key, reason):
    write(tmp_path, "000000.yaml", text)
    with pytest.raises(ParameterFileError) as raised:
        Rulebook.load(tmp_path)
    assert raised.value.path.endswith("000000.yaml")
    assert raised.value.key == key
    assert reason in raised.value.reason


def test_a_file_for_an_unknown_jurisdiction_or_misnamed_file_fails(tmp_path):
    write(tmp_path, "000000.yaml", GOOD_NATION)
    write(tmp_path, "999999.yaml", GOOD_NATION.replace('"000000"', '"999999"'))
    with pytest.raises(ParameterFileError, match="999999"):
        Rulebook.load(tmp_path)
    (tmp_path / "999999.yaml").unlink()
    write(tmp_path, "500000.yaml", GOOD_NATION.replace('"000000"', '"500100"'))
    with pytest.raises(ParameterFileError, match="file name"):
        Rulebook.load(tmp_path)


def test_money_must_be_a_quoted_string(tmp_path):
    write(
        tmp_path,
        "000000.yaml",
        GOOD_NATION.replace(
            'pension.rate:\n    - value: "0.20"', "resident.subsidy_min_yuan:\n    - value: 30"
        ),
    )
    with pytest.raises(ParameterFileError, match="quoted yuan string"):
        Rulebook.load(tmp_path)


def test_the_shipped_directory_is_the_package_folder():
    assert PARAMS_DIR.name == "params"
    assert (PARAMS_DIR / "000000.yaml").exists()

"""Surname table and given-name pools."""

from __future__ import annotations

import itertools

import numpy as np

from flexcover.synth.names import (
    FEMALE_CHARACTERS,
    MALE_CHARACTERS,
    NEUTRAL_CHARACTERS,
    SURNAME_SHARES,
    character_pool,
    draw_names,
    surname_probabilities,
)


def test_at_least_the_top_hundred_surnames_without_repeats() -> None:
    surnames = [surname for surname, _ in SURNAME_SHARES]
    assert len(surnames) >= 100
    assert len(set(surnames)) == len(surnames)
    assert surnames[:5] == ["王", "李", "张", "刘", "陈"]


def test_shares_never_rise_after_rank_twenty() -> None:
    shares = [share for _, share in SURNAME_SHARES]
    assert all(a >= b for a, b in itertools.pairwise(shares[19:]))


def test_surname_probabilities_sum_to_one() -> None:
    assert np.isclose(surname_probabilities().sum(), 1.0)


def test_character_pools_do_not_overlap() -> None:
    male, female, neutral = set(MALE_CHARACTERS), set(FEMALE_CHARACTERS), set(NEUTRAL_CHARACTERS)
    assert len(male) == len(MALE_CHARACTERS)
    assert len(female) == len(FEMALE_CHARACTERS)
    assert len(neutral) == len(NEUTRAL_CHARACTERS)
    assert not male & female
    assert not male & neutral
    assert not female & neutral


def test_seventy_percent_of_a_gendered_pool_is_gender_leaning() -> None:
    characters, probabilities = character_pool(MALE_CHARACTERS)
    assert len(characters) == len(MALE_CHARACTERS) + len(NEUTRAL_CHARACTERS)
    assert np.isclose(probabilities[: len(MALE_CHARACTERS)].sum(), 0.7)


def test_women_get_no_male_leaning_characters() -> None:
    rng = np.random.Generator(np.random.PCG64(1))
    names = draw_names(rng, np.zeros(5_000, dtype=np.bool_)).to_pylist()
    compound = tuple(surname for surname, _ in SURNAME_SHARES if len(surname) == 2)
    given = "".join(name[1:] for name in names if not name.startswith(compound))
    assert not set(given) & set(MALE_CHARACTERS)

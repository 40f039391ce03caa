"""PostgreSQL array literals carry any text unchanged (the round trip itself is tested on
PostgreSQL in test_batch)."""

from __future__ import annotations

from flexcover.ledger.arrays import booleans, ints, texts


def test_integers_and_nulls():
    assert ints([1, -2, None, 30_000_000_000]) == "{1,-2,NULL,30000000000}"
    assert ints([]) == "{}"


def test_booleans():
    assert booleans([True, False]) == "{t,f}"


def test_plain_strings_are_quoted():
    assert texts(["bill:1", "", "缴费 NULL"]) == '{"bill:1","","缴费 NULL"}'
    assert texts([]) == "{}"


def test_quotes_backslashes_and_nulls_are_escaped():
    assert texts(['a"b', "c\\d", None, "{e,f}"]) == '{"a\\"b","c\\\\d",NULL,"{e,f}"}'

"""Benchmark: the pension and contribution calculators over 1M people.

Prints people per second and the ratio to a bare NumPy evaluation of the same formula (the same
integer arithmetic, no parameter lookup, no explain record) measured in the same run.

    .venv/bin/python bench/rules.py [--people 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from flexcover.kit.months import Month
from flexcover.rules.contribution import contribution
from flexcover.rules.parameters import default_rulebook
from flexcover.rules.pension import pension


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def half_up(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    return (2 * numerator + denominator) // (2 * denominator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.people
    rng = np.random.default_rng(1)
    rulebook = default_rulebook()

    # Contributions: Chongqing, August 2025, bases between the floor and the ceiling.
    bases = rng.integers(440400, 2201701, n, dtype=np.int64)
    month = Month(2025, 8)

    def bare_contribution() -> None:
        amount = half_up(bases * 1, 5)  # × 20 %
        personal = half_up(bases * 2, 25)  # × 8 %
        _ = (amount, personal, amount - personal, (bases < 440400) | (bases > 2201700))

    def our_contribution() -> None:
        contribution(rulebook=rulebook, jurisdiction="500000", month=month, base_fen=bases)

    # Pensions: Beijing, retiring August 2025 at 60y0m–63y11m.
    months = rng.integers(180, 480, n, dtype=np.int64)
    index_units = rng.integers(6000, 30001, n, dtype=np.int64)
    balances = rng.integers(0, 50_000_000, n, dtype=np.int64)
    years = rng.integers(60, 64, n, dtype=np.int64)
    extra = rng.integers(0, 12, n, dtype=np.int64)
    table = np.array([1390, 1320, 1250, 1170, 1090], dtype=np.int64)

    def bare_pension() -> None:
        n_units = half_up(months * 10_000, 12)
        basic = half_up(1204900 * (10_000 + index_units) * n_units, 2 * 10**8 * 100)
        here, following = table[years - 60], table[years - 59]
        divisor = half_up(here * 12 + (following - here) * extra, 12)
        _ = basic + half_up(balances * 10, divisor)

    def our_pension() -> None:
        pension(
            rulebook=rulebook,
            jurisdiction="110000",
            retirement_month=Month(2025, 8),
            age_years=years,
            age_months=extra,
            contribution_months=months,
            deemed_months=np.zeros_like(months),
            average_index=index_units,
            account_balance_fen=balances,
        )

    for name, bare, ours in (
        ("contribution", bare_contribution, our_contribution),
        ("pension", bare_pension, our_pension),
    ):
        baseline = best_of(args.repeat, bare)
        measured = best_of(args.repeat, ours)
        print(
            f"{name:<13} {n:>9,} people  bare NumPy {baseline:7.3f} s   flexcover {measured:7.3f} s"
            f"   {n / measured:>12,.0f} people/s   ratio {measured / baseline:5.2f}x"
        )


if __name__ == "__main__":
    main()

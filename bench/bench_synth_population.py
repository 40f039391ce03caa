"""Benchmark: synthetic population register, 1M people for Chongqing (500000).

Requirement: 1M people in under 30 s on a 2-core machine. The baseline, measured in the same run,
is bare NumPy doing the same volume of random work: one random 18-digit numeric string per person
(drawn as digits, joined into an Arrow string column) plus one random int64 and one lognormal
float per person. The ratio says how much the generator costs over drawing that raw randomness.

    .venv/bin/python bench/bench_synth_population.py [--people N] [--jurisdiction CODE]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pyarrow as pa

from flexcover.synth.population import generate_population

REQUIREMENT_SECONDS_PER_MILLION = 30.0


def baseline(people: int, seed: int) -> pa.Table:
    """Bare NumPy: 1 random 18-digit string, 1 random int64 and 1 lognormal float per person."""
    rng = np.random.Generator(np.random.PCG64(seed))
    digits = rng.integers(0, 10, size=(people, 18), dtype=np.uint8) + ord("0")
    offsets = np.arange(0, (people + 1) * 18, 18, dtype=np.int32)
    strings = pa.StringArray.from_buffers(people, pa.py_buffer(offsets), pa.py_buffer(digits))
    keys = rng.integers(0, 2**62, size=people, dtype=np.int64)
    incomes = rng.lognormal(8.6, 0.6, size=people)
    return pa.table({"id_number": strings, "key": keys, "income": incomes})


def best_of(repeats: int, run: object) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--jurisdiction", default="500000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    generate_population(jurisdiction=args.jurisdiction, people=1_000)  # warm the caches
    bare = best_of(args.repeats, lambda: baseline(args.people, 1))
    synth = best_of(
        args.repeats,
        lambda: generate_population(jurisdiction=args.jurisdiction, people=args.people, seed=1),
    )
    limit = REQUIREMENT_SECONDS_PER_MILLION * args.people / 1_000_000
    print(f"people:               {args.people:,} in {args.jurisdiction}")
    print(f"baseline (bare NumPy): {bare:8.3f} s")
    print(f"generate_population:   {synth:8.3f} s  ({args.people / synth:,.0f} people/s)")
    print(f"ratio:                 {synth / bare:8.1f}x the baseline")
    print(f"requirement:           < {limit:.1f} s  -> {'met' if synth < limit else 'NOT met'}")


if __name__ == "__main__":
    main()

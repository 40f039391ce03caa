"""``flexcover synth population``: writes a readable Parquet file or refuses with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flexcover.synth.commands import synth_app

runner = CliRunner()


def test_population_writes_a_readable_parquet_file(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    result = runner.invoke(
        synth_app, ["population", "--people", "2000", "--seed", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "people.parquet")
    assert table.num_rows == 2000
    assert set(table["residence_code"].to_pylist()) <= {f"50{n:04d}" for n in range(10_000)}
    assert "2,000 people" in result.stdout
    assert str(out / "people.parquet") in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        args = ["population", "--people", "1000", "--jurisdiction", "420100"]
        result = runner.invoke(synth_app, [*args, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    first = (tmp_path / "a" / "people.parquet").read_bytes()
    assert first == (tmp_path / "b" / "people.parquet").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jurisdiction", "999999"], "999999"),
        (["--jurisdiction", "abc"], "6-digit"),
        (["--people", "0"], "people"),
        (["--people", "-3"], "people"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "synth"
    result = runner.invoke(synth_app, ["population", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert not out.exists()


def test_out_is_required(tmp_path: Path) -> None:
    result = runner.invoke(synth_app, ["population", "--people", "10"])
    assert result.exit_code == 2
    assert not list(tmp_path.iterdir())

"""Comparison backends: where the Ibis expressions of :mod:`flexcover.coverage.classify` run.

DuckDB, embedded, is the default; Apache Spark (``pip install flexcover[spark]``, Java 17) is for
a province or the nation. Both take the same canonical tables — Arrow tables in memory, or the
Parquet files a run writes — and return results as Arrow, so a run is the same code on either.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Protocol

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

ENGINES = ("duckdb", "spark")


class Backend(Protocol):
    """A place to run comparison expressions."""

    name: str

    def table(self, name: str, data: pa.Table | Path) -> ir.Table:
        """Make ``data`` (an Arrow table, or a Parquet file) available as table ``name``."""
        ...

    def materialize(self, name: str, expression: ir.Table) -> ir.Table:
        """Compute ``expression`` once into table ``name``, kept in the engine."""
        ...

    def write_parquet(self, expression: ir.Table, path: Path) -> None: ...

    def to_arrow(self, expression: ir.Table) -> pa.Table: ...

    def ingest_connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection the sources are read and normalised in (the engine's own, or a
        scratch one beside it, closed with the engine)."""
        ...

    def canonical(self, source: str, parquet: Path) -> ir.Table:
        """The canonical records of ``source`` as this engine reads them (ingest wrote them as
        ``canon_<source>`` in :meth:`ingest_connection` and as ``parquet``)."""
        ...

    def view(self, name: str, expression: ir.Table) -> str:
        """Compute ``expression`` into a table or view ``name`` that SQL run on this engine
        (Splink's) can read by name; returns the name."""
        ...

    def close(self) -> None: ...


def memory_share(fraction: float = 0.5) -> int:
    """``fraction`` of this machine's physical memory, in MB (at least 1 GB)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 4096
    return max(1024, int(total * fraction) >> 20)


class DuckDBBackend:
    name = "duckdb"

    def __init__(
        self, path: Path | None = None, *, threads: int | None = None, folder: Path | None = None
    ) -> None:
        if path is None and folder is not None:
            path = folder / "comparison.duckdb"
        self.connection = ibis.duckdb.connect(str(path) if path else ":memory:")
        if threads:
            self.connection.raw_sql(f"SET threads = {int(threads)}")
        # DuckDB's own default is 80% of the machine; the run's Python side (Splink's frames,
        # the write-back's batches) needs room too, so DuckDB spills to disk sooner.
        self.connection.raw_sql(f"SET memory_limit = '{memory_share()}MB'")

    def table(self, name: str, data: pa.Table | Path) -> ir.Table:
        raw = self.connection.con  # the DuckDB connection Ibis wraps
        quoted = '"' + name.replace('"', '""') + '"'
        if isinstance(data, Path):
            raw.execute(
                f"CREATE OR REPLACE VIEW {quoted} AS SELECT * FROM read_parquet(?)", [str(data)]
            )
        else:
            raw.register("_incoming", data)
            try:
                raw.execute(f"CREATE OR REPLACE TABLE {quoted} AS SELECT * FROM _incoming")
            finally:
                raw.unregister("_incoming")
        return self.connection.table(name)

    def materialize(self, name: str, expression: ir.Table) -> ir.Table:
        sql = ibis.to_sql(expression, dialect="duckdb")
        # TEMP: in memory (spilling to disk when it must), gone with the connection.
        self.connection.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
        return self.connection.table(name)

    def write_parquet(self, expression: ir.Table, path: Path) -> None:
        sql = ibis.to_sql(expression, dialect="duckdb")
        self.connection.con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        return self.connection.to_pyarrow(expression)

    def ingest_connection(self) -> duckdb.DuckDBPyConnection:
        shared: duckdb.DuckDBPyConnection = self.connection.con  # ingest and classification
        return shared  # share one database

    def canonical(self, source: str, parquet: Path) -> ir.Table:
        return self.connection.table(f"canon_{source}")

    def view(self, name: str, expression: ir.Table) -> str:
        sql = ibis.to_sql(expression, dialect="duckdb")
        self.connection.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
        return name

    def close(self) -> None:
        self.connection.disconnect()


class SparkBackend:
    """Spark in local mode unless ``FLEXCOVER_SPARK_MASTER`` names a cluster; shuffles use
    ``FLEXCOVER_SPARK_PARTITIONS`` partitions (8 unless set)."""

    name = "spark"

    def __init__(self, *, partitions: int | None = None, folder: Path | None = None) -> None:
        self._folder = folder
        self._ingest: duckdb.DuckDBPyConnection | None = None
        if partitions is None:
            partitions = int(os.environ.get("FLEXCOVER_SPARK_PARTITIONS", "8"))
        try:
            from pyspark.sql import SparkSession
        except ImportError as missing:  # the optional extra is not installed
            raise RuntimeError(
                "the Spark engine needs the spark extra: pip install 'flexcover[spark]'"
            ) from missing
        self.scratch = Path(tempfile.mkdtemp(prefix="flexcover-spark-"))
        self.session: Any = (
            SparkSession.builder.master(os.environ.get("FLEXCOVER_SPARK_MASTER", "local[2]"))
            .appName("flexcover-compare")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", os.environ.get("FLEXCOVER_SPARK_MEMORY", "4g"))
            .getOrCreate()
        )
        self.session.sparkContext.setLogLevel("ERROR")
        self.connection = ibis.pyspark.connect(self.session)

    def table(self, name: str, data: pa.Table | Path) -> ir.Table:
        if not isinstance(data, Path):
            # Spark reads files, not Arrow memory: hand it a Parquet file.
            path = self.scratch / f"{name}.parquet"
            pq.write_table(data, path)
            data = path
        frame = self.session.read.parquet(str(data))
        frame.createOrReplaceTempView(name)
        return self.connection.table(name)

    def materialize(self, name: str, expression: ir.Table) -> ir.Table:
        frame = self.session.sql(self.connection.compile(expression)).cache()
        frame.createOrReplaceTempView(name)
        return self.connection.table(name)

    def write_parquet(self, expression: ir.Table, path: Path) -> None:
        pq.write_table(self.to_arrow(expression), path)

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        # Spark's own Arrow export: Ibis would go through pandas, which warns and copies.
        sql = self.connection.compile(expression)
        table: pa.Table = self.session.sql(sql).toArrow()
        return table

    def ingest_connection(self) -> duckdb.DuckDBPyConnection:
        if self._ingest is None:
            where = (self._folder or self.scratch) / "ingest.duckdb"
            self._ingest = duckdb.connect(str(where))
        return self._ingest

    def canonical(self, source: str, parquet: Path) -> ir.Table:
        return self.table(source, parquet)  # Spark reads the Parquet files ingest wrote

    def view(self, name: str, expression: ir.Table) -> str:
        frame = self.session.sql(self.connection.compile(expression)).persist()
        frame.createOrReplaceTempView(name)
        return name

    def close(self) -> None:
        from pyspark import SparkContext

        if self._ingest is not None:
            self._ingest.close()
            self._ingest = None
        self.session.stop()
        # Close the Java gateway too (its sockets would otherwise wait for the collector), so a
        # later backend in this process starts a fresh one.
        gateway = SparkContext._gateway
        if gateway is None:
            return
        process = getattr(gateway, "proc", None)  # the JVM pyspark launched
        gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()  # the JVM exits when its stdin closes
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def backend(name: str, **options: Any) -> Backend:
    """The backend called ``name`` (one of :data:`ENGINES`)."""
    if name == "duckdb":
        return DuckDBBackend(**options)
    if name == "spark":
        return SparkBackend(**options)
    raise ValueError(f"unknown engine {name!r}: one of {', '.join(ENGINES)}")

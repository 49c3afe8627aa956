"""Shared fixtures: simulated data with known truth (benchlearn.simulator).

``sim``         session-scoped :class:`benchlearn.simulator.Simulation`, ``simulate(seed=1)``
                (98 municipalities, periods 2021–2024, every contract table + truth).
``sim_dir``     a dataset folder written by ``sim.write`` (CSV tables + truth.csv).
``sim_factory`` ``sim_factory(seed, periods=..., config=None)`` -> cached Simulation.
``raw_data_dir`` the real extracts in ../shared/data/raw (skips the test when absent).

The simulations are shared by every test of the session: never modify their tables
in place — take a ``.copy()`` first.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from benchlearn.simulator import SimConfig, Simulation, simulate

DEFAULT_PERIODS: tuple[str, ...] = ("2021", "2022", "2023", "2024")
RAW_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"

SimFactory = Callable[..., Simulation]


@pytest.fixture(scope="session")
def sim_factory() -> SimFactory:
    """A cached ``(seed, periods=DEFAULT_PERIODS, config=None) -> Simulation``."""
    cache: dict[tuple[int, tuple[str, ...], SimConfig | None], Simulation] = {}

    def make(seed: int = 1, periods: Sequence[str] = DEFAULT_PERIODS, config: SimConfig | None = None) -> Simulation:
        key = (int(seed), tuple(periods), config)
        if key not in cache:
            cache[key] = simulate(seed=int(seed), periods=tuple(periods), config=config)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def sim(sim_factory: SimFactory) -> Simulation:
    """The shared simulated dataset: seed 1, periods 2021–2024, default SimConfig."""
    return sim_factory(1)


@pytest.fixture(scope="session")
def sim_dir(sim: Simulation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset folder in the contract (``NAME.csv`` per table, plus ``truth.csv``)."""
    return sim.write(tmp_path_factory.mktemp("sim_seed1"))


@pytest.fixture(scope="session")
def raw_data_dir() -> Path:
    """The real raw extracts (../shared/data/raw); the test is skipped when they are absent."""
    if not RAW_DATA_DIR.is_dir():
        pytest.skip(f"raw data not found at {RAW_DATA_DIR}")
    return RAW_DATA_DIR


# CI sets BENCHLEARN_REQUIRE_BROWSER=1 / BENCHLEARN_REQUIRE_SPARK=1: there a browser or Spark
# test that skips (Chromium or Java missing) is a failure, so a green CI cannot hide them.
_REQUIRED = {"browser": "BENCHLEARN_REQUIRE_BROWSER", "spark": "BENCHLEARN_REQUIRE_SPARK"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    import os

    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    for marker, env in _REQUIRED.items():
        if item.get_closest_marker(marker) is not None and os.environ.get(env) == "1":
            report.outcome = "failed"
            report.longrepr = f"{marker} test skipped but {env}=1 requires it: {report.longrepr}"


# --- Spark: one SparkSession per test session, shared by every tests/test_persons_*.py ---

def _java_ok() -> bool:
    java = shutil.which("java")
    if java is None:
        return False
    return subprocess.run([java, "-version"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="session")
def spark():
    # skipped per test (not per module) so that CI's BENCHLEARN_REQUIRE_SPARK=1 turns a skip
    # into a failure (tests/conftest.py)
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    from benchlearn.persons.engines import spark_session

    sess = spark_session("local[2]")
    yield sess
    sess.stop()

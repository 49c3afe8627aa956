"""The same pipeline definition on Spark (local[2]) gives exactly DuckDB's outputs."""

from __future__ import annotations

import pandas as pd
import pytest

from benchlearn.persons.pipeline import PersonsConfig, run
from benchlearn.persons.pseudonymise import PseudonymKey
from benchlearn.persons.simulate import simulate_persons
from conftest import _java_ok

pytestmark = [pytest.mark.spark, pytest.mark.skipif(not _java_ok(), reason="no Java runtime for Spark")]
KEY = PseudonymKey(b"spark-test-key-0123456789", "test")


def _compare(a, b) -> None:
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        x, y = a.tables[name], b.tables[name]
        assert list(x.columns) == list(y.columns), name
        # both are sorted on their keys by the shared pandas step; integer counts must be
        # exactly equal, fuldtidspersoner & co. (weeks / W) agree to 1e-12
        pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=0, atol=1e-12, obj=name)


@pytest.fixture(scope="module")
def sim4000(tmp_path_factory):
    d = tmp_path_factory.mktemp("spark_sim")
    # a few municipalities, so that groups of 5+ persons exist at this size
    simulate_persons(4000, d, seed=5, kommune_weights={101: 3.0, 450: 1.0, 851: 1.0}, show_progress=False)
    return d


@pytest.mark.parametrize("min_persons", [1, 5])
def test_spark_equals_duckdb_on_simulated_registers(sim4000, spark, min_persons):
    d = sim4000
    cfg = PersonsConfig(period="2023", min_persons=min_persons)
    a = run(d, cfg, KEY, show_progress=False)
    b = run(d, PersonsConfig(period="2023", min_persons=min_persons, engine="spark"), KEY,
            show_progress=False, spark_session=spark)
    _compare(a, b)
    assert len(a.tables["support"]) > 20 and len(a.tables["cells"]) > 50  # not trivially empty
    assert len(a.tables["focus"]) == 3


def test_spark_hand_made(tmp_path, spark):
    from test_persons import hand_made

    d = hand_made(tmp_path / "p", extra_2022=True)  # rows outside the period: the filtered path
    a = run(d, PersonsConfig(period="2023", min_persons=1), KEY, show_progress=False)
    b = run(d, PersonsConfig(period="2023", min_persons=1, engine="spark"), KEY, show_progress=False,
            spark_session=spark)
    _compare(a, b)
    f = b.tables["focus"].set_index("kommunekode")
    assert f.loc[101, "persons_12m"] == 3 and f.loc[147, "without_talks"] == 2  # worked out by hand

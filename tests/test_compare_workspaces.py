"""scripts/compare_workspaces.py, the "outputs unchanged" check of #19: it must say IDENTICAL for the
same results stored twice (new run ids and timestamps) and DIFFERENT for each kind of change, with
the size of a numeric change — else an "identical" report would prove nothing."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchlearn.core.results import Run
from benchlearn.data.dataset import Dataset
from benchlearn.store import Workspace

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_workspaces.py"


@pytest.fixture(scope="module")
def cw():  # the script is not a package module: loaded from its file, as a person runs it
    spec = importlib.util.spec_from_file_location("compare_workspaces", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up while being defined
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop(spec.name, None)


def _ds() -> Dataset:
    return Dataset.from_tables({"support": pd.DataFrame({"kommunekode": [101, 147], "period": ["2023", "2023"],
                                                         "ydelse": ["kontanthjaelp", "kontanthjaelp"],
                                                         "fuldtidspersoner": [1234.5, 99.0]})})


def _records(diff: float = 0.25) -> pd.DataFrame:
    return pd.DataFrame({"kommunekode": [101, 147], "diff_pp": [diff, np.nan], "tier": ["A", None]})


def _build(path: Path, records: pd.DataFrame | None = None, meta: dict | None = None, extra: bool = False) -> Path:
    with Workspace.open(path) as ws:
        ws.ingest(_ds())
        ws.record(Run("benchmark", {"period": "2023", "area": "total"},
                      {"records": _records() if records is None else records}, meta or {"source": "model"}))
        ws.record(Run("dea", {"period": "2023", "rts": "vrs"}, {"records": pd.DataFrame({"efficiency": [0.5, 1.0]})}))
        if extra:
            ws.record(Run("dea", {"period": "2023", "rts": "crs"}, {"records": pd.DataFrame({"efficiency": [0.4]})}))
    return path


def test_the_same_results_stored_twice_are_identical(cw, tmp_path):
    """New run ids and creation times, NaN and None in the same places: identical, every table compared."""
    a, b = _build(tmp_path / "a.duckdb"), _build(tmp_path / "b.duckdb")
    rep = cw.compare(a, b)
    assert rep.ok and rep.matched == 2 and rep.tables == 2 and rep.identical == 2 and rep.data_tables == 1
    assert cw.main([str(a), str(b)]) == 0


def test_a_value_changed_in_the_last_digits_is_reported_with_its_size(cw, tmp_path):
    """No tolerance: 0.25 against 0.25 + 2**-40 (exactly representable, so the expected difference is
    exact) is a difference, and its size is the closed-form 2**-40."""
    a = _build(tmp_path / "a.duckdb")
    b = _build(tmp_path / "b.duckdb", records=_records(0.25 + 2.0 ** -40))
    rep = cw.compare(a, b)
    assert not rep.ok and cw.main([str(a), str(b)]) == 1
    (d,) = rep.differences
    assert d["what"] == "records" and d["columns"]["diff_pp"]["rows_differing"] == 1
    assert math.isclose(d["columns"]["diff_pp"]["max_abs_diff"], 2.0 ** -40, rel_tol=1e-9)


@pytest.mark.parametrize("change", ["column_order", "missing_value", "meta", "extra_run"])
def test_every_kind_of_change_is_different(cw, tmp_path, change):
    a = _build(tmp_path / "a.duckdb")
    rec = _records()
    kw: dict = {}
    if change == "column_order":
        kw["records"] = rec[["diff_pp", "kommunekode", "tier"]]
    elif change == "missing_value":  # a value that became missing is not "the same NaN"
        kw["records"] = rec.assign(diff_pp=[np.nan, np.nan])
    elif change == "meta":
        kw["meta"] = {"source": "table"}
    else:
        kw["extra"] = True
    rep = cw.compare(a, _build(tmp_path / "b.duckdb", **kw))
    assert not rep.ok
    if change == "extra_run":
        assert rep.only_after and not rep.differences
    elif change == "meta":
        assert [d["what"] for d in rep.differences] == ["meta"]
    else:
        assert [d["what"] for d in rep.differences] == ["records"]

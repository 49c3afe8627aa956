"""FOLK1A 2014 by municipality × sex × single age (sources/folk1a_ages.py) against R reading the same file.

The reference is R's own ``load()`` of the ``save()`` file and base-R sums (``aggregate``), so
the Python reader (pyreadr) is checked by a different implementation of the RData format. The
counts are integers: every comparison is exact. SOURCES.md §4 records the national 16–66 total
(3,706,837), a third, hand-recorded check.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.core.errors import DataError
from benchlearn.sources.folk1a_ages import (
    AGE_VARIABLES, FOLK1A_2014_FILE, age_shares_2014, ages_2014, read_folk1a_2014, residents_16_66_2014)

_R = r'''
load(commandArgs(TRUE)[1])
d <- std_kommuner
d <- d[d$area != "Christiansø", ]
w <- d[d$ALDER >= 16 & d$ALDER <= 66, ]
a <- aggregate(INDHOLD ~ area, data = w, FUN = sum)
b <- aggregate(INDHOLD ~ area, data = d[d$ALDER >= 25 & d$ALDER <= 34, ], FUN = sum)
k <- aggregate(INDHOLD ~ area, data = d[d$ALDER <= 15, ], FUN = sum)
t <- aggregate(INDHOLD ~ area, data = d, FUN = sum)
m <- merge(merge(a, b, by = "area", suffixes = c("_1666", "_2534")), merge(k, t, by = "area", suffixes = c("_015", "_all")), by = "area")
write.csv(m, stdout(), row.names = FALSE, fileEncoding = "UTF-8")
'''


@pytest.fixture(scope="module")
def from_r(raw_data_dir) -> pd.DataFrame:
    if shutil.which("Rscript") is None:
        pytest.skip("R is not installed")
    res = subprocess.run(["Rscript", "-e", _R, str(raw_data_dir / FOLK1A_2014_FILE)], capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    r = pd.read_csv(io.BytesIO(res.stdout), encoding="utf-8")
    m = reference.municipalities()
    code = {**dict(zip(m["navn_dst_en"], m["kommunekode"])), **dict(zip(m["navn"], m["kommunekode"]))}
    return r.assign(kommunekode=r["area"].map(code)).set_index("kommunekode")


def test_every_municipality_sex_and_age_and_the_recorded_national_total(raw_data_dir):
    a = ages_2014(raw_data_dir)
    assert set(a["kommunekode"]) == set(reference.kommunekoder())
    assert set(a["sex"]) == {"K", "M"} and a["age"].min() == 0 and a["age"].max() == 110
    assert len(a) == 98 * 2 * 111 and not a.duplicated(["kommunekode", "sex", "age"]).any()
    # SOURCES.md §4: residents aged 16–66 in the 98 kommuner, 3,706,837 (recorded when the file was added)
    assert int(residents_16_66_2014(raw_data_dir).sum()) == 3_706_837


def test_counts_equal_r_reading_the_same_file(raw_data_dir, from_r):
    n = residents_16_66_2014(raw_data_dir)
    assert len(from_r) == 98
    np.testing.assert_array_equal(n.reindex(from_r.index).to_numpy(), from_r["INDHOLD_1666"].to_numpy())
    sh = age_shares_2014(raw_data_dir).pivot(index="kommunekode", columns="variable", values="value").reindex(from_r.index)
    # shares are ratios of the same integers: equal to the last bits of a double
    np.testing.assert_allclose(sh["age_25_34_pct_2014"], 100 * from_r["INDHOLD_2534"] / from_r["INDHOLD_1666"], rtol=1e-13)
    np.testing.assert_allclose(sh["children_0_15_pct_2014"], 100 * from_r["INDHOLD_015"] / from_r["INDHOLD_all"], rtol=1e-13)


def test_age_bands_of_the_working_age_add_up(raw_data_dir):
    sh = age_shares_2014(raw_data_dir).pivot(index="kommunekode", columns="variable", values="value")
    parts = ["age_16_24_pct_2014", "age_25_34_pct_2014", "age_35_44_pct_2014", "age_45_54_pct_2014", "age_55_66_pct_2014"]
    np.testing.assert_allclose(sh[parts].sum(axis=1), 100.0, rtol=1e-12)  # 16–24 … 55–66 partition 16–66
    assert (sh["age_60_66_pct_2014"] < sh["age_55_66_pct_2014"]).all()
    assert all(n.endswith("_2014") and "2014" in da and "2014" in en for n, (_lo, _hi, da, en) in AGE_VARIABLES.items())


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("KØN", "Both", "Men or Women"), ("ALDER", 16.5, "whole number"), ("INDHOLD", -3.0, "number of persons"),
    ("area", "Atlantis", "municipality name"),
])
def test_a_bad_row_is_refused_naming_file_row_column_value(tmp_path, raw_data_dir, column, value, expected):
    import pyreadr

    d = pyreadr.read_r(str(raw_data_dir / FOLK1A_2014_FILE))["std_kommuner"].copy()
    d[column] = d[column].astype(object)
    d.loc[4, column] = value
    p = tmp_path / "bad.rdata"
    pyreadr.write_rdata(str(p), d, df_name="std_kommuner")
    with pytest.raises(DataError) as e:
        read_folk1a_2014(p)
    err = e.value
    assert err.row == 5 and err.column == column and str(p) in err.en and expected in err.en
    assert str(value) in err.en and "række 5" in err.da

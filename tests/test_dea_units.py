"""``benchlearn dea --units FILE``: a textbook DEA example run through the CLI from a file.

Reference: Coelli, T. J. (1996), "A Guide to DEAP Version 2.1", CEPA Working Paper
96/08 — example EG1 (the same numbers as tests/test_dea.py): 5 firms, inputs
(2,5), (2,4), (6,6), (3,2), (6,2), output 1, 2, 3, 1, 2; input-oriented CRS
TE = 0.5, 1, 5/6, 5/7, 1; peers 1:{2}, 2:{2}, 3:{2,5}, 4:{2,5}, 5:{5}; λ for firm 3
(2: 1.0, 5: 0.5), firm 4 (2: 3/14, 5: 2/7); input-2 slack 0.5 for firm 1.

Tolerances: HiGHS solves to about 1e-9 on data rescaled to mean 1, so scores and λ
are compared to the exact fractions at 1e-6 (the acceptance criterion); slacks in
original units scale with the column (×1000 in the Danish file), hence 1e-6 relative.
VRS scores are checked against the multiplier (dual) LP written out here, an
independent formulation of the same programme.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_dea import _multiplier  # the independent multiplier-form LP, written once

EG1_X = np.array([[2, 5], [2, 4], [6, 6], [3, 2], [6, 2]], dtype=float)
EG1_Y = np.array([1, 2, 3, 1, 2], dtype=float)
EG1_TE = np.array([0.5, 1.0, 5 / 6, 5 / 7, 1.0])
EG1_PEERS = [[2], [2], [2, 5], [2, 5], [5]]  # firm numbers (1-based) as in DEAP's output
EG1_LAMBDA = {3: {2: 1.0, 5: 0.5}, 4: {2: 3 / 14, 5: 2 / 7}, 1: {2: 0.5}}

# Danish unit labels (cp1252 in the CSV) to check labels survive the encoding.
NAMES = ["Århus", "Køge", "Næstved", "Sorø", "Ærø"]

ENV = {**os.environ, "BENCHLEARN_PROGRESS": "0"}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchlearn", "--lang", "en", "dea", *args],
                          check=False, capture_output=True, text=True, env=ENV, timeout=300)


def _json(*args: str) -> pd.DataFrame:
    p = _cli(*args, "--json")
    assert p.returncode == 0, p.stderr
    return pd.DataFrame(json.loads(p.stdout))


def _danish_csv(path: Path) -> Path:
    """EG1 as a Danish CSV: ``;``, cp1252, and the capital input in thousands written
    ``5.000`` (Danish thousands separator) with a decimal comma output (``1,0``)."""
    lines = ["enhed;x_arbejdskraft;x_kapital;y_output"]
    for name, (a, b), y in zip(NAMES, EG1_X, EG1_Y):
        lines.append(f"{name};{a:.0f};{b * 1000:,.0f};{y:.1f}".replace(",", "X").replace(".", ",").replace("X", "."))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def _xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "eg1"
    ws.append(["unit", "input_labour", "input_capital", "output_q"])
    for i, ((a, b), y) in enumerate(zip(EG1_X, EG1_Y), start=1):
        ws.append([i, int(a), int(b), int(y)])
    wb.create_sheet("notes").append(["ignored second sheet"])
    wb.save(path)
    return path


def _check_eg1_crs(out: pd.DataFrame, label) -> None:  # type: ignore[no-untyped-def]
    """``label(k)`` maps DEAP firm number k (1-based) to the label used in the file."""
    assert out["unit"].tolist() == [label(k) for k in range(1, 6)]  # file order kept
    np.testing.assert_allclose(out["efficiency"].to_numpy(float), EG1_TE, atol=1e-6)
    assert np.round(out["efficiency"].to_numpy(float), 3).tolist() == [0.5, 1.0, 0.833, 0.714, 1.0]
    for k in range(1, 6):
        r = out.iloc[k - 1]
        assert sorted(r["peers"]) == sorted(label(p) for p in EG1_PEERS[k - 1])
        weights = dict(zip(r["peers"], r["lambdas"]))
        for p, w in EG1_LAMBDA.get(k, {}).items():
            assert weights[label(p)] == pytest.approx(w, abs=1e-6)
    assert out["efficient"].tolist() == [False, True, False, False, True]
    assert out["ci_low"].isna().all() and out["ci_high"].isna().all()  # no bootstrap, null intervals
    # Super-efficiency by hand (tests/test_dea.py): 2 for firms 2 and 5, θ for the others.
    np.testing.assert_allclose(out["super_efficiency"].to_numpy(float), [0.5, 2.0, 5 / 6, 5 / 7, 2.0], atol=1e-6)


def test_eg1_danish_csv_crs(tmp_path):
    f = _danish_csv(tmp_path / "eg1.csv")
    out = _json("--units", str(f), "--rts", "crs", "--bootstrap", "0")
    _check_eg1_crs(out, lambda k: NAMES[k - 1])
    # the capital column was read as thousands (5.000 = 5000), so firm 1's slack is 0.5 × 1000
    assert out.iloc[0]["slacks"]["x_kapital"] == pytest.approx(500.0, rel=1e-6)
    assert out.iloc[0]["slacks"]["x_arbejdskraft"] == pytest.approx(0.0, abs=1e-6)
    assert out.iloc[0]["input_slack_2"] == pytest.approx(500.0, rel=1e-6)
    for r in out.iloc[1:].itertuples():
        assert all(abs(v) < 1e-6 * 1000 for v in r.slacks.values())


def test_eg1_xlsx_crs_and_vrs(tmp_path):
    f = _xlsx(tmp_path / "eg1.xlsx")
    crs = _json("--units", str(f), "--rts", "crs", "--bootstrap", "0")
    _check_eg1_crs(crs, str)  # integer labels in Excel come back as the text the user sees
    assert crs.iloc[0]["slacks"]["input_capital"] == pytest.approx(0.5, abs=1e-6)
    vrs = _json("--units", str(f), "--rts", "vrs", "--bootstrap", "0")
    np.testing.assert_allclose(vrs["efficiency"].to_numpy(float), _multiplier(EG1_X, EG1_Y[:, None], "vrs"), atol=1e-6)
    assert (crs["efficiency"].to_numpy(float) <= vrs["efficiency"].to_numpy(float) + 1e-9).all()


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_random_parquet_crs_le_vrs_and_own_peers(tmp_path, rts):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(7)
    X = rng.lognormal(3, 0.5, size=(25, 2))
    Y = rng.lognormal(2, 0.5, size=(25, 2))
    df = pd.DataFrame({"unit": [f"u{i}" for i in range(25)], "x_1": X[:, 0], "x_2": X[:, 1],
                       "y_1": Y[:, 0], "y_2": Y[:, 1], "comment": "ignored"})
    f = tmp_path / "units.parquet"
    df.to_parquet(f)
    out = _json("--units", str(f), "--rts", rts, "--bootstrap", "0")
    np.testing.assert_allclose(out["efficiency"].to_numpy(float), _multiplier(X, Y, rts), atol=1e-6)
    if rts == "vrs":
        crs = _multiplier(X, Y, "crs")
        assert (crs <= out["efficiency"].to_numpy(float) + 1e-6).all()
    eff = out[out["efficient"]]
    assert len(eff) >= 1
    for r in eff.itertuples():
        assert r.unit in r.peers
    for r in out.itertuples():
        assert set(r.peers) <= set(eff["unit"])  # peers lie on the frontier
        assert sum(r.lambdas) > 0


def test_kommunekode_column_and_bootstrap(tmp_path):
    codes = [101, 147, 151, 153, 155]
    lines = ["kommunekode,x_dkk,y_persons"] + [f"{k},{x},{y}" for k, x, y in zip(codes, [10, 20, 30, 25, 40], [5, 12, 14, 6, 20])]
    f = tmp_path / "k.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _json("--units", str(f), "--rts", "crs", "--bootstrap", "50", "--seed", "3")
    assert out["kommunekode"].tolist() == codes and out["unit"].tolist() == codes
    assert out.loc[0, "navn"] == "København"
    # one input, one output, CRS: θ = (y/x) / max(y/x)
    ratio = np.array([5, 12, 14, 6, 20]) / np.array([10, 20, 30, 25, 40])
    np.testing.assert_allclose(out["efficiency"].to_numpy(float), ratio / ratio.max(), atol=1e-6)
    assert out["ci_low"].notna().all() and (out["ci_low"] <= out["ci_high"]).all()
    again = _json("--units", str(f), "--rts", "crs", "--bootstrap", "50", "--seed", "3")
    np.testing.assert_allclose(again["ci_low"].to_numpy(float), out["ci_low"].to_numpy(float), rtol=0, atol=0)


BAD = {
    "no_outputs": ("unit;x_1;z\na;1;2\nb;2;3\n", ["dea_units", "y_*/output_*"]),
    "not_a_number": ("unit;x_1;y_1\na;1;2\nb;to;3\n", ["dea_units", "row 3", "'x_1'", "'to'"]),
    "zero_input": ("unit;x_1;y_1\na;1;2\nb;0;3\n", ["dea_units", "row 3", "'x_1'", "positive"]),
    "negative_output": ("unit;x_1;y_1\na;1;-2\nb;2;3\n", ["dea_units", "row 2", "'y_1'", "non-negative"]),
    "blank_input": ("unit;x_1;y_1\na;;2\nb;2;3\n", ["dea_units", "row 2", "'x_1'", "not blank"]),
    "duplicate_unit": ("unit;x_1;y_1\na;1;2\nb;2;3\na;3;4\n", ["dea_units", "row 4", "'unit'", "also in row 2"]),
    "blank_unit": ("unit;x_1;y_1\na;1;2\n;2;3\n", ["dea_units", "row 3", "'unit'"]),
    "all_outputs_zero": ("unit;x_1;y_1;y_2\na;1;2;1\nb;2;0;0\n", ["dea_units", "row 3", "y_1, y_2"]),
    "one_unit": ("unit;x_1;y_1\na;1;2\n", ["dea_units", "two units"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_units_file_exit_2_no_traceback(tmp_path, case):
    text, needles = BAD[case]
    f = tmp_path / f"{case}.csv"
    f.write_text(text, encoding="utf-8")
    p = _cli("--units", str(f), "--bootstrap", "0")
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""
    msg = " ".join(p.stderr.split())
    for s in needles:
        assert s in msg, (s, msg)


def test_dataset_and_units_are_exclusive(tmp_path):
    f = _danish_csv(tmp_path / "eg1.csv")
    for args in ([], [str(tmp_path), "--units", str(f)], ["--units", str(f), "--period", "2023"],
                 ["--units", str(tmp_path / "missing.csv")], ["--units", str(tmp_path / "eg1.txt.json")]):
        p = _cli(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert "Traceback" not in p.stderr

"""Monitoring without targets on the real monthly Jobindsats series (issue #12.4)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchlearn.report import monitoring
from benchlearn.sources.jobindsats_dashboard import DASHBOARD_FILE, read_dashboard


@pytest.fixture(scope="module")
def dash(raw_data_dir: Path):
    p = raw_data_dir / DASHBOARD_FILE
    if not p.is_file():
        pytest.skip(f"{p} not found")
    return read_dashboard(p), json.loads(p.read_text(encoding="utf-8"))


def test_series_against_national_and_peers_with_the_break_marked(dash):
    tables, raw = dash
    act, nat = tables["activity"], tables["activity_national"]
    peers = [479, 482, 430]  # Svendborg, Langeland, Faaborg-Midtfyn
    fig = monitoring.series_figure(act, nat, 450, "kontanthjaelp", "andel_16_66_pct", peers, "Nyborg")
    own, national, med = fig["data"]
    ser = raw["municipalities"]["nyborg"]["cashAssistance"]
    assert own["x"] == ser["labels"] and own["y"] == [float(v) for v in ser["populationRate"]]
    assert national["y"] == [float(v) for v in raw["national"]["cashAssistance"]["populationRate"]]
    # peers' median, computed here from the raw file
    slugs = {b["name"]: s for s, b in raw["municipalities"].items()}
    vals = np.array([raw["municipalities"][slugs[n]]["cashAssistance"]["populationRate"]
                     for n in ("Svendborg", "Langeland", "Faaborg-Midtfyn")], dtype=float)
    assert med["y"] == pytest.approx(np.median(vals, axis=0).tolist(), abs=1e-12)
    (shape,) = fig["layout"]["shapes"]
    assert shape["x0"] == shape["x1"] == monitoring.DATA_BREAK == "2025M07"
    # no pass/fail: no target line, no colouring by a threshold
    assert all("target" not in str(t.get("name", "")).lower() for t in fig["data"])


def test_overview_is_descriptive(dash):
    tables, raw = dash
    ov = monitoring.overview(tables["activity"], tables["activity_national"])
    assert set(ov.columns) == {"kommunekode", "maalgruppe", "measure", "period", "value", "national", "change_12m"}
    row = ov[(ov["kommunekode"] == 450) & (ov["measure"] == "ledighed_pct")].iloc[0]
    ser = raw["municipalities"]["nyborg"]["unemployment"]
    assert row["period"] == ser["labels"][-1] and row["value"] == ser["totalRate"][-1]
    assert row["change_12m"] == pytest.approx(ser["totalRate"][-1] - ser["totalRate"][-13], abs=1e-9)
    assert row["national"] == raw["national"]["unemployment"]["totalRate"][-1]

"""`benchlearn review` on the default demo workspace (the real y30r21 view) — issue #14, acceptance 1.

The real view holds the ministry's published benchmark and no ``population`` table; its own
``support`` is simulated (unit costs only). The review fits the open model on the published
actual counts (real) with residents 16–66 derived from the published total (expected ÷
expected share) and the workspace's framework variables. One command runs the shipped
default specifications, prints the summary (here ``--json``) and stores the run; the page
``/review`` and the CSV/XLSX downloads must show the command's numbers.

References are independent of the code under test: the y30r21 file is parsed here with
``json`` (SOURCES.md §3 labels), correlations are recomputed with numpy/scipy from the
command's own per-municipality points, and the page is read with a small HTML parser. The
wall-clock target (< 30 s) is measured in ``benchmarks/review_demo.py``, not here.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from htmltables import body_cells

Y30R21 = Path("jobindsats") / "Randers-Kommune-Digitalisering_jobcenterindblik_jobindsats.dk" / "Y30R21-api.csv"
GROUPS = {"Ydelsesgrupper i alt": "total", "A-dagpenge mv.": "a_dagpenge", "Sygedagpenge mv.": "sygedagpenge",
          "Kontanthjælp mv.": "kontanthjaelp"}

pytestmark = pytest.mark.slow


def _published(raw: Path) -> pd.DataFrame:
    """The y30r21 lines read by hand: kommunekode (by name), period, area, actual, published result and rank."""
    from benchlearn.core import reference

    m = reference.municipalities()
    code = dict(zip(m["navn"], m["kommunekode"]))
    rows = []
    for line in (raw / Y30R21).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        o = json.loads(line)

        def val(suffix: str) -> float:
            return float(str(o[next(k for k in o if k.endswith(suffix))]).replace(",", "."))

        rows.append({"kommunekode": code[o["Area"]], "period": o["Periode"], "area": GROUPS[o["Ydelsesgrupper"]],
                     "actual": val("Faktisk antal"), "pp": val("(pct. point)"),
                     "rank": int(o["Placering på benchmarkranglisten"])})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def demo_review(tmp_path_factory, raw_data_dir):
    """The real demo view's data in a workspace, then the acceptance command on it (stored in the same workspace)."""
    from benchlearn.demo import build_demo_workspace, real_view_available

    if not real_view_available(raw_data_dir):
        pytest.skip("y30r21 not in the shared raw data")
    ws = tmp_path_factory.mktemp("review_demo") / "demo.duckdb"
    build_demo_workspace(ws, seed=11, analyses=(), raw_dir=raw_data_dir)  # the real view's tables; no analyses needed
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0", "BENCHLEARN_RAW_DATA": str(raw_data_dir)}
    r = subprocess.run([sys.executable, "-m", "benchlearn", "review", str(ws), "--workspace", str(ws), "--json"],
                       capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    obj = json.loads(r.stdout)  # one clean JSON object: progress and notes go to stderr
    return ws, obj, r.stderr


def _tab(obj: dict, name: str) -> pd.DataFrame:
    return pd.DataFrame(obj["tables"][name])


def test_the_command_runs_at_least_four_default_specs_on_the_real_counts(demo_review, raw_data_dir):
    ws, obj, err = demo_review
    s = obj["summary"]
    assert len(s["specs_run"]) >= 4 and s["baseline"] == "standard" and s["baseline"] in s["specs_run"]
    # the shipped file's specifications that need ydelser the published benchmark has no counts for are named, not run
    skipped = {x["spec"] for x in s["specs_skipped"]}
    assert {"unge", "fleksjobbere"} <= skipped and not skipped & set(s["specs_run"])
    assert s["simulated"] is False  # real counts, derived residents, real framework variables: nothing simulated
    assert "faktiske antal" in err  # stderr says what the open model is fitted on
    # the counts the open model was fitted on are the published actual counts: the standard spec's actual (total) is
    # the sum of the three groups' "Faktisk antal" in the file
    pub = _published(raw_data_dir)
    want = pub[(pub["area"] != "total") & (pub["period"] == s["period"])].groupby("kommunekode")["actual"].sum()
    rec = _tab(obj, "records")
    got = rec[rec["spec"] == "standard"].set_index("kommunekode")["actual"].sort_index()
    np.testing.assert_allclose(got, want.reindex(got.index), rtol=0, atol=1e-9)


def test_agreement_with_the_ministry_equals_an_independent_computation(demo_review, raw_data_dir):
    _, obj, _ = demo_review
    pub = _published(raw_data_dir)
    agree, pts = _tab(obj, "agreement"), _tab(obj, "agreement_points")
    assert set(agree["period"]) == set(pub["period"])  # every published period
    for _, a in agree[agree["spec"] == "standard"].iterrows():
        p = pts[(pts["spec"] == "standard") & (pts["period"] == a["period"]) & (pts["area"] == a["area"])]
        p = p.set_index("kommunekode").sort_index()
        q = pub[(pub["period"] == a["period"]) & (pub["area"] == a["area"])].set_index("kommunekode").sort_index()
        assert len(p) == 98 and (p.index == q.index).all()
        assert a["r_diff"] == pytest.approx(np.corrcoef(p["diff_pp_open"], q["pp"])[0, 1], abs=1e-9)
        assert a["rho_rank"] == pytest.approx(stats.spearmanr(p["rank_open"], q["rank"])[0], abs=1e-12)
        # the same band as on the ministry's own dataset (docs/REVIEW.md: 0.44–0.53 with 8 variables; the demo's
        # standard set has 15 — the 2014 age structure and unemployment included): a correlation, not a copy
        assert 0.3 < a["r_diff"] < 0.7


def _download(c, name: str, kind: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    from benchlearn.report.text import COLUMNS as TX
    from benchlearn.review.labels import COLUMNS

    r = c.get(f"/download/{name}.{kind}")
    assert r.status_code == 200, (name, kind, r.status_code)
    df = (pd.read_csv(io.BytesIO(r.content), sep=";", decimal=",", encoding="utf-8-sig") if kind == "csv"
          else pd.read_excel(io.BytesIO(r.content)))
    back: dict[str, str] = {}
    for code, (da, _en) in COLUMNS.items():
        back.setdefault(da, code)  # the downloads carry Danish headings (review/labels.py); back to codes here
    back.update({TX[k][0]: k for k in ("kommunekode", "navn") if k in TX})
    if name == "review_agreement":  # the pairs' rank_spearman and the agreement's rho_rank share their heading
        back[COLUMNS["rho_rank"][0]] = "rho_rank"
    return df.rename(columns=back)


def test_page_and_downloads_show_the_commands_numbers(demo_review):
    from fastapi.testclient import TestClient

    from benchlearn.core.i18n import set_lang
    from benchlearn.report.formatting import fmt_num
    from benchlearn.web.app import create_app

    ws, obj, _ = demo_review
    set_lang("da")
    with TestClient(create_app(ws, warm=False)) as c:
        page = c.get("/review")
        assert page.status_code == 200
        html = page.text
        dl = {(n, k): _download(c, n, k) for n in ("review_ranges", "review_pairs", "review_agreement") for k in ("csv", "xlsx")}
    ranges, pairs, agree = _tab(obj, "ranges"), _tab(obj, "pairs"), _tab(obj, "agreement")
    # the downloads name a specification by its Danish label (what a reader sees), the command by its name
    label = _tab(obj, "specs").set_index("spec")["label_da"].to_dict()
    assert len(set(label.values())) == len(label)
    pairs = pairs.assign(spec_a=pairs["spec_a"].map(label), spec_b=pairs["spec_b"].map(label))
    agree = agree.assign(spec=agree["spec"].map(label))
    # downloads (CSV and XLSX) hold the command's numbers
    for kind in ("csv", "xlsx"):
        g = dl[("review_ranges", kind)].set_index("kommunekode").sort_index()
        ref = ranges.set_index("kommunekode").sort_index()
        assert len(g) == len(ref) == 98
        for col in ("diff_pp", "ci_low_pp", "ci_high_pp", "spec_low_pp", "spec_high_pp", "rank", "rank_min", "rank_max"):
            np.testing.assert_allclose(g[col].astype(float), ref[col].astype(float), rtol=1e-9, err_msg=f"{kind} {col}")
        gp = dl[("review_pairs", kind)].set_index(["spec_a", "spec_b"]).sort_index()
        rp = pairs.set_index(["spec_a", "spec_b"]).sort_index()
        assert list(gp.index) == list(rp.index)
        for col in ("rank_spearman", "mean_rank_move", "max_rank_move", "tier_changes"):
            np.testing.assert_allclose(gp[col].astype(float), rp[col].astype(float), rtol=1e-9, err_msg=f"{kind} {col}")
        # one area here (the published benchmark's total is the only one a default spec shares with it); the
        # download shows the area by its label, so rows are matched by specification and period
        assert set(agree["area"]) == {"total"}
        ga = dl[("review_agreement", kind)].set_index(["spec", "period"]).sort_index()
        ra = agree.set_index(["spec", "period"]).sort_index()
        assert len(ga) == len(ra) > 0
        for col in ("r_diff", "rho_rank", "tier_agreement"):
            np.testing.assert_allclose(ga[col].astype(float), ra[col].astype(float), rtol=1e-9, err_msg=f"{kind} {col}")
    # the page: the specification table against the command's pairs (baseline first)
    specs = _tab(obj, "specs").set_index("spec")
    rows = {r[0]: r for r in body_cells(html, "review-specs")}
    base = obj["summary"]["baseline"]
    checked = 0
    for _, p in pairs[pairs["spec_a"] == label[base]].iterrows():
        row = rows[p["spec_b"]]
        assert row[3] == fmt_num(p["rank_spearman"]) and row[4] == fmt_num(p["mean_rank_move"], 1)
        assert row[5] == fmt_num(p["max_rank_move"], 0) and row[6] == fmt_num(p["tier_changes"], 0)
        checked += 1
    assert checked == len(obj["summary"]["specs_run"]) - 1
    # the tier-dependence table: every municipality whose tier depends on the spec, with its interval and spec range
    dep = ranges[ranges["tier_depends"]]
    cells = {r[0]: r for r in body_cells(html, "review-dep")}
    assert len(cells) == len(dep) == obj["summary"]["tier_depends"] > 0
    same = int(ranges["tier_depends_same_area"].sum())
    assert same == obj["summary"]["tier_depends_same_area"] <= len(dep)
    assert f'<strong id="review-dep-same-area">{same}</strong>' in html
    for _, r in dep.iterrows():
        x = cells[r["navn"]]
        assert x[1] == fmt_num(r["diff_pp"]) and x[2] == f"[{fmt_num(r['ci_low_pp'])}; {fmt_num(r['ci_high_pp'])}]"
        assert x[3] == f"[{fmt_num(r['spec_low_pp'])}; {fmt_num(r['spec_high_pp'])}]"
    # the ministry table: every (spec, area, period) row with the command's r, Spearman and tier agreement
    arows = body_cells(html, "review-agreement")
    assert len(arows) == len(agree)
    want = {(a["spec"], a["period"], fmt_num(a["r_diff"]), fmt_num(a["rho_rank"])) for _, a in agree.iterrows()}
    assert {(r[0], r[2], r[3], r[4]) for r in arows} == want

"""The figures of docs/REVIEW.md: the open model against the ministry's y30r21, re-measured from scratch.

Runs the review exactly as ``benchlearn review y30r21 --contributions drop-one`` does (the
shipped ``review/y30r21_specs.toml``, every period fitted together under the benchmark
resolver's period rule) and prints the tables the docs quote, as Markdown, with the time it
took and the load average. The output of the last run is kept beside this script
(``scripts/review_y30r21_results.md``); docs/REVIEW.md quotes it.

    nice -n 10 python scripts/review_y30r21.py [--out scripts/review_y30r21_results.md]

The agreement figures are checked independently of this script (the y30r21 file parsed by
hand, correlations recomputed) in tests/test_review_y30r21.py.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pandas as pd  # noqa: E402

from benchlearn.review.run import run_review  # noqa: E402
from benchlearn.review.specs import default_specs_path, load_specs  # noqa: E402
from benchlearn.review.y30r21 import ministry_dataset  # noqa: E402


def _f(x: float, d: int = 2) -> str:
    return f"{x:.{d}f}"


def _rng(s: pd.Series, d: int = 2, pct: bool = False) -> str:
    lo, hi = (100 * s.min(), 100 * s.max()) if pct else (s.min(), s.max())
    dd = 0 if pct else d
    return f"{lo:.{dd}f}–{hi:.{dd}f}" + (" %" if pct else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "scripts" / "review_y30r21_results.md")
    a = ap.parse_args()
    load0, t0 = os.getloadavg(), time.perf_counter()
    specs = load_specs(default_specs_path("y30r21_specs.toml"))
    rv = run_review(ministry_dataset(), specs, contributions="drop-one")
    secs, load1 = time.perf_counter() - t0, os.getloadavg()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    T = rv.tables
    ag, rep = T["agreement"], T["reproducibility"]
    L: list[str] = [f"# benchlearn review y30r21 --contributions drop-one — results (commit {commit})", "",
                    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {secs:.0f} s wall; load average "
                    f"{load0[0]:.1f} before, {load1[0]:.1f} after; specs `review/y30r21_specs.toml` "
                    f"(family rule: {specs.family}); fitted periods {', '.join(rv.fit_periods)}.", ""]
    L += ["## Baseline (standard), total, per period", "",
          "| period | r (result) | Spearman (rank) | r (expected count) | r (expected share) | same tier | κ (tier) | BA bias | BA limits |",
          "|---|---|---|---|---|---|---|---|---|"]
    b = ag[(ag["spec"] == "standard") & (ag["area"] == "total")].sort_values("period")
    for _, r in b.iterrows():
        L.append(f"| {r['period']} | {_f(r['r_diff'])} | {_f(r['rho_rank'])} | {_f(r['r_expected'], 3)} | "
                 f"{_f(r['r_expected_share'], 3)} | {100 * r['tier_agreement']:.0f} % | {_f(r['tier_kappa'])} | "
                 f"{_f(r['ba_bias_pp'])} | {_f(r['ba_loa_low_pp'])} … {_f(r['ba_loa_high_pp'])} |")
    L += ["", "## Per group (standard variables), range over the six periods", "",
          "| group | r (result) | Spearman | r (expected count) | same tier | κ (tier) |", "|---|---|---|---|---|---|"]
    for spec in ("standard", "a_dagpenge", "sygedagpenge", "kontanthjaelp"):
        g = ag[ag["spec"] == spec]
        if len(g):
            L.append(f"| {g['area'].iloc[0]} | {_rng(g['r_diff'])} | {_rng(g['rho_rank'])} | {_rng(g['r_expected'], 3)} | "
                     f"{_rng(g['tier_agreement'], pct=True)} | {_rng(g['tier_kappa'])} |")
    L += ["", "## Further with public variables (total, six periods)", "",
          "| spec | variables | r (result) | Spearman | r (expected share) | R² of ministry's expected share on the variables | sd unexplained of ministry's expected share (pp) | "
          "R² of ministry's result on the variables | R² by chance | ceiling √(1−R²) |", "|---|---|---|---|---|---|---|---|---|---|"]
    nvar = T["specs"].set_index("spec")["n_variables"]
    for spec in ("standard", "udvidet", "udvidet_pendling"):
        g, r = ag[(ag["spec"] == spec) & (ag["area"] == "total")], rep[(rep["spec"] == spec) & (rep["area"] == "total")]
        L.append(f"| {spec} | {int(nvar[spec])} | {_rng(g['r_diff'])} | {_rng(g['rho_rank'])} | {_rng(g['r_expected_share'], 3)} | "
                 f"{_rng(r['r2_expected'])} | {_rng(r['sd_unexplained_expected_pp'])} | {_rng(r['r2_result'])} | {_rng(r['r2_result_chance'])} | "
                 f"{_rng(r['ceiling_r'])} |")
    sd = rep[(rep["spec"] == "standard") & (rep["area"] == "total")]["sd_result_pp"]
    L += ["", f"sd of the ministry's result (total): {_rng(sd)} pp.", ""]
    if "contributions" in T:
        c = T["contributions"]
        L += [f"## Drop-one contributions ({c['spec'].iloc[0]}; r with all groups {_f(c['r_diff_full'].iloc[0], 3)}, "
              "mean over the periods; positive = the group brings the open result closer)", "",
              "| group | variables | Δ r | Δ Spearman | Δ r (expected share) |", "|---|---|---|---|---|"]
        for _, r in c.iterrows():
            L.append(f"| {r['group']} | {int(r['n_variables'])} | {r['delta_r_diff']:+.3f} | {r['delta_rho_rank']:+.3f} | "
                     f"{r['delta_r_expected_share']:+.3f} |")
    if "disagreements" in T:
        d = T["disagreements"]
        L += ["", f"## Municipalities that disagree most (total, {rv.period}, spec {c['spec'].iloc[0] if 'contributions' in T else 'standard'})", "",
              "| municipality | open | ministry | open − ministry | rank open / ministry | moved most by | closer without it (pp) |",
              "|---|---|---|---|---|---|---|"]
        for _, r in d.iterrows():
            L.append(f"| {r['navn']} | {_f(r['diff_pp_open'])} | {_f(r['diff_pp_pub'])} | {_f(r['ba_diff_pp'])} | "
                     f"{int(r['rank_open'])} / {int(r['rank_pub'])} | {r.get('moved_most_by', '')} | "
                     f"{r['toward_pp']:+.2f} |" if "toward_pp" in d.columns else
                     f"| {r['navn']} | {_f(r['diff_pp_open'])} | {_f(r['diff_pp_pub'])} | {_f(r['ba_diff_pp'])} | "
                     f"{int(r['rank_open'])} / {int(r['rank_pub'])} | | |")
    L += ["", "## Fit seconds", "", ", ".join(f"{k} {v:.1f}" for k, v in rv.timings.items()), ""]
    text = "\n".join(L)
    print(text)
    a.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

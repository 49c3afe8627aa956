"""Validate the integration benchmark (#16) against the simulator's planted effects.

Usage::

    python scripts/validate_integration.py            # 20 seeds, writes the results file
    python scripts/validate_integration.py --seeds 3  # quick look

For each scenario and seed: simulate 98 municipalities x 4 periods (with the by-origin
tables of ``simulator/origin.py``), fit the benchmark of the integration målgruppe
(non-Western residents on the integration ydelser) and compare with the truth rows
``area = integration``: ``true_diff_pp`` (the jobcentre's effect on the group, common
``θ`` and origin-specific ``φ`` together) and ``origin_effect_logit`` (``φ`` alone).
Also how well the *ordinary* total benchmark of the same municipality tracks the
group's truth — what one would know without a benchmark by origin.
Writes ``scripts/validate_integration_results.md`` (the table docs/INTEGRATION.md quotes).
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.core.progress import progress_bar
from benchlearn.benchmark.resolver import compute
from benchlearn.simulator import SimConfig, simulate

PERIODS = ("2021", "2022", "2023", "2024")
OUT = Path(__file__).with_name("validate_integration_results.md")


@dataclass(frozen=True)
class Scenario:
    name: str
    sim: SimConfig
    group_variables: bool = True


SCENARIOS = (
    Scenario("default (φ sd 0.15, θ sd 0.08)", SimConfig()),
    Scenario("default, without the group's framework variables", SimConfig(), group_variables=False),
    Scenario("larger origin effect (φ sd 0.30)", SimConfig(origin_effect_sd=0.30)),
    Scenario("no origin effect (φ = 0)", SimConfig(origin_effect_sd=0.0)),
)


def _corr(d: pd.DataFrame, a: str, b: str) -> float:
    return float(d.groupby("period")[[a, b]].apply(lambda x: x[a].corr(x[b])).mean())


def one(sim, sc: Scenario) -> dict:
    variables = None if sc.group_variables else tuple(sorted(set(sim.tables["framework"]["variable"])))
    res = compute(sim.dataset, BenchmarkConfig(maalgruppe="integration", variables=variables, exclude=(),
                                                     cv_folds=0, rank_draws=500))
    truth = sim.truth[sim.truth["area"] == "integration"][
        ["kommunekode", "period", "true_diff_pp", "origin_effect_logit"]]
    d = res.to_frame().merge(truth, on=["kommunekode", "period"], validate="one_to_one")
    tot = compute(sim.dataset, BenchmarkConfig(area="total", exclude=(), cv_folds=0, rank_draws=100)).to_frame()
    d = d.merge(tot[["kommunekode", "period", "diff_pp"]].rename(columns={"diff_pp": "total_diff_pp"}),
                on=["kommunekode", "period"])
    cov = (d["ci_low_pp"] <= d["true_diff_pp"]) & (d["true_diff_pp"] <= d["ci_high_pp"])
    return {
        "corr": _corr(d, "diff_pp", "true_diff_pp"),
        "corr_shrunk": _corr(d, "shrunk_diff_pp", "true_diff_pp"),
        "corr_phi": _corr(d, "diff_pp", "origin_effect_logit") if d["origin_effect_logit"].std() > 0 else np.nan,
        "corr_total_bm": _corr(d, "total_diff_pp", "true_diff_pp"),
        "coverage": float(cov.mean()),
        "width": float((d["ci_high_pp"] - d["ci_low_pp"]).mean()),
        "sd_true": float(d.groupby("period")["true_diff_pp"].std().mean()),
        "rmse": float(np.sqrt(((d["diff_pp"] - d["true_diff_pp"]) ** 2).mean())),
    }


def _markdown(df: pd.DataFrame) -> str:
    cells = [[str(c) for c in df.columns]] + [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
                                               for row in df.itertuples(index=False)]
    lines = ["| " + " | ".join(r) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("---" if i == 0 else "---:" for i in range(len(df.columns))) + "|")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=2000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    rows, t0 = [], time.time()
    with progress_bar(len(SCENARIOS) * args.seeds, "Validerer integrationsbenchmark", "Validating integration benchmark") as advance:
        for sc in SCENARIOS:
            for seed in seeds:
                rows.append({"scenario": sc.name, "seed": seed, **one(simulate(seed=seed, periods=PERIODS, config=sc.sim), sc)})
                advance(1)
    df = pd.DataFrame(rows)
    agg = df.groupby("scenario", sort=False).agg(
        seeds=("seed", "size"), corr=("corr", "mean"), corr_min=("corr", "min"), corr_shrunk=("corr_shrunk", "mean"),
        corr_phi=("corr_phi", "mean"), corr_total_bm=("corr_total_bm", "mean"), coverage=("coverage", "mean"),
        coverage_p5=("coverage", lambda s: s.quantile(0.05)), coverage_min=("coverage", "min"),
        width=("width", "mean"), sd_true=("sd_true", "mean"), rmse=("rmse", "mean"),
    )
    text = _markdown(agg.round(3).reset_index())
    print(text)
    if not args.no_write:
        OUT.write_text(
            "# Integration benchmark validation against the simulator's truth\n\n"
            f"Made by `python scripts/validate_integration.py --seeds {args.seeds}` (seeds {seeds.start}–{seeds.stop - 1}, "
            f"periods {', '.join(PERIODS)}, 98 municipalities; {time.time() - t0:.0f} s on {platform.machine()}, "
            f"Python {platform.python_version()}).\n\n"
            "Columns: `corr` mean over seeds and periods of corr(diff_pp, true_diff_pp) of the integration benchmark "
            "(`corr_min` the worst seed, `corr_shrunk` the empirical-Bayes result); `corr_phi` corr(diff_pp, φ), the "
            "origin-specific part alone; `corr_total_bm` corr of the ordinary total benchmark's diff_pp with the "
            "group's truth (what is known without a benchmark by origin); `coverage` share of 95% intervals holding "
            "the truth (`coverage_p5`, `coverage_min` over seeds); `width` mean interval width (pp); `sd_true` sd of "
            "the true effects (pp); `rmse` (pp).\n\n" + text + "\n",
            encoding="utf-8",
        )
        print(f"\nwritten: {OUT}")


if __name__ == "__main__":
    main()

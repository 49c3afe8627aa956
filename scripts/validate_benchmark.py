"""Validate the benchmark against the simulator's known truth over many seeds.

Usage::

    python scripts/validate_benchmark.py            # 50 seeds, writes the results file
    python scripts/validate_benchmark.py --seeds 5  # quick look

For each scenario and seed: simulate 98 municipalities × 4 periods, fit the benchmark
(all published framework variables — in the simulator none is an outcome), and compare
with ``truth.true_diff_pp``. Writes ``scripts/validate_benchmark_results.md`` next to
this script (the table docs/METHOD.md quotes).
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
from benchlearn.benchmark.model import fit
from benchlearn.core.progress import progress_bar
from benchlearn.simulator import SimConfig, simulate

PERIODS = ("2021", "2022", "2023", "2024")
OUT = Path(__file__).with_name("validate_benchmark_results.md")


@dataclass(frozen=True)
class Scenario:
    name: str
    sim: SimConfig
    area: str
    bench: dict


SCENARIOS = (
    Scenario("default simulator, total", SimConfig(), "total", {}),
    Scenario("default simulator, kontanthjaelp", SimConfig(), "kontanthjaelp", {}),
    Scenario("default simulator, a_dagpenge", SimConfig(), "a_dagpenge", {}),
    Scenario("default simulator, total, κ=0", SimConfig(), "total", {"unmeasured_share": 0.0}),
    Scenario("default simulator, total, elogit", SimConfig(), "total", {"model": "elogit"}),
    Scenario("effects dominate (θ sd 0.15), total", SimConfig(effect_sd=0.15), "total", {}),
    Scenario("no unmeasured conditions, total, κ=0", SimConfig(unmeasured_sd=0.0, transitory_sd=0.0), "total",
             {"unmeasured_share": 0.0}),
)


def one(sim, area: str, bench: dict) -> dict:
    res = fit(sim.dataset, BenchmarkConfig(area=area, exclude=(), cv_folds=0, rank_draws=500, **bench))
    truth = sim.truth[sim.truth["area"] == area][["kommunekode", "period", "true_diff_pp"]]
    d = res.to_frame().merge(truth, on=["kommunekode", "period"], validate="one_to_one")
    d["true_rank"] = d.groupby("period")["true_diff_pp"].rank(method="min")
    cov = (d["ci_low_pp"] <= d["true_diff_pp"]) & (d["true_diff_pp"] <= d["ci_high_pp"])
    rc_s = (d["rank_ci_simul_low"] <= d["true_rank"]) & (d["true_rank"] <= d["rank_ci_simul_high"])
    rc_m = (d["rank_ci_low"] <= d["true_rank"]) & (d["true_rank"] <= d["rank_ci_high"])
    joint = rc_s.groupby(d["period"]).all().mean()
    g = d.groupby("period")
    return {
        "corr": g[["diff_pp", "true_diff_pp"]].apply(lambda x: x["diff_pp"].corr(x["true_diff_pp"])).mean(),
        "corr_shrunk": g[["shrunk_diff_pp", "true_diff_pp"]].apply(lambda x: x["shrunk_diff_pp"].corr(x["true_diff_pp"])).mean(),
        "coverage": cov.mean(),
        "rank_cov_marginal": rc_m.mean(),
        "rank_cov_simul": rc_s.mean(),
        "rank_cov_joint": joint,
        "width": (d["ci_high_pp"] - d["ci_low_pp"]).mean(),
        "sd_true": g["true_diff_pp"].std().mean(),
        "rank_width_simul": (d["rank_ci_simul_high"] - d["rank_ci_simul_low"] + 1).mean(),
        "rmse": float(np.sqrt(((d["diff_pp"] - d["true_diff_pp"]) ** 2).mean())),
        "rmse_shrunk": float(np.sqrt(((d["shrunk_diff_pp"] - d["true_diff_pp"]) ** 2).mean())),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    rows = []
    t0 = time.time()
    sims: dict[tuple, object] = {}
    with progress_bar(len(SCENARIOS) * args.seeds, "Validerer benchmark", "Validating benchmark") as advance:
        for sc in SCENARIOS:
            for seed in seeds:
                key = (seed, sc.sim)
                if key not in sims:
                    sims = {k: v for k, v in sims.items() if k[1] == sc.sim}  # keep memory small
                    sims[key] = simulate(seed=seed, periods=PERIODS, config=sc.sim)
                rows.append({"scenario": sc.name, "seed": seed, **one(sims[key], sc.area, sc.bench)})
                advance(1)
    df = pd.DataFrame(rows)
    agg = df.groupby("scenario", sort=False).agg(
        seeds=("seed", "size"),
        corr=("corr", "mean"),
        corr_min=("corr", "min"),
        coverage=("coverage", "mean"),
        coverage_p5=("coverage", lambda s: s.quantile(0.05)),
        rank_cov_simul=("rank_cov_simul", "mean"),
        rank_cov_joint=("rank_cov_joint", "mean"),
        rank_cov_marginal=("rank_cov_marginal", "mean"),
        width=("width", "mean"),
        sd_true=("sd_true", "mean"),
        rank_width=("rank_width_simul", "mean"),
        rmse=("rmse", "mean"),
        rmse_shrunk=("rmse_shrunk", "mean"),
    )
    agg["width/sd"] = agg["width"] / agg["sd_true"]
    table = agg.round(3).reset_index()
    text = _markdown(table)
    print(text)
    if not args.no_write:
        OUT.write_text(
            "# Benchmark validation against the simulator's truth\n\n"
            f"Made by `python scripts/validate_benchmark.py --seeds {args.seeds}` "
            f"(seeds {seeds.start}–{seeds.stop - 1}, periods {', '.join(PERIODS)}, 98 municipalities; "
            f"{time.time() - t0:.0f} s on {platform.machine()}, Python {platform.python_version()}).\n\n"
            "Columns: `corr` mean over seeds and periods of corr(diff_pp, true_diff_pp) (`corr_min` the worst seed); "
            "`coverage` share of 95% intervals containing the truth (`coverage_p5` its 5th percentile over seeds); "
            "`rank_cov_simul` share of municipalities whose simultaneous rank interval contains the true rank, "
            "`rank_cov_joint` share of periods where all 98 do; `rank_cov_marginal` the same for marginal intervals; "
            "`width` mean width of the 95% interval (pp); `sd_true` sd of the true effects (pp); "
            "`rank_width` mean length of the simultaneous rank interval; `rmse`/`rmse_shrunk` error of the raw "
            "and the empirical-Bayes result (pp). κ = `unmeasured_share` (default 0.05).\n\n"
            + text + "\n",
            encoding="utf-8",
        )
        print(f"\nwritten: {OUT}")


def _markdown(df: pd.DataFrame) -> str:
    """A GitHub markdown table (pandas' to_markdown needs the extra package tabulate)."""
    cells = [[str(c) for c in df.columns]] + [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
                                               for row in df.itertuples(index=False)]
    lines = ["| " + " | ".join(r) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("---" if i == 0 else "---:" for i in range(len(df.columns))) + "|")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

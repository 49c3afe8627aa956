"""Plausibility of the jobcentre DEA's national potential (docs/BENCHLEARNING.md, "Plausibility").

Simulates the 98 municipalities with a realistic cost level (about 13 bn kr a year for the
employment effort, i.e. ~90,000 kr per ledig as Finansministeriet's 85,000-101,000 kr),
fits the framework benchmark, runs the DEA (CRS and VRS, both targets) with the bootstrap
and prints the national potentials with intervals next to Rigsrevisionen's 2018 figure
(about 18,000 full-time persons or 1.45 bn kr a year). Simulated numbers throughout.
Run: PYTHONPATH=src python scripts/dea_plausibility.py [--seed 1] [--bootstrap 100]
"""

from __future__ import annotations

import argparse
import time

from benchlearn.core import reference
from benchlearn.benchlearning.costs import CostConfig, compute_costs
from benchlearn.benchlearning.jobcentre_dea import OFFICIAL_2018, JobcentreDEAConfig, dea_from_dataset
from benchlearn.runs.peer_runs import benchmark_inputs
from benchlearn.simulator import SimConfig, simulate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=100)
    ap.add_argument("--unit-cost", type=float, default=35_000.0, help="kr per full-time person in the five målgrupper")
    a = ap.parse_args()
    sim = simulate(seed=a.seed, config=SimConfig(unit_cost_dkk=a.unit_cost))
    ds = sim.dataset
    period = ds.periods("costs")[-1]
    cr = compute_costs(ds.table("costs"), ds.table("support"), CostConfig(ds.periods("costs")[0], period))
    tr = cr.trend.set_index("period")
    print(f"seed {a.seed}, period {period}: expenditure {tr.loc[period, 'dkk'] / 1e9:.2f} bn kr, "
          f"{tr.loc[period, 'unit_cost']:,.0f} kr per full-time person, {tr.loc[period, 'unit_cost_ledig']:,.0f} kr per "
          f"ledig ({cr.ledige_source})")
    rec = benchmark_inputs(ds, period, need_weights=False).records
    print(f"benchmark: O = {rec['actual'].sum():,.0f}, E = {rec['expected'].sum():,.0f}, "
          f"sum max(O-E, 0) = {(rec['actual'] - rec['expected']).clip(lower=0).sum():,.0f} full-time persons")
    names = reference.municipalities().set_index("kommunekode")["navn"].to_dict()
    print(f"official 2018: {OFFICIAL_2018['persons']:,.0f} persons, {OFFICIAL_2018['dkk'] / 1e9:.2f} bn kr")
    for target in ("persons", "expenditure"):
        for rts in ("crs", "vrs"):
            t0 = time.perf_counter()
            out = dea_from_dataset(ds.table("costs"), rec, JobcentreDEAConfig(
                period=period, rts=rts, target=target, bootstrap=a.bootstrap), names=names)
            s = out.summary.iloc[0]
            f = out.records
            ok = all(((f[c] > 0) & (f[c] <= 1)).all() for c in ("efficiency", "bias_corrected", "ci_low", "ci_high"))
            inside = ((f["ci_low"] <= f["bias_corrected"] + 1e-12) & (f["bias_corrected"] <= f["ci_high"] + 1e-12)).all()
            top = f.sort_values("reference_share", ascending=False).head(2)
            refs = ", ".join(f"{names[k]} {100 * v:.0f}%" for k, v in zip(top["kommunekode"], top["reference_share"]))
            pers = (f"persons {s['potential_persons']:,.0f} (bc {s['potential_persons_bc']:,.0f}, "
                    f"95% [{s['potential_persons_low']:,.0f}; {s['potential_persons_high']:,.0f}]), " if target == "persons" else "")
            print(f"{target:11s} {rts.upper()}: efficient {s['efficient']}, screened {s['screened']}, {pers}"
                  f"kr {s['potential_dkk'] / 1e9:.2f} bn (bc {s['potential_dkk_bc'] / 1e9:.2f}, 95% "
                  f"[{s['potential_dkk_low'] / 1e9:.2f}; {s['potential_dkk_high'] / 1e9:.2f}]); "
                  f"top references {refs}; warnings {len(out.warnings)}; all in (0,1] {ok}, bc inside {inside}; "
                  f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()

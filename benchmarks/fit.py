"""Benchmark fit speed: the default fit against baselines measured in the same run.

    python benchmarks/fit.py [--seed 1] [--area total] [--repeat 2] [--json]

On the project's simulation (``simulate(seed)``, 98 municipalities, periods 2021–2024)
times, best of ``--repeat`` (CPU seconds of this process, so a busy machine inflates
less than wall time does):

1. **minimal** — one area-level fractional logit without cross-validation
   (``level="area", cv_folds=0``): the least a benchmark fit can cost;
2. **default** — ``BenchmarkConfig()``: every family × logged/raw variables
   cross-validated, cross-fitted, rank intervals;
3. **IRLS step** — the τ² loop's quasi-binomial GLM as written out
   (``estimation.binomial_irls``) against statsmodels' ``GLM(..., var_weights)`` on the
   same shares and weights, 200 fits each, with the largest coefficient difference.

Prints the ratios default/minimal and statsmodels/IRLS. The reason for the written-out
IRLS is the last ratio: the loop refits with new weights hundreds of times per fit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--area", default="total")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = ap.parse_args()

    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    from benchlearn.benchmark.config import BenchmarkConfig
    from benchlearn.benchmark.estimation import binomial_irls
    from benchlearn.benchmark.model import fit
    from benchlearn.simulator import simulate

    ds = simulate(seed=args.seed, periods=("2021", "2022", "2023", "2024")).dataset
    minimal = _best(lambda: fit(ds, BenchmarkConfig(area=args.area, level="area", cv_folds=0)), args.repeat)
    default = _best(lambda: fit(ds, BenchmarkConfig(area=args.area)), args.repeat)

    rng = np.random.default_rng(args.seed)
    n, p = 392, 12  # a four-period fit: 98 × 4 rows, intercept + 3 period effects + 8 variables
    X = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
    s = 1 / (1 + np.exp(-(X @ rng.normal(scale=0.3, size=p) - 2)))
    w = rng.uniform(1e3, 1e5, size=n)
    sm_beta = GLM(s, X, family=families.Binomial(), var_weights=w).fit(scale=1.0).params
    irls_beta = binomial_irls(s, X, w)
    k = 200
    t_sm = _best(lambda: [GLM(s, X, family=families.Binomial(), var_weights=w).fit(start_params=sm_beta, scale=1.0)
                          for _ in range(k)], args.repeat)
    t_irls = _best(lambda: [binomial_irls(s, X, w, irls_beta) for _ in range(k)], args.repeat)
    out = {
        "seed": args.seed, "area": args.area,
        "minimal_fit_cpu_s": round(minimal, 3), "default_fit_cpu_s": round(default, 3),
        "default_over_minimal": round(default / minimal, 1),
        "statsmodels_glm_ms": round(1e3 * t_sm / k, 3), "irls_ms": round(1e3 * t_irls / k, 3),
        "statsmodels_over_irls": round(t_sm / t_irls, 1),
        "max_coef_diff": float(np.max(np.abs(sm_beta - irls_beta))),
    }
    if args.json:
        print(json.dumps(out))
        return
    print(f"minimal fit (area, no CV)   {minimal:7.2f} s CPU")
    print(f"default fit                 {default:7.2f} s CPU   = {out['default_over_minimal']}x minimal")
    print(f"GLM step, statsmodels       {out['statsmodels_glm_ms']:7.3f} ms")
    print(f"GLM step, binomial_irls     {out['irls_ms']:7.3f} ms   statsmodels/irls = {out['statsmodels_over_irls']}x"
          f"   (max |Δβ| {out['max_coef_diff']:.1e})")


if __name__ == "__main__":
    main()

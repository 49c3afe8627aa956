"""The session-7 comparison in docs/METHOD.md §6: ``area_step`` with its bar (``base``) and with a
risk-inflation bar ``max(2·log G, 2·log #candidates)`` (``ric``, Foster & George 1994), on the
30 seeds of every design of scripts/validate_benchmark.py. Writes the per-seed rows to
``scripts/validate_benchmark_session7_ric.csv`` (kept beside this script) and prints both summaries.

    nice python scripts/validate_benchmark_ric.py [--seeds 30] [--out FILE]

The ``ric`` variant patches :func:`benchlearn.benchmark.steps.select` for the run only; it is
an experiment, not an option of the benchmark.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchlearn.benchmark import steps  # noqa: E402


def ric_select(s, N, X, clusters, k: int, fit_one):  # type: ignore[no-untyped-def]
    """steps.select with the bar raised to 2·log of the number of candidates of the first round."""
    Z = X[:, X.shape[1] - k:]
    est = fit_one(X)
    terms: list = []
    bar = max(2.0 * np.log(len(np.unique(clusters))), 2.0 * np.log(max(len(steps.candidate_terms(Z, set())), 1)))
    while len(terms) < k:
        cand = steps.candidate_terms(Z, {j for j, _, _ in terms})
        if not cand:
            break
        st = np.concatenate([steps.score_stats(est, steps.columns(Z, cand[i:i + steps.BLOCK]), clusters)
                             for i in range(0, len(cand), steps.BLOCK)])
        best = int(np.argmax(st))
        if not st[best] > bar:
            break
        trial = terms + [cand[best]]
        Xa = np.column_stack([X, steps.columns(Z, trial)])
        if np.linalg.matrix_rank(Xa) < Xa.shape[1]:
            break
        terms, est = trial, fit_one(Xa)
    return terms, est


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--out", default=str(Path(__file__).with_name("validate_benchmark_session7_ric.csv")))
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("validate_benchmark", Path(__file__).with_name("validate_benchmark.py"))
    vb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vb)
    base = steps.select
    rows = []
    for design in vb.DESIGNS:
        for seed in range(1, args.seeds + 1):
            for mode, fn in (("base", base), ("ric", ric_select)):
                steps.select = fn
                rows.append({"mode": mode, "design": design, "seed": seed, **vb.one(design, seed)})
            steps.select = base
        print(design, flush=True, file=sys.stderr)
    df = pd.DataFrame(rows)
    df.to_csv(args.out, index=False)
    for mode in ("base", "ric"):
        print(mode)
        print(vb.summarise(df[df["mode"] == mode].drop(columns="mode")).to_string(index=False))


if __name__ == "__main__":
    main()

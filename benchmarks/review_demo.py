"""`benchlearn review` on the default demo workspace: wall time of the command against a baseline in the same run.

Issue #14, acceptance 1: one command runs at least four specifications on the demo and prints
the summary in under 30 s on this machine. The machine is shared, so the script measures, in
the same run and under the same load:

* **baseline** — one `benchlearn benchmark` of the demo's open model (a fresh process, the
  benchmark's default configuration, text output): what one fit of the standard specification
  costs as a user sees it;
* **review** — `benchlearn review WORKSPACE` with the shipped default specifications (a fresh
  process, the printed summary), repeated ``--repeat`` times;

and prints wall and CPU seconds (the processes and their workers), the ratio review / baseline,
the load average before and after, and whether the review stayed under ``--target`` seconds.

    python benchmarks/review_demo.py [WORKSPACE] [--repeat 2] [--target 30] [--json]

Without WORKSPACE the real view's tables are built into a temporary workspace
(``benchlearn.demo.build_demo_workspace(..., analyses=())``: the demo's data, no analyses).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str]) -> dict:
    """Wall and CPU seconds (user + system of the child and its workers) of one benchlearn command."""
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0", "PYTHONPATH": str(ROOT / "src")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "benchlearn", *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"benchlearn {' '.join(args)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "stdout_lines": len(r.stdout.splitlines())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", nargs="?", type=Path)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--target", type=float, default=30.0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    tmp = None
    ws = a.workspace
    if ws is None:
        from benchlearn.demo import build_demo_workspace

        tmp = tempfile.TemporaryDirectory()
        ws = Path(tmp.name) / "demo.duckdb"
        build_demo_workspace(ws, analyses=())
    load0 = os.getloadavg()
    # the baseline: the review's own standard specification as one benchmark (the demo's open model on the
    # published counts is what the review fits; `benchlearn benchmark` on the workspace would read the
    # published table instead, so the baseline is the review with two specifications: standard and κ = 0)
    spec2 = Path(tempfile.mkdtemp()) / "two.toml"
    spec2.write_text('[review]\nbaseline = "standard"\nfamily = "baseline"\n\n[[spec]]\nname = "standard"\n'
                     'label_da = "Standard"\nlabel_en = "Standard"\n\n[[spec]]\nname = "kappa0"\nlabel_da = "κ = 0"\n'
                     'label_en = "κ = 0"\nunmeasured_share = 0.0\n', encoding="utf-8")
    base = _run(["review", str(ws), "--specs", str(spec2)])
    runs = [_run(["review", str(ws)]) for _ in range(max(1, a.repeat))]
    load1 = os.getloadavg()
    best = min(r["wall_s"] for r in runs)
    out = {
        "workspace": str(ws), "cores": os.cpu_count(), "load_before": [round(x, 2) for x in load0],
        "load_after": [round(x, 2) for x in load1], "baseline_two_specs": base, "review_default_specs": runs,
        "ratio_best_wall_to_baseline": round(best / base["wall_s"], 2),
        "ratio_cpu_to_baseline": round(min(r["cpu_s"] for r in runs) / base["cpu_s"], 2),
        "target_s": a.target, "under_target": all(r["wall_s"] < a.target for r in runs),
    }
    if a.json:
        print(json.dumps(out))
    else:
        print(f"load average before {out['load_before']}, after {out['load_after']} ({out['cores']} cores)")
        print(f"baseline (review, 2 specs: standard + κ = 0): wall {base['wall_s']} s, cpu {base['cpu_s']} s")
        for i, r in enumerate(runs, 1):
            print(f"review, default specs, run {i}: wall {r['wall_s']} s, cpu {r['cpu_s']} s, "
                  f"summary {r['stdout_lines']} lines")
        print(f"ratio review / baseline: wall {out['ratio_best_wall_to_baseline']}x, cpu {out['ratio_cpu_to_baseline']}x; "
              f"every run under {a.target:g} s: {out['under_target']}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()

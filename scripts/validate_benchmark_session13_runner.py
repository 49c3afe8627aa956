"""Session-13 experiment runner (rows in validate_benchmark_session13.csv): python scripts/validate_benchmark_session13_runner.py DESIGN FIRST_SEED N_SEEDS OUT.csv [config_field=value ...]; BOTH=1 adds log(rammevilkaar_4) as a variable."""
import sys, time, importlib.util, ast
import pandas as pd
import numpy as np
from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.model import fit
from benchlearn.data.dataset import Dataset
spec = importlib.util.spec_from_file_location("vb", __import__("pathlib").Path(__file__).with_name("validate_benchmark.py"))
vb = importlib.util.module_from_spec(spec); spec.loader.exec_module(vb)
design, first, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cfg = dict(area="total", cv_folds=5, rank_draws=300)
for kv in sys.argv[5:]:
    k, v = kv.split("=", 1)
    try: v = ast.literal_eval(v)
    except Exception: pass
    cfg[k] = v
rows = []
for seed in range(first, first + n):
    tables, truth = vb.simulate_design(design, seed)
    import os
    if os.environ.get("BOTH"):
        fw = tables["framework"]
        lg = fw[fw.variable == "rammevilkaar_4"].assign(variable="log_rammevilkaar_4")
        lg["value"] = np.log(lg["value"])
        tables = {**tables, "framework": pd.concat([fw, lg], ignore_index=True)}
    t0 = time.process_time()
    res = fit(Dataset.from_tables(tables), BenchmarkConfig(**cfg))
    rows.append({"design": design, "seed": seed, **vb.metrics(res.to_frame(), truth), "family": res.card.family,
                 "cpu_s": time.process_time() - t0, "transform": res.card.cross_validation.get("transform", "")})
    print(seed, round(rows[-1]["corr"], 3), round(rows[-1]["coverage"], 3), rows[-1]["family"], rows[-1]["transform"], flush=True)
pd.DataFrame(rows).to_csv(out, index=False)
d = pd.DataFrame(rows)
print("MEAN corr %.4f cov %.4f width/sd %.3f short_missed %d" % (d["corr"].mean(), d["coverage"].mean(), (d["width"]/d["sd_true"]).mean(), d["short_rank_missed"].sum()))

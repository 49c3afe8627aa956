"""Ingest at scale: peak memory and time of ``benchlearn ingest`` on a large CSV (audit #20.9).

The audit measured a 200 MB CSV at 91 s and 4.8 GB peak (24x the file). The target is a
peak under 1 GB. Every number is measured here, in this run, in separate processes (peak
resident memory from ``wait4``), against two baselines measured on the same file:

* ``pandas.read_csv(dtype=str)`` — only *reading* the file with a well-kept C reader, the
  floor any validating ingest stands on;
* the whole-file reader the project used before (bytes -> text -> lists of Python strings ->
  DataFrame), reproduced below, as it read the file before validation.

Usage::

    python benchmarks/ingest.py            # 200 MB
    python benchmarks/ingest.py --mb 20    # quicker

Prints one table: wall time, peak memory, peak / file size, and ratios to the baselines.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KOMMUNER = (101, 147, 151, 153, 155, 157, 159, 161, 163, 165, 167, 169, 173, 175, 183, 185, 187, 190, 201, 210, 217,
            219, 223, 230, 240, 250, 253, 259, 260, 265, 269, 270, 306, 316, 320, 326, 329, 330, 336, 340, 350, 360,
            370, 376, 390, 400, 410, 420, 430, 440, 450, 461, 479, 480, 482, 492, 510, 530, 540, 550, 561, 563, 573,
            575, 580, 607, 615, 621, 630, 657, 661, 665, 671, 706, 707, 710, 727, 730, 740, 741, 746, 751, 756, 760,
            766, 773, 779, 787, 791, 810, 813, 820, 825, 840, 846, 849, 851, 860)


def write_framework(path: Path, target_bytes: int) -> int:
    """A framework table (kommunekode;period;variable;value, Danish decimals) of about ``target_bytes``."""
    periods = [f"{y}Q{q}" for y in range(2000, 2025) for q in range(1, 5)]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("kommunekode;period;variable;value\n")
        v = 0
        while fh.tell() < target_bytes:
            var = f"rammevilkaar_{v:05d}"
            lines = []
            for k in KOMMUNER:
                for p in periods:
                    lines.append(f"{k};{p};{var};{(k * 7 + v * 13 + len(lines)) % 100000 / 100:.2f}".replace(".", ","))
            fh.write("\n".join(lines) + "\n")
            rows += len(lines)
            v += 1
    return rows


_LEGACY = r'''
import csv, io, sys
import pandas as pd
path = sys.argv[1]
text = open(path, "rb").read().decode("utf-8")
lines = text.splitlines()
reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
rows = [r for r in reader]
frame = pd.DataFrame(rows[1:], columns=rows[0], dtype=str)
print(len(frame))
'''

_PANDAS = r'''
import sys
import pandas as pd
print(len(pd.read_csv(sys.argv[1], sep=";", dtype=str, keep_default_na=False)))
'''


_CSV_MODULE_PATH = r'''
import sys
from pathlib import Path
from benchlearn.data import io
io._read_csv_arrow = lambda *a: None
from benchlearn.data.dataset import load_dataset
from benchlearn.store import Workspace
ds = load_dataset(sys.argv[1])
with Workspace.open(Path(sys.argv[2])) as ws:
    ws.ingest(ds)
'''


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB, exit code and stderr tail of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, code, err[-400:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=200.0, help="size of the CSV in MB (default 200)")
    ap.add_argument("--keep", help="folder to keep the generated dataset in")
    ap.add_argument("--no-legacy", action="store_true", help="skip the old whole-file reader (4 GB, minutes at 200 MB)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        data = root / "big"
        data.mkdir(parents=True, exist_ok=True)
        csv_path = data / "framework.csv"
        t0 = time.perf_counter()
        rows = write_framework(csv_path, int(args.mb * 1_000_000))
        size_mb = csv_path.stat().st_size / 1e6
        print(f"wrote {csv_path.name}: {size_mb:.0f} MB, {rows:,} rows in {time.perf_counter() - t0:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
        ws = root / "ws.duckdb"
        results = {"pandas.read_csv (read only)": measure([sys.executable, "-c", _PANDAS, str(csv_path)])}
        if not args.no_legacy:
            results["whole-file reader (before, read only)"] = measure([sys.executable, "-c", _LEGACY, str(csv_path)])
        results["benchlearn ingest (read, validate, store)"] = measure(
            [sys.executable, "-m", "benchlearn", "ingest", str(data), "--workspace", str(ws)], env)
        # the same file once more with Arrow's reader switched off: the csv-module path (quoted
        # fields, blank lines, other encodings) and its memory
        results["benchlearn ingest, csv-module path"] = measure(
            [sys.executable, "-c", _CSV_MODULE_PATH, str(data), str(root / "ws_csvmodule.duckdb")], env)
        if args.keep:
            print(f"workspaces kept: {ws}, {root / 'ws_csvmodule.duckdb'}")
        base_t, base_m = results["pandas.read_csv (read only)"][:2]
        print(f"\n{'step':45} {'s':>7} {'peak MB':>8} {'peak/file':>9} {'t/pandas':>8} {'mem/pandas':>10}")
        for name, (wall, peak, code, err) in results.items():
            flag = "" if code == 0 else f"  EXIT {code}: {err}"
            print(f"{name:45} {wall:7.1f} {peak:8.0f} {peak / size_mb:9.2f} {wall / base_t:8.2f} {peak / base_m:10.2f}{flag}")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        ingest_peak = results["benchlearn ingest (read, validate, store)"][1]
        print(f"\ningest peak {ingest_peak:.0f} MB for a {size_mb:.0f} MB file: "
              f"{'under' if ingest_peak < 1000 * size_mb / 200 else 'OVER'} the target (1 GB per 200 MB)")


if __name__ == "__main__":
    main()

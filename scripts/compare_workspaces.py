"""Compare the result tables of two benchlearn workspaces exactly ("outputs unchanged").

Usage::

    python scripts/compare_workspaces.py BEFORE.duckdb AFTER.duckdb [--json]

Reads both DuckDB files directly (no benchlearn import, so it runs against a workspace
built by any version of the code). Runs are matched on ``(kind, config)`` — the run
configuration as stored, with run ids masked — and, where several runs share a key,
in the order they were created. For every matched run it compares:

* every result table ``res_<run_id>_<name>``: the same names, the same columns in the
  same order with the same types, the same rows in the same order, every value
  identical (NaN equals NaN; no tolerance);
* the run's ``meta`` (with run ids masked; ``created`` and ``version`` are not compared);
* the ingested ``data_*`` tables.

Run ids and timestamps are excluded by design: they are new on every build. Prints a
summary and, for a table that differs, which columns differ and by how much (largest
absolute difference of a numeric column), so a deliberate change can be recorded.
Exit status 0 when everything is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

#: a run id as the store makes it: ``<kind>_<12 hex digits>``
RUN_ID = re.compile(r"\b[a-z0-9_]+_[0-9a-f]{12}\b")


def _mask(text: str) -> str:
    return RUN_ID.sub("<run>", text)


def _canonical(obj_json: str | None) -> str:
    obj = json.loads(obj_json) if obj_json else {}
    return _mask(json.dumps(obj, sort_keys=True, ensure_ascii=False))


@dataclass
class Report:
    matched: int = 0
    tables: int = 0
    identical: int = 0
    data_tables: int = 0
    only_before: list[str] = field(default_factory=list)
    only_after: list[str] = field(default_factory=list)
    differences: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.only_before or self.only_after or self.differences)


def _runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    runs = con.execute("SELECT run_id, kind, created, config_json, meta_json, results FROM _runs ORDER BY created").df()
    runs["key"] = [f"{k} {_canonical(c)}" for k, c in zip(runs["kind"], runs["config_json"])]
    return runs


def _table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    return con.execute(f'SELECT * FROM "{name}"').df()


def _res_name(run_id: str, name: str) -> str:
    return f"res_{run_id}_{re.sub(r'[^a-z0-9_]', '_', name.lower())}"


def _same_values(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise identity, NaN/None/NA equal to each other, lists compared as lists."""
    out = np.empty(len(a), dtype=bool)
    for i, (x, y) in enumerate(zip(a.tolist(), b.tolist())):
        if isinstance(x, (list, tuple, np.ndarray)) or isinstance(y, (list, tuple, np.ndarray)):
            out[i] = list(x) == list(y) if x is not None and y is not None else x is y
            continue
        nx = x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x))
        ny = y is None or y is pd.NA or (isinstance(y, float) and np.isnan(y))
        out[i] = (nx and ny) or (not nx and not ny and x == y)
    return out


def compare_frames(a: pd.DataFrame, b: pd.DataFrame) -> dict | None:
    """``None`` when identical; else a description of what differs."""
    if list(a.columns) != list(b.columns):
        return {"columns_before": list(a.columns), "columns_after": list(b.columns)}
    types = {c: (str(a[c].dtype), str(b[c].dtype)) for c in a.columns if str(a[c].dtype) != str(b[c].dtype)}
    if len(a) != len(b):
        return {"rows_before": len(a), "rows_after": len(b), "dtypes": types}
    cols = {}
    for c in a.columns:
        same = _same_values(a[c], b[c])
        if same.all():
            continue
        info: dict = {"rows_differing": int((~same).sum())}
        if pd.api.types.is_numeric_dtype(a[c]) and pd.api.types.is_numeric_dtype(b[c]) and not pd.api.types.is_bool_dtype(a[c]):
            d = (pd.to_numeric(a[c], errors="coerce") - pd.to_numeric(b[c], errors="coerce")).abs()
            info["max_abs_diff"] = float(d.max()) if d.notna().any() else None
        else:
            i = int(np.flatnonzero(~same)[0])
            info["example"] = [repr(a[c].iloc[i])[:80], repr(b[c].iloc[i])[:80]]
        cols[c] = info
    if not cols and not types:
        return None
    return {"dtypes": types, "columns": cols} if types else {"columns": cols}


def compare(before: Path, after: Path) -> Report:
    rep = Report()
    with duckdb.connect(str(before), read_only=True) as ca, duckdb.connect(str(after), read_only=True) as cb:
        ra, rb = _runs(ca), _runs(cb)
        by_a: dict[str, list] = defaultdict(list)
        by_b: dict[str, list] = defaultdict(list)
        for _, r in ra.iterrows():
            by_a[r["key"]].append(r)
        for _, r in rb.iterrows():
            by_b[r["key"]].append(r)
        for key in sorted(set(by_a) | set(by_b)):
            xs, ys = by_a.get(key, []), by_b.get(key, [])
            for x in xs[len(ys):]:
                rep.only_before.append(key[:160])
            for y in ys[len(xs):]:
                rep.only_after.append(key[:160])
            for x, y in zip(xs, ys):
                rep.matched += 1
                where = f"{x['kind']} {_canonical(x['config_json'])[:120]}"
                if _canonical(x["meta_json"]) != _canonical(y["meta_json"]):
                    rep.differences.append({"run": where, "what": "meta",
                                            "before": _canonical(x["meta_json"])[:300],
                                            "after": _canonical(y["meta_json"])[:300]})
                na, nb = json.loads(x["results"]), json.loads(y["results"])
                if na != nb:
                    rep.differences.append({"run": where, "what": "result names", "before": na, "after": nb})
                for name in [n for n in na if n in nb]:
                    rep.tables += 1
                    diff = compare_frames(_table(ca, _res_name(x["run_id"], name)), _table(cb, _res_name(y["run_id"], name)))
                    if diff is None:
                        rep.identical += 1
                    else:
                        rep.differences.append({"run": where, "what": name, **diff})
        da = {r[0] for r in ca.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'data_%'").fetchall()}
        db = {r[0] for r in cb.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'data_%'").fetchall()}
        for name in sorted(da ^ db):
            (rep.only_before if name in da else rep.only_after).append(name)
        for name in sorted(da & db):
            rep.data_tables += 1
            diff = compare_frames(_table(ca, name), _table(cb, name))
            if diff is not None:
                rep.differences.append({"run": "ingested data", "what": name, **diff})
    return rep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = ap.parse_args(argv)
    rep = compare(args.before, args.after)
    if args.json:
        print(json.dumps(rep.__dict__ | {"ok": rep.ok}, indent=1, ensure_ascii=False, default=str))
    else:
        print(f"runs matched: {rep.matched}; result tables compared: {rep.tables}, identical: {rep.identical}; "
              f"ingested tables compared: {rep.data_tables}")
        print(f"runs only in before: {len(rep.only_before)}; only in after: {len(rep.only_after)}; "
              f"differences: {len(rep.differences)}")
        for k in rep.only_before[:20]:
            print("  only before:", k)
        for k in rep.only_after[:20]:
            print("  only after: ", k)
        for d in rep.differences[:50]:
            print("  differs:", json.dumps(d, ensure_ascii=False, default=str)[:600])
        print("IDENTICAL" if rep.ok else "DIFFERENT")
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())

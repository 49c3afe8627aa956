"""Register-style ("wide") person-weeks: one row per person, one column per ISO week.

DREAM, the register most Danish employment research uses, keeps one row per person and
a column per week holding a benefit code, named ``y_YYWW`` (two-digit ISO year and
week: ``y_2301`` is 2023-W01 — the layout read by e.g. the public R package
``heaven``'s ``importDREAM``). benchlearn reads such a file,
``person_weeks_wide.parquet``, directly:

* ``person_id``; ``y_YYWW`` per week: a benefit code (text), mapped to a ydelse by an
  editable code file (:data:`DEFAULT_CODES`, ``--codes FILE``); a blank code maps to
  ``ingen`` by default (DREAM records a week with no transfer as blank);
* the municipality: ``k_YYWW`` per week (a blank = not resident that week), or one
  ``kommunekode`` column for every week.

A code that is not in the code file, or marked ``unknown`` there, is refused (table,
column, value) rather than guessed: the meaning of DREAM's numeric codes has no public
source we could name, so the default file holds only benchlearn's own ydelse codes.

Why not in SQL: the reduction the pipeline needs is per person x municipality x ydelse.
From the long layout that is a 192-million-row group-by; here it is a row-wise pass.
Written as SQL it measured worse (DuckDB ``UNPIVOT`` then group-by ≈40x the bare scan
on 1 M persons; 15 x 52 ``CASE`` sums per row did not finish in 10 minutes), so it is
a numpy pass over the dictionary codes of each Parquet batch: per person a
``bincount`` of its weeks' ydelse codes (persons in one municipality all period), or
of (municipality, ydelse) pairs for the few who move. The result is the same
``person x municipality x ydelse`` rows the long layout's scan gives, as numpy arrays
in file row order; everything after it is :mod:`benchlearn.persons.finish`, as after
either engine.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchlearn.core import reference
from benchlearn.core.errors import DataError
from benchlearn.persons.weeks import period_weeks, window_weeks

DEFAULT_CODES = Path(__file__).with_name("benefit_codes.csv")
TABLE = "person_weeks_wide"
WIDE_COLUMN = re.compile(r"^([yk])_(\d{2})(\d{2})$")
_BATCH = 250_000


def week_of_column(year2: str, week2: str) -> str:
    """``y_2301`` -> ``2023-W01`` (two-digit years below 90 are 20xx, as in DREAM)."""
    y = int(year2)
    return f"{2000 + y if y < 90 else 1900 + y}-W{week2}"


def load_codes(path: str | Path | None = None) -> dict[str, str]:
    """The code -> ydelse map (``code,ydelse,source``); ``unknown`` rows are kept as
    such (refused when met in data)."""
    p = Path(path) if path else DEFAULT_CODES
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    for col in ("code", "ydelse"):
        if col not in df.columns:
            raise DataError("benefit_codes", None, col, None, f"en kolonne '{col}'", f"a column '{col}'", source=str(p))
    valid = set(reference.ydelse_codes()) | {"ingen", "unknown"}
    for i, y in enumerate(df["ydelse"].str.strip().tolist()):
        if y not in valid:
            raise DataError("benefit_codes", i + 2, "ydelse", y, "en ydelseskode, 'ingen' eller 'unknown'",
                            "a ydelse code, 'ingen' or 'unknown'", source=str(p))
    codes = dict(zip(df["code"].str.strip(), df["ydelse"].str.strip()))
    if len(codes) != len(df):
        raise DataError("benefit_codes", None, "code", None, "hver kode én gang", "each code once", source=str(p))
    return codes


@dataclass(frozen=True)
class WideReduction:
    """The reduction of a wide file, in file row order: ``rows`` (row of the wide file),
    ``k``, ``y`` (index in ``[*ydelse codes, "ingen"]``), ``n_period``, ``n_window`` per
    (person, municipality, ydelse); ``ids`` the file's ``person_id`` column; ``k_last``
    per file row the municipality of the window's last week (-1: not resident then);
    person-weeks counted."""

    rows: np.ndarray
    k: np.ndarray
    y: np.ndarray
    n_period: np.ndarray
    n_window: np.ndarray
    ids: pa.Array
    k_last: np.ndarray
    n_total: int

    def pkw(self) -> pa.Table:
        """As a table (person_id, kommunekode, ydelse, n_period, n_window) — for tests and reading."""
        ylist = np.asarray([*reference.ydelse_codes(), "ingen"], dtype=object)
        return pa.table({"person_id": self.ids.take(pa.array(self.rows)), "kommunekode": pa.array(self.k),
                         "ydelse": pa.array(ylist[self.y], pa.string()), "n_period": pa.array(self.n_period),
                         "n_window": pa.array(self.n_window)})


def _columns(path: Path, weeks: list[str]) -> tuple[str, list[str], list[str] | None, str | None]:
    names = pq.read_schema(path).names
    lower = {n.lower(): n for n in names}
    if "person_id" not in lower:
        raise DataError(TABLE, None, "person_id", None, "en kolonne 'person_id'", "a column 'person_id'", source=str(path))
    by_week: dict[tuple[str, str], str] = {}
    for n in names:
        m = WIDE_COLUMN.match(n.lower())
        if m:
            by_week[(m.group(1), week_of_column(m.group(2), m.group(3)))] = n
    ycols, kcols = [], []
    for w in weeks:
        col = f"y_{w[2:4]}{w[6:8]}"
        if ("y", w) not in by_week:
            raise DataError(TABLE, None, col, None, f"en kolonne for uge {w}", f"a column for week {w}", source=str(path))
        ycols.append(by_week[("y", w)])
        if ("k", w) in by_week:
            kcols.append(by_week[("k", w)])
    if kcols and len(kcols) != len(weeks):
        missing = next(w for w in weeks if ("k", w) not in by_week)
        raise DataError(TABLE, None, f"k_{missing[2:4]}{missing[6:8]}", None, f"en kommunekolonne for uge {missing}",
                        f"a municipality column for week {missing}", source=str(path))
    single = None if kcols else lower.get("kommunekode")
    if not kcols and single is None:
        raise DataError(TABLE, None, "kommunekode", None, "k_YYWW-kolonner eller en kolonne 'kommunekode'",
                        "k_YYWW columns or a column 'kommunekode'", source=str(path))
    return lower["person_id"], ycols, kcols or None, single


def reduce_wide(path: Path, cfg: object, codes: dict[str, str]) -> WideReduction:
    """The person x municipality x ydelse reduction of a wide file (see the module doc).

    Notes
    -----
    For person ``i`` with ydelse code ``y_iw`` and municipality ``k_iw`` in week ``w``:
    ``n_period(i, k, y) = #{w in P : k_iw = k, y_iw = y}``, ``n_window`` likewise over
    the 12-month window; weeks with no municipality are not person-weeks.

    The file's row groups are reduced in ``cfg.threads`` threads (default: every core;
    Parquet decoding and numpy's array loops release the GIL) and put together in file
    order, so the result does not depend on the number of threads.
    """
    pweeks = period_weeks(cfg.period)  # type: ignore[attr-defined]
    wweeks = window_weeks(cfg.period, cfg.window_weeks)  # type: ignore[attr-defined]
    weeks = sorted(set(pweeks) | set(wweeks))
    id_col, ycols, kcols, single = _columns(path, weeks)
    ylist = [*reference.ydelse_codes(), "ingen"]
    plan = _Plan(
        weeks=weeks, wweeks=wweeks, ylist=ylist, ycols=ycols, kcols=kcols, single=single,
        in_p=np.array([w in set(pweeks) for w in weeks]), in_w=np.array([w in set(wweeks) for w in weeks]),
        code_idx={c: (ylist.index(y) if y in ylist else -2) for c, y in codes.items()},  # -2: unknown
    )
    cols = [id_col, *ycols, *(kcols or [single])]
    pf = pq.ParquetFile(path, read_dictionary=ycols)
    n_groups = pf.metadata.num_row_groups
    threads = max(1, min(getattr(cfg, "threads", None) or os.cpu_count() or 1, n_groups))
    local = threading.local()
    starts = np.cumsum([0] + [pf.metadata.row_group(i).num_rows for i in range(n_groups)])

    def one(i: int) -> tuple[list[tuple[np.ndarray, ...]], list[np.ndarray], list[pa.Array], int]:
        if not hasattr(local, "pf"):  # a ParquetFile per thread
            local.pf = pq.ParquetFile(path, read_dictionary=ycols)
        parts, lasts, ids, n, off = [], [], [], 0, int(starts[i])
        for b in local.pf.iter_batches(batch_size=_BATCH, row_groups=[i], columns=cols):
            rows, k_last, nt = _reduce_batch(b, plan)
            parts.extend((r + off, *rest) for r, *rest in rows)
            lasts.append(k_last)
            ids.append(b.column(0))
            off += b.num_rows
            n += nt
        return parts, lasts, ids, n

    if threads == 1:
        results = [one(i) for i in range(n_groups)]
    else:
        with ThreadPoolExecutor(max_workers=threads) as ex:
            results = list(ex.map(one, range(n_groups)))  # map keeps file order
    parts = [t for r in results for t in r[0]]
    cat = [np.concatenate([q[j] for q in parts]) if parts else np.zeros(0, np.int64) for j in range(5)]
    id_type = pf.schema_arrow.field(id_col).type
    ids = pa.concat_arrays([a for r in results for a in r[2]]) if n_groups else pa.array([], id_type)
    k_last = np.concatenate([x for r in results for x in r[1]]) if n_groups else np.zeros(0, np.int64)
    return WideReduction(cat[0].astype(np.int64), cat[1].astype(np.int64), cat[2].astype(np.int64),
                         cat[3].astype(np.int64), cat[4].astype(np.int64), ids, k_last.astype(np.int64),
                         sum(r[3] for r in results))


@dataclass(frozen=True)
class _Plan:
    weeks: list[str]
    wweeks: list[str]
    ylist: list[str]
    ycols: list[str]
    kcols: list[str] | None
    single: str | None
    in_p: np.ndarray
    in_w: np.ndarray
    code_idx: dict[str, int]


def _reduce_batch(b: pa.RecordBatch, plan: _Plan) -> tuple[list[tuple[np.ndarray, ...]], np.ndarray, int]:
    """One batch of persons: their (row, municipality, ydelse, n_period, n_window) arrays,
    the municipality of the last window week per row, person-weeks."""
    n, nw, ny = b.num_rows, len(plan.weeks), len(plan.ylist)
    in_p, in_w = plan.in_p, plan.in_w
    all_p, same_pw = bool(in_p.all()), bool(np.array_equal(in_p, in_w))  # a year: the window is the period
    blank = plan.code_idx.get("", -2)
    Y = np.empty((n, nw), dtype=np.int16, order="F")  # column-major: each week column written in one run
    for j, c in enumerate(plan.ycols):
        Y[:, j] = _ydelse_index(b.column(c), plan.code_idx, blank, c)
    if plan.kcols:
        K = np.empty((n, nw), dtype=np.int32, order="F")
        for j, c in enumerate(plan.kcols):
            K[:, j] = np.asarray(pc.fill_null(pc.cast(b.column(c), pa.int32()), -1))
        res = K >= 0
        simple = (K == K[:, :1]).all(axis=1) & res.all(axis=1)
        n_total = int(res.sum() if all_p else res[:, in_p].sum())
        k_first, k_last = K[:, 0], K[:, plan.weeks.index(plan.wweeks[-1])]
    else:
        K = None
        k1 = np.asarray(pc.fill_null(pc.cast(b.column(plan.single), pa.int32()), -1))
        simple = k1 >= 0  # one municipality column: resident every week or none
        n_total = int(simple.sum()) * int(in_p.sum())
        k_first = k_last = k1
    rows = []
    s = np.flatnonzero(simple)
    if len(s):  # one municipality all year: a bincount of the ydelse codes per person
        Ys = Y if len(s) == n else Y[s]
        base = (np.arange(len(s), dtype=np.intp) * ny)[:, None]

        def counts(m: np.ndarray, whole: bool) -> np.ndarray:
            key = (Ys if whole else Ys[:, m]).astype(np.intp)
            key += base
            return np.bincount(key.ravel(order="K"), minlength=len(s) * ny).reshape(len(s), ny)

        cp = counts(in_p, all_p)
        cw = cp if same_pw else counts(in_w, bool(in_w.all()))
        r, y = np.nonzero(cp + cw if not same_pw else cp)
        rows.append((s[r], k_first[s[r]], y, cp[r, y], cw[r, y]))
    mv = np.flatnonzero(~simple)
    if len(mv) and K is not None:  # movers and part-year residents: (person, municipality, ydelse) triples
        sub_k, sub_y = K[mv], Y[mv]
        sub_r = np.repeat(np.arange(len(mv)), nw).reshape(len(mv), -1)
        keep = sub_k >= 0
        key = (sub_r * 1000 + sub_k).astype(np.int64) * ny + sub_y
        wp = np.broadcast_to(in_p, keep.shape)[keep]
        kk = key[keep]
        uk, inv = np.unique(kk, return_inverse=True)
        np_ = np.bincount(inv, weights=wp, minlength=len(uk)).astype(np.int64)
        nw_ = np.bincount(inv, weights=np.broadcast_to(in_w, keep.shape)[keep], minlength=len(uk)).astype(np.int64)
        rr, rem = np.divmod(uk, 1000 * ny)
        kx, yx = np.divmod(rem, ny)
        rows.append((mv[rr], kx, yx, np_, nw_))
    return rows, k_last.astype(np.int64), n_total


def _ydelse_index(col: pa.ChunkedArray | pa.Array, code_idx: dict[str, int], blank: int, name: str) -> np.ndarray:
    """Ydelse index per row from a (dictionary-encoded) code column; refuses codes that
    are missing from the code file or marked ``unknown``."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    dic = [str(v).strip() if v is not None else "" for v in arr.dictionary.to_pylist()]
    lut = np.array([code_idx.get(v, -3) for v in dic] + [blank], dtype=np.int16)
    bad = [v for v, i in zip(dic, lut[:-1]) if i < 0]
    if blank < 0 and arr.null_count:
        bad.append("")
    if bad:
        idx = np.asarray(pc.fill_null(arr.indices, len(dic)))
        used = set(np.unique(idx).tolist())
        bad = [v for j, v in enumerate(dic) if lut[j] < 0 and j in used] + (
            [""] if blank < 0 and len(dic) in used else [])
        if bad:
            raise DataError(TABLE, None, name, bad[0],
                            "en kode fra kodefilen med en kendt ydelse (ret --codes-filen)",
                            "a code in the code file with a known ydelse (edit the --codes file)")
    idx = np.asarray(pc.fill_null(arr.indices, len(dic)))
    return lut[idx]

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
``person x municipality x ydelse`` table the long layout's scan gives, as Arrow, handed
to either engine; everything after it is the one Ibis definition.
"""

from __future__ import annotations

import re
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
_COL = re.compile(r"^([yk])_(\d{2})(\d{2})$")
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
    """``pkw`` (person_id, kommunekode, ydelse, n_period, n_window), ``last`` (person_id,
    week, kommunekode: residents in the window's last week), person-weeks counted."""

    pkw: pa.Table
    last: pa.Table
    n_total: int


def _columns(path: Path, weeks: list[str]) -> tuple[str, list[str], list[str] | None, str | None]:
    names = pq.read_schema(path).names
    lower = {n.lower(): n for n in names}
    if "person_id" not in lower:
        raise DataError(TABLE, None, "person_id", None, "en kolonne 'person_id'", "a column 'person_id'", source=str(path))
    by_week: dict[tuple[str, str], str] = {}
    for n in names:
        m = _COL.match(n.lower())
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
    """
    pweeks = period_weeks(cfg.period)  # type: ignore[attr-defined]
    wweeks = window_weeks(cfg.period, cfg.window_weeks)  # type: ignore[attr-defined]
    weeks = sorted(set(pweeks) | set(wweeks))
    id_col, ycols, kcols, single = _columns(path, weeks)
    in_p = np.array([w in set(pweeks) for w in weeks])
    in_w = np.array([w in set(wweeks) for w in weeks])
    last_j = weeks.index(wweeks[-1])
    ylist = [*reference.ydelse_codes(), "ingen"]
    ny = len(ylist)
    code_idx = {c: (ylist.index(y) if y in ylist else -2) for c, y in codes.items()}  # -2: unknown
    blank = code_idx.get("", -2)
    pf = pq.ParquetFile(path, read_dictionary=ycols)
    cols = [id_col, *ycols, *(kcols or [single])]
    parts, lasts, n_total = [], [], 0
    for b in pf.iter_batches(batch_size=_BATCH, columns=cols):
        n = b.num_rows
        ids = b.column(0)
        Y = np.empty((n, len(weeks)), dtype=np.int16)
        for j, c in enumerate(ycols):
            Y[:, j] = _ydelse_index(b.column(c), code_idx, blank, c)
        if kcols:
            K = np.column_stack([np.asarray(pc.fill_null(pc.cast(b.column(c), pa.int32()), -1)) for c in kcols])
        else:
            k1 = np.asarray(pc.fill_null(pc.cast(b.column(single), pa.int32()), -1))
            K = np.repeat(k1[:, None], len(weeks), axis=1)
        res = K >= 0
        n_total += int(res[:, in_p].sum())
        simple = (K == K[:, :1]).all(axis=1) & res.all(axis=1)
        rows = []
        s = np.flatnonzero(simple)
        if len(s):  # one municipality all year: a bincount of the ydelse codes per person
            cnt = [np.bincount((np.arange(len(s))[:, None] * ny + Y[s][:, m]).ravel(), minlength=len(s) * ny)
                   .reshape(len(s), ny) for m in (in_p, in_w)]
            r, y = np.nonzero(cnt[0] + cnt[1])
            rows.append((s[r], K[s[r], 0], y, cnt[0][r, y], cnt[1][r, y]))
        mv = np.flatnonzero(~simple)
        if len(mv):  # movers and part-year residents: (person, municipality, ydelse) triples
            sub_k, sub_y, sub_r = K[mv], Y[mv], np.repeat(np.arange(len(mv)), len(weeks)).reshape(len(mv), -1)
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
        for r, k, y, a, w in rows:
            parts.append(pa.table({"person_id": ids.take(pa.array(r)), "kommunekode": pa.array(k.astype(np.int16)),
                                   "ydelse": pa.array(np.asarray(ylist, dtype=object)[y], pa.string()),
                                   "n_period": pa.array(a.astype(np.int64)), "n_window": pa.array(w.astype(np.int64))}))
        lr = np.flatnonzero(K[:, last_j] >= 0)
        lasts.append(pa.table({"person_id": ids.take(pa.array(lr)), "week": pa.array([wweeks[-1]] * len(lr), pa.string()),
                               "kommunekode": pa.array(K[lr, last_j].astype(np.int16))}))
    empty = pa.table({"person_id": pa.array([], pf.schema_arrow.field(id_col).type), "kommunekode": pa.array([], pa.int16()),
                      "ydelse": pa.array([], pa.string()), "n_period": pa.array([], pa.int64()),
                      "n_window": pa.array([], pa.int64())})
    pkw = pa.concat_tables(parts) if parts else empty
    last = pa.concat_tables(lasts) if lasts else empty.select(["person_id", "kommunekode"]).append_column(
        "week", pa.array([], pa.string())).select(["person_id", "week", "kommunekode"])
    return WideReduction(pkw, last, n_total)


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

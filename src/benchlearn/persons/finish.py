"""Everything after the one big reduction, in numpy on a dense person index.

The engine (DuckDB or Spark) or the wide layout's row-wise pass brings the person-weeks
down to ``person x municipality x ydelse`` rows (≈1.15 per person). Each row carries the
person's **row in the persons map** (``p``, from one join on the engine), so every
per-person step is an ``np.bincount`` over an array of 3.7 million slots instead of a
hash aggregation or join over millions of keys, and the person's attributes (cell code,
origin group, in scope) are array look-ups. The outputs are the integer counts that
:func:`benchlearn.persons.outputs.shape` divides and shapes; nothing here is
person-level once it returns.

Definitions (the same as the docs' table; ``P`` the period's weeks, the window its 12
months): per person x municipality ``exposure_weeks = Σ n_period`` over all rows,
``o_a = Σ n_period`` over the rows on area ``a``'s ydelser; support per municipality x
ydelse x origin group from the in-scope rows on a ydelse with ``n_period > 0`` (rows are
unique per person, municipality and ydelse, so their count is the head count); cells per
municipality x cell code from the in-scope person x municipality units with exposure;
fokusmål: in-scope persons with ``Σ n_window`` on the covered ydelser ≥ the window's
weeks, counted in the municipality of the window's last week.

Why not in the engine: measured at national scale (docs/PERSONS.md, session 5), the
joins and per-person aggregations after the scan cost more than the scan itself on two
cores (each hash aggregation over ≈4 million keys 0.3–0.7x the bare scan); as bincounts
on the dense index they take a fraction of that, and the code is the same for both
engines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from benchlearn.core import reference
from benchlearn.persons.ingest import check_code_values, check_persons
from benchlearn.persons.weeks import window_weeks

#: ydelse index -> code (the 14 contract codes, then ``ingen``)
YDELSER: tuple[str, ...] = (*reference.ydelse_codes(), "ingen")
INGEN = len(YDELSER) - 1


@dataclass(frozen=True)
class Reduced:
    """``person x municipality x ydelse`` rows: ``p`` (row in the persons map, -1: not in
    persons), ``k`` (kommunekode, -1: missing), ``y`` (index in :data:`YDELSER`),
    ``n_period``, ``n_window`` (int64); ``n_total`` person-weeks read."""

    p: np.ndarray
    k: np.ndarray
    y: np.ndarray
    n_period: np.ndarray
    n_window: np.ndarray
    n_total: int


def from_arrow(t: pa.Table, n_total: int, ydelser_seen: Callable[[], list]) -> Reduced:
    """A reduced table from the engine (columns p, kommunekode, y = index in
    :data:`YDELSER` or null for a ydelse outside the contract, n_period, n_window);
    checks the municipality codes and ydelser seen (a clear error naming the value)
    before anything is counted. ``ydelser_seen()`` lists the distinct ydelse values,
    asked only when one is unknown."""

    def col(name: str, fill: int) -> np.ndarray:
        c = t.column(name)
        if c.null_count:
            c = pc.fill_null(c, fill)
        if not c.num_chunks:
            return np.zeros(0, dtype=np.int64)
        # chunk by chunk into one int64 array: one copy, not cast + fill + combine + copy
        return np.concatenate([ch.to_numpy(zero_copy_only=False) for ch in c.chunks], dtype=np.int64)

    k, y = col("kommunekode", -1), col("y", -1)
    check_code_values(distinct_kommuner(k), ydelser_seen() if (y < 0).any() else [])
    return Reduced(col("p", -1), k, y, col("n_period", 0), col("n_window", 0), n_total)


def ydelse_table() -> pa.Table:
    """ydelse code -> index in :data:`YDELSER`, joined onto the engine's reduced rows so
    that they come back as small integers rather than 4 million strings."""
    return pa.table({"ydelse": pa.array(YDELSER, pa.string()), "y": pa.array(np.arange(len(YDELSER)), pa.int8())})


def distinct_kommuner(k: np.ndarray) -> list[int | None]:
    """Distinct municipality codes (None for a missing one) without sorting 4 million rows."""
    if not len(k):
        return []
    lo, hi = int(k.min()), int(k.max())
    if lo >= -1 and hi < 100_000:
        seen = np.flatnonzero(np.bincount(k + 1, minlength=hi + 2)) - 1
    else:
        seen = np.unique(k)
    return [None if v == -1 else int(v) for v in seen.tolist()]


@dataclass(frozen=True)
class Persons:
    """Per row of the persons map: ``cell`` (int32, -1 out of the age groups), ``grp``
    (origin x residence basis), ``in_scope``."""

    cell: np.ndarray
    grp: np.ndarray
    in_scope: np.ndarray


@dataclass(frozen=True)
class Events:
    """Per row of the persons map: samtaler, tilbud and løntimer in the window."""

    samtaler: np.ndarray
    tilbud: np.ndarray
    hours: np.ndarray


def area_masks(cfg: object) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per cell area a boolean per ydelse index; and the fokusmål's covered ydelser."""
    areas = {a: np.array([y in set(reference.area_ydelser(a)) for y in YDELSER])
             for a in cfg.cell_areas}  # type: ignore[attr-defined]
    cov = set(reference.area_ydelser(cfg.focus_area))  # type: ignore[attr-defined]
    return areas, np.array([y in cov for y in YDELSER])


def check_rows(red: Reduced, n_persons: int, cfg: object) -> None:
    """Rows of persons missing from ``persons``; more weeks per person than the period and
    window hold (a person-week given twice)."""
    unmatched = int((red.p < 0).sum())
    if unmatched:
        check_persons(unmatched, None, cfg)
    per_n = np.bincount(red.p, weights=red.n_period + red.n_window, minlength=n_persons)
    check_persons(0, int(per_n.max()) if len(per_n) else None, cfg)


def finish(red: Reduced, persons: Persons, cfg: object, events: Events | None,
           last_kommune: Callable[[np.ndarray], np.ndarray]) -> dict[str, pd.DataFrame]:
    """The integer counts of support, cells and focus (before the small-number rule).

    ``last_kommune(persons)`` gives the municipality of the window's last week for the
    persons (rows of the map) who are in the fokusmål and lived in more than one
    municipality in the window; everyone else's is their one municipality.
    """
    n_persons = len(persons.cell)
    areas, f_focus = area_masks(cfg)
    kcodes = np.array(sorted(reference.kommunekoder()), dtype=np.int64)
    k_lut = np.full(int(kcodes.max()) + 1, -1, dtype=np.int64)
    k_lut[kcodes] = np.arange(len(kcodes))
    nk = len(kcodes)
    ki = k_lut[red.k]  # codes were checked: every one is a municipality
    scope = persons.in_scope[red.p]
    n_grp = int(persons.grp.max()) + 1 if n_persons else 1
    out: dict[str, pd.DataFrame] = {}

    # support: in-scope rows on a ydelse with weeks in the period
    s = np.flatnonzero(scope & (red.y != INGEN) & (red.n_period > 0))
    key = (ki[s] * len(YDELSER) + red.y[s]) * n_grp + persons.grp[red.p[s]]
    size = nk * len(YDELSER) * n_grp
    n_rows = np.bincount(key, minlength=size)
    weeks = np.bincount(key, weights=red.n_period[s], minlength=size)
    hit = np.flatnonzero(n_rows)
    kk, rest = np.divmod(hit, len(YDELSER) * n_grp)
    yy, gg = np.divmod(rest, n_grp)
    out["support"] = pd.DataFrame({
        "kommunekode": kcodes[kk], "ydelse": np.asarray(YDELSER, dtype=object)[yy], "grp": gg.astype(np.int32),
        "weeks": weeks[hit].astype(np.int64), "n_persons": n_rows[hit].astype(np.int64)})

    # person x municipality units. A person in one municipality (nearly everyone) is one
    # unit, summed by a bincount over the persons; a person with rows in several is one
    # unit per municipality (a unique over their rows only)
    first_k = np.full(n_persons, -1, dtype=np.int64)
    first_k[red.p] = ki  # one of the person's municipalities
    mover = np.zeros(n_persons, dtype=bool)
    mover[red.p[ki != first_k[red.p]]] = True
    m_row = mover[red.p]
    on = red.y != INGEN  # outcome weeks come only from rows on a ydelse (about a quarter)
    sp = np.flatnonzero(~m_row)
    up_s = np.flatnonzero(~mover & (first_k >= 0))
    exp_s = np.bincount(red.p[sp], weights=red.n_period[sp], minlength=n_persons)[up_s]
    mr = np.flatnonzero(m_row)
    uniq, inv = np.unique(red.p[mr] * nk + ki[mr], return_inverse=True)
    exp_m = np.bincount(inv, weights=red.n_period[mr], minlength=len(uniq))
    up = np.concatenate([up_s, uniq // nk])
    uk = np.concatenate([first_k[up_s], uniq % nk])
    exposure = np.concatenate([exp_s, exp_m])
    cells_in = persons.in_scope[up] & (exposure > 0)
    n_cell = int(persons.cell.max()) + 1 if n_persons else 1
    # the cell of each unit, -1 outside the cells (out of scope, no exposure)
    ckey_u = np.where(cells_in, uk * n_cell + persons.cell[up], -1)
    ckey = ckey_u[cells_in]
    csize = nk * n_cell
    c_n = np.bincount(ckey, minlength=csize)
    chit = np.flatnonzero(c_n)
    cells = {"kommunekode": kcodes[chit // n_cell], "cell": (chit % n_cell).astype(np.int32),
             "n_persons": c_n[chit].astype(np.int64),
             "exposure_weeks": np.bincount(ckey, weights=exposure[cells_in], minlength=csize)[chit].astype(np.int64)}
    # outcomes from the rows on a ydelse alone, each row's unit looked up (a non-mover's
    # unit is its row in up_s, a mover's its row after them): outcome weeks are a sum over
    # rows, persons with outcome the distinct units with an area row in the period — no
    # per-unit array per area (3.7 M slots each; session 6: 1.5 s of the finish under load)
    unit_of_p = np.full(n_persons, -1, dtype=np.int64)
    unit_of_p[up_s] = np.arange(len(up_s))
    row_unit = np.empty(len(red.p), dtype=np.int64)
    row_unit[sp] = unit_of_p[red.p[sp]]
    row_unit[mr] = len(up_s) + inv
    r_on = np.flatnonzero(on)
    ck_on = ckey_u[row_unit[r_on]]
    keep = ck_on >= 0
    r_on, ck_on = r_on[keep], ck_on[keep]
    u_on, n_on, y_on = row_unit[r_on], red.n_period[r_on], red.y[r_on]
    seen = np.zeros(len(up), dtype=bool)
    for a in cfg.cell_areas:  # type: ignore[attr-defined]
        m = areas[a][y_on]
        cells[f"ow_{a}"] = np.bincount(ck_on[m], weights=n_on[m], minlength=csize)[chit].astype(np.int64)
        hit = m & (n_on > 0)
        seen[:] = False
        seen[u_on[hit]] = True
        units = np.flatnonzero(seen)
        cells[f"np_{a}"] = np.bincount(ckey_u[units], minlength=csize)[chit].astype(np.int64)
    out["cells"] = pd.DataFrame(cells)

    if events is not None:
        # anciennitet: covered weeks in the window, in scope
        c = scope & f_focus[red.y]
        cov = np.bincount(red.p[c], weights=red.n_window[c], minlength=n_persons)
        f = np.flatnonzero(cov >= len(window_weeks(cfg.period, cfg.window_weeks)))  # type: ignore[attr-defined]
        # a person whose rows are all in one municipality has it in the window too (they
        # have window rows); only the movers' rows are looked at (ufunc.at is slow)
        kf = kcodes[first_k[f]]
        fm = mover[f]
        if fm.any():
            kf[fm] = _one_kommune(red, f[fm], n_persons)
        movers = f[kf < 0]
        if len(movers):
            kf[np.searchsorted(f, movers)] = last_kommune(movers)
            f, kf = f[kf >= 0], kf[kf >= 0]  # as an inner join: no row in the last week, not counted
        fk = k_lut[kf]
        no_offer = (events.tilbud[f] == 0) & (events.hours[f] < cfg.offer_hours)  # type: ignore[attr-defined]
        no_talks = events.samtaler[f] < cfg.min_talks  # type: ignore[attr-defined]
        fkey = fk * n_grp + persons.grp[f]
        fsize = nk * n_grp
        f_n = np.bincount(fkey, minlength=fsize)
        fhit = np.flatnonzero(f_n)
        out["focus"] = pd.DataFrame({
            "kommunekode": kcodes[fhit // n_grp], "grp": (fhit % n_grp).astype(np.int32),
            "persons_12m": f_n[fhit].astype(np.int64),
            "without_offer": np.bincount(fkey, weights=no_offer, minlength=fsize)[fhit].astype(np.int64),
            "without_talks": np.bincount(fkey, weights=no_talks, minlength=fsize)[fhit].astype(np.int64)})
    return out


def _one_kommune(red: Reduced, persons: np.ndarray, n_persons: int) -> np.ndarray:
    """For each of ``persons`` (sorted rows of the map): the municipality of their rows
    in the window when it is one, -1 when they have window rows in several."""
    w = red.n_window > 0
    sel = np.zeros(n_persons, dtype=bool)
    sel[persons] = True
    w &= sel[red.p]
    lo = np.full(n_persons, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_persons, -1, dtype=np.int64)
    np.minimum.at(lo, red.p[w], red.k[w])
    np.maximum.at(hi, red.p[w], red.k[w])
    lo, hi = lo[persons], hi[persons]
    return np.where(lo == hi, lo, -1)


def last_week_lookup(p: np.ndarray, k: np.ndarray, n_persons: int) -> Callable[[np.ndarray], np.ndarray]:
    """``last_kommune`` from the rows of the window's last week (persons ``p``, kommune ``k``)."""
    def get(persons: np.ndarray) -> np.ndarray:
        by = np.full(n_persons, -1, dtype=np.int64)
        by[p] = k
        return by[persons]
    return get


def events_from_arrow(t: pa.Table | None, n_persons: int) -> Events:
    """Per person (row of the map) from the engine's per-person event sums (columns p,
    samtaler, tilbud, hours; one row per person)."""
    sam = np.zeros(n_persons)
    til = np.zeros(n_persons, dtype=np.int64)
    hrs = np.zeros(n_persons)
    if t is not None and t.num_rows:
        p = np.asarray(t.column("p").combine_chunks().to_numpy(zero_copy_only=False), dtype=np.int64)

        def col(name: str) -> np.ndarray:
            return np.asarray(pc.fill_null(t.column(name), 0).combine_chunks().to_numpy(zero_copy_only=False))

        sam[p], til[p], hrs[p] = col("samtaler"), col("tilbud"), col("hours")
    return Events(sam, til, hrs)

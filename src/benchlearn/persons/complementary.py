"""Secondary (complementary) suppression across the linked person-level tables.

The fewer-than-``min_persons`` rule (:mod:`benchlearn.persons.privacy`) drops rows that
rest on too few persons. That alone does not protect them: the published tables are
linked by exact sums, so a dropped row is often a published total minus published
parts (a suppressed ydelse = the area's ``actual`` − Σ the area's other ydelser). This
module adds further rows to the suppressed set until no such subtraction — nor any
other linear combination of the published numbers — gives back a suppressed row.

The relations (per municipality ``k``; every table's value columns obey the same
ones: weeks, full-time persons and, where they add up, head counts):

* ``population(k) = Σ_c E(k, c)`` — ``E(k, c)``: exposure and head count of cell ``c``
  (carried by every area's row of the cell, so published when any of them is);
* ``population_origin(k, g) = Σ_{c of origin g} E(k, c)`` and
  ``population(k) = Σ_g population_origin(k, g)`` (g: dansk, vestlig, ikke_vestlig);
* ``support(k, y) = Σ_g support_origin(k, g, y)``;
* ``benchmark(k, a).actual = Σ_{y in a} support(k, y) = Σ_c O(k, c, a)`` — ``O``: the
  outcome of cell ``c`` in area ``a`` (its row of ``cells``);
* ``Σ_{y in a} support_origin(k, g, y) = Σ_{c of origin g} O(k, c, a)``;
* ``focus(k) = Σ_g focus_origin(k, g)``.

Rows by residence basis (flygtning, familiesammenfoert) are subsets with no published
complement, so they enter no relation; national totals are not published.

Method (why hand-written: the linked-table tools that do this — τ-ARGUS' hypercube
and modular methods, sdcTable's ``protectTable`` in R — need a full hierarchy
specification and an external solver, and no maintained Python package was found;
the relations here are few and fixed, so the classic heuristic is written out):

1. **Relation rule, to a fixed point.** In every relation the suppressed terms must be
   none, or at least two whose persons add up to at least ``min_persons`` (so what a
   relation gives away — the sum of its suppressed terms — is itself publishable). When
   a relation breaks this, the published term of least cost is suppressed as well
   (cost = persons x a table weight: parts before totals, by-origin and cell rows before
   the municipality's own rows, the ``benchmark`` and ``population`` rows last), the
   usual least-cost choice of complementary suppression.
2. **Exact audit.** Per municipality the relations are a linear system ``A x = b`` in
   the suppressed terms. A term is determined iff its unit vector lies in the row space
   of ``A`` (restricted to the suppressed columns): ``‖P e_u‖ = 1`` with ``P`` the
   projection onto that row space (from an SVD). Any determined term gets one more
   complement in one of its relations, and step 1 runs again, until none is left.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ORIGINS = ("dansk", "vestlig", "ikke_vestlig")
CELL_KEYS = ("age_group", "sex", "education", "origin")
#: suppress these last (per person behind the number): parts before totals
WEIGHTS = {"cells_O": 1.0, "cells_E": 3.0, "support_origin": 2.0, "population_origin": 2.0, "focus_origin": 2.0,
           "support": 20.0, "focus": 20.0, "benchmark": 1e4, "population": 1e6}


@dataclass
class _Units:
    """Every suppressible number: its table, kommune, persons behind it, cost, state."""

    n: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    kommune: list[int] = field(default_factory=list)
    sup: list[bool] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)

    def add(self, kind: str, n: np.ndarray, k: np.ndarray, sup: np.ndarray) -> np.ndarray:
        start = len(self.n)
        n = np.asarray(n, dtype="float64")
        self.n.extend(n.tolist())
        self.cost.extend((np.maximum(n, 0.5) * WEIGHTS[kind]).tolist())
        self.kommune.extend(np.asarray(k, dtype="int64").tolist())
        self.sup.extend(np.asarray(sup, dtype=bool).tolist())
        self.kind.extend([kind] * len(n))
        return np.arange(start, len(self.n))


def _index(df: pd.DataFrame, uids: np.ndarray, keys: Sequence[str]) -> dict[tuple, np.ndarray]:
    """uids of the rows of ``df`` grouped by ``keys`` (tuples as dict keys)."""
    if not len(df):
        return {}
    out = {}
    for key, idx in df.groupby(list(keys), sort=False).indices.items():
        out[key if isinstance(key, tuple) else (key,)] = uids[idx]
    return out


def _relations(total: Mapping[tuple, np.ndarray], parts: Mapping[tuple, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``total[key] = Σ parts[key]`` as (uids, coefficients); keys without a published
    total give no relation."""
    rel = []
    for key, t in total.items():
        p = parts.get(key)
        if p is None or not len(p):
            continue
        u = np.concatenate([t, p])
        rel.append((u, np.concatenate([np.ones(len(t)), -np.ones(len(p))])))
    return rel


def protect(*args: object, **kwargs: object) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """:func:`_protect` with BLAS on one thread: its many small matrix products are
    ≈40x slower when OpenBLAS spreads each over threads (measured, 40 x 600)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _protect(*args, **kwargs)  # type: ignore[arg-type]


def _protect(tables: Mapping[str, pd.DataFrame], primary: Mapping[str, np.ndarray], min_persons: int,
            area_ydelser: Mapping[str, Sequence[str]]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Complementary suppression: the final suppressed mask of every table.

    Parameters
    ----------
    tables : the tables before the rule (support, support_origin, population,
        population_origin, focus, focus_origin, cells, benchmark; any may be absent),
        ``benchmark`` with ``n_outcome_persons``.
    primary : per table, a boolean mask of the rows the fewer-than rule drops.
    area_ydelser : the ydelser of each area in ``benchmark``.

    Returns
    -------
    (masks, stats): masks per table (True = drop); stats: ``complementary`` rows added,
    ``audit_rounds`` of the exact check.
    """
    m = float(min_persons)
    U = _Units()
    uid: dict[str, np.ndarray] = {}
    n_col = {"support": "n_persons", "support_origin": "n_persons", "population": "n_persons",
             "population_origin": "n_persons", "focus": "persons_12m", "focus_origin": "persons_12m",
             "benchmark": "n_outcome_persons"}
    for name, col in n_col.items():
        if name in tables:
            t = tables[name]
            uid[name] = U.add(name, t[col].to_numpy(), t["kommunekode"].to_numpy(), primary[name])
    cells = tables.get("cells")
    e_of_o = o_of_e = None
    if cells is not None and len(cells):
        uid["cells"] = U.add("cells_O", cells["n_outcome_persons"].to_numpy(), cells["kommunekode"].to_numpy(),
                             primary["cells"])
        ekeys = ["kommunekode", *CELL_KEYS]
        e_id = cells.groupby(ekeys, sort=False).ngroup().to_numpy()
        first = pd.Series(np.arange(len(cells))).groupby(e_id).first().to_numpy()
        all_sup = pd.Series(primary["cells"]).groupby(e_id).all().to_numpy()
        e_uids = U.add("cells_E", cells["n_persons"].to_numpy()[first], cells["kommunekode"].to_numpy()[first], all_sup)
        e_of_o = dict(zip(uid["cells"].tolist(), e_uids[e_id].tolist()))
        o_of_e = {int(e): uid["cells"][idx] for e, idx in
                  pd.Series(np.arange(len(cells))).groupby(e_uids[e_id]).indices.items()}
        e_rows = cells.iloc[first].reset_index(drop=True)
    n = np.array(U.n)
    cost = np.array(U.cost)
    sup = np.array(U.sup, dtype=bool)
    kommune = np.array(U.kommune)

    def rows(name: str, keys: Sequence[str], where: pd.Series | None = None) -> dict[tuple, np.ndarray]:
        if name not in tables:
            return {}
        t = tables[name]
        if where is None:
            return _index(t, uid[name], keys)
        mask = where.to_numpy()
        return _index(t.loc[mask], uid[name][mask], keys)

    rel: list[tuple[np.ndarray, np.ndarray]] = []
    in3 = lambda name: tables[name]["origin_group"].isin(ORIGINS) if name in tables else None  # noqa: E731
    if cells is not None and len(cells):
        e_by_k = _index(e_rows, e_uids, ["kommunekode"])
        e_by_kg = _index(e_rows, e_uids, ["kommunekode", "origin"])
        rel += _relations(rows("population", ["kommunekode"]), e_by_k)
        rel += _relations(rows("population_origin", ["kommunekode", "origin_group"], in3("population_origin")), e_by_kg)
    rel += _relations(rows("population", ["kommunekode"]),
                      rows("population_origin", ["kommunekode"], in3("population_origin")))
    rel += _relations(rows("support", ["kommunekode", "ydelse"]),
                      rows("support_origin", ["kommunekode", "ydelse"], in3("support_origin")))
    rel += _relations(rows("focus", ["kommunekode"]), rows("focus_origin", ["kommunekode"], in3("focus_origin")))
    if "benchmark" in tables:
        bm_by = rows("benchmark", ["kommunekode", "area"])
        for a, ys in area_ydelser.items():
            bm_a = {(k,): u for (k, area), u in bm_by.items() if area == a}
            if "support" in tables:
                s = tables["support"]
                rel += _relations(bm_a, rows("support", ["kommunekode"], s["ydelse"].isin(list(ys))))
            if cells is not None and len(cells):
                rel += _relations(bm_a, rows("cells", ["kommunekode"], cells["area"] == a))
            if cells is not None and len(cells) and "support_origin" in tables:
                so = tables["support_origin"]
                lhs = rows("support_origin", ["kommunekode", "origin_group"],
                           so["origin_group"].isin(ORIGINS) & so["ydelse"].isin(list(ys)))
                rel += _relations(lhs, rows("cells", ["kommunekode", "origin"], cells["area"] == a))
    # the benchmark rows carry the municipality's population (persons): never without it
    links: dict[int, np.ndarray] = {}
    if "benchmark" in tables and "population" in tables:
        pop_by = rows("population", ["kommunekode"])
        for (k,), u in rows("benchmark", ["kommunekode"]).items():
            if (k,) in pop_by:
                for p in pop_by[(k,)].tolist():
                    links[p] = u
    rel_of: dict[int, list[int]] = {}
    for i, (u, _c) in enumerate(rel):
        for x in u.tolist():
            rel_of.setdefault(x, []).append(i)
    queue: deque[int] = deque(range(len(rel)))

    def suppress(u: int) -> None:
        """Suppress ``u`` and what must go with it; queue the relations to re-check."""
        stack = [u]
        while stack:
            x = stack.pop()
            if sup[x]:
                continue
            sup[x] = True
            queue.extend(rel_of.get(x, ()))
            if o_of_e is not None and x in o_of_e:  # an E unit: every area's row of the cell goes
                stack.extend(o_of_e[x].tolist())
            elif e_of_o is not None and x in e_of_o:  # the cell's last row gone: E with it
                e = e_of_o[x]
                if sup[o_of_e[e]].all():
                    stack.append(e)
            if x in links:
                stack.extend(links[x].tolist())

    for p, dst in links.items():
        if sup[p]:
            sup[p] = False
            suppress(p)

    def settle() -> int:
        """The relation rule to a fixed point (a work list of relations to re-check)."""
        added = 0
        while queue:
            u = rel[queue.popleft()][0]
            s = sup[u]
            ns = int(s.sum())
            if ns == 0 or (ns >= 2 and n[u[s]].sum() >= m):
                continue
            cand = u[~s]
            if not len(cand):
                continue
            suppress(int(cand[np.lexsort((cost[cand], n[cand] <= 0))[0]]))
            added += 1
        return added

    added = settle()
    rounds = unresolved = 0
    rel_k = np.array([int(kommune[u[0]]) for u, _ in rel], dtype="int64")
    by_k = pd.Series(rel_k).groupby(rel_k).indices if len(rel) else {}
    todo = set(by_k)
    while todo:
        rounds += 1
        before = sup.copy()
        determined = []
        for k in sorted(todo):
            found = determined_units([rel[i] for i in by_k[k]], sup)
            # a unit with no persons behind it is 0, and may follow from a published
            # zero (an absent row; zeros are allowed by the rule): nothing to protect
            determined.extend((k, u) for u in found if n[u] > 0)
        if not determined:
            break
        for k, u in determined:
            # one more complement: the cheapest published term of the relations linked
            # to u through suppressed terms (u's own relations first)
            local = [rel[i] for i in by_k[k]]
            reach, frontier, seen = [], {u}, set()
            while frontier and not reach:
                seen |= frontier
                hit = [r for r in local if frontier & set(r[0][sup[r[0]]].tolist())]
                reach = [c for uu, _c in hit for c in uu[~sup[uu]].tolist()]
                frontier = {int(x) for uu, _c in hit for x in uu[sup[uu]].tolist()} - seen
            if reach:
                c = np.asarray(reach)
                suppress(int(c[np.argmin(cost[c])]))
                added += 1
        added += settle()
        changed = np.flatnonzero(sup != before)
        if not len(changed):  # nothing left to suppress near these units
            unresolved = len(determined)
            break
        todo = set(kommune[changed].tolist()) & set(by_k)
    masks = {name: sup[u] for name, u in uid.items()}
    return masks, {"complementary": int(sum((masks[t] & ~np.asarray(primary[t])).sum() for t in masks)),
                   "audit_rounds": rounds, "unresolved": unresolved}


def determined_units(relations: Sequence[tuple[np.ndarray, np.ndarray]], sup: np.ndarray) -> list[int]:
    """Suppressed units whose value the relations determine exactly.

    Notes
    -----
    With ``A`` the relations restricted to the suppressed units (published terms move
    to the right-hand side), unit ``u`` is determined iff ``e_u`` is in the row space
    of ``A``: ``Σ_i V[i, u]^2 = 1`` over an orthonormal basis ``V`` of that row space,
    ``V = A' Q Λ^{-1/2}`` from the eigenpairs ``(Λ, Q)`` of ``A A'`` with ``λ > 0``.
    """
    us, cs, rs = [], [], []
    for i, (u, c) in enumerate(relations):
        s = sup[u]
        us.append(u[s])
        cs.append(c[s])
        rs.append(np.full(int(s.sum()), i))
    if not relations:
        return []
    u_all = np.concatenate(us)
    if not len(u_all):
        return []
    units, col = np.unique(u_all, return_inverse=True)
    A = np.zeros((len(relations), len(units)))
    np.add.at(A, (np.concatenate(rs), col), np.concatenate(cs))
    # the row space from the small Gram matrix A A' (relations x relations) instead of
    # an SVD of A (relations x units): the same projection, far fewer operations
    lam, q = np.linalg.eigh(A @ A.T)
    keep = lam > 1e-9 * max(1.0, float(lam.max()) if len(lam) else 1.0)
    if not keep.any():
        return []
    basis = (A.T @ q[:, keep]) / np.sqrt(lam[keep])
    proj = (basis ** 2).sum(axis=1)
    return units[proj > 1 - 1e-6].tolist()

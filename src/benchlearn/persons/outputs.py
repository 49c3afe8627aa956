"""The person pipeline's output tables, from the engine's integer counts (pandas,
engine-independent): shaping, the by-origin tables, and the disclosure rules.

By origin (issue #16): ``support_origin``, ``population_origin`` and ``focus_origin``
have a column ``origin_group``:

* ``dansk``, ``vestlig``, ``ikke_vestlig`` — the contract's ``origin``; they partition
  the residents, so each table's rows add up to ``support`` / ``population`` / ``focus``;
* ``flygtning``, ``familiesammenfoert`` — persons with that residence basis, written
  only when ``persons`` has the optional ``residence_basis`` column; subsets of the
  immigrants, **not** to be added to the first three.

The engine counts per origin x residence-basis group (``grp``); every total here is a
sum of those integer counts, so totals and parts agree exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.persons import complementary, privacy
from benchlearn.persons.weeks import period_weeks

ORIGIN_GROUPS = ("dansk", "vestlig", "ikke_vestlig", "flygtning", "familiesammenfoert")
CELL_KEYS = ["age_group", "sex", "education", "origin"]
KEY_COLS = {"support": ["ydelse"], "support_origin": ["origin_group", "ydelse"], "population": [],
            "population_origin": ["origin_group"], "focus": [], "focus_origin": ["origin_group"],
            "cells": [*CELL_KEYS, "area"], "benchmark": ["area"]}
N_COLS = {"support": "n_persons", "support_origin": "n_persons", "population": "n_persons",
          "population_origin": "n_persons", "cells": "n_persons", "focus": "persons_12m",
          "focus_origin": "persons_12m", "benchmark": "n_persons"}
PARTS_OF = {"cells": ["n_outcome_persons"], "focus": ["without_offer", "without_talks"],
            "focus_origin": ["without_offer", "without_talks"], "benchmark": ["n_outcome_persons"]}
INTS = ("n_persons", "n_outcome_persons", "exposure_weeks", "outcome_weeks")


def _by_group(df: pd.DataFrame, groups: pd.DataFrame, keys: list[str], sums: list[str],
              has_residence: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(totals over the groups, by-origin rows) from counts per ``grp``."""
    d = df.merge(groups, on="grp", how="left", validate="many_to_one")
    total = d.groupby(keys, as_index=False, sort=True)[sums].sum()
    parts = [d.groupby([*keys, "origin"], as_index=False, sort=True)[sums].sum().rename(
        columns={"origin": "origin_group"})]
    if has_residence:
        for r in ("flygtning", "familiesammenfoert"):
            sub = d.loc[d["residence_basis"] == r]
            parts.append(sub.groupby(keys, as_index=False, sort=True)[sums].sum().assign(origin_group=r))
    return total, pd.concat(parts, ignore_index=True)


def shape(raw: dict[str, Any], cfg: Any) -> dict[str, pd.DataFrame]:
    """Divide and shape the engine's counts into the output tables, *before* the
    small-number rule."""
    W = float(len(period_weeks(cfg.period)))
    groups, has_res = raw["group_labels"], raw["has_residence"]
    sup, sup_o = _by_group(raw["support"], groups, ["kommunekode", "ydelse"], ["weeks", "n_persons"], has_res)
    for t in (sup, sup_o):
        t["period"] = cfg.period
        t["fuldtidspersoner"] = t["weeks"].astype("float64") / W
    sup = sup[["kommunekode", "period", "ydelse", "fuldtidspersoner", "n_persons"]]
    sup_o = sup_o[["kommunekode", "period", "origin_group", "ydelse", "fuldtidspersoner", "n_persons"]]
    c = raw["cells"].merge(raw["cell_labels"], on="cell", how="left", validate="many_to_one")
    area_cols = [col for col in c.columns if col.startswith(("ow_", "np_"))]
    # population by origin group from the cells (which carry origin x residence basis)
    pc_ = c.merge(groups, on=["origin", "residence_basis"], how="left", validate="many_to_one")
    pop, pop_o = _by_group(pc_[["kommunekode", "grp", "exposure_weeks", "n_persons"]], groups, ["kommunekode"],
                           ["exposure_weeks", "n_persons"], has_res)
    for t in (pop, pop_o):
        t["period"] = cfg.period
        t["persons"] = t["exposure_weeks"].astype("float64") / W
    pop = pop[["kommunekode", "period", "persons", "n_persons"]]
    pop_o = pop_o[["kommunekode", "period", "origin_group", "persons", "n_persons"]]
    # cells: the residence basis is summed out (it is not a covariate of the cell model)
    c = c.groupby(["kommunekode", *CELL_KEYS], as_index=False, sort=True)[
        ["n_persons", "exposure_weeks", *area_cols]].sum()
    cells = pd.concat([
        c[["kommunekode", *CELL_KEYS, "n_persons", "exposure_weeks"]].assign(
            area=a, n_outcome_persons=c[f"np_{a}"].fillna(0), outcome_weeks=c[f"ow_{a}"].fillna(0))
        for a in cfg.cell_areas
    ], ignore_index=True).assign(period=cfg.period)
    cells["exposure"] = cells["exposure_weeks"].astype("float64") / W
    cells["outcome"] = cells["outcome_weeks"].astype("float64") / W
    cells = cells[["kommunekode", "period", *CELL_KEYS, "area", "n_persons", "n_outcome_persons",
                   "exposure_weeks", "outcome_weeks", "exposure", "outcome"]]
    # the engine returns groups in no fixed order; sorted here, before the cell model
    # sums over them, so two runs give the same floating-point bits
    cells = cells.sort_values(["kommunekode", "area", *CELL_KEYS], kind="stable").reset_index(drop=True)
    tables = {"support": sup, "support_origin": sup_o, "population": pop, "population_origin": pop_o,
              "cells": cells}
    if "focus" in raw:
        counts = ["persons_12m", "without_offer", "without_talks"]
        foc, foc_o = _by_group(raw["focus"], groups, ["kommunekode"], counts, has_res)
        cols = ["kommunekode", "period", "persons_12m", "without_offer", "without_talks"]
        tables["focus"] = foc.assign(period=cfg.period)[cols]
        tables["focus_origin"] = foc_o.assign(period=cfg.period)[[*cols[:2], "origin_group", *cols[2:]]]
    return tables


def benchmark_table(bm: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The cell model's municipality totals with the head counts the rule needs:
    ``n_persons`` (residents) and ``n_outcome_persons`` (of them on the area's ydelser;
    used by the rule, not published)."""
    cells = tables["cells"]
    n_out = cells.groupby(["kommunekode", "area"], as_index=False)["n_outcome_persons"].sum()
    return (bm.merge(tables["population"][["kommunekode", "n_persons"]], on="kommunekode", how="left")
            .merge(n_out, on=["kommunekode", "area"], how="left"))


def _typed(df: pd.DataFrame, name: str) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        if col == "kommunekode" or col in INTS:
            df[col] = df[col].astype("int64")
        elif pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].astype("float64")
        else:
            df[col] = df[col].astype("str")
    return df.sort_values(["kommunekode", "period", *KEY_COLS[name]], kind="stable").reset_index(drop=True)


def apply_rules(tables: dict[str, pd.DataFrame], cfg: Any, complementary_suppression: bool = True
                ) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Order and type every table, apply the fewer-than rule (primary) and the
    complementary suppression; adds ``suppression`` (one row per dropped row, reason
    ``fewer than m persons`` or ``complementary``). Returns (tables, stats)."""
    m = cfg.min_persons
    typed = {name: _typed(df, name) for name, df in tables.items()}
    primary = {name: privacy.rule_mask(df, N_COLS[name], m, PARTS_OF.get(name, ())) for name, df in typed.items()}
    stats = {"complementary": 0, "audit_rounds": 0}
    final = dict(primary)
    if complementary_suppression:
        areas = {a: reference.area_ydelser(a) for a in cfg.cell_areas}
        final, stats = complementary.protect(typed, primary, m, areas)
    out, records = {}, []
    for name, df in typed.items():
        drop = np.asarray(final[name], dtype=bool)
        prim = np.asarray(primary[name], dtype=bool)
        records.append(privacy.records(df.loc[drop & prim], name, KEY_COLS[name], privacy.reason_small(m)))
        records.append(privacy.records(df.loc[drop & ~prim], name, KEY_COLS[name], privacy.REASON_COMPLEMENTARY))
        kept = df.loc[~drop].reset_index(drop=True)
        if name == "benchmark":
            kept = kept.drop(columns=["n_outcome_persons"], errors="ignore")
        out[name] = kept
    sup = pd.concat(records, ignore_index=True)
    out["suppression"] = sup.sort_values(["table", "kommunekode", "period", "key"], kind="stable").reset_index(drop=True)
    return out, stats

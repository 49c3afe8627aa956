"""Cost mapping: unit cost per full-time person and its exact decomposition.

DOMAIN.md §6. Unit cost ``c_kt`` = expenditure on the employment effort (sum of the
``costs`` table over its categories) / full-time persons in the five målgrupper.
The change between two periods splits exactly into a composition part (målgruppe
shares) and a within-group part (unit cost per målgruppe), Kitagawa (1955) /
Das Gupta (1993)::

    Δc = Σ_g Δw_g·(c_g0 + c_g1)/2  +  Σ_g Δc_g·(w_g0 + w_g1)/2

Group unit costs ``c_g``: the contract records costs per municipality, not per
målgruppe. When the ``costs`` table carries an optional ``maalgruppe`` column, its
rows are used directly. Only then is the split **identified** by the data
(``split_status = "identified"``). Otherwise costs can only be spread over the
målgrupper by an assumption — by full-time persons (every person costs the same,
which makes the composition part 0 by construction) or by assumed relative weights
(``--weights``, e.g. from a time-use study: ``"assumed"``). Without recorded or
assumed group costs the split is ``"not_identified"`` and its parts are null, so no
output says "composition explains nothing" when the data cannot show it.

Second unit cost: per full-time *ledig* (gross unemployed), the measure behind
Finansministeriet's 85,000 kr (2011) → 101,000 kr (2016): expenditure / mean monthly
ledige of the period from the ``activity`` table (measure ``ledige``, målgruppe
``alle``; real Jobindsats y25i01 series where present), else a declared proxy —
full-time persons on a-dagpenge and kontanthjælp from ``support`` (``ledige_source``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import ConfigError, DataError
from benchlearn.core.i18n import t
from benchlearn.core.periods import period_kind, year_of
from benchlearn.core.results import Run
from benchlearn.core.seams import Tables

Allocation = Literal["recorded", "persons"]
SplitStatus = Literal["identified", "assumed", "not_identified"]

#: activity measure and målgruppe holding the number of (gross) unemployed, as the
#: Jobindsats dashboard reader writes them (y25i01 ``total``).
LEDIGE_MEASURE = "ledige"
LEDIGE_GROUP = "alle"
#: ydelser whose full-time persons stand in for the ledige when no series exists
LEDIGE_PROXY_YDELSER = ("a_dagpenge", "kontanthjaelp")
LEDIGE_SOURCES = {
    "activity": ("ledige (Jobindsats y25i01, gennemsnit af måneder)", "unemployed (Jobindsats y25i01, mean of months)"),
    "proxy": ("fuldtidspersoner på a-dagpenge og kontanthjælp (stedfortræder, ikke den officielle bruttoledighed)",
              "full-time persons on a-dagpenge and kontanthjælp (proxy, not official gross unemployment)"),
}


@dataclass(frozen=True)
class CostConfig:
    """Options of a cost-mapping run.

    Attributes
    ----------
    period_from, period_to : str
        The two periods compared (P0, P1).
    categories : tuple of str or None
        Cost categories that count as the employment effort (None = all).
    relative_weights : tuple of (maalgruppe, weight) or None
        Relative cost of a full-time person per målgruppe used when costs are
        not recorded per målgruppe (None = equal).
    """

    period_from: str
    period_to: str
    categories: tuple[str, ...] | None = None
    relative_weights: tuple[tuple[str, float], ...] | None = None

    def __post_init__(self) -> None:
        if str(self.period_from) == str(self.period_to):
            raise ConfigError(
                "--from og --to skal være to forskellige perioder.",
                "--from and --to must be two different periods.",
            )
        for g, w in self.relative_weights or ():
            if g not in reference.maalgruppe_codes() or not (w > 0):
                raise ConfigError(
                    f"Ugyldig relativ vægt {g}={w}: målgruppen skal være en af "
                    f"{', '.join(reference.maalgruppe_codes())} og vægten positiv.",
                    f"Invalid relative weight {g}={w}: the target group must be one of "
                    f"{', '.join(reference.maalgruppe_codes())} and the weight positive.",
                )

    def weights(self) -> dict[str, float]:
        w = {g: 1.0 for g in reference.maalgruppe_codes()}
        w.update(dict(self.relative_weights or ()))
        return w

    def to_dict(self) -> dict:
        return {
            "period_from": str(self.period_from),
            "period_to": str(self.period_to),
            "categories": list(self.categories) if self.categories else None,
            "relative_weights": dict(self.relative_weights) if self.relative_weights else None,
        }


def _need(df: pd.DataFrame, table: str, cols: Sequence[str]) -> None:
    for c in cols:
        if c not in df.columns:
            raise DataError(table, None, c, None, f"en kolonne '{c}'", f"a column '{c}'")


def maalgruppe_persons(support: pd.DataFrame) -> pd.DataFrame:
    """Full-time persons per municipality, period and målgruppe (pensions left out).

    Returns long form ``kommunekode, period, maalgruppe, persons``.
    """
    _need(support, "support", ["kommunekode", "period", "ydelse", "fuldtidspersoner"])
    m = reference.maalgrupper()[["maalgruppe", "ydelse"]]
    s = support.merge(m, on="ydelse", how="inner")
    out = (
        s.groupby(["kommunekode", "period", "maalgruppe"], as_index=False)["fuldtidspersoner"]
        .sum()
        .rename(columns={"fuldtidspersoner": "persons"})
    )
    out["period"] = out["period"].astype(str)
    return out


def group_costs(
    costs: pd.DataFrame, support: pd.DataFrame, config: CostConfig | None = None,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Expenditure and persons per municipality, period and målgruppe.

    Returns ``kommunekode, period, maalgruppe, persons, dkk, allocation``.

    Notes
    -----
    Without a recorded ``maalgruppe`` the municipality's expenditure D_k is spread
    as ``dkk_kg = D_k · a_g p_kg / Σ_h a_h p_kh`` with p the full-time persons and
    a the relative weights (default 1).
    """
    _need(costs, "costs", ["kommunekode", "period", "category", "dkk"])
    cats = config.categories if config else None
    rel = config.weights() if config else {g: 1.0 for g in reference.maalgruppe_codes()}
    c = costs.copy()
    c["period"] = c["period"].astype(str)
    if periods is not None:
        c = c[c["period"].isin([str(p) for p in periods])]
    if cats:
        c = c[c["category"].isin(list(cats))]
    p = maalgruppe_persons(support)
    if periods is not None:
        p = p[p["period"].isin([str(x) for x in periods])]
    has_mg = "maalgruppe" in c.columns and c["maalgruppe"].notna().any()
    if has_mg:
        c["maalgruppe"] = c["maalgruppe"].astype("string")
        bad = c["maalgruppe"].notna() & ~c["maalgruppe"].isin(reference.maalgruppe_codes())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                "costs", i + 2, "maalgruppe", str(c["maalgruppe"].iloc[i]),
                "en af " + ", ".join(reference.maalgruppe_codes()) + " eller tom",
                "one of " + ", ".join(reference.maalgruppe_codes()) + " or blank",
            )
        recorded = (
            c[c["maalgruppe"].notna()]
            .groupby(["kommunekode", "period", "maalgruppe"], as_index=False)["dkk"].sum()
        )
        recorded["maalgruppe"] = recorded["maalgruppe"].astype(str)
        rest = c[c["maalgruppe"].isna()].groupby(["kommunekode", "period"], as_index=False)["dkk"].sum()
    else:
        recorded = pd.DataFrame(columns=["kommunekode", "period", "maalgruppe", "dkk"])
        rest = c.groupby(["kommunekode", "period"], as_index=False)["dkk"].sum()

    p = p.copy()
    p["a"] = p["maalgruppe"].map(rel).astype(float)
    p["ap"] = p["a"] * p["persons"]
    p["share"] = p["ap"] / p.groupby(["kommunekode", "period"])["ap"].transform("sum")
    alloc = p.merge(rest.rename(columns={"dkk": "rest"}), on=["kommunekode", "period"], how="left")
    alloc["rest"] = alloc["rest"].fillna(0.0)
    alloc["dkk_alloc"] = alloc["share"].fillna(0.0) * alloc["rest"]
    out = alloc.merge(recorded.rename(columns={"dkk": "dkk_rec"}),
                      on=["kommunekode", "period", "maalgruppe"], how="left")
    out["dkk_rec"] = out["dkk_rec"].astype(float).fillna(0.0)
    out["dkk"] = out["dkk_alloc"] + out["dkk_rec"]
    out["allocation"] = "recorded" if has_mg else "persons"
    keep = out["kommunekode"].isin(set(c["kommunekode"])) & out["period"].isin(set(c["period"]))
    return out.loc[keep, ["kommunekode", "period", "maalgruppe", "persons", "dkk", "allocation"]].reset_index(
        drop=True
    )


def _months(period: str) -> list[str]:
    """The calendar months inside a period label (a month is its own only month)."""
    kind, y = period_kind(period), year_of(period)
    if kind == "month":
        return [period]
    if kind == "year":
        return [f"{y}M{m:02d}" for m in range(1, 13)]
    n = int(period[-1])
    if kind == "half":
        return [f"{y}M{m:02d}" for m in range(6 * n - 5, 6 * n + 1)]
    if kind == "quarter":
        return [f"{y}M{m:02d}" for m in range(3 * n - 2, 3 * n + 1)]
    if kind == "qmat":  # the 12 months ending with quarter n of year y
        end = 3 * n
        return [f"{y - 1}M{m:02d}" for m in range(end + 1, 13)] + [f"{y}M{m:02d}" for m in range(1, end + 1)]
    return []


def ledige_table(support: pd.DataFrame, periods: Sequence[str], activity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Number of (gross) unemployed per municipality and period, and where it comes from.

    Returns ``kommunekode, period, ledige, ledige_source`` with source ``activity``
    (the mean of the monthly ``ledige`` series over the months of the period, or the
    period's own row) or ``proxy`` (full-time persons on a-dagpenge and kontanthjælp).

    Notes
    -----
    A period uses the activity series only when every month of it is there for every
    municipality that has it; a part-year mean would be a different quantity (the
    Jobindsats extract starts in 2021M08). Sources are not mixed within a period.
    """
    out = []
    act = None
    if activity is not None and {"measure", "maalgruppe", "value", "period", "kommunekode"} <= set(activity.columns):
        act = activity[(activity["measure"] == LEDIGE_MEASURE) & (activity["maalgruppe"].astype(str) == LEDIGE_GROUP)]
        act = act.assign(period=act["period"].astype(str))
        act = act if len(act) else None
    sup = support.assign(period=support["period"].astype(str))
    for p in [str(x) for x in periods]:
        got = None
        if act is not None:
            own = act[act["period"] == p]
            if len(own):
                got = own.groupby("kommunekode", as_index=False)["value"].mean()
            else:
                months = _months(p)
                sub = act[act["period"].isin(months)].dropna(subset=["value"])
                full = sub.groupby("kommunekode")["period"].nunique()
                if len(full) and (full == len(months)).all():
                    got = sub.groupby("kommunekode", as_index=False)["value"].mean()
        if got is not None:
            got = got.rename(columns={"value": "ledige"}).assign(period=p, ledige_source="activity")
        else:
            s = sup[(sup["period"] == p) & sup["ydelse"].isin(LEDIGE_PROXY_YDELSER)]
            got = (s.groupby("kommunekode", as_index=False)["fuldtidspersoner"].sum()
                   .rename(columns={"fuldtidspersoner": "ledige"}).assign(period=p, ledige_source="proxy"))
        out.append(got[["kommunekode", "period", "ledige", "ledige_source"]])
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["kommunekode", "period", "ledige", "ledige_source"])


def unit_costs(costs: pd.DataFrame, support: pd.DataFrame, config: CostConfig | None = None) -> pd.DataFrame:
    """Unit cost per full-time person by municipality and period.

    Returns ``kommunekode, period, dkk, persons, unit_cost`` with
    ``unit_cost = dkk / persons`` (persons in the five målgrupper).
    """
    g = group_costs(costs, support, config)
    out = g.groupby(["kommunekode", "period"], as_index=False)[["dkk", "persons"]].sum()
    out["unit_cost"] = np.where(out["persons"] > 0, out["dkk"] / out["persons"].where(out["persons"] > 0), np.nan)
    return out


def national_trend(costs: pd.DataFrame, support: pd.DataFrame, config: CostConfig | None = None) -> pd.DataFrame:
    """National unit cost per period: Σ dkk / Σ persons, with an index (first period = 100)."""
    u = unit_costs(costs, support, config)
    t = u.groupby("period", as_index=False)[["dkk", "persons"]].sum().sort_values("period")
    t["unit_cost"] = t["dkk"] / t["persons"]
    t["index"] = 100.0 * t["unit_cost"] / t["unit_cost"].iloc[0]
    t["municipalities"] = u.groupby("period")["kommunekode"].nunique().reindex(t["period"]).to_numpy()
    return t.reset_index(drop=True)


def kitagawa(w0, w1, c0, c1) -> tuple[np.ndarray, np.ndarray]:
    """Exact two-factor split of Δ(Σ w c) into composition and within-group parts.

    Parameters
    ----------
    w0, w1 : array_like
        Group shares in the two periods (each summing to 1).
    c0, c1 : array_like
        Group unit costs in the two periods.

    Returns
    -------
    composition, within : ndarray
        Per-group contributions; their total equals Σ w1 c1 − Σ w0 c0 exactly
        (up to floating point).

    Notes
    -----
    composition_g = (w1_g − w0_g)·(c0_g + c1_g)/2 ;
    within_g = (c1_g − c0_g)·(w0_g + w1_g)/2 (Kitagawa 1955, Das Gupta 1993).
    The identity holds term by term: w1c1 − w0c0 = Δw·c̄ + Δc·w̄.
    """
    w0, w1, c0, c1 = (np.asarray(a, dtype=float) for a in (w0, w1, c0, c1))
    return (w1 - w0) * (c0 + c1) / 2.0, (c1 - c0) * (w0 + w1) / 2.0


def _split(frame: pd.DataFrame, p0: str, p1: str) -> pd.DataFrame:
    """Kitagawa split of one unit (a municipality or the nation): rows per målgruppe."""
    piv = frame.pivot_table(index="maalgruppe", columns="period", values=["dkk", "persons"],
                            aggfunc="sum", fill_value=0.0)
    groups = list(piv.index)
    get = lambda v, p: (piv[(v, p)] if (v, p) in piv.columns else pd.Series(0.0, index=groups)).to_numpy(float)
    d0, d1, n0, n1 = get("dkk", p0), get("dkk", p1), get("persons", p0), get("persons", p1)
    if n0.sum() <= 0 or n1.sum() <= 0:
        return pd.DataFrame()
    w0, w1 = n0 / n0.sum(), n1 / n1.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        c0 = np.where(n0 > 0, d0 / np.where(n0 > 0, n0, 1.0), np.nan)
        c1 = np.where(n1 > 0, d1 / np.where(n1 > 0, n1, 1.0), np.nan)
    # A group absent in one period has weight 0 there; borrow the other period's
    # unit cost so its composition term is Δw·c of the period where it exists.
    c0 = np.where(np.isnan(c0), c1, c0)
    c1 = np.where(np.isnan(c1), c0, c1)
    c0 = np.nan_to_num(c0)
    c1 = np.nan_to_num(c1)
    comp, within = kitagawa(w0, w1, c0, c1)
    return pd.DataFrame(
        {
            "maalgruppe": groups,
            "share_from": w0, "share_to": w1,
            "unit_cost_from": c0, "unit_cost_to": c1,
            "composition": comp, "within": within,
            "unit_cost_total_from": d0.sum() / n0.sum(),
            "unit_cost_total_to": d1.sum() / n1.sum(),
        }
    )


#: the tables a cost run rests on: it is simulated when any of them is
COST_INPUTS: tuple[str, ...] = ("costs", "support")


@dataclass(frozen=True)
class CostResult:
    """Immutable cost-mapping results.

    ``status`` holds one ``split_status`` per kommunekode (0 = Denmark); where it is
    ``not_identified`` the composition and within parts are null.
    """

    config: CostConfig
    groups: pd.DataFrame = field(repr=False)
    allocation: Allocation = "persons"
    ledige: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    status: dict = field(default_factory=dict, repr=False)

    @cached_property
    def ledige_source(self) -> str:
        src = set(self.ledige["ledige_source"]) if len(self.ledige) else set()
        return "activity" if src == {"activity"} else ("proxy" if src == {"proxy"} else "mixed" if src else "none")

    @cached_property
    def unit_costs(self) -> pd.DataFrame:
        """Per municipality and period: dkk, persons, unit_cost, ledige, unit_cost_ledig."""
        out = self.groups.groupby(["kommunekode", "period"], as_index=False)[["dkk", "persons"]].sum()
        out["unit_cost"] = out["dkk"] / out["persons"].where(out["persons"] > 0)
        if len(self.ledige):
            out = out.merge(self.ledige, on=["kommunekode", "period"], how="left")
            out["unit_cost_ledig"] = out["dkk"] / out["ledige"].where(out["ledige"] > 0)
        return out

    @cached_property
    def trend(self) -> pd.DataFrame:
        """National series per period: unit cost per full-time person and per ledig, with indices."""
        u = self.unit_costs
        cols = ["dkk", "persons"] + (["ledige"] if "ledige" in u.columns else [])
        t_ = u.groupby("period", as_index=False)[cols].sum(min_count=1).sort_values("period")
        t_["unit_cost"] = t_["dkk"] / t_["persons"]
        t_["index"] = 100.0 * t_["unit_cost"] / t_["unit_cost"].iloc[0]
        if "ledige" in t_.columns:
            t_["unit_cost_ledig"] = t_["dkk"] / t_["ledige"].where(t_["ledige"] > 0)
            t_["index_ledig"] = 100.0 * t_["unit_cost_ledig"] / t_["unit_cost_ledig"].iloc[0]
            src = self.ledige.groupby("period")["ledige_source"].first()
            t_["ledige_source"] = t_["period"].map(src)
        t_["municipalities"] = u.groupby("period")["kommunekode"].nunique().reindex(t_["period"]).to_numpy()
        return t_.reset_index(drop=True)

    def _status_of(self, k: int) -> str:
        return self.status.get(int(k), "not_identified")

    @cached_property
    def split_groups(self) -> pd.DataFrame:
        """Per målgruppe contributions, nationally (kommunekode 0) and per municipality;
        composition and within are null where the split is not identified."""
        p0, p1 = str(self.config.period_from), str(self.config.period_to)
        parts = []
        nat = _split(self.groups.groupby(["period", "maalgruppe"], as_index=False)[["dkk", "persons"]].sum(), p0, p1)
        nat.insert(0, "kommunekode", 0)
        parts.append(nat)
        for k, f in self.groups.groupby("kommunekode"):
            s = _split(f, p0, p1)
            if len(s):
                s.insert(0, "kommunekode", int(k))
                parts.append(s)
        out = pd.concat(parts, ignore_index=True)
        out["kommunekode"] = out["kommunekode"].astype("int64")
        out["split_status"] = [self._status_of(k) for k in out["kommunekode"]]
        hide = out["split_status"] == "not_identified"
        out.loc[hide, ["composition", "within", "unit_cost_from", "unit_cost_to"]] = np.nan
        return out

    @cached_property
    def split(self) -> pd.DataFrame:
        """One row per unit: kommunekode (0 = Denmark), unit costs, total change,
        composition and within parts (they sum exactly to the change), split_status."""
        s = self.split_groups
        agg = s.groupby("kommunekode", as_index=False).agg(
            unit_cost_from=("unit_cost_total_from", "first"),
            unit_cost_to=("unit_cost_total_to", "first"),
            composition=("composition", lambda v: v.sum(min_count=1)),
            within=("within", lambda v: v.sum(min_count=1)),
        )
        agg["change"] = agg["unit_cost_to"] - agg["unit_cost_from"]
        agg["change_pct"] = 100.0 * agg["change"] / agg["unit_cost_from"]
        agg["residual"] = agg["change"] - agg["composition"] - agg["within"]
        nm = reference.names()  # the one code-to-name map
        agg.insert(1, "navn", [(t("Hele landet", "Denmark") if k == 0 else nm.get(k, str(k))) for k in agg["kommunekode"]])
        agg["period_from"] = str(self.config.period_from)
        agg["period_to"] = str(self.config.period_to)
        agg["allocation"] = self.allocation
        agg["split_status"] = [self._status_of(k) for k in agg["kommunekode"]]
        return agg

    def to_run(self, ds: Tables) -> Run:
        """The run to store (kind ``costs``; config with ``period`` = the last period), every table
        flagged ``simulated`` by :data:`COST_INPUTS`."""
        sim = any(ds.has(n) and ds.is_simulated(n) for n in COST_INPUTS)
        tables = {"split": self.split, "split_groups": self.split_groups, "unit_costs": self.unit_costs, "trend": self.trend}
        return Run("costs", {**self.config.to_dict(), "period": str(self.config.period_to)},
                   {k: v.assign(simulated=sim) for k, v in tables.items()},
                   {"allocation": self.allocation, "split_status": self.status.get(0), "ledige_source": self.ledige_source})

    def to_frame(self) -> pd.DataFrame:
        return self.split


def _split_status(costs: pd.DataFrame, config: CostConfig, municipalities) -> dict:
    """``identified`` where every cost row of both periods carries a målgruppe;
    ``assumed`` where relative weights stand in for the split; else ``not_identified``.
    kommunekode 0 (Denmark) is identified only when every municipality is."""
    c = costs[costs["period"].astype(str).isin([str(config.period_from), str(config.period_to)])]
    if config.categories:
        c = c[c["category"].isin(list(config.categories))]
    weighted = bool(config.relative_weights) and len(set(config.weights().values())) > 1
    recorded = (c["maalgruppe"].notna().groupby(c["kommunekode"]).all() if "maalgruppe" in c.columns
                else pd.Series(False, index=sorted(set(c["kommunekode"]))))
    out = {}
    for k in municipalities:
        k = int(k)
        out[k] = "identified" if bool(recorded.get(k, False)) else ("assumed" if weighted else "not_identified")
    vals = set(out.values())
    out[0] = "identified" if vals == {"identified"} else ("not_identified" if "not_identified" in vals else "assumed")
    return out


def compute_costs(costs: pd.DataFrame, support: pd.DataFrame, config: CostConfig,
                  activity: pd.DataFrame | None = None) -> CostResult:
    """Cost mapping between two periods (unit costs per person and per ledig, trend, split)."""
    _need(costs, "costs", ["kommunekode", "period", "category", "dkk"])
    have = set(costs["period"].astype(str))
    for p in (config.period_from, config.period_to):
        if str(p) not in have:
            raise DataError(
                "costs", None, "period", str(p),
                "en periode i tabellen (" + ", ".join(sorted(have)) + ")",
                "a period in the table (" + ", ".join(sorted(have)) + ")",
            )
    g = group_costs(costs, support, config)
    if g.empty:
        raise DataError(
            "support", None, "ydelse", None,
            "fuldtidspersoner i de fem målgrupper for kommunerne i costs",
            "full-time persons in the five target groups for the municipalities in costs",
        )
    led = ledige_table(support, sorted(set(g["period"])), activity)
    led = led[led["kommunekode"].isin(set(g["kommunekode"]))]
    status = _split_status(costs, config, sorted(set(g["kommunekode"])))
    return CostResult(config=config, groups=g, allocation=str(g["allocation"].iloc[0]),  # type: ignore[arg-type]
                      ledige=led.reset_index(drop=True), status=status)


def parse_weights(spec: str | None) -> tuple[tuple[str, float], ...] | None:
    """Parse ``syge=1.5,unge=0.8`` into relative weights."""
    if not spec:
        return None
    out = []
    for part in spec.split(","):
        if "=" not in part:
            raise ConfigError(f"Forventede målgruppe=vægt, fik '{part}'.", f"Expected group=weight, got '{part}'.")
        g, w = part.split("=", 1)
        try:
            out.append((g.strip(), float(w)))
        except ValueError:
            raise ConfigError(f"Vægten '{w}' er ikke et tal.", f"The weight '{w}' is not a number.") from None
    return tuple(out)



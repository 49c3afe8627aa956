"""Peer groups and learning partners (DOMAIN.md §5).

Peers are the k nearest municipalities on standardized framework variables
(rammevilkår), each axis weighted by the variable's importance in the benchmark
model (|β|·sd, i.e. how much one standard deviation moves the expected share).
Clusters come from Ward's method on the same coordinates, user-defined groups from
``reference.groups()`` or a group file. A learning partner is a peer whose benchmark
result is significantly better; for each we show how its monitoring measures,
unit cost and målgruppe mix differ.

The benchmark results enter as records (kommunekode, diff_pp, se_pp, ci_low_pp,
ci_high_pp), so this module does not depend on how they were made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import cdist
from scipy.stats import norm

from benchlearn.benchmark.config import DEFAULT_EXCLUDE
from benchlearn.core import reference
from benchlearn.core.errors import ConfigError, DataError, ModelError
from benchlearn.core.results import Run
from benchlearn.core.seams import Tables

PartnerRule = Literal["z_test", "ci"]


@dataclass(frozen=True)
class PeerConfig:
    """Options of a peer run.

    Attributes
    ----------
    period : str
    k : int
        Number of nearest peers per municipality (default 10).
    n_clusters : int
        Number of Ward clusters (default 8, a [choice]).
    rule : {"z_test", "ci"}
        Learning-partner rule: ``z_test`` — two-sample z test of the difference
        (one-sided in the peer's favour) at level ``alpha``; ``ci`` — the peer's
        upper interval limit lies below the municipality's point estimate.
    alpha : float
        Level of the z test (default 0.05, one-sided: z > 1.645).
    """

    period: str
    k: int = 10
    n_clusters: int = 8
    rule: PartnerRule = "z_test"
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if not 1 <= int(self.k) <= 97:
            raise ConfigError(f"--k skal ligge mellem 1 og 97, ikke {self.k}.", f"--k must be between 1 and 97, not {self.k}.")
        if self.rule not in get_args(PartnerRule):  # the Literal is the one list of rules
            raise ConfigError(f"Ukendt regel '{self.rule}' — brug z_test eller ci.", f"Unknown rule '{self.rule}' — use z_test or ci.")
        if not 0 < self.alpha < 1:
            raise ConfigError(f"alpha skal ligge mellem 0 og 1, ikke {self.alpha}.", f"alpha must lie between 0 and 1, not {self.alpha}.")
        if self.n_clusters < 1:
            raise ConfigError("Antal klynger skal være mindst 1.", "The number of clusters must be at least 1.")


# --------------------------------------------------------------- coordinates
def framework_matrix(framework: pd.DataFrame, period: str) -> pd.DataFrame:
    """Wide framework variables of one period (rows kommunekode, columns variable).

    Variables with a missing value for any municipality or without variation are
    dropped (a distance needs every coordinate); the caller records which.
    """
    for c in ("kommunekode", "period", "variable", "value"):
        if c not in framework.columns:
            raise DataError("framework", None, c, None, f"en kolonne '{c}'", f"a column '{c}'")
    f = framework[framework["period"].astype(str) == str(period)]
    if f.empty:
        have = sorted(set(framework["period"].astype(str)))
        raise DataError("framework", None, "period", str(period), "en periode i tabellen (" + ", ".join(have) + ")",
                        "a period in the table (" + ", ".join(have) + ")")
    wide = f.pivot_table(index="kommunekode", columns="variable", values="value", aggfunc="mean")
    wide = wide.dropna(axis=1, how="any")
    sd = wide.std(axis=0, ddof=1)
    wide = wide.loc[:, sd > 0]
    if wide.shape[1] == 0:
        raise ModelError("Ingen rammevilkår med variation og fulde data i perioden.",
                         "No framework variable with variation and complete data in the period.")
    wide.columns = [str(c) for c in wide.columns]
    return wide.sort_index()


def _excluded(variable: str) -> bool:
    """True for variables the benchmark leaves out by default (its DEFAULT_EXCLUDE)."""
    return any(re.search(p, variable, flags=re.IGNORECASE) for p in DEFAULT_EXCLUDE)


def coordinates(wide: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Weighted standardized coordinates ``u_kv = w_v · (x_kv − mean_v) / sd_v``.

    Parameters
    ----------
    wide : DataFrame
        Framework variables, one row per municipality.
    weights : mapping variable -> importance, optional
        Importance |β|·sd from the benchmark model; equal weights (1) when None.
        Variables missing from a given mapping get weight 0 (they do not enter
        the benchmark model, so they do not make municipalities comparable).

    Notes
    -----
    Standardizing makes the coordinates invariant to any rescaling a·x + b
    (a ≠ 0) of a variable; the weight makes one unit of distance mean the same
    change in expected share along every axis.
    """
    z = (wide - wide.mean(axis=0)) / wide.std(axis=0, ddof=1)
    if weights is None:
        w = pd.Series(1.0, index=wide.columns)
    else:
        w = pd.Series({c: abs(float(weights.get(c, 0.0))) for c in wide.columns})
        if not (w > 0).any():
            raise ModelError(
                "Ingen af rammevilkårene har en vægt fra benchmarkmodellen.",
                "None of the framework variables has a weight from the benchmark model.",
            )
    return z * w


def nearest_peers(coords: pd.DataFrame, k: int) -> pd.DataFrame:
    """The k nearest other municipalities of each municipality.

    Returns ``kommunekode, peer_kommunekode, distance, peer_rank``. Ties in
    distance are broken by kommunekode so the result is deterministic; a
    municipality is never its own peer.
    """
    codes = coords.index.to_numpy()
    d = cdist(coords.to_numpy(float), coords.to_numpy(float))
    np.fill_diagonal(d, np.inf)
    k = min(int(k), len(codes) - 1)
    rows = []
    for i, code in enumerate(codes):
        order = np.lexsort((codes, d[i]))[:k]
        for r, j in enumerate(order, start=1):
            rows.append((int(code), int(codes[j]), float(d[i, j]), r))
    return pd.DataFrame(rows, columns=["kommunekode", "peer_kommunekode", "distance", "peer_rank"])


def ward_clusters(coords: pd.DataFrame, n_clusters: int) -> pd.Series:
    """Ward clusters on the weighted coordinates (scipy.cluster.hierarchy)."""
    n = len(coords)
    if n < 2:
        return pd.Series(1, index=coords.index, name="cluster")
    z = linkage(coords.to_numpy(float), method="ward")
    lab = fcluster(z, t=min(n_clusters, n), criterion="maxclust")
    return pd.Series(lab.astype("int64"), index=coords.index, name="cluster")


def read_group_file(path: str | Path) -> pd.DataFrame:
    """A user group file: CSV with columns group, kommunekode (navn_da, navn_en optional)."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"Gruppefilen {p} findes ikke.", f"The group file {p} does not exist.")
    g = pd.read_csv(p, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    g.columns = [c.strip().lower() for c in g.columns]
    for c in ("group", "kommunekode"):
        if c not in g.columns:
            raise DataError("groups", None, c, None, f"en kolonne '{c}'", f"a column '{c}'", source=str(p))
    codes = reference.kommunekoder()
    for i, v in enumerate(g["kommunekode"], start=2):
        try:
            kv = int(str(v).strip())
        except ValueError:
            kv = None
        if kv not in codes:
            raise DataError("groups", i, "kommunekode", v, "en af de 98 kommunekoder", "one of the 98 municipality codes", source=str(p))
    g["kommunekode"] = g["kommunekode"].astype("int64")
    for c in ("navn_da", "navn_en"):
        if c not in g.columns:
            g[c] = g["group"]
    return g[["group", "kommunekode", "navn_da", "navn_en"]]


# ----------------------------------------------------------- learning partners
def _records(records: pd.DataFrame) -> pd.DataFrame:
    need = ["kommunekode", "diff_pp", "se_pp"]
    for c in need:
        if c not in records.columns:
            raise DataError("benchmark", None, c, None, f"en kolonne '{c}' i benchmarkresultaterne",
                            f"a column '{c}' in the benchmark records")
    r = records.drop_duplicates("kommunekode").set_index("kommunekode")
    r.index = r.index.astype("int64")
    if "ci_high_pp" not in r.columns:
        r["ci_high_pp"] = r["diff_pp"] + 1.959963984540054 * r["se_pp"]
    if "ci_low_pp" not in r.columns:
        r["ci_low_pp"] = r["diff_pp"] - 1.959963984540054 * r["se_pp"]
    return r


def mark_partners(pairs: pd.DataFrame, records: pd.DataFrame, rule: PartnerRule = "z_test", alpha: float = 0.05) -> pd.DataFrame:
    """Add the peers' results and the learning-partner flag to peer pairs.

    Notes
    -----
    ``diff_vs_peer_pp = diff_k − diff_j`` (positive: the peer has fewer on support
    than expected, relative to the municipality), ``se = sqrt(se_k² + se_j²)``
    (treating the two results as independent — they share the model's coefficient
    uncertainty, which makes this conservative when that covariance is positive),
    ``z = diff_vs_peer_pp / se`` and one-sided ``p = 1 − Φ(z)``.
    Rule ``z_test``: partner ⇔ p < alpha. Rule ``ci``: partner ⇔
    ci_high_pp(peer) < diff_pp(municipality).
    """
    r = _records(records)
    out = pairs.copy()
    own = r.reindex(out["kommunekode"].to_numpy())
    peer = r.reindex(out["peer_kommunekode"].to_numpy())
    out["own_diff_pp"] = own["diff_pp"].to_numpy(float)
    out["peer_diff_pp"] = peer["diff_pp"].to_numpy(float)
    out["peer_ci_low_pp"] = peer["ci_low_pp"].to_numpy(float)
    out["peer_ci_high_pp"] = peer["ci_high_pp"].to_numpy(float)
    out["diff_vs_peer_pp"] = out["own_diff_pp"] - out["peer_diff_pp"]
    out["se"] = np.sqrt(own["se_pp"].to_numpy(float) ** 2 + peer["se_pp"].to_numpy(float) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["z"] = out["diff_vs_peer_pp"] / out["se"]
    out["p_value"] = norm.sf(out["z"].to_numpy(float))
    if rule == "z_test":
        lp = out["p_value"] < alpha
    else:
        lp = out["peer_ci_high_pp"] < out["own_diff_pp"]
    known = out["own_diff_pp"].notna() & out["peer_diff_pp"].notna()
    out["learning_partner"] = (lp & known).astype(bool)
    return out


def mix_shares(support: pd.DataFrame, period: str) -> pd.DataFrame:
    """Målgruppe mix: full-time persons and shares per municipality (five groups)."""
    m = reference.maalgrupper()[["maalgruppe", "ydelse"]]
    s = support[support["period"].astype(str) == str(period)].merge(m, on="ydelse", how="inner")
    g = s.groupby(["kommunekode", "maalgruppe"], as_index=False)["fuldtidspersoner"].sum()
    g["total"] = g.groupby("kommunekode")["fuldtidspersoner"].transform("sum")
    g["share"] = g["fuldtidspersoner"] / g["total"]
    return g


def partner_differences(
    partners: pd.DataFrame,
    period: str,
    activity: pd.DataFrame | None = None,
    unit_costs: pd.DataFrame | None = None,
    support: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How each learning partner differs: activity measures, unit cost, målgruppe mix.

    Returns long form ``kommunekode, peer_kommunekode, kind, maalgruppe, measure,
    own_value, peer_value, difference, relative_difference, std_difference, se``.

    Notes
    -----
    difference = peer − own. ``std_difference`` divides by the standard deviation
    of the measure across all municipalities (size in the spread of the country).
    Uncertainty (``se``): for målgruppe shares the binomial approximation
    sqrt(p_k(1−p_k)/n_k + p_j(1−p_j)/n_j) with n the full-time persons; for
    activity shares and rates per person see :func:`_activity_se`; unit costs
    are accounts without sampling error, so their ``se`` is null.
    """
    pairs = partners.loc[partners["learning_partner"], ["kommunekode", "peer_kommunekode"]]
    cols = ["kommunekode", "peer_kommunekode", "kind", "maalgruppe", "measure", "own_value",
            "peer_value", "difference", "relative_difference", "std_difference", "se"]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    parts: list[pd.DataFrame] = []

    def pair_up(table: pd.DataFrame, keys: list[str], kind: str, se_fn=None) -> None:
        sd = table.groupby(keys)["value"].std(ddof=1).rename("sd").reset_index()
        own = pairs.merge(table.rename(columns={"value": "own_value", "_n": "_n_own"}), on="kommunekode", how="inner")
        peer = table.rename(columns={"kommunekode": "peer_kommunekode", "value": "peer_value", "_n": "_n_peer"})
        d = own.merge(peer, on=["peer_kommunekode", *keys], how="inner").merge(sd, on=keys, how="left")
        d["difference"] = d["peer_value"] - d["own_value"]
        with np.errstate(divide="ignore", invalid="ignore"):
            d["relative_difference"] = d["difference"] / d["own_value"].abs().where(d["own_value"] != 0)
            d["std_difference"] = d["difference"] / d["sd"].where(d["sd"] > 0)
        d["se"] = se_fn(d) if se_fn else np.nan
        d["kind"] = kind
        for c in ("maalgruppe", "measure"):
            if c not in d.columns:
                d[c] = None
        parts.append(d[cols])

    if activity is not None and len(activity):
        a = activity[activity["period"].astype(str) == str(period)]
        a = a[["kommunekode", "maalgruppe", "measure", "value"]].copy()
        se_fn = None
        if support is not None and len(support):
            n = mix_shares(support, period)[["kommunekode", "maalgruppe", "fuldtidspersoner"]]
            a = a.merge(n.rename(columns={"fuldtidspersoner": "_n"}), on=["kommunekode", "maalgruppe"], how="left")
            se_fn = _activity_se
        pair_up(a, ["maalgruppe", "measure"], "activity", se_fn)
    if unit_costs is not None and len(unit_costs):
        u = unit_costs[unit_costs["period"].astype(str) == str(period)]
        u = u[["kommunekode", "unit_cost"]].rename(columns={"unit_cost": "value"})
        u["measure"] = "unit_cost_dkk"
        pair_up(u, ["measure"], "cost")
    if support is not None and len(support):
        m = mix_shares(support, period).rename(columns={"share": "value", "total": "_n"})
        m = m[["kommunekode", "maalgruppe", "value", "_n"]]
        m["measure"] = "share"

        def se_share(d: pd.DataFrame) -> np.ndarray:
            p1, n1, p2, n2 = d["own_value"], d["_n_own"], d["peer_value"], d["_n_peer"]
            return np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2).to_numpy(float)

        pair_up(m, ["maalgruppe", "measure"], "maalgruppe_mix", se_share)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def _activity_se(d: pd.DataFrame) -> np.ndarray:
    """Approximate se of an activity difference, n = full-time persons in the målgruppe.

    Shares (measure named ``andel_*`` with values in [0, 1]): binomial
    sqrt(p_k(1−p_k)/n_k + p_j(1−p_j)/n_j). Rates per person (``*_pr_person``):
    Poisson sqrt(r_k/n_k + r_j/n_j). Other measures: null. Full-time persons
    stand in for the number of people (a person-year view), so these are
    approximations.
    """
    m = d["measure"].astype(str)
    p1, p2, n1, n2 = d["own_value"], d["peer_value"], d["_n_own"], d["_n_peer"]
    share = m.str.startswith("andel") & p1.between(0, 1) & p2.between(0, 1)
    rate = m.str.contains("_pr_person") & (p1 >= 0) & (p2 >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_share = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        se_rate = np.sqrt(p1 / n1 + p2 / n2)
    return np.where(share, se_share, np.where(rate, se_rate, np.nan)).astype(float)


# ------------------------------------------------------------------- results
#: the tables a peer run rests on (framework and benchmark for the pairs; activity, costs and
#: support for the differences): the run is simulated when any of them is — one list, read by
#: the CLI and the demo alike (they used 4 and 6 tables)
PEER_INPUTS: tuple[str, ...] = ("framework", "support", "population", "benchmark", "activity", "costs")


@dataclass(frozen=True)
class PeerResult:
    """Immutable peer results: ``peers`` (pairs), ``clusters``, ``groups``, ``differences``."""

    config: PeerConfig
    peers: pd.DataFrame = field(repr=False)
    clusters: pd.DataFrame = field(repr=False)
    groups: pd.DataFrame = field(repr=False)
    differences: pd.DataFrame = field(repr=False)
    variables: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    dropped_variables: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.peers

    @cached_property
    def learning_partners(self) -> pd.DataFrame:
        return self.peers[self.peers["learning_partner"]].reset_index(drop=True)

    def for_kommune(self, kommunekode: int) -> pd.DataFrame:
        return self.peers[self.peers["kommunekode"] == int(kommunekode)].reset_index(drop=True)

    def to_run(self, ds: Tables, benchmark_source: str, kommuner: Sequence[int] | None = None) -> Run:
        """The run to store (kind ``peers``): the tables flagged ``simulated`` by :data:`PEER_INPUTS`
        (copies: this result stays as it was), the weights and the benchmark's source as meta."""
        sim = any(ds.has(n) and ds.is_simulated(n) for n in PEER_INPUTS)
        c = self.config
        config: dict[str, object] = {"period": c.period, "k": c.k, "rule": c.rule, "alpha": c.alpha,
                                     "n_clusters": c.n_clusters, "area": "total"}
        if kommuner:
            config["kommuner"] = sorted(int(k) for k in kommuner)
        tables = {"peers": self.peers.assign(simulated=sim), "clusters": self.clusters.assign(simulated=sim),
                  "differences": self.differences.assign(simulated=sim)}
        return Run("peers", config, tables, {"weights": dict(self.weights), "benchmark_source": benchmark_source,
                                             "dropped_variables": list(self.dropped_variables)})


def compute_peers(
    framework: pd.DataFrame,
    records: pd.DataFrame,
    config: PeerConfig,
    weights: Mapping[str, float] | None = None,
    *,
    activity: pd.DataFrame | None = None,
    unit_costs: pd.DataFrame | None = None,
    support: pd.DataFrame | None = None,
    extra_groups: pd.DataFrame | None = None,
    kommuner: Sequence[int] | None = None,
) -> PeerResult:
    """Peers, clusters, groups and learning partners for one period.

    Parameters
    ----------
    framework : DataFrame
        Contract table ``framework`` (long form).
    records : DataFrame
        Benchmark records with kommunekode, diff_pp, se_pp (ci_low_pp, ci_high_pp).
    config : PeerConfig
    weights : mapping variable -> importance, optional
        |β|·sd per framework variable from the benchmark model; equal when None.
    activity, unit_costs, support : DataFrame, optional
        For the differences of learning partners.
    extra_groups : DataFrame, optional
        User groups (group, kommunekode, navn_da, navn_en) added to the built-in ones.
    kommuner : sequence of int, optional
        Only report peers of these municipalities (distances always use all).
    """
    all_cols = sorted(set(framework.loc[framework["period"].astype(str) == str(config.period), "variable"].astype(str)))
    wide = framework_matrix(framework, config.period)
    if weights is None:
        # Equal weights: leave out what the benchmark never uses by default
        # (outcomes and the jobcentre's own efforts, DOMAIN.md §3).
        wide = wide.loc[:, [c for c in wide.columns if not _excluded(c)]]
        if wide.shape[1] == 0:
            raise ModelError("Ingen brugbare rammevilkår i perioden.", "No usable framework variables in the period.")
    dropped = tuple(c for c in all_cols if c not in wide.columns)
    coords = coordinates(wide, weights)
    pairs = nearest_peers(coords, config.k)
    if kommuner is not None:
        unknown = [k for k in kommuner if int(k) not in set(coords.index)]
        if unknown:
            raise DataError("framework", None, "kommunekode", unknown[0],
                            "en kommune med rammevilkår i perioden", "a municipality with framework data in the period")
        pairs = pairs[pairs["kommunekode"].isin([int(k) for k in kommuner])].reset_index(drop=True)
    cl = ward_clusters(coords, config.n_clusters)
    pairs = mark_partners(pairs, records, config.rule, config.alpha)
    pairs["cluster"] = cl.reindex(pairs["peer_kommunekode"].to_numpy()).to_numpy()
    pairs["same_cluster"] = pairs["cluster"].to_numpy() == cl.reindex(pairs["kommunekode"].to_numpy()).to_numpy()
    names = reference.names()  # the one code-to-name map
    pairs.insert(2, "peer_navn", pairs["peer_kommunekode"].map(names).astype(str))
    pairs.insert(1, "navn", pairs["kommunekode"].map(names).astype(str))
    pairs["period"] = str(config.period)
    groups = reference.groups()
    if extra_groups is not None and len(extra_groups):
        groups = pd.concat([groups, extra_groups], ignore_index=True)
    member = groups.groupby("kommunekode")["group"].apply(lambda s: sorted(set(s)))
    pairs["shared_groups"] = [
        sorted(set(member.get(a, [])) & set(member.get(b, [])))
        for a, b in zip(pairs["kommunekode"], pairs["peer_kommunekode"])
    ]
    clusters = pd.DataFrame({"kommunekode": cl.index.astype("int64"), "cluster": cl.to_numpy()})
    clusters["navn"] = clusters["kommunekode"].map(names).astype(str)
    clusters["period"] = str(config.period)
    diffs = partner_differences(pairs, config.period, activity, unit_costs, support)
    w_used = tuple((c, float(abs(weights.get(c, 0.0))) if weights is not None else 1.0) for c in wide.columns)
    return PeerResult(
        config=config, peers=pairs, clusters=clusters, groups=groups, differences=diffs,
        variables=tuple(wide.columns), weights=w_used, dropped_variables=dropped,
    )


def importance_from_coefficients(coef: pd.DataFrame, variables: Sequence[str] | None = None) -> dict[str, float] | None:
    """Importance weights |β|·sd from a benchmark coefficients table, if it can be read.

    Accepts a column ``importance`` directly, or a coefficient column (``coef``,
    ``estimate``, ``beta``, ``coefficient``) times ``sd`` when present — without
    ``sd`` the coefficients are taken to be on standardized variables already
    (DOMAIN.md §3: the model uses standardized rammevilkår), so |β| is |β|·sd.
    Rows that are not framework variables (intercept, period effects) are dropped
    when ``variables`` is given. Returns None when the table has no usable form.
    """
    if coef is None or not len(coef):
        return None
    cols = {c.lower(): c for c in coef.columns}
    name_col = next((cols[c] for c in ("variable", "term", "name", "parameter") if c in cols), None)
    if name_col is None:
        return None
    if "importance" in cols:
        val = coef[cols["importance"]].astype(float).abs()
    else:
        bcol = next((cols[c] for c in ("coef", "estimate", "beta", "coefficient") if c in cols), None)
        if bcol is None:
            return None
        val = coef[bcol].astype(float).abs()
        if "sd" in cols:
            val = val * coef[cols["sd"]].astype(float).abs()
    out = {str(n): float(v) for n, v in zip(coef[name_col], val) if np.isfinite(v)}
    if variables is not None:
        out = {k: v for k, v in out.items() if k in set(variables)}
    return out or None

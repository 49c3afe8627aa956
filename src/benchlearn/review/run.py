"""``benchlearn review``: fit every specification through the one benchmark API and compare them.

The review is a layer above the benchmark: it never estimates anything itself. For each
specification it prepares the dataset (adds the extended public variables and the
commuting-area conditions the specification asks for, as framework variables), builds a
benchmark configuration and asks the benchmark resolver for the results. Then it compares
(:mod:`benchlearn.review.compare`) and, when the dataset carries a published benchmark,
measures how far each specification reproduces it (:mod:`benchlearn.review.ministry`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import ConfigError, ModelError
from benchlearn.core.results import Run
from benchlearn.core.seams import Tables
from benchlearn.data.dataset import Dataset
from benchlearn.review import compare, ministry
from benchlearn.review.commuting import PREFIX, area_means, areas_of
from benchlearn.review.specs import ReviewSpecs, Spec

__all__ = ["Review", "run_review", "resolve"]


def resolve(ds: Tables, config, view: str = "model"):  # type: ignore[no-untyped-def]
    """The benchmark results of a configuration — through the one benchmark resolver.

    ``view="model"`` asks for the open model, ``view="published"`` for a published
    ``benchmark`` table; returns :class:`~benchlearn.benchmark.results.BenchmarkResults`.
    The resolver's period rule applies: every period the data hold is fitted
    (``config.periods`` is cleared); nothing is stored.
    """
    from benchlearn.benchmark import resolver

    return resolver.resolve(ds, config, prefer="table" if view == "published" else "model", store=False).results


def default_jobs() -> int:
    """Parallel fits: the machine's cores, at most 4 (``BENCHLEARN_JOBS`` overrides; 1 = in this process)."""
    env = os.environ.get("BENCHLEARN_JOBS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    return max(1, min(4, os.cpu_count() or 1))


_JOBS: list[tuple] = []  # the work of fit_many, inherited by forked workers (no pickling of datasets)


def _fit_job(i: int):  # type: ignore[no-untyped-def]
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    ds, cfg, view = _JOBS[i]
    with threadpool_limits(1):  # one BLAS thread per worker: the workers already fill the cores
        return resolve(ds, cfg, view), time.perf_counter() - t0


def fit_many(jobs_list: list[tuple], *, jobs: int | None = None, progress=None) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Resolve ``(dataset, config, view)`` triples, in worker processes when there are several.

    Each triple goes through :func:`resolve` (the one benchmark API) exactly as it would in
    this process; workers are forked, so they share the datasets without copying them, and
    run one BLAS thread each. Returns ``(results, seconds)`` in input order.
    """
    global _JOBS
    n = len(jobs_list)
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    if jobs == 1 or n < 2 or "fork" not in mp.get_all_start_methods():
        out = []
        for ds, cfg, view in jobs_list:
            t0 = time.perf_counter()
            out.append((resolve(ds, cfg, view), time.perf_counter() - t0))
            if progress:
                progress(1)
        return out
    _JOBS = list(jobs_list)
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, n), mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_fit_job, i) for i in range(n)]
            out = []
            for f in futures:
                out.append(f.result())  # a BenchlearnError raised in a worker is re-raised here unchanged
                if progress:
                    progress(1)
        return out
    finally:
        _JOBS = []


#: The result tables a review run holds (the page and the downloads read these).
REVIEW_TABLES: tuple[str, ...] = ("specs", "records", "ranges", "pairs", "moves", "attribution", "agreement",
                                  "agreement_points", "reproducibility", "disagreements", "contributions")


@dataclass
class Review:
    """Everything a review produced: result tables (stored as one run) and what it did."""

    tables: dict[str, pd.DataFrame]
    period: str
    fit_periods: tuple[str, ...]
    specs: ReviewSpecs
    notes: list[tuple[str, str]] = field(default_factory=list)  # (Danish, English)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per fit: stderr and the run's meta, never the tables
    simulated: bool = False

    def summary(self) -> dict:
        """The headline numbers (what the CLI prints and ``--json`` returns besides the tables)."""
        s = self.tables["specs"]
        ran = s[s["status"] == "ok"]
        rng = self.tables["ranges"]
        out = {
            "period": self.period, "fit_periods": list(self.fit_periods), "baseline": self.specs.baseline,
            "specs_run": ran["spec"].tolist(), "specs_skipped": s.loc[s["status"] != "ok", ["spec", "reason_da", "reason_en"]].to_dict("records"),
            "tier_depends": int(rng["tier_depends"].sum()) if len(rng) else 0,
            "tier_depends_same_area": int(rng["tier_depends_same_area"].sum()) if len(rng) else 0,
            "simulated": self.simulated,
        }  # no timings here: the summary is stdout of ``--json`` and must be the same bytes every run (#20.8)
        if "agreement" in self.tables and len(self.tables["agreement"]):
            a = self.tables["agreement"]
            base = a[a["spec"] == self.specs.baseline]
            if len(base):
                out["ministry"] = {"r_diff": [float(base["r_diff"].min()), float(base["r_diff"].max())],
                                   "rho_rank": [float(base["rho_rank"].min()), float(base["rho_rank"].max())]}
        return out

    def to_run(self) -> Run:
        """The review as one workspace run (kind ``review``), as every result class hands itself to ``Workspace.record``."""
        import uuid

        config = {"period": self.period, "fit_periods": list(self.fit_periods), "baseline": self.specs.baseline,
                  "specs": [s.name for s in self.specs.specs], "specs_file": self.specs.source}
        # every table carries the run's key, so a page reading the newest review never mixes two runs
        key = uuid.uuid4().hex[:12]
        results = {k: v.assign(review_key=key) for k, v in self.tables.items() if k in REVIEW_TABLES and len(v.columns)}
        meta = {"summary": self.summary(), "notes": [{"da": da, "en": en} for da, en in self.notes],
                "specs": self.specs.to_dict(), "timings": self.timings, "review_key": key}
        return Run("review", config, results, meta)


# -- preparing a specification ----------------------------------------------------------


class _Prepared:
    """Datasets augmented per specification, built once and reused."""

    def __init__(self, ds: Dataset, fit_periods: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
        self.ds, self.fit_periods = ds, fit_periods
        self.notes: list[tuple[str, str]] = []
        self._public: pd.DataFrame | None = None
        self._cache: dict[tuple, object] = {}
        self.areas, self.areas_da, self.areas_en = areas_of(ds)

    def public(self) -> pd.DataFrame:
        if self._public is None:
            from benchlearn.sources.public_framework import DEFAULT_PUBLIC, build_public_framework

            periods = sorted(set(self.ds.table("framework")["period"]))
            fw, note = build_public_framework(periods, DEFAULT_PUBLIC)
            self._public = fw
            self.notes.append(note)
        return self._public

    def dataset(self, spec: Spec, base_vars: list[str]):  # type: ignore[no-untyped-def]
        """The dataset this specification is fitted on, and the variables it adds."""
        fw = self.ds.table("framework")
        added: list[str] = []
        parts = [fw]
        if spec.public_variables:
            pub = self.public()
            pub = pub[~pub["variable"].isin(set(fw["variable"]))]
            parts.append(pub)
            added += sorted(pub["variable"].unique())
        if spec.commuting:
            have = sorted(set(pd.concat(parts)["variable"]))
            chosen = [v for v in have if not v.startswith(PREFIX) and any(
                (p == "*" and v in base_vars + added) or (p != "*" and re.search(p, v, re.IGNORECASE)) for p in spec.commuting)]
            ca, notes = area_means(pd.concat(parts, ignore_index=True), self.ds.table("population"), self.areas, chosen,
                                   leave_self_out=spec.commuting_leave_self_out)
            parts.append(ca)
            added += sorted(ca["variable"].unique())
            self.notes += [n for n in notes if n not in self.notes]
        key = (spec.public_variables, spec.commuting, spec.commuting_leave_self_out)
        if len(parts) == 1:
            return self.ds, added
        if key not in self._cache:
            tables = dict(self.ds.tables)
            tables["framework"] = pd.concat(parts, ignore_index=True)
            self._cache[key] = Dataset.from_tables(tables, source=self.ds.source or "<review>")
        return self._cache[key], added


def _default_variables(ds: Tables, config) -> list[str]:  # type: ignore[no-untyped-def]
    """The benchmark's own default set (every variable but the default exclusions)."""
    from benchlearn.benchmark.model import choose_variables

    available = sorted(ds.table("framework")["variable"].unique().tolist())
    chosen, _dropped, _notes = choose_variables(available, config)
    return chosen


def _variables(spec: Spec, ds_base, ds_spec, added: list[str], config) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    vs = list(spec.variables) if spec.variables is not None else _default_variables(ds_base, config)
    vs += [v for v in added if v not in vs]
    have = sorted(ds_spec.table("framework")["variable"].unique())
    vs += [v for v in have if v not in vs and any(re.search(p, v, re.IGNORECASE) for p in spec.add)]
    vs = [v for v in vs if not any(re.search(p, v, re.IGNORECASE) for p in spec.drop)]
    if not vs:
        raise ModelError(f"Specifikationen '{spec.name}' har ingen rammevilkår tilbage.", f"Specification '{spec.name}' has no framework variables left.")
    return tuple(vs)


def _coverage(ds: Tables, spec: Spec, periods: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """The ydelser of the specification's target that have support rows, and those that have none."""
    yd = reference.maalgruppe_ydelser(spec.maalgruppe) if spec.maalgruppe else reference.area_ydelser(spec.area)
    sup = ds.table("support")
    sup = sup[sup["period"].isin(periods) & sup["ydelse"].isin(yd)]
    have = frozenset(sup.loc[sup["fuldtidspersoner"] > 0, "ydelse"].unique())
    return have, tuple(y for y in yd if y not in have)


def _ydelse_names(codes, column: str) -> str:  # type: ignore[no-untyped-def]
    y = reference.ydelser().set_index("ydelse")
    return ", ".join(str(y.at[c, column]) if c in y.index else c for c in codes)


# -- the review -----------------------------------------------------------------------------


def _periods(ds: Tables, period: str | None) -> tuple[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """The period compared and the periods fitted: every period the data hold (the resolver's period rule)."""
    have = sorted(set(ds.table("support")["period"]) & set(ds.table("population")["period"]))
    if not have:
        raise ModelError("Ingen perioder findes i både 'support' og 'population'.", "No period is present in both 'support' and 'population'.")
    if period is None:
        period = have[-1]
    if period not in have:
        raise ConfigError(f"Perioden '{period}' findes ikke i datasættet (findes: {', '.join(have)}).",
                          f"Period '{period}' is not in the dataset (available: {', '.join(have)}).")
    return period, tuple(have)


def _frame_for(ds: Tables, res, period: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The variables as the fit saw them (log where it took logs), wide, for one period."""
    fw = ds.table("framework")
    fw = fw[fw["period"] == period]
    wide = fw.pivot_table(index="kommunekode", columns="variable", values="value", aggfunc="first")
    coef = res.coefficients
    if "transform" in coef.columns:
        for v in set(coef.loc[coef["transform"] == "log", "term"]):
            if v in wide.columns:
                wide[v] = np.log(wide[v])
    return wide


def run_review(ds: Dataset, specs: ReviewSpecs, *, period: str | None = None, all_periods: bool = False,
               contributions: str = "none", progress=None, jobs: int | None = None) -> Review:  # type: ignore[no-untyped-def]
    """Fit every specification and compare them (see the module docstring).

    Parameters
    ----------
    ds : Dataset
        Needs ``support``, ``population`` and ``framework``; a ``benchmark`` table adds the
        comparison with the published benchmark; ``commuting_areas`` replaces the default
        mapping.
    specs : ReviewSpecs
    period : str, optional
        The period compared; default the latest. Every period of the data is fitted with
        it (pooled, the benchmark resolver's period rule), and the comparison with a
        published benchmark is made for each of them.
    all_periods : bool
        Kept for scripts written before the resolver: every period is fitted either way.
    contributions : {"none", "drop-one"}
        Drop-one contributions of variable groups to the agreement with the published
        benchmark, on the specification ``contributions_from``.
    progress : callable, optional
        ``progress(n)`` after each fit.
    jobs : int, optional
        Fits run at the same time (processes); default :func:`default_jobs`.
    """
    from threadpoolctl import threadpool_limits

    # One BLAS thread per process, for every fit of the review (fit_many's serial loop and its forked
    # workers inherit it): the matrices are small (hundreds of rows) and a second BLAS thread only
    # contends for the cores (measured on the demo: 1.6 s CPU per fit with one thread, 2.0–2.6 s with
    # two; wall 3.2 s against 4.1–5.3 s at load average 5).
    with threadpool_limits(1):
        return _run_review(ds, specs, period, contributions, progress, jobs)


def _run_review(ds: Dataset, specs: ReviewSpecs, period: str | None, contributions: str, progress, jobs: int | None) -> Review:  # type: ignore[no-untyped-def]
    from benchlearn.benchmark.config import BenchmarkConfig

    if contributions not in ("none", "drop-one"):
        raise ConfigError(f"Ukendt --contributions '{contributions}' (none eller drop-one).",
                          f"Unknown --contributions '{contributions}' (none or drop-one).")
    for name in ("support", "population", "framework"):
        ds.require(name, "modelgennemgangen (review)", "the model review")
    period, fit_periods = _periods(ds, period)
    prep = _Prepared(ds, fit_periods)
    timings: dict[str, float] = {}
    rows, results, frames, recs_all, configs = [], [], {}, {}, {}
    seen: dict[tuple, str] = {}
    planned: list[tuple[Spec, object, object]] = []  # (spec, dataset, config) of the specifications that run
    for spec in specs.specs:
        have, missing = _coverage(ds, spec, fit_periods)
        row = {"spec": spec.name, "label_da": spec.label_da, "label_en": spec.label_en, "target": spec.target,
               "status": "ok", "reason_da": "", "reason_en": "", "variables": "", "n_variables": 0, "settings": ""}
        same_as = next((n for (h, s), n in seen.items() if h == frozenset(have) and s == _signature(spec)), None)
        same_label = next(((x.label_da, x.label_en) for x in specs.specs if x.name == same_as), ("", ""))
        if not have:
            row.update(status="skipped", reason_da=f"ingen rækker i 'support' for {_ydelse_names(missing, 'navn_da')}",
                       reason_en=f"no rows in 'support' for {_ydelse_names(missing, 'navn_en')}")
        elif same_as is not None:
            row.update(status="skipped",
                       reason_da=f"samme som «{same_label[0]}»: datasættet har ingen rækker for {_ydelse_names(missing, 'navn_da')}",
                       reason_en=f"the same as «{same_label[1]}»: the dataset has no rows for {_ydelse_names(missing, 'navn_en')}")
        rows.append(row)
        if row["status"] != "ok":
            if progress:
                progress(1)
            continue
        seen[(frozenset(have), _signature(spec))] = spec.name
        cfg0 = BenchmarkConfig(area=spec.area, maalgruppe=spec.maalgruppe, periods=fit_periods, **spec.config)
        base_vars = _default_variables(ds, cfg0) if spec.variables is None else list(spec.variables)
        ds_spec, added = prep.dataset(spec, base_vars)
        variables = _variables(spec, ds, ds_spec, added, cfg0)
        cfg = BenchmarkConfig(area=spec.area, maalgruppe=spec.maalgruppe, periods=fit_periods, variables=variables, **spec.config)
        planned.append((spec, ds_spec, cfg))
    # the published side of the comparison (one per target the published table has) runs beside round one
    bench_areas = set(ds.table("benchmark")["area"]) if ds.has("benchmark") else set()
    wanted: dict[str, object] = {}
    for _, _, c in planned:
        if c.target in bench_areas and c.target not in wanted:
            wanted[c.target] = BenchmarkConfig(area=c.area, maalgruppe=c.maalgruppe, periods=c.periods)
    planned, fitted, pub_fits = _fit_planned(planned, specs, jobs, progress, [(ds, c, "published") for c in wanted.values()])
    by_name = {r["spec"]: r for r in rows}
    for (spec, ds_spec, cfg), (res, seconds) in zip(planned, fitted, strict=True):
        timings[spec.name] = seconds
        used = tuple(res.card.variables)
        recs = res.to_frame()
        recs_all[spec.name] = recs
        configs[spec.name] = (ds_spec, cfg, res)
        rp = recs[recs["period"] == period].reset_index(drop=True)
        settings = dict(spec.config)
        shown = dict(settings)
        if cfg.level != "auto" and "level" not in settings:
            # the baseline's family, fixed ([review] family): said in the specs table, not a difference between specs
            shown["level"] = f"{cfg.level} ({specs.baseline})"
        results.append(compare.SpecResult(spec.name, spec.label_da, spec.label_en, spec.target, used, settings, rp))
        frames[spec.name] = _frame_for(ds_spec, res, period)
        by_name[spec.name].update(variables=", ".join(used), n_variables=len(used),
                                  settings=", ".join(f"{k}={v}" for k, v in shown.items()))
    ran = results
    if len(ran) < 2:
        raise ModelError("Mindst to specifikationer skal kunne køres på datasættet for at kunne sammenlignes.",
                         "At least two specifications must run on the dataset to be compared.")
    baseline = specs.baseline if any(r.name == specs.baseline for r in ran) else ran[0].name
    tables = {
        "specs": pd.DataFrame(rows),
        "records": compare.municipality_table(ran),
        "ranges": compare.ranges(ran, baseline),
        "pairs": compare.pairs(ran, frames, top=specs.top_moves),
        "moves": compare.moves(ran, baseline, top=specs.top_moves),
    }
    att = []
    for r in ran:
        if r.name != baseline:
            a = compare.attribution(next(x for x in ran if x.name == baseline), r, frames)
            att.append(a.assign(spec_a=baseline, spec_b=r.name))
    tables["attribution"] = pd.concat(att, ignore_index=True) if att else pd.DataFrame()
    if ds.has("benchmark"):
        tables.update(_published(ds, specs, recs_all, configs, contributions, timings, progress, jobs,
                                 dict(zip(wanted, pub_fits, strict=True))))
    sim = any(ds.is_simulated(n) for n in ("support", "population", "framework"))
    for name, tab in tables.items():
        if len(tab.columns):
            tables[name] = tab.assign(simulated=sim)
    notes = prep.notes + [(f"Pendlingsområder: {prep.areas_da}.", f"Commuting areas: {prep.areas_en}.")]
    return Review(tables, period, fit_periods, specs, notes, timings, sim)


def _fit_planned(planned: list[tuple], specs: ReviewSpecs, jobs: int | None, progress,
                 extra: list[tuple]) -> tuple[list[tuple], list[tuple], list[tuple]]:  # type: ignore[no-untyped-def]
    """Fit the planned specifications; under ``family = "baseline"`` in two rounds.

    Round one fits the baseline (its family chosen by cross-validation, exactly as
    ``benchlearn benchmark`` would) and every specification that sets its own ``level`` or
    another ``model``; round two fits the rest with the baseline's chosen family fixed
    (``level``), which costs one fit instead of one per candidate family and keeps each
    comparison with the baseline to the one thing the specification changes. ``extra``
    (``(dataset, config, view)`` triples, the published side) runs in round one; its
    results come back third.
    """
    import dataclasses

    base = next((i for i, (s, _, _) in enumerate(planned) if s.name == specs.baseline), None)
    if specs.family != "baseline" or base is None:
        got_all = fit_many([(d, c, "model") for _, d, c in planned] + extra, jobs=jobs, progress=progress)
        return planned, got_all[:len(planned)], got_all[len(planned):]
    bcfg = planned[base][2]
    follow = [i for i, (s, _, c) in enumerate(planned)
              if i != base and "level" not in s.config and c.model == bcfg.model and c.level == "auto"]
    first = [i for i in range(len(planned)) if i not in follow]
    # the baseline first: it decides round two, so it must not wait behind the others
    first = [base] + [i for i in first if i != base]
    got1 = fit_many([(planned[i][1], planned[i][2], "model") for i in first] + extra, jobs=jobs, progress=progress)
    got = dict(zip(first, got1[:len(first)], strict=True))
    extra_got = got1[len(first):]
    family = got[base][0].card.family
    out = list(planned)
    if follow and family:
        for i in follow:
            s, d, c = planned[i]
            out[i] = (s, d, dataclasses.replace(c, level=family))
    got.update(zip(follow, fit_many([(out[i][1], out[i][2], "model") for i in follow], jobs=jobs, progress=progress),
                   strict=True))
    return out, [got[i] for i in range(len(out))], extra_got


def _signature(spec: Spec) -> tuple:
    d = spec.to_dict()
    for k in ("name", "label_da", "label_en", "area", "maalgruppe"):
        d.pop(k)
    return tuple(sorted((k, repr(v)) for k, v in d.items()))


def _published(ds: Tables, specs: ReviewSpecs, recs_all: dict, configs: dict, contributions: str, timings: dict, progress,
               jobs: int | None, published: dict) -> dict:  # type: ignore[no-untyped-def]
    """Agreement of every specification with the published table (``published``: target → fit), for the targets it has."""
    bench_areas = set(ds.table("benchmark")["area"])
    agree, points, repro = [], [], []
    wanted, got = list(published), list(published.values())
    pub_cache = {}
    own = [c for c in ("published_rank", "published_diff_pp") if c in ds.table("benchmark").columns]
    for target, (res_pub, seconds) in zip(wanted, got, strict=True):
        pub_cache[target] = res_pub.to_frame()
        if own:  # the publisher's own rank and result travel with its records
            b = ds.table("benchmark")[["kommunekode", "period", "area", *own]]
            pub_cache[target] = pub_cache[target].drop(columns=[c for c in own if c in pub_cache[target].columns]).merge(
                b, on=["kommunekode", "period", "area"], how="left")
        timings[f"published:{target}"] = seconds
    for name, recs in recs_all.items():
        ds_spec, cfg, res = configs[name]
        if cfg.target not in bench_areas:
            continue
        pub = pub_cache[cfg.target]
        agree.append(ministry.agreement(recs, pub).assign(spec=name))
        points.append(ministry.agreement_points(recs, pub).assign(spec=name))
        frames = {p: _frame_for(ds_spec, res, p) for p in cfg.periods}
        repro.append(ministry.reproducibility(pub, frames, tuple(res.card.variables)).assign(spec=name))
    out: dict[str, pd.DataFrame] = {}
    if not agree:
        return out
    out["agreement"] = pd.concat(agree, ignore_index=True)
    pts = pd.concat(points, ignore_index=True)
    out["agreement_points"] = pts
    out["reproducibility"] = pd.concat(repro, ignore_index=True)
    src = specs.contributions_from if specs.contributions_from in recs_all else specs.baseline
    moved = None
    if contributions == "drop-one" and src in recs_all and configs[src][1].target in bench_areas:
        contrib, moved = _drop_one(src, recs_all[src], configs[src][:2], pub_cache[configs[src][1].target], timings,
                                   progress, jobs)
        out["contributions"] = contrib
    base = pts[pts["spec"] == (src if moved is not None else specs.baseline)]
    if len(base):
        last = sorted(base["period"].unique())[-1]
        area = sorted(base["area"].unique())[0] if "total" not in set(base["area"]) else "total"
        out["disagreements"] = ministry.disagreements(base, area, last, top=specs.top_moves, moved=moved)
    return out


def _drop_one(name: str, recs: pd.DataFrame, ds_cfg: tuple, pub: pd.DataFrame, timings: dict, progress,
              jobs: int | None):  # type: ignore[no-untyped-def]
    r"""Drop-one contributions of variable groups to the agreement with the published benchmark.

    Notes
    -----
    For group *G* of the specification's variables, the specification is fitted without
    *G* (through the resolver) and ``delta_r_diff`` :math:`= r(\text{full}) - r(\text{without } G)`
    averaged over the periods; positive = the group brings the open model closer.
    """
    import dataclasses

    ds_spec, cfg = ds_cfg
    full = ministry.agreement(recs, pub)
    groups: dict[str, list[str]] = {}
    for v in cfg.variables:
        groups.setdefault(ministry.group_of(v), []).append(v)
    todo = [(g, vs) for g, vs in sorted(groups.items()) if len(vs) < len(cfg.variables)]
    if cfg.level == "auto" and "family" in recs.columns and recs["family"].nunique() == 1:
        # one thing changed at a time: without the group, the family the full specification chose
        # (a fresh choice per group would mix the group's effect with a change of model, and
        # cost a cross-validation of every family per group)
        cfg = dataclasses.replace(cfg, level=str(recs["family"].iloc[0]))
    fits = fit_many([(ds_spec, dataclasses.replace(cfg, variables=tuple(v for v in cfg.variables if v not in vs)), "model")
                     for _, vs in todo], jobs=jobs, progress=progress)
    rows, moved = [], []
    last = sorted(recs["period"].unique())[-1]
    for (g, vs), (res, seconds) in zip(todo, fits, strict=True):
        timings[f"drop:{g}"] = seconds
        r = res.to_frame()
        a = ministry.agreement(r, pub)
        m = full.merge(a, on=["area", "period"], suffixes=("", "_without"))
        rows.append({"spec": name, "group": g, "variables": ", ".join(vs), "n_variables": len(vs),
                     "r_diff_full": float(m["r_diff"].mean()), "r_diff_without": float(m["r_diff_without"].mean()),
                     "delta_r_diff": float((m["r_diff"] - m["r_diff_without"]).mean()),
                     "delta_rho_rank": float((m["rho_rank"] - m["rho_rank_without"]).mean()),
                     "delta_r_expected_share": float((m["r_expected_share"] - m["r_expected_share_without"]).mean())})
        rl = r[(r["period"] == last) & (r["area"] == cfg.target)]
        moved.append(pd.DataFrame({"kommunekode": rl["kommunekode"], "group": g, "diff_pp": rl["diff_pp"]}))
    contrib = pd.DataFrame(rows).sort_values("delta_r_diff", ascending=False).reset_index(drop=True)
    return contrib, (pd.concat(moved, ignore_index=True) if moved else None)

"""The embedded default workspace behind ``make demo``, in two named views.

**Real view (default, ``view="real"``)**: the ministry's own benchmark, Jobindsats y30r21
(2020QMAT02 … 2022QMAT04, four Ydelsesgrupper, SOURCES.md §3), read with
:func:`benchlearn.sources.jobindsats.read_y30r21`: map, list, funnel, rank intervals,
stability and rank histories are the real numbers with benchlearn's uncertainty around
them. The monitoring series (``activity``) are the real monthly Jobindsats figures and the
framework variables are the real Statistics Denmark ones (yearly values on the QMAT
periods). Fokusmål (``focus``), costs, surveys and the ydelse counts behind unit costs
(``support``) are simulated and flagged as such; there is no ``population`` table, so
nothing refits a model over the ministry's numbers.

**Open-model view (``view="model"``)**: benchlearn's own model on public framework
variables, yearly 2021–2024. Real numbers where they exist publicly (Statistics Denmark
extracts in ``../shared/data/raw`` or the fetch cache): population, the kontanthjælp
series (AUK01) and framework variables; everything else from the project's documented
simulator (docs/SIMULATOR.md). In both views the ``provenance`` table says part by part
what is real, derived or simulated, so every page and file can say so.

How the open-model view joins real and simulated
------------------------------------------------
* ``support``: the real kontanthjælp rows replace the simulated ones; the simulated rows of
  the other 13 ydelser are rescaled by real/simulated population of the municipality and
  period, so that their simulated *shares* are kept on the real denominator.
* ``framework``: real variables, plus the simulator's own variables prefixed ``sim_`` —
  the simulated ydelser were generated from those, so a benchmark of an area that mixes
  real and simulated ydelser needs both to separate conditions from jobcentre effects.
* every other table is simulated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.benchmark.resolver import resolve
from benchlearn.core.errors import DataError, SourceError
from benchlearn.core.fingerprint import code_fingerprint
from benchlearn.core.i18n import t
from benchlearn.core.progress import stderr
from benchlearn.core.results import Run
from benchlearn.data.dataset import Dataset
from benchlearn.runs import benchlearning_runs, benchmark_runs, integration_runs, peer_runs, scheme_runs, survey_runs
from benchlearn.store import Workspace

DEFAULT_WORKSPACE = Path("demo-workspace") / "benchlearn-demo.duckdb"
#: The open model's workspace (second view): ``benchlearn demo --view model``.
MODEL_WORKSPACE = Path("demo-workspace") / "benchlearn-model.duckdb"
DEFAULT_SEED = 2026
DEFAULT_PERIODS: tuple[str, ...] = ("2021", "2022", "2023", "2024")
VIEWS: tuple[str, ...] = ("real", "model")


#: what the demo runs for one analysis: ``(workspace, dataset) -> run ids``
Runner = Callable[[Workspace, Dataset], list[str]]


@dataclass(frozen=True)
class Analysis:
    """One analysis the demo runs: a function taking ``(ws, ds)`` and returning the ids of the runs it stored.

    The function itself, imported at the top of this module (not a ``"module:function"`` string
    looked up at run time), so a renamed or moved runner fails at import and the layering test
    sees the dependency.
    """

    name: str
    runner: Runner
    label_da: str
    label_en: str


def store_published_runs(ws: Workspace, ds: Dataset) -> list[str]:
    """One benchmark run per area and period from the published ``benchmark`` table."""
    ids: list[str] = []
    for area in sorted(ds.table("benchmark")["area"].unique()):
        ids += resolve(ws, BenchmarkConfig(area=str(area)), prefer="table", dataset=ds).run_ids
    return ids


#: In dependency order: classification, peers and DEA read the benchmark runs.
ANALYSES: tuple[Analysis, ...] = (
    Analysis("benchmark", benchmark_runs.store_default_runs, "Rammevilkårsbenchmark", "Framework benchmark"),
    Analysis("integration", integration_runs.store_default_runs, "Integration efter herkomst", "Integration by origin"),
    Analysis("classification", scheme_runs.store_default_runs, "Klassifikationer", "Classifications"),
    Analysis("benchlearning", peer_runs.store_default_runs,
             "Sammenlignelige kommuner, udgifter og omkostningseffektivitet (DEA)", "Peers, costs and cost efficiency (DEA)"),
    Analysis("surveys", survey_runs.store_default_runs, "Undersøgelser", "Surveys"),
    Analysis("methods", benchlearning_runs.store_default_runs,
             "Indsatser, selvevaluering og læringsforløb", "Efforts, self-assessment and learning cycles"),
)


#: The real view's analyses: the benchmark is the published table (never a refit).
REAL_ANALYSES: tuple[Analysis, ...] = (
    Analysis("benchmark", store_published_runs, "Ministeriets benchmark (y30r21)", "The ministry's benchmark (y30r21)"),
    *ANALYSES[1:],
)


def _provenance(table: str, part: str | None, source: str, simulated: bool, note: str = "",
                kind: str | None = None) -> dict[str, object]:
    return {"table": table, "part": part, "source": source, "simulated": simulated, "note": note,
            "kind": kind or ("simulated" if simulated else "real")}


def build_real_demo_tables(seed: int = DEFAULT_SEED, raw_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Tables of the real view: y30r21, real monitoring and framework, simulated rest (flagged)."""
    from benchlearn.simulator import simulate
    from benchlearn.sources import raw_data_dir
    from benchlearn.sources.realdata import build_real_tables, jobindsats_tables

    raw = raw_dir if raw_dir is not None else raw_data_dir()
    real = jobindsats_tables(raw)
    bench = real["benchmark"]
    periods = tuple(sorted(bench["period"].unique()))
    sim = simulate(seed=seed, periods=periods)
    source = f"benchlearn simulator (seed {seed})"
    tables: dict[str, pd.DataFrame] = {"municipalities": sim.tables["municipalities"]}
    prov = [dict(r) for r in real["provenance"].to_dict("records")]
    for name, t in real.items():
        if name != "provenance":
            tables[name] = t
    for name in ("focus", "costs", "support", "citizen_survey", "business_survey", "invitations", "caseworker_assessments",
                 "efforts", "self_assessment", "learning_cycles", "learning_actions"):
        if name in sim.tables:
            tables[name] = sim.tables[name]
            note = ("simuleret; kun til enhedsomkostninger / simulated; only for unit costs" if name == "support"
                    else "simuleret / simulated")
            prov.append(_provenance(name, None, source, True, note))
    fw_years = build_real_tables(raw, period_kind="year")["framework"]
    fw = pd.concat([fw_years[fw_years["period"] == p[:4]].assign(period=p) for p in periods], ignore_index=True)
    try:  # FOLK1A 1 January 2014 age structure (SOURCES.md §4); each variable's name says the year
        from benchlearn.sources.folk1a_ages import age_shares_2014

        ages = age_shares_2014(raw)
        fw = pd.concat([fw, *(ages.assign(period=p) for p in periods)], ignore_index=True)
        prov.append(_provenance("framework", "variable=*_pct_2014", "Danmarks Statistik FOLK1A 1. januar 2014 via "
                                "github.com/LarsHernandez/dagir", False, "Aldersstruktur 2014, samme værdi i alle perioder / "
                                "age structure 2014, the same value in every period", kind="real"))
    except (SourceError, DataError):  # the FOLK1A file missing or unreadable: the age structure is left out
        pass
    tables["framework"] = fw[["kommunekode", "period", "variable", "value"]].reset_index(drop=True)
    prov.append(_provenance("framework", None, "Danmarks Statistik via github.com/DennisHedegreen/danish-politics-data",
                            False, "Årsværdien for QMAT-periodens år (interpoleret mellem observerede år) / the year's value "
                            "for the QMAT period's year (interpolated between observed years)", kind="derived"))
    tables["provenance"] = pd.DataFrame(prov)
    return tables


def build_demo_tables(
    seed: int = DEFAULT_SEED,
    periods: Sequence[str] = DEFAULT_PERIODS,
    raw_dir: Path | None = None,
    use_real: bool = True,
) -> dict[str, pd.DataFrame]:
    """Contract tables for the demo: real where available, simulated for the rest."""
    from benchlearn.simulator import simulate
    from benchlearn.sources import raw_data_dir

    sim = simulate(seed=seed, periods=tuple(periods))
    tables = {k: v.copy() for k, v in sim.tables.items() if k != "provenance"}
    source = f"benchlearn simulator (seed {seed})"
    prov = [
        _provenance(name, None, source, True, "simuleret / simulated")
        for name in tables
        if name not in ("support", "population", "framework", "municipalities")
    ]
    raw = raw_dir if raw_dir is not None else (raw_data_dir() if use_real else None)
    if raw is None:
        for name in ("support", "population", "framework"):
            prov.append(_provenance(name, None, source, True, "ingen rigtige data fundet / no real data found"))
        tables["provenance"] = pd.DataFrame(prov)
        return tables

    from benchlearn.sources.realdata import build_real_tables

    real = build_real_tables(raw, period_kind="year")
    keep = set(periods)
    real = {k: v[v["period"].isin(keep)].copy() if "period" in v.columns else v for k, v in real.items()}
    real_prov = real.get("provenance")

    # population: real denominator; simulated ydelser keep their simulated shares on it
    pop_sim = tables["population"].rename(columns={"persons": "sim_persons"})
    pop_real = real["population"]
    scale = pop_real.merge(pop_sim, on=["kommunekode", "period"], how="inner")
    scale["factor"] = scale["persons"] / scale["sim_persons"]
    sup = tables["support"].merge(scale[["kommunekode", "period", "factor"]], on=["kommunekode", "period"], how="inner")
    sup["fuldtidspersoner"] = sup["fuldtidspersoner"] * sup["factor"]
    sup = sup.drop(columns="factor")
    real_ydelser = set(real["support"]["ydelse"].unique())
    sup = sup[~sup["ydelse"].isin(real_ydelser)]
    real_sup = real["support"][real["support"]["period"].isin(set(sup["period"]))]
    tables["support"] = pd.concat([real_sup[sup.columns], sup], ignore_index=True)
    tables["population"] = pop_real[pop_real["period"].isin(set(sup["period"]))].reset_index(drop=True)

    fw_sim = tables["framework"].copy()
    fw_sim["variable"] = "sim_" + fw_sim["variable"].astype(str)
    fw_real = real["framework"]
    tables["framework"] = pd.concat([fw_real[fw_real["period"].isin(set(sup["period"]))], fw_sim], ignore_index=True)

    for name in ("support", "population", "framework"):
        rows = real_prov[real_prov["table"] == name] if real_prov is not None else pd.DataFrame()
        note = "; ".join(str(n) for n in rows.get("note", pd.Series(dtype=str)).dropna().unique())
        src = "; ".join(str(s) for s in rows.get("source", pd.Series(dtype=str)).dropna().unique()) or "Danmarks Statistik"
        if name == "support":
            for y in sorted(real_ydelser):
                prov.append(_provenance("support", f"ydelse={y}", src, False, note))
            for y in sorted(set(sup["ydelse"])):
                prov.append(
                    _provenance("support", f"ydelse={y}", source, True, "simuleret andel × rigtig befolkning / simulated share × real population")
                )
        elif name == "framework":
            prov.append(_provenance("framework", "variable=sim_*", source, True, "simulatorens rammevilkår / the simulator's framework variables"))
            prov.append(_provenance("framework", "øvrige variable / other variables", src, False, note))
        else:
            prov.append(_provenance(name, None, src, False, note))
    tables["provenance"] = pd.DataFrame(prov)
    return tables


def real_view_available(raw_dir: Path | None = None) -> bool:
    """True when the shared y30r21 file is there (the real view's one necessary input)."""
    from benchlearn.sources import raw_data_dir
    from benchlearn.sources.realdata import Y30R21_FILE

    raw = raw_dir if raw_dir is not None else raw_data_dir()
    return raw is not None and (raw / Y30R21_FILE).is_file()


def build_demo_workspace(
    path: Path = DEFAULT_WORKSPACE,
    seed: int = DEFAULT_SEED,
    periods: Sequence[str] = DEFAULT_PERIODS,
    use_real: bool = True,
    rebuild: bool = False,
    analyses: Sequence[Analysis] | None = None,
    view: str = "real",
    raw_dir: Path | None = None,
) -> dict[str, int]:
    """Build (or reuse) the demo workspace of one view and run every analysis; returns runs per analysis.

    ``view="real"`` (default) builds on the ministry's y30r21 (``periods`` is then the
    file's six); without the file, or with ``use_real=False``, the open-model view is
    built instead. Analyses already stored for identical data by this version of the code
    (:func:`benchlearn.core.fingerprint.code_fingerprint`, not only the version string) are
    not run again, so a second ``make demo`` starts serving at once. A bad input file stops the
    build before anything is written.
    """
    from benchlearn import __version__

    code = code_fingerprint()
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    if view == "real" and not (use_real and real_view_available(raw_dir)):
        view = "model"
    with stderr.status(t("Bygger datasæt (rigtige data + simulation) …", "Building dataset (real data + simulation) …")):
        if view == "real":
            tables = build_real_demo_tables(seed, raw_dir)
        else:
            tables = build_demo_tables(seed, periods, raw_dir=raw_dir, use_real=use_real)
        ds = Dataset.from_tables(tables, source=f"benchlearn demo ({view})")
    if analyses is None:
        analyses = REAL_ANALYSES if view == "real" else ANALYSES
    if rebuild and path.exists():
        path.unlink()
    counts: dict[str, int] = {}
    with Workspace.open(path) as ws:
        ws.ingest(ds, replace=True)  # the demo's own workspace: rebuilt from the same recipe
        done = {
            r.config.get("analysis")
            for r in ws.find_runs("demo")
            if r.input_hash == ds.content_hash and r.meta.get("code") == code
        }
        for a in analyses:
            if a.name in done:
                counts[a.name] = 0
                continue
            with stderr.status(t(f"Kører {a.label_da} …", f"Running {a.label_en} …")):
                ids = a.runner(ws, ds)
            counts[a.name] = len(ids)
            ws.record(Run("demo", {"analysis": a.name}, {}, {"version": __version__, "code": code, "runs": list(ids)}), input_hash=ds.content_hash)
            stderr.print(t(f"✓ {a.label_da}: {len(ids)} kørsler", f"✓ {a.label_en}: {len(ids)} runs"))
    return counts

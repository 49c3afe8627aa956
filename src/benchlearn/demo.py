"""The embedded default workspace behind ``make demo``.

Real numbers where they exist publicly (Statistics Denmark extracts and DAGI boundaries in
``../shared/data/raw`` or the fetch cache): population, the kontanthjælp series (AUK01) and
framework variables. Everything else comes from the project's documented simulator
(docs/SIMULATOR.md), and the ``provenance`` table says so part by part, so every page and
file can say which numbers are simulated.

How the two are joined
----------------------
* ``support``: the real kontanthjælp rows replace the simulated ones; the simulated rows of
  the other 13 ydelser are rescaled by real/simulated population of the municipality and
  period, so that their simulated *shares* are kept on the real denominator.
* ``framework``: real variables, plus the simulator's own variables prefixed ``sim_`` —
  the simulated ydelser were generated from those, so a benchmark of an area that mixes
  real and simulated ydelser needs both to separate conditions from jobcentre effects.
* every other table is simulated.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchlearn.data.dataset import Dataset
from benchlearn.core.i18n import t
from benchlearn.core.progress import stderr
from benchlearn.store import Workspace

DEFAULT_WORKSPACE = Path("demo-workspace") / "benchlearn-demo.duckdb"
DEFAULT_SEED = 2026
DEFAULT_PERIODS: tuple[str, ...] = ("2021", "2022", "2023", "2024")


@dataclass(frozen=True)
class Analysis:
    """One analysis the demo runs: ``module:function`` taking ``(ws, ds)`` and returning run ids."""

    name: str
    target: str
    label_da: str
    label_en: str

    def runner(self) -> Callable[[Workspace, Dataset], list[str]]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


#: In dependency order: classification, peers and DEA read the benchmark runs.
ANALYSES: tuple[Analysis, ...] = (
    Analysis("benchmark", "benchlearn.runs.benchmark_runs:store_default_runs", "Rammevilkårsbenchmark", "Framework benchmark"),
    Analysis("classification", "benchlearn.runs.scheme_runs:store_default_runs", "Klassifikationer", "Classifications"),
    Analysis(
        "benchlearning",
        "benchlearn.runs.peer_runs:store_default_runs",
        "Sammenlignelige kommuner, udgifter og omkostningseffektivitet (DEA)",
        "Peers, costs and cost efficiency (DEA)",
    ),
    Analysis("surveys", "benchlearn.runs.survey_runs:store_default_runs", "Undersøgelser", "Surveys"),
)


def _provenance(table: str, part: str | None, source: str, simulated: bool, note: str = "") -> dict[str, object]:
    return {"table": table, "part": part, "source": source, "simulated": simulated, "note": note}


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


def build_demo_workspace(
    path: Path = DEFAULT_WORKSPACE,
    seed: int = DEFAULT_SEED,
    periods: Sequence[str] = DEFAULT_PERIODS,
    use_real: bool = True,
    rebuild: bool = False,
    analyses: Sequence[Analysis] = ANALYSES,
) -> dict[str, int]:
    """Build (or reuse) the demo workspace and run every analysis; returns runs per analysis.

    Analyses already stored for identical data by this version are not run again, so a
    second ``make demo`` starts serving at once.
    """
    from benchlearn import __version__

    if rebuild and path.exists():
        path.unlink()
    with stderr.status(t("Bygger datasæt (rigtige data + simulation) …", "Building dataset (real data + simulation) …")):
        ds = Dataset.from_tables(build_demo_tables(seed, periods, use_real=use_real), source="benchlearn demo")
    counts: dict[str, int] = {}
    with Workspace.open(path) as ws:
        ws.ingest(ds, replace=True)  # the demo's own workspace: rebuilt from the same recipe
        done = {
            r.config.get("analysis")
            for r in ws.find_runs("demo")
            if r.input_hash == ds.content_hash and r.meta.get("version") == __version__
        }
        for a in analyses:
            if a.name in done:
                counts[a.name] = 0
                continue
            with stderr.status(t(f"Kører {a.label_da} …", f"Running {a.label_en} …")):
                ids = a.runner()(ws, ds)
            counts[a.name] = len(ids)
            ws.record_run("demo", {"analysis": a.name}, {}, input_hash=ds.content_hash, meta={"version": __version__, "runs": list(ids)})
            stderr.print(t(f"✓ {a.label_da}: {len(ids)} kørsler", f"✓ {a.label_en}: {len(ids)} runs"))
    return counts

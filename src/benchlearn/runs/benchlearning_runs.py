"""Benchlearning on a dataset and in a workspace: wires the tables to :mod:`benchlearn.benchlearning`.

Partners come from the peers analysis (:mod:`.peer_runs`, the same benchmark records: the
workspace's stored benchmark run when there is one, else a published table or a fit); methods,
enablers and cycles from the dataset's ``efforts``, ``self_assessment``, ``learning_cycles`` and
``learning_actions``. Every result table carries ``simulated`` (true when any of its inputs is).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from benchlearn.benchlearning import catalogue, cycles, efforts, learn, selfassessment
from benchlearn.benchlearning.associations import enabler_associations, method_associations
from benchlearn.benchlearning.peers import PeerConfig
from benchlearn.core import reference
from benchlearn.core.errors import BenchlearnError, ConfigError, MissingTableError
from benchlearn.core.results import Run
from benchlearn.core.seams import RunStore, Tables
from benchlearn.runs.peer_runs import BenchmarkInputs, benchmark_inputs, run_peers

INPUTS = ("efforts", "self_assessment", "learning_cycles", "learning_actions")


@dataclass(frozen=True)
class BenchlearningResult:
    period: str
    tables: dict[str, pd.DataFrame]
    benchmark_source: str
    notes: tuple[tuple[str, str], ...] = ()

    def to_run(self) -> Run:
        """The run to store (kind ``benchlearning``): the period as config, the benchmark's source and notes as meta."""
        return Run("benchlearning", {"period": self.period}, self.tables,
                   {"benchmark_source": self.benchmark_source, "notes_da": [n[0] for n in self.notes],
                    "notes_en": [n[1] for n in self.notes]})


def _simulated(ds: Tables, names: tuple[str, ...]) -> bool:
    # every Tables answers is_simulated (no provenance table: nothing simulated), so nothing to catch
    return any(ds.has(n) and ds.is_simulated(n) for n in names)


def records_for_periods(ds: Tables, periods: list[str], ws: RunStore | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Benchmark records (kommunekode, period, diff_pp, se_pp) of each period that has them."""
    parts, missing = [], []
    for p in periods:
        try:
            b = benchmark_inputs(ds, p, ws=ws, need_weights=False)
        except BenchlearnError:  # a period without results is reported, not fatal; a bug still raises
            missing.append(p)
            continue
        r = b.records.copy()
        r["period"] = str(p)
        parts.append(r[["kommunekode", "period", "diff_pp", "se_pp"]])
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["kommunekode", "period", "diff_pp", "se_pp"])
    return out, missing


def _bench(ds: Tables, period: str, ws: RunStore | None) -> tuple[BenchmarkInputs, pd.DataFrame | None]:
    """The benchmark inputs of ``period`` and, on a dataset the model is fitted on, that answer's
    records of every period — both from the one resolver (one fit over all periods, memoised), so
    benchlearning shows the numbers every other command shows."""
    bench = benchmark_inputs(ds, period, ws=ws)
    if ws is None and not ds.has("benchmark"):
        from benchlearn.benchmark.config import BenchmarkConfig
        from benchlearn.benchmark.resolver import resolve

        return bench, resolve(ds, BenchmarkConfig(area="total"), dataset=ds).records
    return bench, None


def run_benchlearning(ds: Tables, period: str | None = None, *, ws: RunStore | None = None) -> BenchlearningResult:
    """Associations, what each municipality can learn, enabler comparisons and cycle follow-ups."""
    if not ds.has("efforts") and not ds.has("self_assessment"):
        raise MissingTableError("efforts", "til benchlearning (indsatser og metoder eller selvevaluering)",
                                "for benchlearning (efforts and methods, or a self-assessment)")
    periods = ds.periods("support") or ds.periods("framework")
    if period is None:
        if not periods:
            raise ConfigError("Angiv --period (datasættet har ingen perioder).", "Give --period (the dataset has no periods).")
        period = periods[-1]
    bench, all_records = _bench(ds, period, ws)
    res, bench = run_peers(ds, PeerConfig(period=period), ws=ws, bench=bench)
    peers = res.peers
    ef = ds.get("efforts")
    sa = ds.get("self_assessment")
    use = efforts.use_matrix(ef, period)
    scale = efforts.scale(ef, period)
    rec = bench.records
    notes: list[tuple[str, str]] = []
    m_assoc = method_associations(rec, use) if ef is not None else pd.DataFrame(columns=["code"])
    scores = selfassessment.scores(sa, period, "self")
    e_assoc = enabler_associations(rec, scores) if sa is not None and len(scores) else pd.DataFrame(columns=["code"])
    if ef is not None and len(efforts.covered(ef)) < 98:
        n = len(efforts.covered(ef))
        notes.append((f"Indsatstabellen dækker {n} af 98 kommuner; de øvrige regnes som uden metoderne.",
                      f"The efforts table covers {n} of 98 municipalities; the others count as using none of the methods."))
    learn_rows, cmp_rows = [], []
    wide = (scores, selfassessment.scores(sa, period, "peer"))
    summary = learn.summarise_differences(res.differences)
    for k in sorted(reference.kommunekoder()):
        partners = learn.partners_of(peers, k)["peer_kommunekode"].astype(int).tolist()
        cmp = selfassessment.compare(sa, period, k, learn.peers_of(peers, k), partners, wide) if sa is not None else None
        if cmp is not None:
            cmp_rows.append(cmp)
        learn_rows.append(learn.what_to_learn(k, peers, use, scale, cmp, m_assoc, e_assoc, summary))
    names = reference.names()
    tables: dict[str, pd.DataFrame] = {
        "method_associations": _named_codes(m_assoc),
        "enabler_associations": _named_codes(e_assoc),
        "learn": pd.concat([x for x in learn_rows if len(x)], ignore_index=True) if any(len(x) for x in learn_rows)
        else pd.DataFrame(columns=learn.COLUMNS),
        "partners": peers[peers["learning_partner"].astype(bool)][["kommunekode", "navn", "peer_kommunekode", "peer_navn",
                                                                  "peer_rank", "own_diff_pp", "peer_diff_pp", "p_value"]]
        .reset_index(drop=True),
        "catalogue": catalogue.method_frame(),
    }
    if cmp_rows:
        sc = pd.concat(cmp_rows, ignore_index=True)
        sc.insert(2, "label_da", [catalogue.label(str(c), "da") for c in sc["enabler"]])
        sc.insert(3, "label_en", [catalogue.label(str(c), "en") for c in sc["enabler"]])
        tables["enabler_scores"] = sc
        tables["enabler_gaps"] = selfassessment.gaps(sa, period)
    if ds.has("learning_cycles"):
        lc = ds.table("learning_cycles")
        need = sorted(set(lc["before_period"].astype(str)) | set(lc["after_period"].astype(str)))
        if all_records is not None:
            results = all_records[all_records["period"].astype(str).isin(need)]
            missing = sorted(set(need) - set(results["period"].astype(str)))
        else:
            results, missing = records_for_periods(ds, need, ws=ws)
        if missing:
            notes.append((f"Ingen benchmarkresultater for {', '.join(missing)}: de forløb kan ikke følges op.",
                          f"No benchmark results for {', '.join(missing)}: those cycles cannot be followed up."))
        tables["cycle_followup"] = cycles.follow_up(lc, results, peers)
        tables["cycle_plan"] = cycles.plan_followup(lc, ds.get("learning_actions"), ef)
    for name, df in tables.items():
        if "kommunekode" in df.columns and "navn" not in df.columns:
            df.insert(1, "navn", df["kommunekode"].map(names))
        inputs = {"method_associations": ("efforts",), "enabler_associations": ("self_assessment",),
                  "catalogue": ()}.get(name, INPUTS)
        df["simulated"] = _simulated(ds, (*inputs, "support", "population", "framework")) if name != "catalogue" else False
    return BenchlearningResult(str(period), tables, bench.source, tuple(notes))


def _named_codes(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.insert(2 if "kind" in out.columns else 0, "label_da", [catalogue.label(str(c), "da") for c in out["code"]])
    out.insert(3 if "kind" in out.columns else 1, "label_en", [catalogue.label(str(c), "en") for c in out["code"]])
    return out


def store_default_runs(ws: RunStore, ds: Tables) -> list[str]:
    """The demo's benchlearning run (skipped when the dataset has neither efforts nor a self-assessment)."""
    if not (ds.has("efforts") or ds.has("self_assessment")) or not ds.has("framework"):
        return []
    return [ws.record(run_benchlearning(ds, ws=ws).to_run(), input_hash=ds.content_hash)]

"""From person-level registers to the contract's ``support``, ``population``, ``focus``
tables and the ``cells`` table of the cell-level model — one reduction, two engines.

The one big reduction (person-weeks -> person x municipality x ydelse, :func:`define_scan`)
is written once in Ibis and executed on DuckDB (default, embedded, out of core) or on
Apache Spark (:mod:`benchlearn.persons.engines`); its rows come back with each person's
row in the persons map, and everything after it runs in numpy
(:mod:`benchlearn.persons.finish`), the same code for both engines and the wide layout.
All divisions and the small-number rule run afterwards in pandas on integer counts, so
both engines give identical numbers.

Definitions (period ``P`` with ``W`` ISO weeks, see :mod:`benchlearn.persons.weeks`):

* **Residence**: a person belongs in each week to the municipality of that week's
  ``person_weeks`` row; persons who move count in both municipalities for their weeks.
* **Scope**: residents aged ``age_min``–``age_max`` (16–66), age = year of the period's
  end − birth year; everything below is restricted to them.
* ``support.fuldtidspersoner`` = person-weeks on the ydelse in P / W.
* ``population.persons`` = person-weeks resident in P / W (a person resident all year
  counts 1, half a year 0.5) — the same unit as fuldtidspersoner, so shares are shares
  of person-time.
* ``focus``: the window is the 52 ISO weeks ending with P's last week ("the last 12
  months"). ``persons_12m`` = persons on the covered ydelser (``focus_area``, default the
  benchmark's ``total``) in every week of the window (anciennitet >= 12 months), counted
  in the municipality of their last window week. ``without_offer`` = of those, no
  ``tilbud`` event and < ``offer_hours`` (100) ``loentimer`` hours in the window;
  ``without_talks`` = of those, fewer than ``min_talks`` (4) samtaler in the window
  (a ``samtale`` row counts ``amount`` samtaler, 1 when blank).
* ``cells``: per municipality x age group x sex x education x origin x area: head
  count, ``exposure_weeks`` (person-weeks resident), ``outcome_weeks`` (person-weeks on
  the area's ydelser) and the same divided by W.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from benchlearn.core import reference
from benchlearn.core.errors import ConfigError, DataError, DatasetError
from benchlearn.persons import engines, finish, outputs, privacy, wide
from benchlearn.persons._progress import progress
from benchlearn.persons.ingest import check_code_values, check_weeks, load_persons, read_provenance
from benchlearn.persons.pseudonymise import PseudonymKey
from benchlearn.persons.weeks import period_weeks, week_runs, window_weeks

OUTPUT_TABLES = ("support", "support_origin", "population", "population_origin", "focus", "focus_origin", "cells",
                 "benchmark", "suppression")  # benchmark: with a cell model


@dataclass(frozen=True)
class PersonsConfig:
    """One run of the person pipeline (everything that identifies the result)."""

    period: str
    engine: Literal["duckdb", "spark"] = "duckdb"
    focus_area: str = "total"
    cell_areas: tuple[str, ...] = ("a_dagpenge", "sygedagpenge", "kontanthjaelp", "total", "total_incl_pension")
    min_persons: int = 5
    age_min: int = 16
    age_max: int = 66
    age_breaks: tuple[int, ...] = (16, 25, 30, 40, 50, 60)
    window_weeks: int = 52
    offer_hours: float = 100.0
    min_talks: int = 4
    pseudonymise: bool = True
    #: input layout: "long" (person_weeks, a row per person-week), "wide" (person_weeks_wide,
    #: a row per person and a column per week, as DREAM), "auto" (long if present)
    layout: Literal["auto", "long", "wide"] = "auto"
    #: code -> ydelse file for the wide layout (default: benchlearn.persons.wide.DEFAULT_CODES)
    codes_file: str | None = None
    #: secondary suppression across the linked tables (off only to measure what it protects)
    complementary: bool = True
    memory_limit: str = "4GB"
    threads: int | None = None
    temp_directory: str | None = None
    spark_master: str | None = None

    def __post_init__(self) -> None:
        privacy.check_min_persons(self.min_persons)
        if self.engine not in ("duckdb", "spark"):
            raise ConfigError(f"Ukendt motor {self.engine!r} (duckdb eller spark).",
                              f"Unknown engine {self.engine!r} (duckdb or spark).")
        for a in (self.focus_area, *self.cell_areas):
            if a not in reference.area_codes():
                raise ConfigError(f"Ukendt område {a!r}.", f"Unknown area {a!r}.")
        period_weeks(self.period)  # validates the label

    def to_json(self) -> dict[str, Any]:
        """The identifying settings (no paths, no key)."""
        d = {k: v for k, v in self.__dict__.items()
             if k not in ("memory_limit", "threads", "temp_directory", "spark_master", "layout", "codes_file")}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


@dataclass(frozen=True)
class PersonsResult:
    """Aggregates that obey the small-number rule; nothing person-level."""

    config: PersonsConfig
    tables: dict[str, pd.DataFrame]
    timings: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    simulated: bool = False
    notes: tuple[str, ...] = ()

    def to_frame(self, name: str = "support") -> pd.DataFrame:
        return self.tables[name].copy()

    def write(self, out_dir: str | Path, fmt: Literal["csv", "parquet"] = "parquet") -> list[Path]:
        """Write the tables as a contract dataset folder (+ ``provenance``).

        Parquet by default (pyarrow, no index, no pandas metadata), CSV on request; the
        rows are in the tables' sorted order, so two runs write the same bytes.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, df in self.tables.items():
            p = out / f"{name}.{fmt}"
            _write_table(df, p, fmt)
            written.append(p)
        prov = pd.DataFrame({
            "table": list(self.tables),
            "source": "benchlearn persons aggregate",
            "simulated": self.simulated,
            "note": "aggregated from person-level registers, fewer-than-"
                    f"{self.config.min_persons}-persons rule applied",
        })
        p = out / f"provenance.{fmt}"
        _write_table(prov, p, fmt)
        written.append(p)
        return written


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    """One table in one pass: Parquet through pyarrow (no pandas index or metadata, so
    the bytes depend on the values only), or CSV."""
    if fmt == "csv":
        df.to_csv(path, index=False)
        return
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None), path,
                   compression="zstd")


def age_group_labels(cfg: PersonsConfig) -> list[tuple[int, int, str]]:
    edges = [b for b in cfg.age_breaks if cfg.age_min <= b <= cfg.age_max]
    if not edges or edges[0] != cfg.age_min:
        edges = [cfg.age_min, *edges]
    bounds = list(zip(edges, [*(e - 1 for e in edges[1:]), cfg.age_max]))
    return [(lo, hi, f"{lo}-{hi}") for lo, hi in bounds]


def week_in(week: Any, weeks: list[str]) -> Any:
    """Ibis condition "``week`` is one of the ISO week labels ``weeks``", written so that
    DuckDB evaluates it inside the Parquet scan.

    An ``IN`` list of 52 strings is tested row by row (≈1.4× the bare scan on 192 million
    person-weeks); this form — length 8, ending in a digit, between the first and last
    label of a run of consecutive weeks (:func:`~benchlearn.persons.weeks.week_runs`) —
    is evaluated by DuckDB inside the Parquet reader (≈0.1×). It is exact: a string of
    length 8 between ``YYYY-Wab`` and ``YYYY-Wcd`` starts with ``YYYY-W`` (both bounds
    do); its 7th character lies between the digits a and c, so it is a digit; with the
    last character a digit too, it is a two-digit week number from ab to cd.
    """
    runs = week_runs(weeks)
    # "ends with one of 0-9", not right(1)/substr(7, 1): DuckDB evaluates the latter
    # (Ibis writes substr with a CASE) row by row, ≈40× slower here
    digit_end = week.endswith("0")
    for d in "123456789":
        digit_end = digit_end | week.endswith(d)
    shape = (week.length() == 8) & digit_end
    inside = week.between(*runs[0])
    for lo, hi in runs[1:]:
        inside = inside | week.between(lo, hi)
    return shape & inside


def define_scan(pw: Any, cfg: PersonsConfig, fast: bool) -> Any:
    """The one aggregation over all person-weeks: person x municipality x ydelse.

    Returns ``pkw`` (person_id, kommunekode, ydelse, n_period, n_window). ``fast``: every
    row's week is a week of the period and the period is the 12-month window (a 52-week
    year, a QMAT period), so the week filters are dropped (same result).
    """
    pweeks = period_weeks(cfg.period)
    wweeks = window_weeks(cfg.period, cfg.window_weeks)
    if fast:
        pkw = pw.group_by(["person_id", "kommunekode", "ydelse"]).aggregate(n_period=pw.count())
        return pkw.mutate(n_window=pkw.n_period)
    rows = pw.filter((pw.week >= min(pweeks[0], wweeks[0])) & (pw.week <= pweeks[-1]))
    return rows.group_by(["person_id", "kommunekode", "ydelse"]).aggregate(
        n_period=rows.count(where=rows.week >= pweeks[0]),
        n_window=rows.count(where=rows.week >= wweeks[0]),
    )


CellModel = Callable[[pd.DataFrame], "tuple[pd.DataFrame, tuple[str, ...]]"]


def fast_path(pw: Any, cfg: PersonsConfig, n_total: int) -> bool:
    """Check the week labels; True when the scan may drop its week filters.

    The fast path needs every row's week to be a week of the period and the period to be
    its own 12-month window. That is one count of rows whose week is *not* such a week
    (:func:`week_in`, evaluated inside the Parquet scan). Otherwise every distinct label
    is checked (:func:`~benchlearn.persons.ingest.check_weeks`: malformed labels are a
    ``DataError``) and the scan filters on weeks.
    """
    pweeks = period_weeks(cfg.period)
    if n_total and pweeks == window_weeks(cfg.period, cfg.window_weeks):
        if int(pw.filter(~week_in(pw.week, pweeks)).count().execute()) == 0:
            return True
    check_weeks(pw.select("week").distinct().to_pandas(), cfg)
    return False


def run(person_dir: str | Path, cfg: PersonsConfig, key: PseudonymKey | None = None, *,
        show_progress: bool = True, spark_session: Any = None, cell_model: CellModel | None = None) -> PersonsResult:
    """Run the pipeline on a folder with ``persons``, ``person_weeks`` (and ``events``).

    Parameters
    ----------
    person_dir : path
        Folder with ``persons.parquet``, ``person_weeks.parquet``, optionally ``events.parquet``.
    cfg : PersonsConfig
    key : PseudonymKey, optional
        Required when ``cfg.pseudonymise`` (see :func:`benchlearn.persons.pseudonymise.load_key`).
    spark_session : SparkSession, optional
        Reuse a session (tests); otherwise one is made from ``cfg.spark_master``.
    cell_model : callable, optional
        Fitted on the cells before the small-number rule; its municipality totals are
        published as ``benchmark`` (the CLI passes
        :func:`benchlearn.benchmark.published.cell_model_totals`). Timed apart from the
        aggregate step (``timings["cell_model"]``): it is model fitting, not aggregation.

    Returns
    -------
    PersonsResult
    """
    d = Path(person_dir)
    if cfg.pseudonymise and key is None:
        raise ConfigError(
            "Pseudonymisering kræver en nøgle (BENCHLEARN_PSEUDONYM_KEY eller --key-file).",
            "Pseudonymisation needs a key (BENCHLEARN_PSEUDONYM_KEY or --key-file).",
        )
    layout = cfg.layout
    if layout == "auto":
        layout = "long" if any((d / n).exists() for n in ("person_weeks.parquet", "person_weeks")) else "wide"
    weeks_table = "person_weeks" if layout == "long" else wide.TABLE
    paths = {n: engines.table_path(d, n) for n in ("persons", weeks_table)}
    paths["person_weeks"] = paths[weeks_table]
    codes = wide.load_codes(cfg.codes_file) if layout == "wide" else None
    notes: list[str] = []
    try:
        paths["events"] = engines.table_path(d, "events")
    except DatasetError:
        notes.append("no events table: focus not computed / ingen events-tabel: focus ikke beregnet")
    timings: dict[str, float] = {}
    clock = time.perf_counter
    with progress(5, "Personpipeline", "Person pipeline", enabled=show_progress) as advance:
        # Step 1, ingest: read, check and pseudonymise persons (AES-256-CMAC,
        # vectorised; engine-independent: the map is an Arrow table). Timed on
        # its own ("pseudonymise"); everything after it is the aggregate step.
        t_start = clock()
        pmap = load_persons(paths["persons"], paths["person_weeks"], cfg, key, age_group_labels(cfg), weeks_table)
        timings["pseudonymise"] = clock() - t_start
        advance(1)
        t0 = clock()
        engines.import_backend(cfg.engine)  # Python module imports, once per process
        timings["engine_import"] = clock() - t0
        t_agg = clock()
        ctx = (engines.duckdb_backend(cfg.memory_limit, cfg.threads, cfg.temp_directory)
               if cfg.engine == "duckdb" else engines.spark_backend(cfg.spark_master, spark_session))
        with ctx as con:
            ev = engines.read_table(con, cfg.engine, paths["events"], "events") if "events" in paths else None
            t0 = clock()
            timings["open"] = t0 - t_agg
            # the persons map's row numbers: after one join on the engine a person is an
            # index into the map's arrays (finish.py), whatever the type of its id
            n_map = pmap.table.num_rows
            pm = engines.register_arrow(con, cfg.engine, pa.table({
                "person_id": pmap.table.column("person_id"), "p": pa.array(np.arange(n_map, dtype=np.int64))}),
                "bl_pidx")
            if layout == "long":
                pw = engines.read_table(con, cfg.engine, paths["person_weeks"], "person_weeks")
                n_total = int(pw.count().execute())  # DuckDB: from the Parquet metadata
                fast = fast_path(pw, cfg, n_total)
                timings["weeks"] = clock() - t0
                t0 = clock()
                scan = define_scan(pw, cfg, fast)
                ym = engines.register_arrow(con, cfg.engine, finish.ydelse_table(), "bl_ymap")
                red_t = (scan.left_join(pm, "person_id").left_join(ym, "ydelse")
                         .select("p", "kommunekode", "y", "n_period", "n_window").to_pyarrow())
                red = finish.from_arrow(red_t, n_total, lambda: pw.select("ydelse").distinct().to_pandas()["ydelse"]
                                        .tolist())
                del red_t
                wweeks_last = window_weeks(cfg.period, cfg.window_weeks)[-1]

                def last_kommune(movers: np.ndarray) -> np.ndarray:
                    # only for fokusmål persons with window weeks in two municipalities: one
                    # more read of the week column, skipped when there are none
                    # joined to the movers alone: with the whole map as the other side the
                    # join's hash table of 3.7 M ids cost more than the read (0.6 vs 0.16 s)
                    mv = engines.register_arrow(con, cfg.engine, pa.table({
                        "person_id": pmap.table.column("person_id").take(pa.array(movers)),
                        "p": pa.array(movers, pa.int64())}), "bl_movers")
                    lw = pw.filter(pw.week == wweeks_last).select("person_id", "kommunekode")
                    t = lw.join(mv, "person_id").select("p", "kommunekode").to_pyarrow()
                    engines.unregister(con, cfg.engine, "bl_movers")
                    return finish.last_week_lookup(_np(t, "p"), _np(t, "kommunekode"), n_map)(movers)
            else:  # a row-wise pass over the register (numpy), no engine
                timings["weeks"] = 0.0
                w = wide.reduce_wide(paths["person_weeks"], cfg, codes or {})
                n_total = w.n_total
                p_of_row = np.asarray(pc.fill_null(pc.index_in(w.ids, value_set=pmap.table.column("person_id")), -1)
                                      .to_numpy(zero_copy_only=False), dtype=np.int64)
                check_code_values(finish.distinct_kommuner(w.k), [])
                red = finish.Reduced(p_of_row[w.rows], w.k, w.y, w.n_period, w.n_window, n_total)
                has = (p_of_row >= 0) & (w.k_last >= 0)
                last_kommune = finish.last_week_lookup(p_of_row[has], w.k_last[has], n_map)
                del w
            timings["scan_group"] = clock() - t0
            advance(1)
            t0 = clock()
            finish.check_rows(red, n_map, cfg)
            events = None
            if ev is not None:
                e = ev.filter(week_in(ev.week, window_weeks(cfg.period, cfg.window_weeks)))
                e_agg = e.group_by("person_id").aggregate(
                    samtaler=e.amount.fill_null(1.0).sum(where=e.kind == "samtale"),
                    tilbud=e.count(where=e.kind == "tilbud"),
                    hours=e.amount.fill_null(0.0).sum(where=e.kind == "loentimer"),
                )
                et = e_agg.left_join(pm, "person_id").select("p", "samtaler", "tilbud", "hours").to_pyarrow()
                check_events(int(et.column("p").null_count), ev.select("kind").distinct().to_pandas())
                events = finish.events_from_arrow(et, n_map)
            timings["join_checks"] = clock() - t0
            advance(1)
            t0 = clock()
            persons = finish.Persons(_np(pmap.table, "cell"), _np(pmap.table, "grp"),
                                     _np(pmap.table, "in_scope").astype(bool))
            raw: dict[str, Any] = finish.finish(red, persons, cfg, events, last_kommune)
            raw.update(cell_labels=pmap.cell_labels, group_labels=pmap.group_labels, has_residence=pmap.has_residence)
            timings["aggregate"] = clock() - t0
            t_close = clock()
            engines.unregister(con, cfg.engine, "bl_pidx")
            if layout == "long":
                engines.unregister(con, cfg.engine, "bl_ymap")
            advance(1)
        t0 = clock()
        timings["close"] = t0 - t_close  # intermediates dropped, engine closed
        tables = outputs.shape(raw, cfg)
        t_model = 0.0
        if cell_model is not None:  # on the cells before the rule; publishes municipality totals only
            t1 = clock()
            bm, model_notes = cell_model(tables["cells"])
            tables["benchmark"] = outputs.benchmark_table(bm, tables)
            notes.extend(model_notes)
            timings["cell_model"] = t_model = clock() - t1
        t1 = clock()
        tables, sstats = outputs.apply_rules(tables, cfg, cfg.complementary)
        timings["suppression"] = clock() - t1
        if not pmap.has_residence:
            notes.append("persons has no residence_basis column: no rows for flygtning/familiesammenfoert / "
                         "persons har ingen residence_basis-kolonne: ingen rækker for flygtning/familiesammenfoert")
        timings["finish"] = clock() - t0 - t_model
        timings["aggregate_step"] = clock() - t_agg - t_model
        timings["total"] = clock() - t_start
        advance(1)
    return PersonsResult(cfg, tables, timings, {"person_weeks": n_total, "persons": pmap.n_persons,
                                                 "complementary": sstats["complementary"]},
                         simulated=read_provenance(d), notes=tuple(notes))


def _np(t: pa.Table, name: str) -> np.ndarray:
    return np.asarray(t.column(name).combine_chunks().to_numpy(zero_copy_only=False))


def check_events(n_unmatched: int, kinds: pd.DataFrame) -> None:
    bad = [k for k in kinds["kind"].tolist() if k not in ("samtale", "tilbud", "loentimer")]
    if bad:
        raise DataError("events", None, "kind", bad[0], "samtale, tilbud eller loentimer",
                        "samtale, tilbud or loentimer")
    if n_unmatched > 0:
        raise DataError("events", None, "person_id", None,
                        f"person-id'er der findes i persons ({n_unmatched} findes ikke; værdier vises ikke)",
                        f"person ids present in persons ({n_unmatched} are not; values not shown)")


def with_engine(cfg: PersonsConfig, engine: Literal["duckdb", "spark"]) -> PersonsConfig:
    return replace(cfg, engine=engine)

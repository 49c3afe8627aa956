"""The review's dataset for the ministry comparison on the real y30r21 (``benchlearn review y30r21``).

What the open model can be given, all public and all in ``../shared/data/raw``:

* ``benchmark`` — the ministry's published y30r21 (Jobindsats, STAR; six QMAT periods
  2020–2022, four groups), read by :func:`benchlearn.sources.jobindsats.read_y30r21`;
* ``support`` — the *same* actual full-time persons the ministry benchmarks (``Faktisk antal``
  of A-dagpenge mv., Sygedagpenge mv., Kontanthjælp mv.), so that the two sides differ only
  in the expected value (:mod:`benchlearn.review.ministry`); they stand for the ydelser
  ``a_dagpenge``, ``sygedagpenge``, ``kontanthjaelp`` (each group's "mv." members included);
* ``population`` — residents 16–66 derived from y30r21 itself (expected / expected share);
* ``framework`` — the standard real variables of :mod:`benchlearn.sources.realdata`
  (yearly, interpolated to each QMAT period's midpoint as the extended ones are).

Actual counts are rounded to 10 by Jobindsats; a group rounded to 0 becomes 0 full-time
persons. Built in memory only; nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchlearn.core.errors import SourceError
from benchlearn.core.seams import Tables
from benchlearn.data.dataset import Dataset

__all__ = ["Y30R21_NAME", "ministry_tables", "ministry_dataset", "has_published_counts", "published_counts_dataset"]

#: What a user types as DATASET for this comparison.
Y30R21_NAME = "y30r21"
_GROUPS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")


def ministry_tables(raw_dir: str | Path | None = None, *, max_carry: int = 3) -> dict[str, pd.DataFrame]:
    """Contract tables ``benchmark, support, population, framework, provenance`` (see the module docstring)."""
    from benchlearn.sources import raw_data_dir
    from benchlearn.sources.jobindsats import read_y30r21
    from benchlearn.sources.public_framework import at_periods
    from benchlearn.sources.realdata import Y30R21_FILE, framework_variables, SourceFiles

    rd = Path(raw_dir) if raw_dir is not None else raw_data_dir()
    if rd is None or not (rd / Y30R21_FILE).is_file():
        where = rd / Y30R21_FILE if rd is not None else "../shared/data/raw"
        raise SourceError(f"Ministeriets benchmark (y30r21) findes ikke: {where}", f"The ministry's benchmark (y30r21) not found: {where}")
    bench = read_y30r21(rd / Y30R21_FILE)
    periods = sorted(bench["period"].unique())
    years = sorted({int(p[:4]) for p in periods})
    yearly, notes = framework_variables(SourceFiles(rd, None), list(range(years[0] - 1, years[-1] + 2)), max_carry)
    framework = at_periods(yearly[["kommunekode", "year", "variable", "value"]], periods, max_carry)
    credit = "Kilde: Jobindsats.dk (STAR)"
    fw_prov = {"table": "framework", "source": "Danmarks Statistik via shared/data/raw (benchlearn.sources.realdata)",
               "simulated": False, "note": "Årsværdier interpoleret til QMAT-periodens midtpunkt. | EN: Yearly values "
               "interpolated to the QMAT period's midpoint. " + "; ".join(notes)}
    return _counts_tables(bench, framework, [
        {"table": "benchmark", "source": f"Jobindsats y30r21 ({credit}) via shared/data/raw", "simulated": False,
         "note": "Ministeriets offentliggjorte benchmark. | EN: The ministry's published benchmark."}, fw_prov])


def _counts_tables(bench: pd.DataFrame, framework: pd.DataFrame, prov: list[dict]) -> dict[str, pd.DataFrame]:
    """``support`` = the published actual counts, ``population`` = residents derived from the total's expected share."""
    sup = bench[bench["area"].isin(_GROUPS)]
    support = pd.DataFrame({"kommunekode": sup["kommunekode"], "period": sup["period"], "ydelse": sup["area"],
                            "fuldtidspersoner": sup["actual"].astype(float)})
    tot = bench[bench["area"] == "total"]
    population = pd.DataFrame({"kommunekode": tot["kommunekode"], "period": tot["period"], "persons": tot["persons"].round()})
    framework = framework[["kommunekode", "period", "variable", "value"]]
    framework = framework.sort_values(["variable", "period", "kommunekode"]).reset_index(drop=True)
    credit = "Kilde: Jobindsats.dk (STAR)"
    prov = [*prov,
        {"table": "support", "source": f"Jobindsats y30r21 ({credit}): faktisk antal", "simulated": False,
         "note": "Samme faktiske antal som ministeriets benchmark (afrundet til 10); A-dagpenge mv., Sygedagpenge mv., "
                 "Kontanthjælp mv. | EN: The same actual counts as the ministry's benchmark (rounded to 10)."},
        {"table": "population", "source": "afledt af y30r21 / derived from y30r21", "simulated": False, "kind": "derived",
         "note": "Indbyggere 16–66 år = forventet antal ÷ forventet andel × 100 (i alt). | EN: Residents 16–66 = "
                 "expected ÷ expected share × 100 (total)."}]
    return {"benchmark": bench.reset_index(drop=True), "support": support.reset_index(drop=True),
            "population": population.reset_index(drop=True), "framework": framework,
            "provenance": _provenance(prov)}


def _provenance(rows: list[dict]) -> pd.DataFrame:
    """Rows ``table, part, source, simulated, note, kind``; ``kind`` blank = after ``simulated``."""
    df = pd.DataFrame(rows)
    for c in ("part", "kind"):
        if c not in df.columns:
            df[c] = None
    kind = df["kind"].where(df["kind"].notna(), df["simulated"].map({True: "simulated", False: "real"}))
    return df.assign(kind=kind)[["table", "part", "source", "simulated", "note", "kind"]]


def has_published_counts(ds: Tables) -> bool:
    """True for a dataset like the real demo view: a published ``benchmark`` with counts and residents, no ``population``.

    Such a dataset's ``support`` (if any) is not the counts the published benchmark rests on
    (the real demo's is simulated, for unit costs only), so the review fits the open model on
    the published actual counts instead (:func:`published_counts_dataset`).
    """
    if ds.has("population") or not ds.has("benchmark") or not ds.has("framework"):
        return False
    b = ds.table("benchmark")
    return {"actual", "persons", "area"} <= set(b.columns) and bool(b["area"].isin(_GROUPS).any()) and \
        bool((b["area"] == "total").any())


def published_counts_dataset(ds: Tables) -> Dataset:
    """The review's dataset on a published benchmark's own counts (see :func:`has_published_counts`).

    ``benchmark`` and ``framework`` are the dataset's (their provenance rows travel along);
    ``support`` is the published actual counts of the three groups and ``population`` the
    residents 16–66 derived from the total (expected ÷ expected share). Real numbers stay
    real: nothing simulated enters (a simulated ``support`` of the dataset is left out).
    """
    prov = []
    if ds.has("provenance"):
        p = ds.table("provenance")
        keep = p[p["table"].isin(["benchmark", "framework"])]
        for r in keep.to_dict("records"):
            part = r.get("part") if isinstance(r.get("part"), str) and r.get("part") else None
            kind = r.get("kind") if isinstance(r.get("kind"), str) and r.get("kind") else None
            prov.append({"table": r["table"], "part": part, "source": r["source"], "simulated": bool(r["simulated"]),
                         "note": str(r.get("note") or ""), "kind": kind})
    tables = _counts_tables(ds.table("benchmark"), ds.table("framework"), prov)
    if ds.has("municipalities"):
        tables["municipalities"] = ds.table("municipalities")
    return Dataset.from_tables(tables, source=f"{ds.source or '<dataset>'} (faktiske antal fra det offentliggjorte benchmark / "
                                              "actual counts of the published benchmark)")


def ministry_dataset(raw_dir: str | Path | None = None):  # type: ignore[no-untyped-def]
    """:func:`ministry_tables` as a validated :class:`~benchlearn.data.dataset.Dataset`."""

    return Dataset.from_tables(ministry_tables(raw_dir), source="y30r21 (shared/data/raw)")

"""Simulated person-level registers (``persons``, ``person_weeks``, ``events``).

The generator runs inside DuckDB and is *stateless per person*: every random draw is
``hash(person_id, draw, seed)`` mapped to [0, 1), so a chunk of persons can be generated
without seeing any other chunk, the result does not depend on the chunk size or the
number of threads, and national scale (3.7 million persons x 52 weeks = 190 million
person-weeks) is written in bounded memory, one chunk of persons at a time, each as
row groups of a single Parquet file per table.

The histories are simple but carry the structure the pipeline must recover: support
propensity depends on age, sex, education, origin and a municipality effect; spells on
the covered ydelser have random start and geometric length (about a third last the whole
year, so fokusmål populations exist); pensions and fleksjob last the whole year; about
2 % of persons move to another municipality during the year; samtaler, tilbud and
løntimer occur in weeks on covered ydelser with municipality-specific rates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchlearn.core import reference
from benchlearn.core.errors import ConfigError
from benchlearn.persons._progress import progress
from benchlearn.persons.weeks import iso_weeks_of_year

EDUCATION = ("grundskole", "gymnasial", "erhvervsfaglig", "kort", "mellemlang", "lang", "ukendt")
_EDU_P = (0.20, 0.11, 0.30, 0.05, 0.17, 0.12, 0.05)
ORIGIN = ("dansk", "vestlig", "ikke_vestlig")
_ORIGIN_P = (0.85, 0.05, 0.10)
#: residence basis (opholdsgrundlag) of immigrants, by origin: (flygtning, familiesammenfoert, oevrige)
RESIDENCE = ("flygtning", "familiesammenfoert", "oevrige")
_RESIDENCE_P = {"vestlig": (0.05, 0.15, 0.80), "ikke_vestlig": (0.35, 0.25, 0.40)}
#: the planted support levels on the logit scale (the truth written to truth.csv)
ORIGIN_LEVEL = {"dansk": 0.0, "vestlig": 0.2, "ikke_vestlig": 0.7}
RESIDENCE_LEVEL = {"flygtning": 0.4, "familiesammenfoert": 0.2, "oevrige": 0.0}
#: spread of the municipality effects: common (all residents) and origin-specific
#: (added for non-Western immigrants only), uniform on ±SPREAD/2 on the logit scale
COMMON_SPREAD = 0.8
ORIGIN_SPREAD = 0.8
#: covered ydelser drawn for a spell, with probabilities (uddannelseshjaelp only < 30 years)
_SPELL_Y = (
    ("a_dagpenge", 0.30), ("kontanthjaelp", 0.17), ("uddannelseshjaelp", 0.06),
    ("selvforsoergelsesydelse", 0.03), ("sygedagpenge", 0.24), ("jobafklaring", 0.05),
    ("ressourceforloeb", 0.07), ("forrevalidering", 0.01), ("revalidering", 0.02),
    ("ledighedsydelse", 0.04),
)

PERSONS_SCHEMA = pa.schema([
    ("person_id", pa.int64()), ("birth_year", pa.int16()), ("sex", pa.string()),
    ("education", pa.string()), ("origin", pa.string()), ("residence_basis", pa.string()),
])
WEEKS_SCHEMA = pa.schema([
    ("person_id", pa.int64()), ("week", pa.string()), ("kommunekode", pa.int16()),
    ("ydelse", pa.string()),
])
EVENTS_SCHEMA = pa.schema([
    ("person_id", pa.int64()), ("week", pa.string()), ("kind", pa.string()),
    ("amount", pa.float64()),
])


@dataclass(frozen=True)
class SimulatedPersons:
    """Where the tables were written and how big they are."""

    out_dir: Path
    n_persons: int
    n_person_weeks: int
    n_events: int
    year: int
    seed: int


def _u(k: int, seed: int, key: str = "person_id") -> str:
    """SQL for a uniform [0, 1) draw number ``k`` of a person (53-bit mantissa)."""
    return f"((hash({key}, {k}, {seed}) >> 11)::DOUBLE / 9007199254740992.0)"


def _pick(u: str, items: tuple[str, ...], probs: tuple[float, ...]) -> str:
    """SQL CASE choosing ``items`` by cumulative probability of draw ``u``."""
    total = sum(probs)
    cum, parts = 0.0, []
    for item, p in zip(items[:-1], probs[:-1]):
        cum += p / total
        parts.append(f"WHEN {u} < {cum!r} THEN '{item}'")
    return f"CASE {' '.join(parts)} ELSE '{items[-1]}' END"


def _hash_u(key: str, k: int, seed: int) -> str:
    return f"((hash({key}, {k}, {seed}) >> 11)::DOUBLE / 9007199254740992.0)"


def _effect_sql(k: str, seed: int) -> str:
    """SQL for a resident's planted municipality effect on the logit of support:
    ``a_k + b_k * [origin = ikke_vestlig]`` with ``a_k``, ``b_k`` uniform on
    ±spread/2, drawn per (municipality, seed)."""
    return (f"({_hash_u(k, 101, seed)} - 0.5) * {COMMON_SPREAD} "
            f"+ CASE WHEN origin = 'ikke_vestlig' THEN ({_hash_u(k, 104, seed)} - 0.5) * {ORIGIN_SPREAD} ELSE 0.0 END")


def municipality_effects(seed: int) -> pd.DataFrame:
    """The planted truth: per municipality and origin, the municipality's effect on the
    logit of being on a covered ydelse (``effect``), with the origin's and residence
    basis' levels beside it (same for every municipality).

    Notes
    -----
    ``eta = effect(k, origin) + level(origin) + level(residence_basis) + education, sex,
    age terms - 2.1``; ``effect(k, o) = a_k + b_k [o = ikke_vestlig]``. Computed by the
    same DuckDB hash as the generator, so it is exactly what was planted.
    """
    con = duckdb.connect()
    try:
        codes = sorted(reference.kommunekoder())
        rows = []
        for o in ORIGIN:
            df = con.execute(
                f"SELECT k::INTEGER AS kommunekode, '{o}' AS origin, {_effect_sql('k', seed).replace('origin', repr(o))} "
                f"AS effect FROM (SELECT unnest(?::SMALLINT[]) AS k)", [codes]).df()
            rows.append(df)
    finally:
        con.close()
    t = pd.concat(rows, ignore_index=True)
    t["origin_level"] = t["origin"].map(ORIGIN_LEVEL)
    return t.sort_values(["kommunekode", "origin"], kind="stable").reset_index(drop=True)


def _kommune_table(con: duckdb.DuckDBPyConnection, weights: Mapping[int, float] | None) -> None:
    codes = sorted(reference.kommunekoder())
    if weights is None:
        w = {k: 1.0 for k in codes}
    else:
        bad = [k for k in weights if int(k) not in reference.kommunekoder()]
        if bad or not weights or any(v < 0 for v in weights.values()) or sum(weights.values()) <= 0:
            raise ConfigError(
                f"kommune_weights skal være ikke-negative vægte for gyldige kommunekoder (fik {bad[:3]}).",
                f"kommune_weights must be non-negative weights for valid municipality codes (got {bad[:3]}).",
            )
        w = {int(k): float(v) for k, v in weights.items() if v > 0}
    tot = sum(w.values())
    rows, lo = [], 0.0
    for k in sorted(w):
        rows.append((k, lo))
        lo += w[k] / tot
    con.execute("CREATE OR REPLACE TEMP TABLE kw (kommunekode SMALLINT, lo DOUBLE)")
    con.executemany("INSERT INTO kw VALUES (?, ?)", rows)


def _params_sql(lo: int, hi: int, year: int, seed: int, n_weeks: int = 52) -> str:
    """One row per person in ``[lo, hi)`` with every per-person draw of the generator."""
    y_items = tuple(y for y, _ in _SPELL_Y)
    y_probs = tuple(p for _, p in _SPELL_Y)
    y_items_old = tuple(y for y, _ in _SPELL_Y if y != "uddannelseshjaelp")
    y_probs_old = tuple(p for y, p in _SPELL_Y if y != "uddannelseshjaelp")
    return f"""
    WITH base AS (
      SELECT range AS person_id,
             16 + floor({_u(1, seed, 'range')} * 51)::INT AS age,
             CASE WHEN {_u(2, seed, 'range')} < 0.5 THEN 'M' ELSE 'K' END AS sex,
             {_pick(_u(3, seed, 'range'), EDUCATION, _EDU_P)} AS education,
             {_pick(_u(4, seed, 'range'), ORIGIN, _ORIGIN_P)} AS origin,
             {_u(5, seed, 'range')} AS u_k1, {_u(6, seed, 'range')} AS u_k2,
             {_u(7, seed, 'range')} AS u_type, {_u(8, seed, 'range')} AS u_y,
             {_u(9, seed, 'range')} AS u_long, {_u(10, seed, 'range')} AS u_start,
             {_u(11, seed, 'range')} AS u_len, {_u(12, seed, 'range')} AS u_move,
             {_u(13, seed, 'range')} AS u_mw, {_u(14, seed, 'range')} AS u_res
      FROM range({lo}, {hi})
    ), k AS (
      SELECT b.*, k1.kommunekode AS k1 FROM base b ASOF JOIN kw k1 ON b.u_k1 >= k1.lo
    ), k2 AS (
      SELECT k.*, kk.kommunekode AS k2 FROM k ASOF JOIN kw kk ON k.u_k2 >= kk.lo
    ), res AS (
      SELECT k2.*, CASE origin
          WHEN 'vestlig' THEN {_pick('u_res', RESIDENCE, _RESIDENCE_P['vestlig'])}
          WHEN 'ikke_vestlig' THEN {_pick('u_res', RESIDENCE, _RESIDENCE_P['ikke_vestlig'])}
          ELSE NULL END AS residence_basis
      FROM k2
    ), lin AS (
      SELECT *,
        -- municipality (jobcentre) effects on support propensity, fixed per
        -- (municipality, seed): common, plus an origin-specific one for non-Western
        -- immigrants (see municipality_effects)
        {_effect_sql('k1', seed)}
        + CASE WHEN residence_basis = 'flygtning' THEN {RESIDENCE_LEVEL['flygtning']}
               WHEN residence_basis = 'familiesammenfoert' THEN {RESIDENCE_LEVEL['familiesammenfoert']}
               ELSE 0.0 END
        + CASE education WHEN 'grundskole' THEN 0.9 WHEN 'ukendt' THEN 0.7 WHEN 'gymnasial' THEN 0.1
            WHEN 'erhvervsfaglig' THEN 0.0 WHEN 'kort' THEN -0.2 WHEN 'mellemlang' THEN -0.5 ELSE -0.7 END
        + CASE origin WHEN 'ikke_vestlig' THEN {ORIGIN_LEVEL['ikke_vestlig']} WHEN 'vestlig' THEN {ORIGIN_LEVEL['vestlig']} ELSE 0.0 END
        + CASE WHEN sex = 'K' THEN 0.15 ELSE 0.0 END
        + CASE WHEN age < 25 THEN -0.3 WHEN age < 30 THEN 0.1 WHEN age < 50 THEN 0.0
               WHEN age < 60 THEN 0.3 ELSE 0.6 END
        - 2.1 AS eta
      FROM res
    ), typed AS (
      SELECT *,
        CASE
          WHEN u_type < 0.045 + (age >= 50)::INT * 0.05 THEN 'foertidspension'
          WHEN u_type < 0.070 + (age >= 50)::INT * 0.06 THEN 'fleksjob'
          WHEN age >= 61 AND u_type < 0.16 THEN CASE WHEN u_y < 0.5 THEN 'efterloen' ELSE 'seniorpension' END
          WHEN u_type < 0.16 + 1.0 / (1.0 + exp(-eta)) * 0.84 THEN
            CASE WHEN age < 30 THEN {_pick('u_y', y_items, y_probs)}
                 ELSE {_pick('u_y', y_items_old, y_probs_old)} END
          ELSE 'ingen' END AS y
      FROM lin
    )
    SELECT person_id, ({year} - age)::SMALLINT AS birth_year, sex, education, origin, residence_basis,
      k1::SMALLINT AS k1,
      CASE WHEN u_move < 0.02 THEN k2 ELSE k1 END::SMALLINT AS k2,
      CASE WHEN u_move < 0.02 THEN 2 + floor(u_mw * 51)::INT ELSE 99 END AS move_w,
      y,
      CASE WHEN y IN ('foertidspension','fleksjob','efterloen','seniorpension') OR u_long < 0.33
           THEN 1 ELSE 1 + floor(u_start * 52)::INT END AS s,
      CASE WHEN y IN ('foertidspension','fleksjob','efterloen','seniorpension') OR u_long < 0.33
           THEN {n_weeks + 1} ELSE 1 + floor(u_start * 52)::INT + 1 + floor(-ln(1.0 - u_len) * 14)::INT END AS e
    FROM typed
    """


def _weeks_sql(n_weeks: int, year: int, seed: int) -> str:
    return f"""
    SELECT person_id, wi, printf('{year}-W%02d', wi) AS week,
           (CASE WHEN wi >= move_w THEN k2 ELSE k1 END)::SMALLINT AS kommunekode,
           CASE WHEN wi >= s AND wi < e THEN y ELSE 'ingen' END AS ydelse
    FROM (SELECT *, unnest(range(1, {n_weeks + 1})) AS wi FROM params)
    """


def wide_column(prefix: str, week: str) -> str:
    """DREAM's column name for an ISO week: ``y_YYWW`` (two-digit ISO year and week)."""
    return f"{prefix}_{week[2:4]}{week[6:8]}"


def _wide_sql(n_weeks: int, year: int) -> str:
    """One row per person, a benefit-code column ``y_YYWW`` and a municipality column
    ``k_YYWW`` per week (the register layout of :mod:`benchlearn.persons.wide`)."""
    cols = []
    for wi in range(1, n_weeks + 1):
        wk = f"{year}-W{wi:02d}"
        cols.append(f"CASE WHEN {wi} >= s AND {wi} < e THEN y ELSE 'ingen' END AS {wide_column('y', wk)}")
    for wi in range(1, n_weeks + 1):
        wk = f"{year}-W{wi:02d}"
        cols.append(f"(CASE WHEN {wi} >= move_w THEN k2 ELSE k1 END)::SMALLINT AS {wide_column('k', wk)}")
    return f"SELECT person_id, {', '.join(cols)} FROM params ORDER BY person_id"


def _events_sql(n_weeks: int, year: int, seed: int) -> str:
    covered = ", ".join(f"'{y}'" for y in reference.area_ydelser("total"))
    ue = "((hash(person_id, wi, {k}, {seed}) >> 11)::DOUBLE / 9007199254740992.0)"
    rate_s = f"(0.06 + 0.16 * (hash(kommunekode, 202, {seed}) >> 11)::DOUBLE / 9007199254740992.0)"
    rate_t = f"(0.005 + 0.05 * (hash(kommunekode, 203, {seed}) >> 11)::DOUBLE / 9007199254740992.0)"
    return f"""
    WITH w AS (SELECT * FROM ({_weeks_sql(n_weeks, year, seed)}) WHERE ydelse IN ({covered}))
    SELECT person_id, week, kind, amount FROM (
      SELECT person_id, wi, week, 'samtale' AS kind, NULL::DOUBLE AS amount, 1 AS o FROM w
        WHERE {ue.format(k=1, seed=seed)} < {rate_s}
      UNION ALL
      SELECT person_id, wi, week, 'tilbud', NULL::DOUBLE, 2 FROM w
        WHERE {ue.format(k=2, seed=seed)} < {rate_t}
      UNION ALL
      SELECT person_id, wi, week, 'loentimer', round(2 + 35 * {ue.format(k=4, seed=seed)}), 3 FROM w
        WHERE {ue.format(k=3, seed=seed)} < 0.05
    ) ORDER BY person_id, wi, o
    """


def simulate_persons(
    n_persons: int,
    out_dir: str | Path,
    seed: int,
    year: int = 2023,
    kommune_weights: Mapping[int, float] | None = None,
    *,
    chunk_persons: int = 250_000,
    memory_limit: str = "2GB",
    threads: int | None = None,
    show_progress: bool = True,
    wide: bool = False,
) -> SimulatedPersons:
    """Write simulated ``persons``, ``person_weeks`` and ``events`` Parquet files.

    Parameters
    ----------
    n_persons : int
        Number of residents aged 16–66 (national scale: 3_700_000).
    out_dir : path
        Folder; ``persons.parquet``, ``person_weeks.parquet`` and ``events.parquet`` are
        (over)written there.
    seed : int
        Seed; the same seed gives the same files whatever the chunk size.
    year : int
        ISO year of the weeks (52 or 53 weeks).
    kommune_weights : mapping kommunekode -> weight, optional
        Relative size of the municipalities (default: equal).
    chunk_persons : int
        Persons generated per chunk; bounds memory (about 52 x chunk rows in flight).
    wide : bool
        Also write ``person_weeks_wide.parquet``: the same person-weeks as one row per
        person with a benefit-code column and a municipality column per week (DREAM's
        layout, :mod:`benchlearn.persons.wide`).

    Returns
    -------
    SimulatedPersons

    Notes
    -----
    Draw ``k`` of person ``i`` is ``u_ik = (hash(i, k, seed) >> 11) / 2^53``. Support
    propensity is ``logit^-1(eta)`` with ``eta`` additive in education, origin, sex, age
    group and a municipality effect; spells on covered ydelser last the whole year with
    probability 0.33, otherwise start uniformly and last ``1 + floor(Exp(mean 14))``
    weeks (cut at the year's end).
    """
    if int(n_persons) < 1:
        raise ConfigError("Antal personer skal være mindst 1.", "The number of persons must be at least 1.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    weeks = iso_weeks_of_year(int(year))
    nw = len(weeks)
    wide_schema = pa.schema([("person_id", pa.int64())]
                            + [(wide_column("y", w), pa.string()) for w in weeks]
                            + [(wide_column("k", w), pa.int16()) for w in weeks])
    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": True,
                                 **({"threads": threads} if threads else {})})
    con.execute("SET enable_progress_bar = false")  # DuckDB's bar would go to stdout
    _kommune_table(con, kommune_weights)
    writers = {
        "persons": pq.ParquetWriter(out / "persons.parquet", PERSONS_SCHEMA, compression="zstd"),
        "person_weeks": pq.ParquetWriter(out / "person_weeks.parquet", WEEKS_SCHEMA, compression="zstd"),
        "events": pq.ParquetWriter(out / "events.parquet", EVENTS_SCHEMA, compression="zstd"),
    }
    if wide:
        writers["person_weeks_wide"] = pq.ParquetWriter(out / "person_weeks_wide.parquet", wide_schema,
                                                        compression="zstd")
    counts = {"person_weeks": 0, "events": 0}
    n_chunks = math.ceil(int(n_persons) / chunk_persons)
    try:
        with progress(n_chunks, "Simulerer personer", "Simulating persons", enabled=show_progress) as advance:
            for c in range(n_chunks):
                lo, hi = c * chunk_persons, min(int(n_persons), (c + 1) * chunk_persons)
                con.execute(f"CREATE OR REPLACE TEMP TABLE params AS {_params_sql(lo, hi, year, seed, nw)}"
                            " ORDER BY person_id")
                writers["persons"].write_table(
                    con.sql("SELECT person_id, birth_year, sex, education, origin, residence_basis FROM params")
                    .to_arrow_table().cast(PERSONS_SCHEMA))
                for name, sql, schema in (
                    ("person_weeks", (f"SELECT person_id, week, kommunekode, ydelse FROM "
                                      f"({_weeks_sql(nw, year, seed)}) ORDER BY person_id, wi"), WEEKS_SCHEMA),
                    ("events", _events_sql(nw, year, seed), EVENTS_SCHEMA),
                    *([("person_weeks_wide", _wide_sql(nw, year), wide_schema)] if wide else []),
                ):
                    reader = con.sql(sql).to_arrow_reader(1 << 20)
                    for batch in reader:
                        tbl = pa.Table.from_batches([batch]).cast(schema)
                        writers[name].write_table(tbl)
                        if name in counts:
                            counts[name] += tbl.num_rows
                advance(1)
    finally:
        for w in writers.values():
            w.close()
        con.close()
    pd.DataFrame({
        "table": ["persons", "person_weeks", "events", *(["person_weeks_wide"] if wide else [])],
        "source": "benchlearn.persons.simulate",
        "simulated": True,
        "note": f"simulate_persons(n_persons={int(n_persons)}, seed={int(seed)}, year={int(year)})",
    }).to_csv(out / "provenance.csv", index=False)
    # the planted truth, for tests and the integration benchmark (simulated, never real)
    municipality_effects(int(seed)).to_csv(out / "truth.csv", index=False)
    return SimulatedPersons(out, int(n_persons), counts["person_weeks"], counts["events"], int(year), int(seed))

"""Residents aged 16–66 per municipality and period for the simulator.

Real sizes when the Statistics Denmark extract is at hand (the population factor file
of DennisHedegreen/danish-politics-data, FOLK1A totals, scaled by
``SimConfig.working_age_share``), otherwise a built-in log-normal with anchors for the
largest and smallest municipalities, so the simulator works on a fresh install.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchlearn import sources
from benchlearn.core import reference
from benchlearn.core.errors import ConfigError
from benchlearn.core.periods import period_kind, year_of

from .config import SimConfig

POPULATION_FILE = Path("dst/DennisHedegreen_danish-politics-data/factors/population.csv")

#: Approximate residents 16–66 (2022) that the built-in fallback pins, so the extremes
#: are right even without raw data.
_ANCHORS_16_66: dict[int, float] = {
    101: 430_000, 751: 235_000, 851: 145_000, 461: 135_000, 147: 75_000, 561: 72_000,
    730: 60_000, 825: 1_100, 563: 2_100, 741: 2_300, 492: 3_700,
}


def raw_data_dir(config: SimConfig) -> Path | None:
    """Where the raw DST extracts are looked for: the config's folder, else the one lookup of
    :func:`benchlearn.sources.raw_data_dir` (``BENCHLEARN_RAW_DATA``, then ``../shared/data/raw``;
    ``None`` when there is none) — not a second copy of it (#19)."""
    if config.raw_data_dir:
        return Path(config.raw_data_dir)
    return sources.raw_data_dir()


def period_time(label: str) -> float:
    """Mid-point of a period in years (``2023`` -> 2023.5, ``2023Q1`` -> 2023.125)."""
    kind = period_kind(label)
    y = year_of(label)
    if kind == "year":
        return y + 0.5
    if kind == "half":
        return y + (int(label[5]) - 0.5) / 2
    if kind == "quarter":
        return y + (int(label[5]) - 0.5) / 4
    if kind == "month":
        return y + (int(label[5:7]) - 0.5) / 12
    # QMAT: 12 months ending the quarter
    return y + int(label[-1]) / 4 - 0.5


def _from_dst(path: Path, times: np.ndarray, share: float) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    raw = pd.read_csv(path, encoding="utf-8-sig")
    m = reference.municipalities()
    name_to_code = dict(zip(m["navn_dst_en"], m["kommunekode"], strict=True))
    raw = raw[raw["municipality"].isin(name_to_code)]
    if raw["municipality"].nunique() != len(m):
        return None
    raw = raw.assign(kommunekode=raw["municipality"].map(name_to_code),
                     t=raw["reference_period"].astype(str).map(_reference_time))
    out = {}
    for code, g in raw.groupby("kommunekode"):
        g = g.sort_values("t")
        # linear interpolation between census points, constant beyond the ends
        out[int(code)] = np.interp(times, g["t"].to_numpy(float), g["value"].to_numpy(float)) * share
    return pd.DataFrame(out).T.loc[m["kommunekode"]]


def _reference_time(ref: str) -> float:
    # '2022Q1' = 1 January count, '2026M02' = start of February
    if "Q" in ref:
        return int(ref[:4]) + (int(ref[-1]) - 1) / 4
    if "M" in ref:
        return int(ref[:4]) + (int(ref[-2:]) - 1) / 12
    return float(ref[:4])


def _builtin(rng: np.random.Generator, times: np.ndarray) -> pd.DataFrame:
    m = reference.municipalities()
    # log-normal around the median Danish municipality (~27,000 aged 16–66)
    base = np.exp(rng.normal(np.log(27_000), 0.65, len(m)))
    base = np.clip(base, 5_000, 120_000)
    for code, n in _ANCHORS_16_66.items():
        base[(m["kommunekode"] == code).to_numpy()] = n
    growth = rng.normal(0.003, 0.004, len(m))
    mat = base[:, None] * (1 + growth[:, None]) ** (times[None, :] - 2022.0)
    return pd.DataFrame(mat, index=m["kommunekode"])


def population(config: SimConfig, periods: list[str], rng: np.random.Generator) -> tuple[pd.DataFrame, str]:
    """Residents 16–66 as a (98 × periods) frame of whole numbers, and a provenance note.

    Notes
    -----
    ``N_kt = round(share · P_k(t))`` with ``P_k`` the DST total population interpolated
    linearly in time between census points (constant beyond them), or, without raw
    data, ``N_kt = round(N_k (1 + g_k)^(t − 2022))`` with ``log N_k ~ N(log 27000, 0.65²)``
    clipped to [5,000, 120,000], pinned anchors for the largest and smallest
    municipalities and ``g_k ~ N(0.003, 0.004²)``.
    """
    times = np.array([period_time(p) for p in periods])
    # draw the fallback regardless, so the random stream does not depend on the source
    builtin = _builtin(rng, times)
    frame: pd.DataFrame | None = None
    note = "built-in log-normal population sizes (no DST extract found)"
    if config.population_source in ("auto", "dst"):
        raw = raw_data_dir(config)
        path = raw / POPULATION_FILE if raw is not None else POPULATION_FILE
        frame = _from_dst(path, times, config.working_age_share) if raw is not None else None
        if frame is None and config.population_source == "dst":
            raise ConfigError(
                f"Simulatoren kan ikke læse befolkningstallene fra Danmarks Statistik: {path}",
                f"The simulator cannot read Statistics Denmark population counts: {path}",
            )
        if frame is not None:
            note = (f"population sizes from Statistics Denmark (FOLK1A via {POPULATION_FILE.as_posix()}) "
                    f"x {config.working_age_share} for ages 16-66")
    if frame is None:
        frame = builtin
    frame.columns = periods
    return frame.round().astype("int64"), note

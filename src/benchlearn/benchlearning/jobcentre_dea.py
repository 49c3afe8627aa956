"""The jobcentres' DEA of DOMAIN.md §5, on the generic solver :func:`~benchlearn.benchlearning.dea.dea`.

The question a ministry or KL analyst asks is VIVE's for Rigsrevisionen (2018): given
what a municipality spends on the employment effort and given its framework
conditions, how many fewer full-time persons could be on public support if it did as
well as the best comparable municipalities — and what is that worth? So the model is
framework-adjusted inside the DEA (the environmental variable enters the programme, as
VIVE did):

* inputs: expenditure on the employment effort ``x`` (Σ ``costs.dkk`` of the period)
  and the actual full-time persons on support ``O`` (fewer is better, so it is treated
  as an input to be reduced);
* output: the expected full-time persons ``E`` from the framework benchmark — the
  caseload the municipality's conditions create. A reference must face conditions
  that create at least as many persons (Σλ E ≥ E_o).

``target="persons"`` (default) contracts O with x held (non-discretionary, Banker &
Morey 1986): the potential is persons (1 − θ)·O and kroner persons × the public cost
per full-time person. ``target="expenditure"`` contracts x with O held: the potential
is kroner of expenditure (1 − θ)·x. Under CRS the comparison is on O/E and x/E (ratio
to the expected caseload); under VRS also on size, which makes the smallest and the
largest municipality efficient by construction — the output warns when one unit is
the reference of many (``reference_warn_share``), and super-efficient outliers are
screened out of the reference set (``screen``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from benchlearn.core.errors import ConfigError, DataError, ModelError
from benchlearn.benchlearning.dea import DEAConfig, dea
from benchlearn.core.literals import RTS
from benchlearn.core.results import Run
from benchlearn.core.seams import Tables

Target = Literal["persons", "expenditure"]

#: Rigsrevisionen's 2018 figure: about 18,000 full-time persons or 1.45 bn kr a year.
OFFICIAL_2018 = {"persons": 18_000.0, "dkk": 1.45e9, "jobcentres": 91}


@dataclass(frozen=True)
class JobcentreDEAConfig:
    """The jobcentres' DEA (DOMAIN.md §5).

    Attributes
    ----------
    period : str
    rts : {"crs", "vrs"}
    target : {"persons", "expenditure"}
        What is reduced: full-time persons on support (x held) or expenditure (O held).
    categories : tuple of str or None
        Cost categories that make up the expenditure (None = all in the table).
    cost_per_person : float
        Annual public cost per full-time person on support (kr) that values the
        persons potential (DOMAIN.md §3: about 74,000 kr; Rigsrevisionen's 1.45 bn /
        18,000 ≈ 80,600 kr).
    screen : float or None
        Super-efficiency above which an efficient municipality leaves the others'
        reference set (default 1.2 [choice]; None = no screening).
    reference_warn_share : float
        Warn when one municipality is the reference of more than this share of the
        others (default 0.25 [choice]).
    small_units : int
        A reference among the ``small_units`` municipalities with the smallest E is
        called very small in the warning (default 10).
    bootstrap, alpha, seed : as DEAConfig
    """

    period: str
    rts: RTS = "vrs"
    target: Target = "persons"
    categories: tuple[str, ...] | None = None
    cost_per_person: float = 74_000.0
    screen: float | None = 1.2
    reference_warn_share: float = 0.25
    small_units: int = 10
    bootstrap: int = 0
    alpha: float = 0.05
    seed: int = 20181101

    def __post_init__(self) -> None:
        if self.target not in get_args(Target):  # the Literal is the one list of targets
            raise ConfigError(
                f"Ukendt DEA-mål '{self.target}' — brug persons eller expenditure.",
                f"Unknown DEA target '{self.target}' — use persons or expenditure.",
            )
        if self.cost_per_person <= 0:
            raise ConfigError(
                "Pris pr. fuldtidsperson skal være positiv.", "Cost per full-time person must be positive."
            )
        if not 0 < self.reference_warn_share <= 1:
            raise ConfigError(
                f"Advarselsgrænsen for forbilleder skal ligge i (0; 1], ikke {self.reference_warn_share}.",
                f"The reference warning share must lie in (0, 1], not {self.reference_warn_share}.",
            )

    def dea_config(self) -> DEAConfig:
        radial = (self.target == "expenditure", self.target == "persons")
        return DEAConfig(rts=self.rts, bootstrap=self.bootstrap, alpha=self.alpha, seed=self.seed,
                         radial=radial, screen=self.screen)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["categories"] = list(self.categories) if self.categories else None
        return d


#: the tables a DEA run rests on (costs as input; the benchmark's O and E and what they come from)
DEA_INPUTS: tuple[str, ...] = ("costs", "support", "population", "framework", "benchmark")


@dataclass(frozen=True)
class JobcentreDEA:
    """Records per municipality, the national summary and the warnings (Danish, English)."""

    records: pd.DataFrame
    summary: pd.DataFrame
    warnings: tuple[tuple[str, str], ...] = field(default=())

    def to_run(self, config: JobcentreDEAConfig, ds: Tables, benchmark_source: str, **meta: object) -> Run:
        """The run to store (kind ``dea``): records and summary flagged ``simulated`` by
        :data:`DEA_INPUTS`; the benchmark's source, the warnings and ``meta`` as meta."""
        sim = any(ds.has(n) and ds.is_simulated(n) for n in DEA_INPUTS)
        return Run("dea", {**config.to_dict(), "area": "total"},
                   {"records": self.records.assign(simulated=sim), "summary": self.summary.assign(simulated=sim)},
                   {"benchmark_source": benchmark_source, **meta, "warnings_da": [w[0] for w in self.warnings],
                    "warnings_en": [w[1] for w in self.warnings]})


def _need(df: pd.DataFrame, table: str, cols: Sequence[str]) -> None:
    for c in cols:
        if c not in df.columns:
            raise DataError(table, None, c, None, f"en kolonne '{c}'", f"a column '{c}'")


def expenditure(costs: pd.DataFrame, period: str, categories: Sequence[str] | None = None) -> pd.Series:
    """Expenditure on the employment effort per municipality (kr), summed over categories."""
    _need(costs, "costs", ["kommunekode", "period", "category", "dkk"])
    c = costs[costs["period"].astype(str) == str(period)]
    if categories:
        c = c[c["category"].isin(list(categories))]
    return c.groupby("kommunekode")["dkk"].sum()


def _inputs(costs: pd.DataFrame, records: pd.DataFrame, config: JobcentreDEAConfig):
    _need(records, "benchmark", ["kommunekode", "actual", "expected"])
    x = expenditure(costs, config.period, config.categories)
    if x.empty:
        raise DataError(
            "costs", None, "period", config.period,
            f"udgifter for perioden {config.period}", f"expenditure for period {config.period}",
        )
    rec = records.drop_duplicates("kommunekode").set_index("kommunekode")
    common = sorted(set(x.index) & set(rec.index))
    if len(common) < 3:
        raise ModelError(
            "DEA kræver udgifter og benchmark for mindst tre kommuner.",
            "DEA needs expenditure and benchmark results for at least three municipalities.",
        )
    x = x.loc[common].astype(float)
    bad = [k for k, v in zip(common, x.to_numpy()) if not v > 0]
    if bad:
        raise DataError(
            "costs", None, "dkk", float(x.loc[bad[0]]),
            f"positive udgifter for kommune {bad[0]}", f"positive expenditure for municipality {bad[0]}",
        )
    O = rec.loc[common, "actual"].astype(float).to_numpy()
    E = rec.loc[common, "expected"].astype(float).to_numpy()
    if np.any(~(O > 0)) or np.any(~(E > 0)):
        raise ModelError(
            "DEA kræver positive faktiske og forventede fuldtidspersoner.",
            "DEA needs positive actual and expected full-time persons.",
        )
    return common, x.to_numpy(), O, E


def _interval_total(values: np.ndarray, alpha: float) -> tuple[float, float]:
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2], method="normal_unbiased")
    return float(lo), float(hi)


def dea_from_dataset(
    costs: pd.DataFrame,
    records: pd.DataFrame,
    config: JobcentreDEAConfig,
    progress=None,
    names: dict | None = None,
) -> JobcentreDEA:
    """Cost efficiency of the jobcentres: framework-adjusted DEA with bootstrap intervals.

    Parameters
    ----------
    costs : DataFrame
        The contract table ``costs`` (kommunekode, period, category, dkk).
    records : DataFrame
        Benchmark records of the period with kommunekode, actual (O) and expected (E).
    config : JobcentreDEAConfig
    names : dict, optional
        kommunekode -> name, for the warnings.

    Returns
    -------
    JobcentreDEA

    Notes
    -----
    Inputs (x, O), output E; θ contracts O (``persons``) or x (``expenditure``).
    Potential, radial part (slacks are reported apart):
    persons ``P_o = (1 − θ_o)·O_o``, kroner ``P_o·cost_per_person``; expenditure
    ``(1 − θ_o)·x_o``. Bias-corrected and interval versions replace θ by θ̃ and by
    the interval ends. The national interval is the α/2 and 1 − α/2 quantiles over
    replicates b of ``Σ_o (1 − θᶜ_bo)·O_o`` with θᶜ the corrected replicates
    (:attr:`~benchlearn.benchlearning.dea.DEAResult.replicates`) — not the sum of the
    municipal ends, which would be far too wide.
    """
    common, x, O, E = _inputs(costs, records, config)
    res = dea(np.column_stack([x, O]), E, units=common, config=config.dea_config(), progress=progress)
    frame = res.to_frame().rename(columns={"unit": "kommunekode"})
    frame["kommunekode"] = frame["kommunekode"].astype("int64")
    frame["input_dkk"] = x
    frame["actual"] = O
    frame["expected"] = E
    base = O if config.target == "persons" else x
    for col, th in (("potential", res.efficiency), ("potential_bc", res.bias_corrected),
                    ("potential_low", res.ci_high), ("potential_high", res.ci_low)):
        amount = (1.0 - th) * base
        if config.target == "persons":
            frame[col.replace("potential", "potential_persons")] = amount
            frame[col.replace("potential", "potential_dkk")] = amount * config.cost_per_person
        else:
            frame[col.replace("potential", "potential_dkk")] = amount
            frame[col.replace("potential", "potential_persons")] = np.nan
    frame["period"] = str(config.period)
    frame["rts"] = config.rts
    frame["target"] = config.target
    warnings = _warnings(res, E, config, names or {})
    summary = _summary(res, base, config, warnings)
    return JobcentreDEA(frame, summary, tuple(warnings))


def _summary(res, base: np.ndarray, config: JobcentreDEAConfig, warnings) -> pd.DataFrame:
    unit = config.cost_per_person if config.target == "persons" else 1.0
    total = float(((1.0 - res.efficiency) * base).sum())
    row: dict = {
        "period": str(config.period), "rts": config.rts, "target": config.target,
        "municipalities": len(res.units), "efficient": int(res.efficient.sum()),
        "screened": int(res.screened.sum()),
        "max_reference_share": float(res.reference_share.max()),
        "max_reference_kommunekode": int(res.units[int(np.argmax(res.reference_share))]),
        "warnings": len(warnings),
        "potential": total, "potential_bc": np.nan, "potential_low": np.nan, "potential_high": np.nan,
    }
    if res.replicates is not None:
        reps = ((1.0 - res.replicates) * base[None, :]).sum(axis=1)
        row["potential_bc"] = float(((1.0 - res.bias_corrected) * base).sum())
        row["potential_low"], row["potential_high"] = _interval_total(reps, config.alpha)
    for k in ("potential", "potential_bc", "potential_low", "potential_high"):
        v = row.pop(k)
        if config.target == "persons":
            row[k.replace("potential", "potential_persons")] = v
            row[k.replace("potential", "potential_dkk")] = v * unit
        else:
            row[k.replace("potential", "potential_dkk")] = v
            row[k.replace("potential", "potential_persons")] = np.nan
    return pd.DataFrame([row])


def _warnings(res, E: np.ndarray, config: JobcentreDEAConfig, names: dict) -> list[tuple[str, str]]:
    """A warning per municipality that is the reference of more than the documented share."""
    out: list[tuple[str, str]] = []
    small = set(np.argsort(E)[: config.small_units].tolist())
    label = config.rts.upper()
    for j in np.flatnonzero(res.reference_share > config.reference_warn_share):
        k = res.units[j]
        name = names.get(k, str(k))
        pct = 100.0 * res.reference_share[j]
        cnt = int(res.reference_count[j])
        da_small = " — en af de mindste kommuner (forventet antal fuldtidspersoner)," if j in small else ""
        en_small = " — one of the smallest municipalities (expected full-time persons)," if j in small else ""
        pct_da = f"{pct:.0f}".replace(".", ",")
        out.append((
            f"{label}: {name}{da_small} er forbillede for {cnt} af de øvrige {len(res.units) - 1} kommuner "
            f"({pct_da} %, over grænsen på {100 * config.reference_warn_share:.0f} %). Deres potentiale afhænger "
            "i høj grad af denne ene kommune; læs dem med forsigtighed.",
            f"{label}: {name}{en_small} is the reference for {cnt} of the other {len(res.units) - 1} "
            f"municipalities ({pct:.0f}%, above the limit of {100 * config.reference_warn_share:.0f}%). Their "
            "potential depends heavily on this one municipality; read it with care.",
        ))
    return out

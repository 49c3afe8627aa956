"""The employment-effort DEA of DOMAIN.md §5, on the generic solver :func:`~benchlearn.models.dea.dea`.

Input: expenditure on the employment effort from the ``costs`` table; outputs:
results adjusted for framework conditions from benchmark records (løfteevne E/O or
avoided full-time persons E − O, and optionally the expected volume E); the potential
in kroner and in full-time persons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from benchlearn.errors import ConfigError, DataError, ModelError
from benchlearn.models.dea import RTS, DEAConfig, dea

Output = Literal["loefteevne", "avoided"]


@dataclass(frozen=True)
class JobcentreDEAConfig:
    """The employment-effort DEA of DOMAIN.md §5.

    Attributes
    ----------
    period : str
    rts : {"crs", "vrs"}
    output : {"loefteevne", "avoided"}
        Result output: løfteevne E/O, or avoided full-time persons E − O.
    size_output : bool
        Add expected full-time persons E (the workload the framework conditions
        create) as a second output, so that expenditure is compared with a volume.
    categories : tuple of str or None
        Cost categories that make up the input (None = all in the table).
    cost_per_person : float
        Annual public cost per full-time person on support (kr) used to express
        the kroner potential in persons (DOMAIN.md §3: about 74,000 kr).
    bootstrap, alpha, seed : as DEAConfig
    """

    period: str
    rts: RTS = "vrs"
    output: Output = "loefteevne"
    size_output: bool = True
    categories: tuple[str, ...] | None = None
    cost_per_person: float = 74_000.0
    bootstrap: int = 0
    alpha: float = 0.05
    seed: int = 20181101

    def __post_init__(self) -> None:
        if self.output not in ("loefteevne", "avoided"):
            raise ConfigError(
                f"Ukendt DEA-output '{self.output}' — brug loefteevne eller avoided.",
                f"Unknown DEA output '{self.output}' — use loefteevne or avoided.",
            )
        if self.cost_per_person <= 0:
            raise ConfigError(
                "Pris pr. fuldtidsperson skal være positiv.", "Cost per full-time person must be positive."
            )

    def dea_config(self) -> DEAConfig:
        return DEAConfig(rts=self.rts, bootstrap=self.bootstrap, alpha=self.alpha, seed=self.seed)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["categories"] = list(self.categories) if self.categories else None
        return d


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


def dea_from_dataset(
    costs: pd.DataFrame,
    records: pd.DataFrame,
    config: JobcentreDEAConfig,
    progress=None,
) -> pd.DataFrame:
    """Cost efficiency of the jobcentres: DEA on expenditure and adjusted results.

    Parameters
    ----------
    costs : DataFrame
        The contract table ``costs`` (kommunekode, period, category, dkk).
    records : DataFrame
        Benchmark records of the period with kommunekode, actual (O) and
        expected (E) full-time persons.
    config : JobcentreDEAConfig

    Returns
    -------
    DataFrame
        One row per municipality: kommunekode, efficiency, ci_low, ci_high,
        bias_corrected, peers, lambdas, super_efficiency, potential_dkk,
        potential_persons, input_dkk, outputs, slacks.

    Notes
    -----
    Input x = Σ_categories dkk. Outputs y = (E [if size_output], E/O) or
    (E, E − O). Potential in kroner = (1 − θ)·x + input slack; in persons
    = potential_dkk / cost_per_person. For ``avoided`` under VRS the result output
    is shifted to be positive (input-oriented VRS scores are invariant to adding a
    constant to an output, Ali & Seiford 1990); under CRS non-positive values are
    an error.
    """
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
    O = rec.loc[common, "actual"].astype(float).to_numpy()
    E = rec.loc[common, "expected"].astype(float).to_numpy()
    bad = [k for k, v in zip(common, x.to_numpy()) if not v > 0]
    if bad:
        raise DataError(
            "costs", None, "dkk", float(x.loc[bad[0]]),
            f"positive udgifter for kommune {bad[0]}", f"positive expenditure for municipality {bad[0]}",
        )
    if np.any(O <= 0) or np.any(E <= 0):
        raise ModelError(
            "DEA kræver positive faktiske og forventede fuldtidspersoner.",
            "DEA needs positive actual and expected full-time persons.",
        )
    if config.output == "loefteevne":
        result = E / O
    else:
        result = E - O
        if np.any(result <= 0):
            if config.rts == "crs":
                raise ConfigError(
                    "Output 'avoided' (E − O) er ikke positivt for alle kommuner; brug --rts vrs "
                    "eller output loefteevne.",
                    "Output 'avoided' (E − O) is not positive for all municipalities; use --rts vrs "
                    "or output loefteevne.",
                )
            result = result - result.min() + 1.0
    Y = np.column_stack([E, result]) if config.size_output else result[:, None]
    res = dea(x.to_numpy(), Y, units=common, config=config.dea_config(), progress=progress)
    frame = res.to_frame().rename(columns={"unit": "kommunekode"})
    frame["kommunekode"] = frame["kommunekode"].astype("int64")
    frame["input_dkk"] = x.to_numpy()
    frame["actual"] = O
    frame["expected"] = E
    frame["output_result"] = result
    slack = res.input_slacks[:, 0]
    frame["potential_dkk"] = (1.0 - res.efficiency) * x.to_numpy() + slack
    frame["potential_persons"] = frame["potential_dkk"] / config.cost_per_person
    frame["period"] = str(config.period)
    frame["rts"] = config.rts
    return frame

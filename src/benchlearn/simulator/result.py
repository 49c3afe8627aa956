"""``simulate()`` and the immutable :class:`Simulation` it returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import ConfigError
from benchlearn.core.periods import period_kind

from .config import FRAMEWORK_CATALOG, YDELSE_PARAMS, SimConfig
from .core import build_core, population_table, support_table, truth_table
from .origin import origin_tables
from .extras import activity_table, costs_table, focus_table, surveys
from .benchlearning import simulate_benchlearning
from .population import population

if TYPE_CHECKING:
    from benchlearn.data.dataset import Dataset

#: Order in which :meth:`Simulation.write` writes the tables (provenance last).
TABLE_ORDER: tuple[str, ...] = (
    "municipalities", "population", "support", "framework", "population_origin", "support_origin",
    "framework_origin", "focus", "activity", "costs",
    "citizen_survey", "business_survey", "invitations", "caseworker_assessments",
    "efforts", "self_assessment", "learning_cycles", "learning_actions", "provenance",
)

_NOTES = {
    "municipalities": "the built-in list of the 98 municipalities (not simulated names)",
    "population": None,  # filled with the population source
    "support": "Binomial(N, expit(eta)) per ydelse; eta = framework + period + unmeasured + jobcentre effect",
    "framework": "correlated synthetic framework variables with realistic ranges",
    "focus": "persons_12m from the total area; without_offer/without_talks driven by a process quality weakly correlated with the result effect",
    "activity": "monitoring measures per maalgruppe; virksomhedsrettede_tilbud carries a signal about results",
    "costs": "unit cost around 95,000 kr per full-time person in the five maalgrupper",
    "citizen_survey": "items 1-5, blanks = not answered; tiny municipalities may have < 5 respondents",
    "business_survey": "satisfaction 1-5",
    "invitations": "invited per survey, for response rates",
    "caseworker_assessments": "progression -2..+2, driven by the jobcentre effect",
    "population_origin": "residents 16-66 by origin: non-Western from andel_ikke_vestlige, Western 2-7 %, the rest Danish",
    "support_origin": "non-Western residents drawn from their own propensity (origin-specific jobcentre effect), the rest split; adds up to support",
    "framework_origin": "the non-Western group's years in Denmark, refugee-country share, age and education (synthetic)",
    "efforts": "methods per municipality; planted: some methods lower true_diff_pp (params['benchlearning'])",
    "self_assessment": "enabler scores 1-5 by self and (for 30) peer assessors; two enablers load on the true result",
    "learning_cycles": "random learners and partners; no improvement planted",
    "learning_actions": "one method and one enabler item per learner; every other learner's method appears in efforts",
    "truth": "the planted effects (truth.csv) - for validating models, never an input to them",
}


def _as_str(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes: text columns as pandas ``str``, kommunekode int64, numbers float64."""
    out = df.copy()
    for c in out.columns:
        if c == "kommunekode":
            out[c] = out[c].astype("int64")
        elif out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].astype("str")
    return out


def _check_periods(periods: Sequence[str]) -> list[str]:
    labels = [str(p).strip() for p in (periods.split(",") if isinstance(periods, str) else periods)]
    labels = [p for p in labels if p]
    if not labels:
        raise ConfigError("Simulatoren skal have mindst én periode.", "The simulator needs at least one period.")
    bad = [p for p in labels if period_kind(p) is None]
    if bad:
        raise ConfigError(
            f"Ugyldig periode {bad[0]!r}; forventede en periode som 2023, 2023H1, 2023Q4, 2023M03 eller 2023QMAT04.",
            f"Invalid period {bad[0]!r}; expected a period such as 2023, 2023H1, 2023Q4, 2023M03 or 2023QMAT04.",
        )
    kinds = {period_kind(p) for p in labels}
    if len(kinds) > 1:
        raise ConfigError(
            f"Perioderne skal være af samme slags, fik {sorted(labels)}.",
            f"The periods must all be of one kind, got {sorted(labels)}.",
        )
    if len(set(labels)) != len(labels):
        raise ConfigError(f"Perioder gentaget: {labels}.", f"Periods repeated: {labels}.")
    return sorted(labels)


@dataclass(frozen=True)
class Simulation:
    """A simulated dataset with its known truth.

    Attributes
    ----------
    seed : int
    periods : tuple of str
    config : SimConfig
    tables : dict[str, DataFrame]
        Contract tables (DATA.md) with canonical dtypes, plus ``provenance``.
    truth : DataFrame
        ``kommunekode, period, area, true_effect_logit, true_diff_pp, true_rank`` and
        ``true_share, true_share_without_effect, true_expected_persons,
        jobcentre_effect_logit, process_effect_logit``.
    params : dict[str, DataFrame]
        Parameters drawn or used by the DGP: ``coefficients`` (ydelse, variable, coef,
        published), ``period_effects``, ``loadings``, ``latent`` (per municipality and
        period: unit cost, citizen-survey mu, invitation and respondent counts).
    """

    seed: int
    periods: tuple[str, ...]
    config: SimConfig
    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    params: dict[str, pd.DataFrame] = field(default_factory=dict)

    @cached_property
    def dataset(self) -> Dataset:
        """The tables as a validated :class:`benchlearn.data.dataset.Dataset` (built on first use)."""
        from benchlearn.data.dataset import Dataset

        return Dataset.from_tables(self.tables, source=f"benchlearn simulator seed {self.seed}")

    def to_frame(self) -> pd.DataFrame:
        """The truth table (the results object convention of the package)."""
        return self.truth.copy()

    def write(self, folder: str | Path, *, truth: bool = True) -> Path:
        """Write every table as ``NAME.csv`` (UTF-8, comma, decimal point) and ``truth.csv``.

        The folder is created if missing; existing files of the same names are replaced.
        """
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        for name in TABLE_ORDER:
            if name in self.tables:
                self.tables[name].to_csv(out / f"{name}.csv", index=False, encoding="utf-8")
        if truth:
            self.truth.to_csv(out / "truth.csv", index=False, encoding="utf-8")
        return out


def simulate(
    seed: int = 1,
    periods: Sequence[str] = ("2021", "2022", "2023", "2024"),
    config: SimConfig | None = None,
) -> Simulation:
    """Simulate a contract dataset for the 98 municipalities with known jobcentre effects.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.SeedSequence``; every table draws from its own child
        stream, so the same seed gives the same tables and changing one table's knobs
        leaves the others unchanged.
    periods : sequence of str
        Period labels of one kind (``2021`` … or ``2023Q1`` …); sorted as text.
    config : SimConfig, optional
        All knobs; defaults documented in docs/SIMULATOR.md.

    Returns
    -------
    Simulation

    Notes
    -----
    For municipality k, period t and ydelse y
    ``η_kty = logit(p_y) + Σ_j β_yj x_ktj + γ_t + δ_ty + u_ky + ε_kty + λ_y θ_kt`` and
    ``fuldtidspersoner_kty ~ Binomial(N_kt, expit(η_kty))``; ``θ`` (the jobcentre effect)
    is a stationary AR(1) with sd ``effect_sd``.  The truth for area A is
    ``true_diff_pp = 100 (Σ_{y∈A} expit(η_kty) − Σ_{y∈A} expit(η_kty − λ_y θ_kt))``.
    """
    cfg = config if config is not None else SimConfig()
    labels = _check_periods(periods)
    try:
        seq = np.random.SeedSequence(int(seed))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Ugyldigt seed {seed!r}: brug et ikke-negativt heltal.",
                          f"Invalid seed {seed!r}: use a non-negative integer.") from exc
    # SeedSequence children are numbered: the 11th (by origin) and the 12th (benchlearning) leave the first ten as they were
    rngs = [np.random.default_rng(s) for s in seq.spawn(12)]
    N, pop_note = population(cfg, labels, rngs[0])
    core, fw, period_effects = build_core(cfg, N, labels, rngs[1:6])
    focus = focus_table(cfg, core, rngs[6])
    activity = activity_table(cfg, core, rngs[7])
    costs, unit_cost = costs_table(cfg, core, rngs[8])
    survey_tables, latent = surveys(cfg, core, rngs[9])
    by_origin, origin_truth = origin_tables(cfg, core, rngs[10])
    latent["unit_cost_dkk"] = unit_cost.reshape(-1)

    truth_raw = truth_table(core)
    bl_tables, planted = simulate_benchlearning(truth_raw, population_table(core), tuple(labels), rngs[11])

    m = reference.municipalities()
    tables: dict[str, pd.DataFrame] = {
        "municipalities": m[["kommunekode", "navn", "region"]],
        "population": population_table(core),
        "support": support_table(core),
        "framework": fw,
        **by_origin,
        "focus": focus,
        "activity": activity,
        "costs": costs,
        **survey_tables,
        **bl_tables,
    }
    source = f"benchlearn simulator seed {int(seed)}"
    notes = dict(_NOTES, population=f"residents 16-66: {pop_note}")
    prov_names = [*tables, "truth"]
    tables["provenance"] = pd.DataFrame({
        "table": prov_names,
        "source": source,
        "simulated": [n != "municipalities" for n in prov_names],
        "note": [notes[n] for n in prov_names],
    })
    tables = {name: _as_str(df) for name, df in tables.items()}
    truth = pd.concat([truth_table(core), origin_truth], ignore_index=True)
    o = truth["area"] == "integration"
    truth.loc[o, "true_rank"] = truth[o].groupby("period")["true_diff_pp"].rank(method="first").astype("int64")
    truth["true_rank"] = truth["true_rank"].astype("int64")
    truth = _as_str(truth)

    published = set(cfg.framework_variables)
    coefs = pd.DataFrame([
        {"ydelse": y, "variable": v.name, "coef": cfg.coef_scale * YDELSE_PARAMS[y].coef[j],
         "transform": v.transform, "center": v.center, "scale": v.scale, "published": v.name in published}
        for y in core.ydelser for j, v in enumerate(FRAMEWORK_CATALOG)
    ])
    loadings = pd.DataFrame({"ydelse": list(core.ydelser), "loading": core.loadings,
                             "base_share": [YDELSE_PARAMS[y].base_share for y in core.ydelser]})
    params = {"coefficients": _as_str(coefs), "period_effects": _as_str(period_effects),
              "loadings": _as_str(loadings), "latent": _as_str(latent), "benchlearning": _as_str(planted)}
    return Simulation(seed=int(seed), periods=tuple(labels), config=cfg, tables=tables, truth=truth, params=params)


def simulate_persons_for(sim: Simulation, n_persons: int, out_dir: str | Path, **kwargs: object) -> object:
    """Person-level tables via :mod:`benchlearn.persons.simulate`, sized like ``sim``.

    The municipalities get weights proportional to their simulated residents 16–66 in
    the last period.
    """
    from benchlearn.persons.simulate import simulate_persons  # lazy: the person simulator is only for this

    pop = sim.tables["population"]
    last = pop[pop["period"] == sim.periods[-1]]
    weights: Mapping[int, float] = dict(zip(last["kommunekode"].astype(int), last["persons"].astype(float), strict=True))
    year = int(sim.periods[-1][:4])
    return simulate_persons(int(n_persons), out_dir, seed=sim.seed, year=year, kommune_weights=weights, **kwargs)

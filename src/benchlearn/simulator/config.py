"""Parameters of the simulator's data-generating process (DGP).

Everything the DGP uses is either a field of the frozen :class:`SimConfig` or one of
the documented catalogues below (:data:`FRAMEWORK_CATALOG`, :data:`YDELSE_PARAMS`,
:data:`MAALGRUPPE_ACTIVITY`).  docs/SIMULATOR.md states the formulas.

The numbers are chosen to look like Danish municipalities around 2021–2024 (shares of
residents aged 16–66 on each benefit, unit costs, survey response rates); they are
*plausible*, not estimates, and nothing downstream may treat them as facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from benchlearn.core.errors import ConfigError

Transform = Literal["identity", "log"]


@dataclass(frozen=True)
class FrameworkVariable:
    """One framework variable (rammevilkår) of the simulator.

    The published value ``v`` enters the DGP standardised with *fixed* constants,
    ``x = (g(v) - center) / scale`` with ``g`` the transform, so a coefficient in
    :data:`YDELSE_PARAMS` is the change in the logit of the share per ``scale`` units
    of ``g(v)``.  The latent value is ``z = a·urban + b·deprivation + c·e`` (``e`` is
    idiosyncratic, for ``ledighed_pendlingsomraade`` it is shared within the region,
    which plays the commuting area).
    """

    name: str
    doc_da: str
    doc_en: str
    transform: Transform
    center: float  # on the transformed scale
    scale: float  # on the transformed scale
    lo: float  # published values are clipped to [lo, hi] (natural scale)
    hi: float
    urban: float  # loading on the latent urbanity factor
    deprivation: float  # loading on the latent deprivation factor
    trend_per_year: float  # drift of z per year (common to all municipalities)
    decimals: int  # published precision


FRAMEWORK_CATALOG: tuple[FrameworkVariable, ...] = (
    FrameworkVariable("andel_ikke_vestlige", "andel indvandrere og efterkommere fra ikke-vestlige lande, % af 16–66-årige",
                      "non-Western immigrants and descendants, % of residents 16–66", "log", 1.95, 0.50, 1.0, 35.0, 0.55, 0.45, 0.04, 2),
    FrameworkVariable("andel_uden_uddannelse", "andel 25–64-årige med grundskole som højeste uddannelse, %",
                      "residents 25–64 with only primary education, %", "identity", 24.0, 4.0, 10.0, 40.0, -0.35, 0.75, -0.05, 2),
    FrameworkVariable("ledighed_pendlingsomraade", "ledighed i pendlingsområdet, %",
                      "unemployment rate in the commuting area, %", "identity", 3.5, 0.7, 1.5, 7.0, 0.15, 0.55, 0.0, 2),
    FrameworkVariable("andel_enlige", "andel enlige blandt 16–66-årige, %",
                      "single adults among residents 16–66, %", "identity", 40.0, 5.0, 25.0, 60.0, 0.65, 0.35, 0.02, 2),
    FrameworkVariable("indkomst", "gennemsnitlig disponibel indkomst, 1.000 kr.",
                      "average disposable income, 1,000 kr", "log", 5.44, 0.12, 170.0, 450.0, 0.35, -0.70, 0.05, 1),
    FrameworkVariable("befolkningstaethed", "indbyggere pr. km²",
                      "residents per km²", "log", 4.60, 1.00, 10.0, 12000.0, 0.90, 0.10, 0.0, 1),
    FrameworkVariable("andel_50_66", "andel 50–66-årige blandt 16–66-årige, %",
                      "residents aged 50–66, % of residents 16–66", "identity", 36.0, 4.0, 22.0, 48.0, -0.60, 0.20, 0.03, 2),
)

FRAMEWORK_NAMES: tuple[str, ...] = tuple(v.name for v in FRAMEWORK_CATALOG)


@dataclass(frozen=True)
class YdelseParams:
    """Share and sensitivities of one ydelse.

    ``base_share`` is the national share of residents 16–66 at ``x = 0`` (before period
    effects); ``coef`` are logit coefficients per standardised framework variable in
    the order of :data:`FRAMEWORK_CATALOG`; ``effect_group`` picks the loading of the
    jobcentre effect (``SimConfig.effect_loadings``).
    """

    base_share: float
    coef: tuple[float, float, float, float, float, float, float]
    effect_group: str


#                          ikke_vest, uden_udd, ledighed, enlige, indkomst, taethed, 50_66
_VULNERABLE = (0.06, 0.15, 0.03, 0.09, -0.09, -0.06, 0.06)
YDELSE_PARAMS: dict[str, YdelseParams] = {
    "a_dagpenge": YdelseParams(0.0230, (0.03, 0.06, 0.15, 0.03, -0.03, 0.03, 0.03), "a_dagpenge"),
    "kontanthjaelp": YdelseParams(0.0200, (0.15, 0.12, 0.09, 0.09, -0.09, 0.0, -0.03), "kontanthjaelp"),
    "uddannelseshjaelp": YdelseParams(0.0090, (0.09, 0.12, 0.06, 0.06, -0.09, 0.03, -0.12), "kontanthjaelp"),
    "selvforsoergelsesydelse": YdelseParams(0.0030, (0.36, 0.03, 0.03, 0.03, -0.03, 0.0, -0.03), "kontanthjaelp"),
    "sygedagpenge": YdelseParams(0.0190, (0.0, 0.09, 0.03, 0.03, -0.06, -0.06, 0.06), "sygedagpenge"),
    "jobafklaring": YdelseParams(0.0040, (0.03, 0.12, 0.03, 0.06, -0.09, -0.03, 0.09), "sygedagpenge"),
    "ressourceforloeb": YdelseParams(0.0070, _VULNERABLE, "kontanthjaelp"),
    "forrevalidering": YdelseParams(0.0003, _VULNERABLE, "kontanthjaelp"),
    "revalidering": YdelseParams(0.0010, _VULNERABLE, "kontanthjaelp"),
    "ledighedsydelse": YdelseParams(0.0040, _VULNERABLE, "kontanthjaelp"),
    "fleksjob": YdelseParams(0.0220, (0.0, 0.15, 0.0, 0.03, -0.06, -0.12, 0.12), "pension"),
    "foertidspension": YdelseParams(0.0500, (0.03, 0.18, 0.03, 0.09, -0.12, -0.06, 0.15), "pension"),
    "seniorpension": YdelseParams(0.0060, (0.0, 0.12, 0.0, 0.03, -0.06, -0.06, 0.21), "pension"),
    "efterloen": YdelseParams(0.0100, (-0.03, 0.06, 0.0, 0.0, 0.0, -0.09, 0.24), "pension"),
}

#: Activity baselines per målgruppe: (samtaler per person per year, share in active offers,
#: share in company-oriented offers).
MAALGRUPPE_ACTIVITY: dict[str, tuple[float, float, float]] = {
    "forsikrede_ledige": (6.0, 0.25, 0.45),
    "syge": (5.0, 0.20, 0.35),
    "unge": (7.0, 0.35, 0.30),
    "fleksjobbere": (3.0, 0.10, 0.55),
    "oevrige_ledige": (6.0, 0.30, 0.30),
}

#: Citizen-survey item means on the 1–5 scale before municipal and personal variation.
SURVEY_ITEMS: dict[str, float] = {
    "udbytte": 3.5, "mening": 3.7, "sammenhaeng": 3.3, "involvering": 3.6, "fremdrift": 3.2,
}


@dataclass(frozen=True)
class SimConfig:
    """Every knob of the simulator, with documented defaults (docs/SIMULATOR.md).

    Logit-scale quantities are marked *(logit)*.  The defaults make the planted
    jobcentre effects dominate sampling noise for mid-size and large municipalities
    (effect sd 0.08 on the logit of the total share ≈ 0.7 percentage points, against a
    binomial sd of ≈ 0.17 pp at 30,000 residents) while Læsø, Samsø, Ærø and Fanø stay
    noisy.
    """

    # --- population --------------------------------------------------------------
    population_source: Literal["auto", "dst", "builtin"] = "auto"
    #: folder with the raw DST extracts; ``None`` = ``$BENCHLEARN_RAW_DATA`` or ../shared/data/raw
    raw_data_dir: str | None = None
    working_age_share: float = 0.63  # residents 16–66 / all residents (DST population scaled)
    # --- framework variables -----------------------------------------------------
    #: variables published in ``framework``; all of the catalogue drive the shares, so
    #: leaving one out makes it an unmeasured condition
    framework_variables: tuple[str, ...] = FRAMEWORK_NAMES
    n_irrelevant_variables: int = 0  # extra published variables ``stoej_1``… with no effect
    framework_period_sd: float = 0.05  # period-to-period wobble of a municipality's z
    coef_scale: float = 1.0  # multiplies every coefficient of YDELSE_PARAMS
    # --- jobcentre effect (the truth) ---------------------------------------------
    effect_sd: float = 0.08  # (logit) sd of the jobcentre effect theta in every period
    effect_persistence: float = 0.9  # AR(1) correlation of theta between consecutive periods
    effect_loadings: tuple[tuple[str, float], ...] = (
        ("a_dagpenge", 0.7), ("sygedagpenge", 0.8), ("kontanthjaelp", 1.2), ("pension", 0.4),
    )
    #: (logit) sd of the origin-specific jobcentre effect phi on non-Western residents'
    #: share on the integration ydelser (simulator/origin.py), AR(1) like theta
    origin_effect_sd: float = 0.15
    # --- other variation ------------------------------------------------------------
    period_sd: float = 0.06  # (logit) sd of the common period effect; per ydelse half of it
    unmeasured_sd: float = 0.03  # (logit) permanent municipality×ydelse conditions not in framework
    transitory_sd: float = 0.02  # (logit) municipality×period×ydelse shocks
    # --- focus counts (fokusmål) ------------------------------------------------------
    long_term_share: float = 0.40  # persons with ≥12 months / fuldtidspersoner, total area
    long_term_effect_loading: float = 1.0  # (logit) theta's effect on the long-term share
    base_without_offer: float = 0.25
    base_without_talks: float = 0.22
    process_sd: float = 0.45  # (logit) sd of the process quality pi
    process_result_corr: float = 0.2  # corr(pi, theta): weak, so Nyborg-like paradoxes happen
    talks_process_loading: float = 0.8
    talks_own_sd: float = 0.25  # (logit) talks-specific process variation
    # --- costs ---------------------------------------------------------------------------
    unit_cost_dkk: float = 92_000.0  # per full-time person in the five målgrupper, first period
    unit_cost_growth: float = 0.02  # per year
    unit_cost_sd: float = 0.10  # (log) between municipalities
    cost_result_corr: float = 0.0  # corr(log unit cost, -theta)
    cost_shares: tuple[float, float, float] = (0.45, 0.45, 0.10)  # administration, aktive_tilbud, other
    # --- surveys -----------------------------------------------------------------------------
    citizen_invite_rate: float = 0.03  # invited per full-time person in the five målgrupper
    citizen_invite_max: int = 600
    citizen_response_rate: float = 0.40
    item_blank_prob: float = 0.06
    survey_effect_sd: float = 0.25  # sd of the municipal experience mu on the 1–5 scale
    survey_process_corr: float = 0.5  # corr(mu, -pi)
    business_invite_rate: float = 0.002  # firms invited per resident 16–66
    business_invite_max: int = 250
    business_response_rate: float = 0.45
    caseworker_case_rate: float = 0.01  # assessed cases per long-term person
    progression_effect: float = 3.0  # progression points per logit unit of -theta

    def __post_init__(self) -> None:
        unknown = [v for v in self.framework_variables if v not in FRAMEWORK_NAMES]
        if unknown:
            raise ConfigError(
                f"Ukendt rammevilkår i simulatoren: {unknown}; mulige: {list(FRAMEWORK_NAMES)}",
                f"Unknown framework variable for the simulator: {unknown}; choose from {list(FRAMEWORK_NAMES)}",
            )
        checks = {
            "effect_sd": self.effect_sd >= 0,
            "origin_effect_sd": self.origin_effect_sd >= 0,
            "effect_persistence": -1 < self.effect_persistence < 1,
            "process_result_corr": -1 <= self.process_result_corr <= 1,
            "cost_result_corr": -1 <= self.cost_result_corr <= 1,
            "survey_process_corr": -1 <= self.survey_process_corr <= 1,
            "working_age_share": 0 < self.working_age_share <= 1,
            "n_irrelevant_variables": self.n_irrelevant_variables >= 0,
            "citizen_response_rate": 0 < self.citizen_response_rate < 1,
            "business_response_rate": 0 < self.business_response_rate < 1,
            "item_blank_prob": 0 <= self.item_blank_prob < 1,
            "cost_shares": abs(sum(self.cost_shares) - 1) < 1e-9 and min(self.cost_shares) > 0,
            "long_term_share": 0 < self.long_term_share < 1,
            "base_without_offer": 0 < self.base_without_offer < 1,
            "base_without_talks": 0 < self.base_without_talks < 1,
        }
        for name, ok in checks.items():
            if not ok:
                value = getattr(self, name)
                raise ConfigError(
                    f"Ugyldig værdi i simulatorens SimConfig: {name} = {value!r}",
                    f"Invalid value in the simulator's SimConfig: {name} = {value!r}",
                )
        groups = {g for _, p in YDELSE_PARAMS.items() for g in [p.effect_group]}
        missing = groups - set(dict(self.effect_loadings))
        if missing:
            raise ConfigError(
                f"effect_loadings mangler grupperne {sorted(missing)}",
                f"effect_loadings lacks the groups {sorted(missing)}",
            )

    def loading(self, ydelse: str) -> float:
        """Loading of the jobcentre effect on one ydelse."""
        return dict(self.effect_loadings)[YDELSE_PARAMS[ydelse].effect_group]


"""The configuration of one benchmark run (:class:`BenchmarkConfig`), frozen and hashed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Literal, get_args

from benchlearn.core.literals import ModelKind, SpreadKind, VcovKind
from benchlearn.core import reference
from benchlearn.core.errors import ConfigError

FunnelMethod = Literal["additive", "multiplicative"]

#: Framework variables that are partly outcomes of the jobcentre's own work, or efforts
#: of the jobcentre itself, and so are never used by default (DOMAIN.md §3). Matched as
#: regular expressions against the variable name (case-insensitive). A user who names
#: such a variable explicitly gets it, and the model card says so.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    # The municipality's own unemployment (ledighed, unemployment_pct, arbejdsløshed) is
    # partly an outcome of the jobcentre's work. The commuting area's labour market is on
    # BM's list of framework conditions, so names with 'pendling'/'commut' are kept.
    r"^(?!.*(pendling|commut)).*(ledig|unemploy|arbejdsl)",
    r"beskaeftigelsesfrekvens|employment_rate",
    r"samtale|tilbud|udgift|omkostning|cost|aktiver",  # the jobcentre's own efforts
    r"stoej|noise",  # the simulator's published noise variables
)


@dataclass(frozen=True)
class BenchmarkConfig:
    """Everything that defines one benchmark run.

    Parameters
    ----------
    area : str
        Benchmark area (``reference.area_codes()``); ignored when ``maalgruppe`` is set.
    maalgruppe : str, optional
        One of the five målgrupper; the target is then its ydelser. Or an integration
        målgruppe (``reference.integration_codes()``, #16): a population group and its
        ydelser, fitted on the by-origin tables (:mod:`benchlearn.benchmark.integration`).
    variables : tuple of str, optional
        Framework variables; ``None`` = every variable in ``framework`` except those
        matching ``exclude`` (documented default).
    exclude : tuple of str
        Regular expressions for variables left out of the default set.
    model : {"fraclogit", "elogit", "wls"}
        Fractional-logit GLM (binomial family, logit link); ``elogit``, a linear
        random-effects meta-regression of the empirical logit (effects additive on the
        logit scale, so the expected share is the share *without* the effect rather
        than the average over effects); or linear WLS on the share.
    level : {"auto", "area", "ydelse", "multinomial", "multinomial_shared"}
        Model family (docs/METHOD.md §2). ``area`` fits one model to the area's share;
        ``ydelse`` one model per ydelse, expected shares summed (ydelse-specific
        determinants); ``multinomial`` the multivariate fractional logit of the ydelse
        shares and "not on support" (Mullahy 2015) with ydelse-specific slopes,
        ``multinomial_shared`` with one slope per variable for all ydelser. ``auto``
        [choice, default] fits every family in ``candidates`` and takes the one with the
        smallest cross-validated RMSE by municipality (``cv_folds``; with
        cross-validation off it falls back to ``ydelse``).
    candidates : tuple of str
        The families ``auto`` compares (all four by default).
    cross_fit : bool
        Each municipality's expected share comes from the chosen family fitted without
        its fold (``cv_folds`` folds by municipality) [choice; default on]; off: the
        in-sample fit.
    extrapolation_leverage : float
        A municipality whose leverage (hat value of its framework variables) exceeds
        this multiple of the mean leverage ``p/n`` is flagged ``extrapolated`` [choice; 3].
    extrapolation_spread : {"weighted", "max"}
        The extra model variance of an ``extrapolated`` municipality: ``weighted``
        [choice, default; session 14] the (family, transform) candidates' squared
        out-of-fold disagreement with its expected share weighted by their cross-validated
        evidence (:func:`benchlearn.benchmark.crossfit.candidate_weights`), or ``max``
        (sessions 5–13) the largest disagreement of any family, however badly it
        cross-validated — in design (e) of docs/METHOD.md §6 the linear families' misfit of
        the curve widened those intervals to 31 pp. At least ``J_k V J_kᵀ`` either way.
    selection_var : float
        Multiple of the same weighted disagreement (the chosen candidate left out) added to
        every municipality's variance: the uncertainty of the model choice [choice; see
        docs/METHOD.md §3]. 0 adds nothing.
    relative_level : bool
        The prediction variance is that of the effect against the period's average
        jobcentre (docs/METHOD.md §1): the uncertainty of the common level, ``c·dd'`` along
        the family's level direction ``d`` with ``c = 1/Σ_k d_k²/τ²_k`` (``τ²/n`` for a
        linear model; capped so the covariance stays positive semi-definite, docs/METHOD.md
        §3), which no comparison of municipalities contains, is taken out [choice; True,
        sessions 14–15]. Only for cross-fitted shares (``cross_fit`` with
        ``cv_folds`` ≥ 2): in-sample it under-covered the relative truth (0.900 against 0.937 on
        tests/test_benchmark.py's outside tables). False keeps it (the effect against no effect).
    outlier_z : float
        A result whose difference from the expected share, divided by its own spread
        ``sqrt(v_k + τ²_k)`` (sampling and between-municipality), lies more than this many
        robust standard deviations (1.4826 × the median absolute deviation, per period) from
        the median of all is flagged ``outlying`` and treated as ``extrapolated``: extra model
        variance and the simultaneous rank interval [choice; 4 — in design (c) of
        docs/METHOD.md §6 a misfit family put a municipality 5 sd out with rank interval
        98–98 for a true rank of 89]. 0 turns it off.
    periods : tuple of str, optional
        Periods to fit; ``None`` = every period with support and population data.
    pooled : bool
        One model over all periods with period effects and standard errors clustered
        by municipality (``True``), or one model per period.
    sampling : {"binomial", "none"}
        Sampling variance of the share: ``s(1-s)/N`` (an upper bound for full-time
        persons, who are averages of person-weeks) or none.
    unmeasured_share : float
        Share κ of the between-municipality variance τ² attributed to conditions
        that are not among the framework variables rather than to the jobcentre
        [unknown; default 0.01, docs/METHOD.md §3]. The model cannot tell the two apart, so κ·τ² is added
        to the variance of each result and shrinkage uses (1-κ)·τ². 0 gives the purely
        statistical interval.
    coverage : float
        Level of the confidence intervals and rank intervals.
    funnel_method : {"additive", "multiplicative"}
        Over-dispersion adjustment of the adjusted funnel limits.
    funnel_winsor : float
        Winsorized fraction in each tail of the z-scores before estimating φ and τ².
    rank_draws, top_k, seed
        Parametric bootstrap draws, the "top" in P(top k), the random seed.
    log_transform : {"cv", "auto", "none"}
        ``auto`` takes the logarithm of strictly positive variables with skewness
        above 1 (population density, shares of immigrants, ...) before standardizing,
        so a few extreme municipalities do not drive a linear term; ``none`` never does.
        ``cv`` [choice, default] scores every candidate family both ways in the
        cross-validation by municipality and keeps the better (``auto`` without
        cross-validation); the card lists every (family, transform) score.
    cost_per_person_dkk : float
        Annual public cost per full-time person for the potentiale in kroner (the
        2018 list implies about 74,000 kr: 16.3 mio. kr / 220 persons).
    cv_folds : int
        Folds of the cross-validation by municipality on the model card.
    step_terms : {"full", "fold"}
        ``area_step`` chosen and cross-fitted: each fold refits the terms selected on all
        municipalities (``full``, default) or uses its own search (``fold``; in design (c)
        of docs/METHOD.md §6, seeds 1–3, correlation 0.87–0.92 against 0.90–0.94).
    step_select_var : float
        Multiple of the squared difference between the two (``fold`` − ``full``) added to
        the variance as uncertainty of the selected terms [choice; 0: measured on design
        (c) it raised coverage 0.88 → 0.92 but widened the intervals to 1.6–2 sd].
    step_threshold_var : float
        ``area_step`` cross-fitted: multiple of the variance from where the folds' own
        searches put the thresholds (:func:`benchlearn.benchmark.crossfit.threshold_variance`)
        added to each municipality's variance [choice; 1 — the folds' thresholds as draws of
        the threshold's location]. 0 treats the thresholds as known.
    step_square : bool
        ``area_step`` also offers each variable a curvature term ``(x − c)²`` beside its step
        and hinge [choice; True, session 14 — the smooth nonlinearity that one threshold
        per variable cannot represent; docs/METHOD.md §2, §6]. False searches steps and
        hinges only (sessions 7–13).
    step_stability : float
        ``area_step``: keep a term selected on all municipalities only if its variable is
        also selected by at least this share of the cross-validation folds' own searches
        (``cv_folds`` × the transforms scored), then refit [choice; 0.7 — stability selection,
        Meinshausen & Bühlmann 2010. Measured on the five designs of docs/METHOD.md §6,
        seeds 1–100: coverage +0.004 to +0.016 against 0 (every term kept), widths unchanged;
        0.9 also drops true steps]. 0 keeps every term.
    vcov : {"CR3", "CR2", "CR1"}
        Small-sample form of the sandwich clustered by municipality (pooled periods):
        ``CR3`` [choice, default], the cluster jackknife (each municipality's score scaled
        by the bread without it, times (G−1)/G; MacKinnon, Nielsen & Webb 2023), ``CR2``
        (Bell & McCaffrey 2002: the residuals scaled by (I − H_gg)^−½), or ``CR1``, the
        G/(G−1)·(n−1)/(n−k) factor (Stata's). Measured on the five designs of
        docs/METHOD.md §6 (seeds 1–100): coverage +0.008 to +0.015 against ``CR1``;
        ``CR2`` against ``CR3`` −0.004 to −0.009 (session 15: (d) 0.972 → 0.968 into the
        band, (c) 0.935 → 0.926 out of it).
    max_iter : int
        Iterations of each fit's outer loop (the between-municipality variance τ², the
        weights and the fit in turn) before the fit is reported as not converged.
    min_cell_coverage : float
        Cell model only (:func:`from_cells`): a municipality whose published cells —
        what is left after the fewer-than-5-persons rule — cover less than this share
        of its residents (``population``) is excluded with the reason, because its
        actual and expected numbers would describe only part of it [choice; 0.9].
    """

    area: str = "total"
    maalgruppe: str | None = None
    variables: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    model: ModelKind = "fraclogit"
    level: Literal["auto", "area", "ydelse", "multinomial", "multinomial_shared", "area_step"] = "auto"
    candidates: tuple[str, ...] = ("area", "ydelse", "multinomial", "multinomial_shared", "area_step")
    cross_fit: bool = True
    extrapolation_leverage: float = 3.0
    outlier_z: float = 4.0
    extrapolation_spread: SpreadKind = "weighted"
    selection_var: float = 1.0
    relative_level: bool = True
    periods: tuple[str, ...] | None = None
    pooled: bool = True
    sampling: Literal["binomial", "none"] = "binomial"
    unmeasured_share: float = 0.01
    coverage: float = 0.95
    funnel_method: FunnelMethod = "additive"
    funnel_winsor: float = 0.1
    rank_draws: int = 1000
    top_k: int = 10
    seed: int = 20240101
    log_transform: Literal["cv", "auto", "none"] = "cv"
    cost_per_person_dkk: float = 74_000.0
    cv_folds: int = 10
    step_terms: Literal["fold", "full"] = "full"
    step_select_var: float = 0.0
    step_stability: float = 0.7
    step_square: bool = True
    step_threshold_var: float = 1.0
    vcov: VcovKind = "CR3"
    max_iter: int = 100
    min_cell_coverage: float = 0.9

    def __post_init__(self) -> None:
        if self.maalgruppe is None and self.area not in reference.area_codes():
            raise ConfigError(
                f"Ukendt benchmarkområde '{self.area}'; mulige: {', '.join(reference.area_codes())}.",
                f"Unknown benchmark area '{self.area}'; choose from {', '.join(reference.area_codes())}.",
            )
        known = reference.maalgruppe_codes() + reference.integration_codes()
        if self.maalgruppe is not None and self.maalgruppe not in known:
            raise ConfigError(
                f"Ukendt målgruppe '{self.maalgruppe}'; mulige: {', '.join(known)}.",
                f"Unknown target group '{self.maalgruppe}'; choose from {', '.join(known)}.",
            )
        if self.model not in get_args(ModelKind):
            raise ConfigError(
                f"Ukendt model '{self.model}' (fraclogit, elogit eller wls).",
                f"Unknown model '{self.model}' (fraclogit, elogit or wls).",
            )
        if self.vcov not in get_args(VcovKind):
            raise ConfigError(
                f"Ukendt vcov '{self.vcov}' ({', '.join(get_args(VcovKind))}).",
                f"Unknown vcov '{self.vcov}' ({', '.join(get_args(VcovKind))}).",
            )
        if self.extrapolation_spread not in get_args(SpreadKind):
            raise ConfigError(
                f"Ukendt extrapolation_spread '{self.extrapolation_spread}' ({', '.join(get_args(SpreadKind))}).",
                f"Unknown extrapolation_spread '{self.extrapolation_spread}' ({', '.join(get_args(SpreadKind))}).",
            )
        if not self.selection_var >= 0:
            raise ConfigError(f"selection_var kan ikke være negativ (fik {self.selection_var}).",
                              f"selection_var cannot be negative (got {self.selection_var}).")
        from benchlearn.benchmark.families import FAMILIES

        if self.level != "auto" and self.level not in FAMILIES:
            raise ConfigError(
                f"Ukendt modelfamilie '{self.level}' (auto, {', '.join(FAMILIES)}).",
                f"Unknown model family '{self.level}' (auto, {', '.join(FAMILIES)}).",
            )
        bad = [c for c in self.candidates if c not in FAMILIES]
        if bad or not self.candidates:
            raise ConfigError(
                f"Ukendte kandidatfamilier {bad}; mulige: {', '.join(FAMILIES)}.",
                f"Unknown candidate families {bad}; choose from {', '.join(FAMILIES)}.",
            )
        if not self.extrapolation_leverage > 1:
            raise ConfigError("extrapolation_leverage skal være over 1.", "extrapolation_leverage must exceed 1.")
        if not 0.5 < self.coverage < 1:
            raise ConfigError("coverage skal ligge mellem 0,5 og 1.", "coverage must lie between 0.5 and 1.")
        if not 0 <= self.unmeasured_share < 1:
            raise ConfigError("unmeasured_share skal ligge i [0, 1).", "unmeasured_share must lie in [0, 1).")
        if not self.outlier_z >= 0 or not self.step_threshold_var >= 0:
            raise ConfigError(
                f"outlier_z og step_threshold_var kan ikke være negative (fik {self.outlier_z}, {self.step_threshold_var}).",
                f"outlier_z and step_threshold_var cannot be negative (got {self.outlier_z}, {self.step_threshold_var}).",
            )
        if not 0 <= self.step_stability <= 1:
            raise ConfigError(
                f"step_stability skal ligge i [0, 1] (fik {self.step_stability}).",
                f"step_stability must lie in [0, 1] (got {self.step_stability}).",
            )
        if not 0 <= self.min_cell_coverage <= 1:
            raise ConfigError("min_cell_coverage skal ligge i [0, 1].", "min_cell_coverage must lie in [0, 1].")
        if self.cost_per_person_dkk < 0:
            raise ConfigError("Prisen pr. fuldtidsperson kan ikke være negativ.", "The cost per full-time person cannot be negative.")

    @property
    def target(self) -> str:
        """The area or målgruppe code the run is about (the ``area`` field of records)."""
        return self.maalgruppe if self.maalgruppe is not None else self.area

    @property
    def origin_groups(self) -> tuple[str, ...]:
        """The population groups of an integration målgruppe (``reference.integration_groups``);
        empty for every other target, whose population is all residents."""
        if self.maalgruppe is not None and self.maalgruppe in reference.integration_codes():
            return reference.integration_origin_groups(self.maalgruppe)
        return ()

    @property
    def ydelser(self) -> tuple[str, ...]:
        if self.origin_groups:
            return reference.integration_ydelser(self.maalgruppe)  # type: ignore[arg-type]
        if self.maalgruppe is not None:
            return reference.maalgruppe_ydelser(self.maalgruppe)
        return reference.area_ydelser(self.area)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

    @property
    def hash(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

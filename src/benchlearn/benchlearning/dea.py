"""Input-oriented data envelopment analysis (DEA) with Simar–Wilson bootstrap.

Python has no maintained DEA package (pyDEA is unmaintained, others need
commercial solvers), so the linear programmes are written here and solved with
scipy's HiGHS (``scipy.optimize.linprog(method="highs")``).

The generic solver :func:`dea` works on plain arrays;
:func:`benchlearn.benchlearning.jobcentre_dea.dea_from_dataset` builds the employment-effort
model of DOMAIN.md §5 on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import get_args

import numpy as np
import pandas as pd

from benchlearn.benchlearning.dea_lp import EFFICIENT_TOL, slacks, theta_one
from benchlearn.core.errors import ConfigError, ModelError
from benchlearn.core.literals import RTS

# ----------------------------------------------------------------------- config
@dataclass(frozen=True)
class DEAConfig:
    """Options of one DEA run.

    Attributes
    ----------
    rts : {"crs", "vrs"}
        Returns to scale of the reference technology.
    bootstrap : int
        Simar–Wilson replications (0 = no intervals).
    alpha : float
        1 − confidence level of the intervals.
    seed : int
        Seed of the bootstrap random generator.
    rescale : bool
        Divide every input and output by its mean before solving (conditioning);
        results are reported in original units and do not depend on it.
    radial : tuple of bool or None
        Which inputs are contracted (None = all). The others are
        non-discretionary (Banker & Morey 1986): a reference may use no more of
        them than the unit itself, but they are not scaled.
    screen : float or None
        Super-efficiency screening (after Banker & Chang 2006): efficient units
        whose super-efficiency exceeds this value are left out of the others'
        reference set (None = no screening).
    """

    rts: RTS = "vrs"
    bootstrap: int = 0
    alpha: float = 0.05
    seed: int = 20181101
    rescale: bool = True
    radial: tuple[bool, ...] | None = None
    screen: float | None = None

    def __post_init__(self) -> None:
        if self.rts not in get_args(RTS):
            raise ConfigError(
                f"Ukendt skalaafkast '{self.rts}' — brug crs eller vrs.",
                f"Unknown returns to scale '{self.rts}' — use crs or vrs.",
            )
        if self.bootstrap < 0 or (0 < self.bootstrap < 20):
            raise ConfigError(
                f"--bootstrap skal være 0 eller mindst 20, ikke {self.bootstrap}.",
                f"--bootstrap must be 0 or at least 20, not {self.bootstrap}.",
            )
        if not 0 < self.alpha < 1:
            raise ConfigError(
                f"alpha skal ligge mellem 0 og 1, ikke {self.alpha}.",
                f"alpha must lie between 0 and 1, not {self.alpha}.",
            )
        if self.screen is not None and not self.screen > 1:
            raise ConfigError(
                f"Grænsen for supereffektivitet skal være over 1, ikke {self.screen}.",
                f"The super-efficiency screening limit must exceed 1, not {self.screen}.",
            )
        if self.radial is not None and not any(self.radial):
            raise ConfigError(
                "Mindst ét input skal kunne reduceres (radial).",
                "At least one input must be contracted (radial).",
            )


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class DEAResult:
    """Immutable DEA results (arrays are read-only).

    ``lambdas[o, j]`` is the weight of unit j in the target of unit o;
    ``peers(o)`` the units with positive weight. Efficient units (θ = 1) are
    reported as their own single peer with λ = 1. ``replicates[b, o]`` are the
    bias-corrected bootstrap replicates ``1/(2δ_o − δ*_bo)`` (δ = 1/θ) whose
    quantiles are the interval; sums over units give intervals for totals.
    """

    units: tuple
    config: DEAConfig
    X: np.ndarray
    Y: np.ndarray
    efficiency: np.ndarray
    lambdas: np.ndarray
    input_slacks: np.ndarray
    output_slacks: np.ndarray
    super_efficiency: np.ndarray
    bias: np.ndarray
    bias_corrected: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    screened: np.ndarray
    bandwidth: float = float("nan")
    boot: np.ndarray | None = field(default=None, repr=False)
    replicates: np.ndarray | None = field(default=None, repr=False)

    def peers(self, o: int, tol: float = 1e-8) -> list:
        idx = np.flatnonzero(self.lambdas[o] > tol)
        return [self.units[j] for j in idx]

    def peer_weights(self, o: int, tol: float = 1e-8) -> list[float]:
        return [float(v) for v in self.lambdas[o][self.lambdas[o] > tol]]

    @cached_property
    def efficient(self) -> np.ndarray:
        return self.efficiency >= 1.0 - EFFICIENT_TOL

    @cached_property
    def reference_count(self) -> np.ndarray:
        """For each unit: how many *other* units have it among their peers."""
        used = self.lambdas > 1e-8
        np.fill_diagonal(used, False)
        return used.sum(axis=0)

    @cached_property
    def reference_share(self) -> np.ndarray:
        """reference_count / (n − 1)."""
        return self.reference_count / max(len(self.units) - 1, 1)

    def to_frame(self) -> pd.DataFrame:
        n = len(self.units)
        df = pd.DataFrame(
            {
                "unit": list(self.units),
                "efficiency": self.efficiency,
                "bias_corrected": self.bias_corrected,
                "bias": self.bias,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "super_efficiency": self.super_efficiency,
                "efficient": self.efficient,
                "screened": self.screened,
                "reference_count": self.reference_count,
                "reference_share": self.reference_share,
                "peers": [self.peers(o) for o in range(n)],
                "lambdas": [self.peer_weights(o) for o in range(n)],
            }
        )
        for i in range(self.input_slacks.shape[1]):
            df[f"input_slack_{i + 1}"] = self.input_slacks[:, i]
        for r in range(self.output_slacks.shape[1]):
            df[f"output_slack_{r + 1}"] = self.output_slacks[:, r]
        return df


def _as_matrix(a, n: int | None, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    # accept (n, k) like most users write it; internally (k, n)
    arr = arr.T.copy()
    if n is not None and arr.shape[1] != n:
        raise ModelError(
            f"DEA: {what} har {arr.shape[1]} enheder, forventede {n}.",
            f"DEA: {what} has {arr.shape[1]} units, expected {n}.",
        )
    return arr


def _check(X: np.ndarray, Y: np.ndarray, labels: tuple, n: int) -> None:
    if len(labels) != n:
        raise ModelError(
            f"DEA: {len(labels)} navne til {n} enheder.", f"DEA: {len(labels)} labels for {n} units."
        )
    if n < 2:
        raise ModelError("DEA kræver mindst to enheder.", "DEA needs at least two units.")
    if not np.all(np.isfinite(X)) or not np.all(np.isfinite(Y)):
        raise ModelError("DEA: manglende eller uendelige værdier.", "DEA: missing or infinite values.")
    if np.any(X <= 0):
        raise ModelError("DEA: alle input skal være positive.", "DEA: all inputs must be positive.")
    if np.any(Y < 0) or np.any(Y.sum(axis=0) <= 0):
        raise ModelError(
            "DEA: output skal være ikke-negative og ikke alle nul for en enhed.",
            "DEA: outputs must be non-negative and not all zero for a unit.",
        )


def dea(
    inputs,
    outputs,
    *,
    units: Sequence | None = None,
    config: DEAConfig | None = None,
    progress=None,
) -> DEAResult:
    """Input-oriented DEA with slacks, super-efficiency, screening and bootstrap intervals.

    Parameters
    ----------
    inputs : array_like, shape (n,) or (n, m)
        Inputs, one row per unit (strictly positive).
    outputs : array_like, shape (n,) or (n, s)
        Outputs, one row per unit (non-negative, not all zero per unit).
    units : sequence, optional
        Unit labels (default 0..n−1).
    config : DEAConfig
    progress : callable, optional
        Called with 1 after each bootstrap replication.

    Returns
    -------
    DEAResult

    Notes
    -----
    Envelopment form for unit o (Charnes, Cooper & Rhodes 1978; Banker, Charnes &
    Cooper 1984 with 1'λ = 1; Banker & Morey 1986 for non-radial inputs)::

        θ_o = min θ  s.t.  Σ_j λ_j x_ij ≤ θ x_io (radial i),  Σ_j λ_j x_ij ≤ x_io (other i),
                           Σ_j λ_j y_rj ≥ y_ro,  λ ≥ 0

    Slacks: second stage, max Σ s⁻ + Σ s⁺ with θ fixed at θ_o, on the rescaled
    data so the sum is unit-free. Super-efficiency (Andersen & Petersen 1993):
    the same LP without unit o in the reference set (NaN when infeasible under
    VRS). Screening: efficient units with super-efficiency above
    ``config.screen`` leave the reference set R; every unit o is evaluated
    against R ∪ {o}, so a screened unit keeps θ = 1 and is nobody else's peer.
    Bootstrap: :func:`benchlearn.benchlearning.dea_bootstrap.simar_wilson` on the
    Shephard scale δ = 1/θ ≥ 1; with d_b = δ − δ*_b ≥ 0, bias-corrected
    θ̃ = 1/(δ + mean d) and interval [1/(δ + q_{1−α/2}(d)), 1/(δ + q_{α/2}(d))],
    so efficiency, θ̃ and both ends lie in (0, 1].
    """
    from benchlearn.benchlearning.dea_bootstrap import corrected, simar_wilson

    cfg = config or DEAConfig()
    X = _as_matrix(inputs, None, "inputs")
    n = X.shape[1]
    Y = _as_matrix(outputs, n, "outputs")
    labels = tuple(units) if units is not None else tuple(range(n))
    _check(X, Y, labels, n)
    radial = np.ones(X.shape[0], bool) if cfg.radial is None else np.asarray(cfg.radial, bool)
    if len(radial) != X.shape[0]:
        raise ModelError(
            f"DEA: 'radial' har {len(radial)} værdier til {X.shape[0]} input.",
            f"DEA: 'radial' has {len(radial)} values for {X.shape[0]} inputs.",
        )

    # Rescale for conditioning: θ and λ are invariant to a positive scaling of
    # any input or output row; slacks are reported back in original units.
    sx = X.mean(axis=1) if cfg.rescale else np.ones(X.shape[0])
    sy = Y.mean(axis=1) if cfg.rescale else np.ones(Y.shape[0])
    Xs, Ys = X / sx[:, None], Y / sy[:, None]

    def score(o: int, ref: np.ndarray) -> float:
        th = theta_one(Xs[:, o], Ys[:, o], Xs[:, ref], Ys[:, ref], cfg.rts, radial)[0]
        if not np.isfinite(th):
            raise ModelError(
                f"DEA-LP kunne ikke løses for enhed {labels[o]}.", f"DEA LP failed for unit {labels[o]}."
            )
        # HiGHS returns 0.99999999.. for units on the frontier; snap them to 1 so
        # "efficient" means exactly efficiency == 1 for every reader.
        return 1.0 if th >= 1.0 - EFFICIENT_TOL else th

    everyone = np.ones(n, bool)
    theta = np.array([score(o, everyone) for o in range(n)])
    sup = np.empty(n)
    for o in range(n):
        others = np.arange(n) != o
        sup[o] = theta_one(Xs[:, o], Ys[:, o], Xs[:, others], Ys[:, others], cfg.rts, radial)[0]
    screened = np.zeros(n, bool)
    if cfg.screen is not None:
        screened = (theta == 1.0) & np.isfinite(sup) & (sup > cfg.screen)
        if screened.all() or (~screened).sum() < 2:
            screened[:] = False  # nothing left to compare with: screening does not apply
    ref = ~screened
    if screened.any():
        theta = np.array([1.0 if screened[o] else score(o, ref) for o in range(n)])

    lambdas = np.zeros((n, n))
    s_in = np.zeros((n, X.shape[0]))
    s_out = np.zeros((n, Y.shape[0]))
    ref_idx = np.flatnonzero(ref)
    for o in range(n):
        if theta[o] == 1.0:
            # An efficient unit spans the frontier at its own point: report it as
            # its own peer (λ = e_o is optimal in stage one); slacks still show
            # whether it is only weakly efficient.
            lambdas[o, o] = 1.0
            if screened[o]:
                continue
        lam, si, so = slacks(theta[o], Xs[:, o], Ys[:, o], Xs[:, ref], Ys[:, ref], cfg.rts, radial)
        if theta[o] < 1.0:
            lambdas[o, ref_idx] = lam
        s_in[o] = si * sx
        s_out[o] = so * sy

    nan = np.full(n, np.nan)
    bias, bc, lo, hi, h, boot, reps = nan, nan, nan, nan, float("nan"), None, None
    if cfg.bootstrap > 0:
        boot, h = simar_wilson(Xs, Ys, theta, ref, cfg, radial, progress)
        if boot is not None:
            bc, lo, hi, reps = corrected(theta, boot, cfg.alpha)
            bias = theta - bc
    ro = _readonly
    return DEAResult(
        units=labels,
        config=cfg,
        X=ro(X.T),
        Y=ro(Y.T),
        efficiency=ro(theta),
        lambdas=ro(lambdas),
        input_slacks=ro(s_in),
        output_slacks=ro(s_out),
        super_efficiency=ro(sup),
        bias=ro(bias),
        bias_corrected=ro(bc),
        ci_low=ro(lo),
        ci_high=ro(hi),
        screened=_readonly_bool(screened),
        bandwidth=h,
        boot=None if boot is None else ro(boot),
        replicates=None if reps is None else ro(reps),
    )


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.setflags(write=False)
    return a


def _readonly_bool(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=bool, copy=True)
    a.setflags(write=False)
    return a

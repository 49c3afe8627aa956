"""Model card of a benchmark run: what went in, what came out, how well it fits.

Stored with every run in the workspace (as ``meta["model_card"]`` and as result tables
``coefficients``, ``excluded`` and ``model_card``) so a reader can reproduce and judge
the benchmark without running it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.i18n import t


def _clean(x: Any) -> Any:
    """JSON-able: numpy scalars to Python, NaN to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


@dataclass(frozen=True)
class ModelCard:
    """Everything needed to judge a benchmark run (see :meth:`to_dict`)."""

    source: str  # "model" or "benchmark_table"
    target: str
    ydelser: tuple[str, ...]
    model: str
    variables: tuple[str, ...]
    dropped_variables: tuple[tuple[str, str], ...]
    coefficients: pd.DataFrame = field(repr=False)
    fit_statistics: tuple[dict, ...]
    cross_validation: dict
    periods: tuple[str, ...]
    municipalities_used: dict  # period -> count
    excluded: pd.DataFrame = field(repr=False)
    stability: dict  # period -> correlation with the period before
    funnel: dict  # period -> {tau2_pp, phi}
    tiers: dict  # period -> {tier: count}
    mapping_hash: str
    config_hash: str
    dataset_hash: str
    config: dict
    simulated: bool
    notes: tuple[str, ...]
    family: str = ""  # model family of the run (area, ydelse, multinomial, multinomial_shared)
    extrapolated: dict = field(default_factory=dict)  # period -> kommunekoder flagged extrapolated

    @classmethod
    def build(
        cls,
        *,
        config,
        dataset_hash: str,
        variables,
        dropped_variables,
        coefficients: pd.DataFrame,
        fits,
        records: pd.DataFrame,
        excluded: pd.DataFrame,
        cv: dict,
        notes,
        simulated: bool,
        source: str,
        family: str = "",
    ) -> ModelCard:
        stats_ = []
        for f in fits:
            if isinstance(f, dict):
                stats_.append(f)
                continue
            label, f = f if isinstance(f, tuple) else (config.target, f)
            stats_.append(
                {
                    "ydelse": label,
                    "n": f.n,
                    "parameters": f.p,
                    "tau2": f.tau2,
                    "tau2_scale": "logit" if f.model in ("fraclogit", "elogit") else "share",
                    "tau_pp": float(100 * np.sqrt(f.tau2_share).mean()),
                    "r2": f.r2,
                    "iterations": f.iterations,
                    "converged": f.converged,
                    "cov_type": f.cov_type,
                    "mean_se_pp": float(100 * np.sqrt(f.v + f.var_pred_diag).mean()),
                    "mean_sampling_se_pp": float(100 * np.sqrt(f.v).mean()),
                }
            )
        by_p = records.groupby("period")
        first = by_p.first()
        return cls(
            source=source,
            target=config.target,
            ydelser=tuple(config.ydelser),
            model=config.model if source == "model" else "published",
            variables=tuple(variables),
            dropped_variables=tuple(tuple(x) for x in dropped_variables),
            coefficients=coefficients,
            fit_statistics=tuple(stats_),
            cross_validation=dict(cv),
            periods=tuple(sorted(records["period"].unique())),
            municipalities_used={p: len(g) for p, g in by_p},
            excluded=excluded,
            stability={p: first.loc[p, "stability"] for p in first.index},
            funnel={p: {"tau2_pp": first.loc[p, "funnel_tau2_pp"], "phi": first.loc[p, "funnel_phi"]} for p in first.index},
            tiers={p: g["tier"].value_counts().to_dict() for p, g in by_p},
            mapping_hash=reference.mapping_hash(),
            config_hash=config.hash,
            dataset_hash=dataset_hash,
            config=config.to_dict(),
            simulated=bool(simulated),
            notes=tuple(notes),
            family=family,
            extrapolated={p: sorted(int(k) for k in g.loc[g["extrapolated"].astype(bool), "kommunekode"])
                          for p, g in by_p} if "extrapolated" in records.columns else {},
        )

    def to_dict(self) -> dict:
        """The card as JSON-able data (coefficients and exclusions as lists of records)."""
        return _clean(
            {
                "source": self.source,
                "target": self.target,
                "ydelser": list(self.ydelser),
                "model": self.model,
                "variables": list(self.variables),
                "dropped_variables": [{"variable": v, "reason": r} for v, r in self.dropped_variables],
                "coefficients": self.coefficients.to_dict(orient="records"),
                "fit_statistics": list(self.fit_statistics),
                "cross_validation": self.cross_validation,
                "periods": list(self.periods),
                "municipalities_used": self.municipalities_used,
                "excluded": self.excluded.to_dict(orient="records"),
                "stability": self.stability,
                "funnel": self.funnel,
                "tiers": self.tiers,
                "mapping_hash": self.mapping_hash,
                "config_hash": self.config_hash,
                "dataset_hash": self.dataset_hash,
                "config": self.config,
                "simulated": self.simulated,
                "notes": list(self.notes),
                "family": self.family,
                "extrapolated": self.extrapolated,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Long form ``key, value_json`` for storing in the workspace."""
        d = self.to_dict()
        return pd.DataFrame({"key": list(d), "value_json": [json.dumps(v, ensure_ascii=False) for v in d.values()]})

    def to_text(self) -> str:
        """A short human-readable card in the language in force."""
        lines = [
            t("Modelkort", "Model card") + f" — {self.target} ({', '.join(self.ydelser)})",
            t("Kilde", "Source") + f": {self.source}; " + t("model", "model") + f": {self.model}",
            t("Rammevilkår", "Framework variables") + f": {', '.join(self.variables) or '-'}",
        ]
        if self.dropped_variables:
            lines.append(t("Udeladt", "Left out") + ": " + "; ".join(f"{v} ({r})" for v, r in self.dropped_variables))
        for s in self.fit_statistics:
            parts = [f"n={s.get('n')}"]
            if s.get("tau_pp") is not None:
                parts.append(f"τ={s['tau_pp']:.3f} pp")
            if s.get("r2") is not None:
                parts.append(f"R²={s['r2']:.3f}")
            if s.get("iterations") is not None:
                parts.append(t("iterationer", "iterations") + f"={s['iterations']}"
                             + ("" if s.get("converged", True) else t(" (ikke konvergeret)", " (not converged)")))
            if s.get("period"):
                parts.insert(0, str(s["period"]))
            if s.get("ydelse"):
                parts.insert(0, str(s["ydelse"]))
            lines.append(", ".join(parts))
        cv = self.cross_validation
        if cv.get("folds"):
            lines.append(
                t("Krydsvalidering", "Cross-validation")
                + f" ({cv['folds']} folds): RMSE {cv['rmse_pp']:.3f} pp "
                + t("mod", "vs") + f" {cv['null_rmse_pp']:.3f} pp " + t("uden rammevilkår", "without framework")
            )
        for r in cv.get("candidates", []):
            mark = " *" if r["family"] == cv.get("chosen") and r.get("transform") == cv.get("transform") else ""
            tr = {"log": " (log)", "none": ""}.get(r.get("transform", "none"), "")
            lines.append(f"  {r['family']}{tr}: RMSE {r['rmse_pp']:.4f} pp, R² {r['r2_oos']:.3f}{mark}")
        if self.family:
            lines.append(t("Modelfamilie", "Model family") + f": {self.family}"
                         + (t(" (krydstilpasset)", " (cross-fitted)") if cv.get("cross_fit") else ""))
        for p, ks in self.extrapolated.items():
            if ks:
                lines.append(t("Ekstrapoleret", "Extrapolated") + f" {p}: " + ", ".join(str(k) for k in ks))
        for p, c in self.stability.items():
            if c is not None and not (isinstance(c, float) and math.isnan(c)):
                lines.append(t("Stabilitet", "Stability") + f" {p}: r = {c:.2f}")
        if len(self.excluded):
            lines.append(t("Udeladte kommuner", "Excluded municipalities") + f": {self.excluded['kommunekode'].nunique()}")
        lines.append(f"mapping {self.mapping_hash}, config {self.config_hash}")
        lines.extend(self.notes)
        return "\n".join(lines)

"""What a reader sees instead of codes: framework variables, tiers, groups, review columns.

Variable names are looked up in the catalogues that define them (real Statistics Denmark
variables, the extended public ones, the 2014 age structure, the simulator's), so a new
variable gets its label where it is declared, not here.
"""

from __future__ import annotations

from functools import lru_cache

from benchlearn.core.i18n import t

__all__ = ["variable_label", "tier_label", "group_label", "differs_label", "TIERS", "COLUMNS"]

TIERS: dict[str, tuple[str, str]] = {
    "better": ("bedre end forventet", "better than expected"),
    "as_expected": ("som forventet", "as expected"),
    "worse": ("dårligere end forventet", "worse than expected"),
}

#: Column headings of the review's tables (CLI, page, downloads).
COLUMNS: dict[str, tuple[str, str]] = {
    "spec": ("Specifikation", "Specification"), "label": ("Beskrivelse", "Description"),
    "target": ("Område", "Area"), "status": ("Status", "Status"), "reason": ("Begrundelse", "Reason"),
    "n_variables": ("Antal rammevilkår", "Framework variables"),
    "kommunekode": ("Kommunekode", "Municipality code"), "navn": ("Kommune", "Municipality"),
    "diff_pp": ("Forskel (pct.-point)", "Difference (pp)"), "ci_low_pp": ("95 %-interval, nedre", "95% interval, lower"),
    "ci_high_pp": ("95 %-interval, øvre", "95% interval, upper"), "spec_low_pp": ("Specifikationsspænd, laveste", "Specification range, lowest"),
    "spec_high_pp": ("Specifikationsspænd, højeste", "Specification range, highest"), "rank": ("Placering", "Rank"),
    "rank_min": ("Bedste placering", "Best rank"), "rank_max": ("Dårligste placering", "Worst rank"),
    "tier": ("Niveau", "Tier"), "tier_depends": ("Niveau afhænger af specifikationen", "Tier depends on the specification"),
    "rank_spearman": ("Rangkorrelation (Spearman)", "Rank correlation (Spearman)"),
    "diff_pearson": ("Korrelation af forskel", "Correlation of difference"),
    "mean_rank_move": ("Gns. flytning (pladser)", "Mean move (places)"), "max_rank_move": ("Største flytning", "Largest move"),
    "tier_changes": ("Skift af niveau", "Tier changes"), "attributed_to": ("Flytningerne skyldes", "Moves attributed to"),
    "attribution_r2": ("Forklaret andel (R²)", "Share explained (R²)"), "largest_moves": ("Største flytninger", "Largest moves"),
    "r_diff": ("Korrelation af resultat (r)", "Correlation of result (r)"), "rho_rank": ("Rangkorrelation (Spearman)", "Rank correlation (Spearman)"),
    "r_expected": ("Korrelation af forventet antal", "Correlation of expected count"),
    "r_expected_share": ("Korrelation af forventet andel", "Correlation of expected share"),
    "tier_agreement": ("Samme niveau", "Same tier"), "tier_kappa": ("Cohens κ for niveau", "Cohen's κ of tiers"),
    "ba_bias_pp": ("Gns. afvigelse (pct.-point)", "Mean deviation (pp)"), "ba_sd_pp": ("Spredning af afvigelse", "Sd of deviation"),
    "period": ("Periode", "Period"), "area": ("Område", "Area"), "group": ("Variabelgruppe", "Variable group"),
    "delta_r_diff": ("Bidrag til korrelation", "Contribution to correlation"),
    "delta_rho_rank": ("Bidrag til rangkorrelation", "Contribution to rank correlation"),
    "diff_pp_open": ("Åben model (pct.-point)", "Open model (pp)"), "diff_pp_pub": ("Ministeriet (pct.-point)", "Ministry (pp)"),
    "ba_diff_pp": ("Afvigelse (pct.-point)", "Deviation (pp)"), "moved_most_by": ("Flyttes mest af", "Moved most by"),
    "ba_mean_pp": ("Gns. af de to resultater (pct.-point)", "Mean of the two results (pp)"),
    "ba_loa_low_pp": ("Nedre grænse for enighed (pct.-point)", "Lower limit of agreement (pp)"),
    "ba_loa_high_pp": ("Øvre grænse for enighed (pct.-point)", "Upper limit of agreement (pp)"),
    "sd_diff_pub_pp": ("Spredning af ministeriets resultat (pct.-point)", "Sd of the ministry's result (pp)"),
    "n": ("Antal kommuner", "Number of municipalities"), "k": ("Antal rammevilkår (k)", "Framework variables (k)"),
    "rank_open": ("Placering, åben model", "Rank, open model"), "rank_pub": ("Placering, ministeriet", "Rank, ministry"),
    "tier_open": ("Niveau, åben model", "Tier, open model"), "tier_pub": ("Niveau, ministeriet", "Tier, ministry"),
    "expected_open": ("Forventet antal, åben model", "Expected count, open model"),
    "expected_pub": ("Forventet antal, ministeriet", "Expected count, ministry"),
    "toward_pp": ("Tættere på ministeriet uden gruppen (pct.-point)", "Closer to the ministry without the group (pp)"),
    "r2_expected": ("R² af ministeriets forventede andel på rammevilkårene", "R² of the ministry's expected share on the variables"),
    "sd_unexplained_expected_pp": ("Uforklaret spredning af ministeriets forventede andel (pct.-point)",
                                   "Unexplained sd of the ministry's expected share (pp)"),
    "r2_result": ("R² af ministeriets resultat på rammevilkårene", "R² of the ministry's result on the variables"),
    "r2_result_chance": ("R² ved tilfældighed (k/(n−1))", "R² by chance (k/(n−1))"),
    "sd_result_pp": ("Spredning af ministeriets resultat (pct.-point)", "Sd of the ministry's result (pp)"),
    "ceiling_r": ("Højst mulige korrelation", "Highest possible correlation"),
    "r_diff_full": ("Korrelation med alle grupper", "Correlation with all groups"),
    "r_diff_without": ("Korrelation uden gruppen", "Correlation without the group"),
    "delta_r_expected_share": ("Bidrag til korrelation af forventet andel", "Contribution to correlation of expected share"),
    "variables": ("Rammevilkår brugt", "Framework variables used"), "settings": ("Indstillinger", "Settings"),
    "simulated": ("Simuleret", "Simulated"),
    # the remaining columns of the stored tables, so no download heading is a code (#18)
    "label_da": ("Beskrivelse (dansk)", "Description (Danish)"), "label_en": ("Beskrivelse (engelsk)", "Description (English)"),
    "reason_da": ("Begrundelse (dansk)", "Reason (Danish)"), "reason_en": ("Begrundelse (engelsk)", "Reason (English)"),
    "spec_n": ("Antal specifikationer i spændet", "Specifications in the range"),
    "n_tiers": ("Antal forskellige niveauer", "Number of different tiers"),
    "tiers": ("Niveau pr. specifikation", "Tier per specification"),
    "spec_width_pp": ("Specifikationsspændets bredde (pct.-point)", "Width of the specification range (pp)"),
    "ci_width_pp": ("95 %-intervallets bredde (pct.-point)", "Width of the 95% interval (pp)"),
    "spec_a": ("Specifikation A", "Specification A"), "spec_b": ("Specifikation B", "Specification B"),
    "differs": ("Forskel mellem specifikationerne", "What differs"),
    "attribution_basis": ("Tilskrivning på", "Attribution based on"), "basis": ("Tilskrivning på", "Attribution based on"),
    "rank_baseline": ("Placering, grundspecifikation", "Rank, baseline"), "rank_spec": ("Placering, specifikation", "Rank, specification"),
    "move": ("Flytning (pladser)", "Move (places)"),
    "diff_pp_baseline": ("Forskel, grundspecifikation (pct.-point)", "Difference, baseline (pp)"),
    "diff_pp_spec": ("Forskel, specifikation (pct.-point)", "Difference, specification (pp)"),
    "tier_baseline": ("Niveau, grundspecifikation", "Tier, baseline"), "tier_spec": ("Niveau, specifikation", "Tier, specification"),
    "variable": ("Rammevilkår", "Framework variable"), "r2": ("Forklaret andel (R²)", "Share explained (R²)"),
    "slope_sign": ("Retning (+1/−1)", "Direction (+1/−1)"),
    "tier_depends_same_area": ("Niveau afhænger af modellen (samme område)", "Tier depends on the model (same area)"),
}

_GROUPS: dict[str, tuple[str, str]] = {
    "pendlingsomr": ("pendlingsområdets forhold", "conditions of the commuting area"),
    "commuting": ("pendlingsafstand", "commuting distance"), "age": ("aldersstruktur", "age structure"),
    "education": ("uddannelse", "education"), "origin": ("herkomst", "origin"),
    "family": ("familie og husstande", "family and households"), "housing": ("bolig og bil", "housing and cars"),
    "income": ("indkomst", "income"), "place": ("tæthed og afstand", "density and distance"),
    "social": ("andre sociale forhold", "other social conditions"), "labour": ("arbejdsmarked", "labour market"),
}

_DIFFERS: dict[str, tuple[str, str]] = {
    "target": ("område", "area"), "variables": ("rammevilkår", "framework variables"), "model": ("modelfamilie", "model family"),
    "family": ("modelfamilie", "model family"), "unmeasured_share": ("κ", "κ"), "sampling": ("vægtning", "weighting"),
}


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    from benchlearn.simulator.config import FRAMEWORK_CATALOG

    for v in FRAMEWORK_CATALOG:
        out[v.name] = (v.doc_da, v.doc_en)
        out["sim_" + v.name] = (v.doc_da + " (simuleret)", v.doc_en + " (simulated)")
    from benchlearn.sources.realdata import FRAMEWORK_VARIABLES

    for v in FRAMEWORK_VARIABLES:
        out[v.name] = (v.meaning_da, v.meaning_en)
    from benchlearn.sources.public_framework import PUBLIC_VARIABLES

    for v in PUBLIC_VARIABLES:
        out[v.name] = (v.meaning_da, v.meaning_en)
    from benchlearn.sources.folk1a_ages import AGE_VARIABLES
    for name, (_lo, _hi, da, en) in AGE_VARIABLES.items():
        out.setdefault(name, (da, en))
    return out


def variable_label(name: str) -> str:
    """A framework variable's meaning in the language in force (the name itself when unknown)."""
    from benchlearn.review.commuting import PREFIX

    if name.startswith(PREFIX):
        inner = name[len(PREFIX):]
        da, en = _catalogue().get(inner, (inner, inner))
        return t(f"pendlingsområdet: {da}", f"commuting area: {en}")
    da, en = _catalogue().get(name, (name, name))
    return t(da, en)


def tier_label(code: object) -> str:
    pair = TIERS.get(str(code))
    return t(*pair) if pair else str(code)


def group_label(code: str) -> str:
    pair = _GROUPS.get(code)
    return t(*pair) if pair else variable_label(code)


def differs_label(keys: str) -> str:
    """``"target, variables"`` → ``"område, rammevilkår"``."""
    parts = [k.strip() for k in str(keys).split(",") if k.strip()]
    return ", ".join(t(*_DIFFERS[k]) if k in _DIFFERS else k for k in parts)

"""The one label source: Danish and English words for the web pages, the downloads and the PDF.

Labels of codes (areas, målgrupper, tiers, categories, schemes) and column headings live
here (areas, målgrupper and ydelser read from the reference files, scheme and category names
from the scheme files, so the official wording is written once); every other phrase a page,
chart, download or PDF shows is an entry of ``ui_text.toml`` beside this module, read with
:func:`say`. Templates and page code hold keys, never their own wording
(tests/test_labels.py).
"""

from __future__ import annotations

from functools import cache

from benchlearn.core import reference
from benchlearn.core.i18n import lang

TIERS = {
    "better": ("Bedre end forventet", "Better than expected"),
    "as_expected": ("Som forventet", "As expected"),
    "worse": ("Dårligere end forventet", "Worse than expected"),
}
# Colour-blind-safe (blue / grey / orange stay apart under deuteranopia and protanopia),
# and every tier also has a shape (plotly symbol, text glyph) so colour is never the only cue.
TIER_COLOURS = {"better": "#2166ac", "as_expected": "#8a8a8a", "worse": "#b35806"}
TIER_SYMBOLS = {"better": ("triangle-up", "▲"), "as_expected": ("circle-open", "○"), "worse": ("triangle-down", "▼")}

@cache
def _scheme_categories() -> dict[str, tuple[str, str]]:
    """Category labels exactly as the scheme files word them (the official wording)."""
    import tomllib
    from importlib import resources

    out: dict[str, tuple[str, str]] = {}
    for f in sorted(resources.files("benchlearn").joinpath("schemes").iterdir(), key=lambda p: p.name):
        if f.name.endswith(".toml"):
            for c in tomllib.loads(f.read_text(encoding="utf-8")).get("categories", []):
                lab = c.get("label", {})
                if "da" in lab:
                    out.setdefault(str(c["id"]), (str(lab["da"]), str(lab.get("en", lab["da"]))))
    return out


class _Categories(dict):
    """Category code -> (Danish, English): the scheme files first, then the tiers."""

    def get(self, key, default=None):  # type: ignore[override]
        return _scheme_categories().get(key) or TIERS.get(key, default)

    def __getitem__(self, key):  # type: ignore[override]
        v = self.get(key)
        if v is None:
            raise KeyError(key)
        return v

    def __contains__(self, key) -> bool:  # type: ignore[override]
        return key in _scheme_categories() or key in TIERS


CATEGORIES = _Categories()
_SCHEME_FALLBACK = {
    "star-2020": ("STAR Jobcenterindblik (2020)", "STAR Jobcenterindblik (2020)"),
    "star-2021": ("STAR 2021-variant (kun samtalemål)", "STAR 2021 variant (talks goal only)"),
    "kl-results-first": ("KL: resultater først", "KL: results first"),
    "results-only": ("Kun resultater (ministeriets liste)", "Results only (ministry list)"),
    "kl-2024-tiers": ("KL 2024: niveauer uden rangering", "KL 2024: tiers without ranking"),
}


@cache
def _scheme_labels() -> dict[str, tuple[str, str]]:
    """Scheme names exactly as the scheme files word them."""
    import tomllib
    from importlib import resources

    out = dict(_SCHEME_FALLBACK)
    for f in resources.files("benchlearn").joinpath("schemes").iterdir():
        if f.name.endswith(".toml"):
            doc = tomllib.loads(f.read_text(encoding="utf-8"))
            lab = doc.get("label", {})
            if "id" in doc and "da" in lab:
                out[str(doc["id"])] = (str(lab["da"]), str(lab.get("en", lab["da"])))
    return out


class _Schemes(dict):
    def get(self, key, default=None):  # type: ignore[override]
        return _scheme_labels().get(key, default)

    def __getitem__(self, key):  # type: ignore[override]
        return _scheme_labels()[key]

    def __contains__(self, key) -> bool:  # type: ignore[override]
        return key in _scheme_labels()


SCHEMES = _Schemes()
SURVEYS = {
    "citizen": ("Borgerundersøgelse", "Citizen survey"),
    "business": ("Virksomhedsundersøgelse", "Business survey"),
    "caseworker": ("Sagsbehandlervurdering af progression", "Caseworker assessment of progression"),
}
DIMENSIONS = {
    "udbytte": ("Udbytte", "Benefit"), "mening": ("Mening", "Meaning"),
    "sammenhaeng": ("Sammenhæng", "Coherence"), "involvering": ("Involvering", "Involvement"),
    "fremdrift": ("Fremdrift", "Progress"), "satisfaction": ("Tilfredshed", "Satisfaction"),
    "progression": ("Progression", "Progression"),
    "samlet": ("Samlet (alle spørgsmål)", "Overall (all items)"),
}
COST_CATEGORIES = {
    "administration": ("Administration", "Administration"),
    "aktive_tilbud": ("Aktive tilbud", "Active measures"),
    "other": ("Øvrige", "Other"),
}

#: Measures of efforts, costs and target-group mix (activity table, peer differences).
MEASURES = {
    "andel_i_tilbud": ("Andel i tilbud", "Share in active offers"),
    "samtaler_pr_person": ("Samtaler pr. person", "Meetings per person"),
    "virksomhedsrettede_tilbud": ("Andel virksomhedsrettede tilbud", "Share of employer-based offers"),
    "unit_cost_dkk": ("Udgift pr. fuldtidsperson (kr.)", "Cost per full-time person (DKK)"),
    "share": ("Andel af fuldtidspersonerne", "Share of full-time persons"),
    "samtaler": ("Samtaler", "Meetings"),
    "tilbud": ("Tilbud", "Offers"),
    # real monthly Jobindsats series (sources.jobindsats_dashboard)
    "ledige": ("Ledige (personer)", "Unemployed (persons)"),
    "ledighed_pct": ("Ledighed, % af arbejdsstyrken", "Unemployment, % of labour force"),
    "langtidsledige": ("Langtidsledige (personer)", "Long-term unemployed (persons)"),
    "modtagere": ("Modtagere (personer)", "Recipients (persons)"),
    "fuldtidspersoner": ("Fuldtidspersoner", "Full-time persons"),
    "andel_arbejdsstyrke_pct": ("Andel af arbejdsstyrken, %", "Share of labour force, %"),
    "andel_16_66_pct": ("Andel af 16–66-årige, %", "Share of residents 16–66, %"),
    "aktiveringsgrad_pct": ("Aktiveringsgrad, %", "Activation rate, %"),
    "aktiveringsberoerte_pct": ("Andel aktiveringsberørte, %", "Share touched by activation, %"),
    "med_loentimer": ("Med ordinære løntimer (personer)", "With ordinary paid hours (persons)"),
    "med_loentimer_pct": ("Andel med ordinære løntimer, %", "Share with ordinary paid hours, %"),
}
MEASURE_KINDS = {
    "activity": ("Indsats", "Effort"),
    "cost": ("Udgift", "Cost"),
    "maalgruppe_mix": ("Målgruppesammensætning", "Target-group mix"),
}

#: Model card entries and the keys inside them, for /metode (never a raw dict dump).
MODEL_CARD = {
    "source": ("Datakilde", "Data source"), "target": ("Område", "Target"), "ydelser": ("Ydelser", "Benefits"),
    "model": ("Model", "Model"), "variables": ("Rammevilkår", "Framework variables"),
    "dropped_variables": ("Udeladte rammevilkår", "Variables left out"),
    "fit_statistics": ("Tilpasning", "Fit"), "cross_validation": ("Krydsvalidering", "Cross-validation"),
    "periods": ("Perioder", "Periods"), "municipalities_used": ("Kommuner brugt", "Municipalities used"),
    "excluded": ("Udeladte kommuner", "Excluded municipalities"),
    "stability": ("Stabilitet (korrelation med forrige periode)", "Stability (correlation with the previous period)"),
    "funnel": ("Tragtdiagrammets overspredning", "Funnel over-dispersion"), "tiers": ("Niveauer", "Tiers"),
    "mapping_hash": ("Ydelsesafbildning (hash)", "Benefit mapping (hash)"),
    "config_hash": ("Konfiguration (hash)", "Configuration (hash)"), "dataset_hash": ("Datasæt (hash)", "Dataset (hash)"),
    "config": ("Konfiguration", "Configuration"), "simulated": ("Simuleret", "Simulated"), "notes": ("Noter", "Notes"),
    "family": ("Modelfamilie", "Model family"), "candidates": ("Kandidatmodeller", "Candidate models"),
    "chosen": ("Valgt", "Chosen"), "rule": ("Valgregel", "Rule of choice"), "cross_fit": ("Krydstilpasset", "Cross-fitted"),
    "transform": ("Transformation", "Transform"),
    "extrapolated": ("Ekstrapolerede kommuner", "Extrapolated municipalities"),
    "variable": ("rammevilkår", "variable"), "reason": ("begrundelse", "reason"), "ydelse": ("ydelse", "benefit"),
    "n": ("n", "n"), "parameters": ("parametre", "parameters"), "tau2": ("τ²", "τ²"), "tau2_scale": ("τ²-skala", "τ² scale"),
    "tau_pp": ("τ (pp)", "τ (pp)"), "r2": ("R²", "R²"), "folds": ("fold", "folds"), "rmse_pp": ("RMSE (pp)", "RMSE (pp)"),
    "null_rmse_pp": ("RMSE uden rammevilkår (pp)", "RMSE without framework (pp)"), "r2_oos": ("R² uden for stikprøven", "out-of-sample R²"),
    "mae_pp": ("MAE (pp)", "MAE (pp)"), "weight": ("vægt (pseudo-BMA)", "weight (pseudo-BMA)"), "tau2_pp": ("τ² (pp²)", "τ² (pp²)"), "phi": ("φ", "φ"),
    "iterations": ("iterationer", "iterations"), "converged": ("konvergeret", "converged"), "period": ("periode", "period"),
    "area": ("område", "area"), "maalgruppe": ("målgruppe", "target group"), "exclude": ("udeladt efter mønster", "excluded by pattern"),
    "tau2_share": ("τ²-andel", "τ² share"), "mean_se_pp": ("gns. standardfejl (pp)", "mean standard error (pp)"),
    "mean_sampling_se_pp": ("gns. stikprøvefejl (pp)", "mean sampling error (pp)"),
    "cov_type": ("kovarians", "covariance"),
    **{k: v for k, v in TIERS.items()},
}
#: Entries shown elsewhere on /metode (the coefficients have their own table).
MODEL_CARD_HIDDEN = frozenset({"coefficients", "config"})  # the configuration: /api/method (machine-readable)

COLUMNS = {
    "kommunekode": ("Kommunekode", "Municipality code"),
    "origin_group": ("Herkomstgruppe", "Origin group"),
    "fuldtidspersoner_integration": ("Fuldtidspersoner på integrationsmålgruppens ydelser", "Full-time persons on the integration target group's benefits"),
    "share_integration_pct": ("Andel på ydelserne (pct.)", "Share on the benefits (%)"),
    "extrapolated": ("Ekstrapoleret", "Extrapolated"),
    "leverage": ("Løftestang (hat-værdi)", "Leverage (hat value)"),
    "leverage_ratio": ("Løftestang / gennemsnit", "Leverage / average"),
    "navn": ("Kommune", "Municipality"),
    "period": ("Periode", "Period"),
    "area": ("Område", "Area"),
    "maalgruppe": ("Målgruppe", "Target group"),
    "actual": ("Faktisk (fuldtidspers.)", "Actual (full-time persons)"),
    "expected": ("Forventet (fuldtidspers.)", "Expected (full-time persons)"),
    "diff_persons": ("Forskel (personer)", "Difference (persons)"),
    "actual_share": ("Faktisk andel", "Actual share"),
    "expected_share": ("Forventet andel", "Expected share"),
    "diff_pp": ("Forskel (procentpoint)", "Difference (percentage points)"),
    "se_pp": ("Standardfejl (pp)", "Standard error (pp)"),
    "ci_low_pp": ("95 %-interval, nedre", "95% interval, lower"),
    "ci_high_pp": ("95 %-interval, øvre", "95% interval, upper"),
    "shrunk_diff_pp": ("Krympet forskel (pp)", "Shrunk difference (pp)"),
    "rank": ("Placering", "Rank"),
    "rank_ci_low": ("Placering, nedre", "Rank, lower"),
    "rank_ci_high": ("Placering, øvre", "Rank, upper"),
    "published_rank": ("Offentliggjort placering", "Published rank"),
    "published_diff_pp": ("Offentliggjort forskel (pp)", "Published difference (pp)"),
    "var_rounding": ("Varians fra afrunding", "Variance from rounding"),
    "tier": ("Niveau", "Tier"),
    "p_top10": ("Sandsynlighed for top 10", "Probability of top 10"),
    "potentiale_persons": ("Potentiale (personer)", "Potential (persons)"),
    "potentiale_dkk": ("Potentiale (kr.)", "Potential (DKK)"),
    "scheme": ("Ordning", "Scheme"),
    "category": ("Kategori", "Category"),
    "category_label": ("Kategori", "Category"),
    "position": ("Position", "Position"),
    "resultatmaal": ("Resultatmål opfyldt", "Result goal met"),
    "fokusmaal_tilbud": ("Fokusmål tilbud opfyldt", "Offers focus goal met"),
    "fokusmaal_samtaler": ("Fokusmål samtaler opfyldt", "Talks focus goal met"),
    "reason": ("Begrundelse", "Reason"),
    "peer_kommunekode": ("Sammenligningskommunens kode", "Peer municipality code"),
    "peer_navn": ("Sammenligningskommune", "Peer municipality"),
    "distance": ("Afstand", "Distance"),
    "peer_diff_pp": ("Peers forskel (pp)", "Peer difference (pp)"),
    "learning_partner": ("Læringspartner", "Learning partner"),
    "efficiency": ("Effektivitet", "Efficiency"),
    "ci_low": ("95 %-interval, nedre", "95% interval, lower"),
    "ci_high": ("95 %-interval, øvre", "95% interval, upper"),
    "peers": ("Forbilleder", "Peers"),
    "survey": ("Undersøgelse", "Survey"),
    "dimension": ("Dimension", "Dimension"),
    "respondents": ("Besvarelser", "Respondents"),
    "response_rate": ("Svarprocent", "Response rate"),
    "score": ("Score", "Score"),
    "suppressed": ("Undertrykt", "Suppressed"),
    "simulated": ("Simuleret", "Simulated"),
    "measure": ("Mål", "Measure"),
    "key": ("Oplysning", "Item"),
    "value": ("Værdi", "Value"),
    "dkk": ("Kroner", "DKK"),
    "ratio_oe": ("Faktisk/forventet", "Actual/expected"),
    "persons": ("Fuldtidspersoner", "Full-time persons"),
    "unit_cost": ("Kr. pr. fuldtidsperson", "DKK per full-time person"),
    "ledige": ("Ledige", "Unemployed"),
    "unit_cost_ledig": ("Kr. pr. ledig", "DKK per unemployed"),
    "ledige_source": ("Kilde til ledige", "Source of unemployed"),
    # the rest of what the downloads show (report/downloads.py keeps only headed columns)
    "ydelse": ("Ydelse", "Benefit"),
    "rank_ci_simul_low": ("Placering, nedre (samtidigt interval)", "Rank, lower (simultaneous interval)"),
    "rank_ci_simul_high": ("Placering, øvre (samtidigt interval)", "Rank, upper (simultaneous interval)"),
    "potentiale_persons_low": ("Potentiale (personer), nedre", "Potential (persons), lower"),
    "potentiale_persons_high": ("Potentiale (personer), øvre", "Potential (persons), upper"),
    "potentiale_dkk_low": ("Potentiale (kr.), nedre", "Potential (DKK), lower"),
    "potentiale_dkk_high": ("Potentiale (kr.), øvre", "Potential (DKK), upper"),
    "funnel_lo95": ("Tragt, nedre 95 %-grænse (pp)", "Funnel, lower 95% limit (pp)"),
    "funnel_hi95": ("Tragt, øvre 95 %-grænse (pp)", "Funnel, upper 95% limit (pp)"),
    "funnel_lo998": ("Tragt, nedre 99,8 %-grænse (pp)", "Funnel, lower 99.8% limit (pp)"),
    "funnel_hi998": ("Tragt, øvre 99,8 %-grænse (pp)", "Funnel, upper 99.8% limit (pp)"),
    "funnel_flag": ("Placering i tragten", "Position in the funnel"),
    "prev_diff_pp": ("Forskel forrige periode (pp)", "Difference previous period (pp)"),
    "stability": ("Stabilitet (korrelation med forrige periode)", "Stability (correlation with the previous period)"),
    "term": ("Led", "Term"),
    "estimate": ("Estimat", "Estimate"),
    "se": ("Standardfejl", "Standard error"),
    "z": ("z", "z"),
    "p_value": ("p-værdi", "p-value"),
    "fokusmaal_alle": ("Begge fokusmål opfyldt", "Both focus goals met"),
    "share_without_offer": ("Andel uden tilbud", "Share without offer"),
    "share_without_talks": ("Andel uden samtaler", "Share without talks"),
    "tilsyn_selected": ("Udvalgt til skærpet tilsyn", "Selected for stricter supervision"),
    "scheme_label": ("Ordning", "Scheme"),
    "n": ("Kommuner", "Municipalities"),
    "rank_reversals": ("Ombytninger af placering", "Rank reversals"),
    "nyborg_like": ("Nyborg-tilfælde", "Nyborg-like cases"),
    "nyborg_like_names": ("Nyborg-tilfælde (kommuner)", "Nyborg-like cases (municipalities)"),
    "kendall_tau_vs_results": ("Kendalls τ mod resultater", "Kendall's τ against results"),
    "results_rank": ("Placering på resultater", "Rank on results"),
    "worse_placed_above": ("Dårligere placeret over", "Worse placed above"),
    "text": ("Forklaring", "Explanation"),
    "peer_rank": ("Nærhed (1 = nærmest)", "Closeness (1 = closest)"),
    "own_diff_pp": ("Egen forskel (pp)", "Own difference (pp)"),
    "peer_ci_low_pp": ("Peers 95 %-interval, nedre", "Peer 95% interval, lower"),
    "peer_ci_high_pp": ("Peers 95 %-interval, øvre", "Peer 95% interval, upper"),
    "diff_vs_peer_pp": ("Forskel til sammenligningskommunen (pp)", "Difference to the peer (pp)"),
    "same_cluster": ("Samme klynge", "Same cluster"),
    "shared_groups": ("Fælles grupper", "Shared groups"),
    "kind": ("Slags", "Kind"),
    "own_value": ("Egen værdi", "Own value"),
    "peer_value": ("Sammenligningskommunens værdi", "Peer value"),
    "difference": ("Forskel", "Difference"),
    "relative_difference": ("Relativ forskel", "Relative difference"),
    "bias_corrected": ("Effektivitet, biaskorrigeret", "Efficiency, bias-corrected"),
    "super_efficiency": ("Supereffektivitet", "Super-efficiency"),
    "efficient": ("Effektiv", "Efficient"),
    "input_dkk": ("Udgift (kr.)", "Cost (DKK)"),
    "potential_persons": ("Potentiale (personer)", "Potential (persons)"),
    "potential_dkk": ("Potentiale (kr.)", "Potential (DKK)"),
    "potential_persons_bc": ("Potentiale (personer), biaskorrigeret", "Potential (persons), bias-corrected"),
    "potential_dkk_bc": ("Potentiale (kr.), biaskorrigeret", "Potential (DKK), bias-corrected"),
    "potential_persons_low": ("Potentiale (personer), nedre", "Potential (persons), lower"),
    "potential_persons_high": ("Potentiale (personer), øvre", "Potential (persons), upper"),
    "potential_dkk_low": ("Potentiale (kr.), nedre", "Potential (DKK), lower"),
    "potential_dkk_high": ("Potentiale (kr.), øvre", "Potential (DKK), upper"),
    "lambdas": ("Vægte på forbillederne", "Weights on the peers"),
    "rts": ("Skalaafkast (CRS/VRS)", "Returns to scale (CRS/VRS)"),
    "target": ("Mål for output", "Output measure"),
    "unit_cost_from": ("Kr. pr. fuldtidsperson, fra", "DKK per full-time person, from"),
    "unit_cost_to": ("Kr. pr. fuldtidsperson, til", "DKK per full-time person, to"),
    "composition": ("Sammensætning (kr.)", "Composition (DKK)"),
    "within": ("Inden for grupperne (kr.)", "Within groups (DKK)"),
    "change": ("Ændring (kr.)", "Change (DKK)"),
    "change_pct": ("Ændring (%)", "Change (%)"),
    "residual": ("Rest (kr.)", "Residual (DKK)"),
    "period_from": ("Fra periode", "From period"),
    "period_to": ("Til periode", "To period"),
    "allocation": ("Fordeling", "Allocation"),
    "split_status": ("Opdeling", "Split"),
    "invited": ("Inviterede", "Invited"),
    "deff": ("Designeffekt", "Design effect"),
    "alpha": ("Cronbachs α", "Cronbach's α"),
    "alpha_cases": ("Fuldstændige besvarelser bag α", "Complete cases behind α"),
    "n_items": ("Spørgsmål", "Items"),
    "weighting": ("Vægtning", "Weighting"),
    "scale_min": ("Skala, mindst", "Scale, minimum"),
    "scale_max": ("Skala, højst", "Scale, maximum"),
    "suppressed_reason": ("Grund til undertrykkelse", "Reason for suppression"),
    "municipalities": ("Kommuner", "Municipalities"),
    "transform": ("Transformation", "Transform"),
    "importance": ("Betydning", "Importance"),
    "center": ("Centreret om", "Centred on"),
    "scale": ("Skaleret med", "Scaled by"),
    "fit_periods": ("Perioder i tilpasningen", "Periods fitted"),
    "table": ("Tabel", "Table"),
    "part": ("Del", "Part"),
    "source": ("Kilde", "Source"),
    "note": ("Bemærkning", "Note"),
}

#: result kinds of the stored runs (/metode)
RUN_KINDS = {
    "benchmark": ("Benchmark", "Benchmark"), "classification": ("Kategorier", "Categories"),
    "scheme_comparison": ("Sammenligning af ordninger", "Scheme comparison"),
    "peers": ("Sammenlignelige kommuner", "Peers"), "dea": ("Omkostningseffektivitet (DEA)", "Cost efficiency (DEA)"),
    "costs": ("Udgifter", "Costs"), "surveys": ("Undersøgelser", "Surveys"), "review": ("Modelgennemgang", "Model review"),
    "demo": ("Demo", "Demo"), "benchlearning": ("Benchlearning", "Benchlearning"),
}

#: Coded values of the downloads (report/downloads.py VALUES)
DEA_TARGETS = {"persons": ("Fuldtidspersoner", "Full-time persons")}
#: origin groups of the by-origin tables (#16)
ORIGINS = {
    "dansk": ("Dansk oprindelse", "Danish origin"),
    "vestlig": ("Vestlige indvandrere og efterkommere", "Western immigrants and descendants"),
    "ikke_vestlig": ("Ikke-vestlige indvandrere og efterkommere", "Non-Western immigrants and descendants"),
    "flygtning": ("Flygtninge", "Refugees"),
    "familiesammenfoert": ("Familiesammenførte", "Family-reunified"),
}
FUNNEL_FLAGS = {
    "within": ("Inden for grænserne", "Within the limits"),
    "above_95": ("Over 95 %-grænsen", "Above the 95% limit"), "below_95": ("Under 95 %-grænsen", "Below the 95% limit"),
    "above_998": ("Over 99,8 %-grænsen", "Above the 99.8% limit"),
    "below_998": ("Under 99,8 %-grænsen", "Below the 99.8% limit"),
}
WEIGHTINGS = {"raked": ("Kalibreret (raking)", "Raked"), "unweighted": ("Uvægtet", "Unweighted")}
SUPPRESSION_REASONS = {
    "small_n": ("Færre end 5 svar", "Fewer than 5 responses"),
    "complementary": ("Komplementær undertrykkelse", "Complementary suppression"),
}
SPLIT_STATUS = {
    "not_identified": ("Ikke identificeret (samme fordeling i begge år)", "Not identified (same mix in both years)"),
    "identified": ("Identificeret", "Identified"),
}
ALLOCATIONS = {"persons": ("Efter fuldtidspersoner", "By full-time persons")}
#: the benchmark's model families and transforms as the candidates table names them (docs/METHOD.md §2)
FAMILY_LABELS = {
    "area": ("områdets andel (én logit)", "area share (one logit)"),
    "area_step": ("områdets andel med trin, knæk og krumning", "area share with steps, hinges and curvature"),
    "ydelse": ("pr. ydelse (én logit pr. ydelse)", "per benefit (one logit per benefit)"),
    "multinomial": ("multinomial logit, ydelsesspecifikke hældninger", "multinomial logit, benefit-specific slopes"),
    "multinomial_shared": ("multinomial logit, fælles hældninger", "multinomial logit, shared slopes"),
}
TRANSFORM_LABELS = {"log": ("log af de skæve rammevilkår", "log of the skewed variables"), "none": ("ingen", "none")}
#: values inside the model card that are codes of the method
CODE_TEXTS = {
    "cluster(kommunekode)": ("klyngerobust efter kommune", "clustered by municipality"),
    "cluster_jackknife(kommunekode)": ("klyngerobust efter kommune (jackknife, CR3)",
                                       "clustered by municipality (jackknife, CR3)"),
    "cluster_CR2(kommunekode)": ("klyngerobust efter kommune (Bell–McCaffrey, CR2)",
                                 "clustered by municipality (Bell–McCaffrey, CR2)"),
    "model": ("model", "model"),
    "benchmark_table": ("færdigt benchmark (ministeriets tabel)", "published benchmark (the ministry's table)"),
    "published": ("offentliggjort", "published"),
    "fraclogit": ("fraktionel logit", "fractional logit"),
}


def input_table_label(name: str) -> str:
    """An input table of the data contract by its description ("Fuldtidspersoner på offentlig
    forsørgelse pr. ydelsesgruppe"), not its name."""
    import re

    from benchlearn.core import contract

    spec = contract.TABLES.get(str(name))
    if spec is None:
        return str(name)
    return re.sub(r"\s*\((?:udvidelse af kontrakten|contract extension)\)$", "", pick((spec.doc_da, spec.doc_en)))


def humanise(text: str) -> str:
    """A free text that names ydelser, areas or målgrupper by code ("ydelse=kontanthjaelp",
    "en delmængde af ydelsen kontanthjaelp"), with their labels instead."""
    import re

    def one(m: re.Match) -> str:
        return code_text(m.group(0))
    return _code_pattern().sub(one, str(text))


@cache
def _code_pattern():
    import re

    codes = sorted(set(reference.ydelse_codes()) | set(reference.area_codes()) | set(reference.maalgruppe_codes())
                   | {"total_incl_pension"}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, codes)) + r")(?![\w])")


#: terms of the model's coefficient table that are not framework variables
TERMS = {"const": ("Konstant", "Constant")}


def term_label(term: str) -> str:
    """A coefficient's term: ``period[2022]`` as "Periode 2022", ``const`` as "Konstant"."""
    import re

    m = re.fullmatch(r"period\[(.+)\]", str(term))
    if m:
        return f"{pick(COLUMNS['period'])} {m.group(1)}"
    return pick(TERMS.get(str(term)), str(term))


def code_text(s: str) -> str:
    """A stored text that may be a code (ydelse, area, målgruppe, method code) as its label."""
    if s in CODE_TEXTS:
        return pick(CODE_TEXTS[s])
    if s in set(reference.ydelse_codes()):
        y = reference.ydelser()
        hit = y[y["ydelse"] == s].iloc[0]
        return pick((str(hit["navn_da"]), str(hit["navn_en"])))
    if s in set(reference.area_codes()) or s in ("total", "total_incl_pension"):
        return area_label(s)
    if s in set(reference.maalgruppe_codes()):
        return maalgruppe_label(s)
    return s

#: where the number of ledige comes from (assess/costs.py ledige_source)
LEDIGE_SOURCES = {
    "activity": ("Jobindsats (ledige)", "Jobindsats (unemployed)"),
    "proxy": ("stedfortræder: a-dagpenge + kontanthjælp", "proxy: a-dagpenge + kontanthjælp"),
}

SUPPRESSED = ("undertrykt (færre end 5 svar)", "suppressed (fewer than 5 responses)")

#: Why "Nyborg": shown where the paradox appears (schemes page, the profiles it concerns).
NYBORG_PARADOX = (
    "Hvorfor hedder det »Nyborg«? I Beskæftigelsesministeriets første resultatliste (november 2018) lå "
    "Nyborg nr. 1 på resultater – færre borgere på offentlig forsørgelse end forventet ud fra rammevilkårene – "
    "men i STAR's Jobcenterindblik stod Nyborg i den næstlaveste kategori: kategorierne vejer også fokusmål "
    "om tilbud og samtaler, ikke kun resultater. En kommune med gode resultater kan altså placeres under kommuner med dårligere "
    "resultater; listen nedenfor viser, hvor det sker under hver ordning.",
    "Why \"Nyborg\"? In the Ministry of Employment's first results list (November 2018) Nyborg came first on "
    "results – fewer residents on public support than its framework conditions predict – yet STAR's "
    "Jobcenterindblik put Nyborg in the second-lowest category: its categories also weigh focus goals for "
    "offers and talks, not results alone. A municipality with good results can thus be placed below municipalities with worse results; the "
    "list below shows where that happens under each scheme.",
)
SUPPRESSED_SHORT = ("undertrykt", "suppressed")

TABLE_TITLES = {
    "benchmark": ("Benchmark (resultat mod forventet)", "Benchmark (result vs expected)"),
    "coefficients": ("Modellens koefficienter", "Model coefficients"),
    "model_card": ("Modelkort", "Model card"),
    "classification": ("Kategorier efter ordning", "Categories by scheme"),
    "scheme_comparison": ("Sammenligning af ordninger", "Scheme comparison"),
    "peers": ("Sammenlignelige kommuner og læringspartnere", "Peers and learning partners"),
    "dea": ("Omkostningseffektivitet (DEA)", "Cost efficiency (DEA)"),
    "costs": ("Omkostninger", "Costs"),
    "surveys": ("Undersøgelser", "Surveys"),
    "activity": ("Aktivitet (overvågning uden mål)", "Activity (monitoring without targets)"),
    "nyborg_like": ("Nyborg-tilfælde: gode resultater placeret lavt", "Nyborg-like cases: good results placed low"),
    "peer_differences": ("Forskelle til sammenligningskommunerne", "Differences to the peers"),
    "cost_split": ("Udgiftsændring opdelt", "Cost change decomposed"),
    "surveys_national": ("Undersøgelser, hele landet", "Surveys, national"),
    "by_origin": ("Borgere og fuldtidspersoner efter herkomst", "Residents and full-time persons by origin"),
    "integration_peers": ("Integration: sammenlignelige kommuner og læringspartnere", "Integration: peers and learning partners"),
    "benchlearning_learn": ("Benchlearning: hvad kan læres af læringspartnerne", "Benchlearning: what to learn from the learning partners"),
    "benchlearning_partners": ("Benchlearning: læringspartnere", "Benchlearning: learning partners"),
    "benchlearning_method_associations": ("Metoder og resultater på tværs af de 98 (sammenhænge)", "Methods and results across the 98 (associations)"),
    "benchlearning_enabler_associations": ("Forudsætninger og resultater på tværs af de 98 (sammenhænge)", "Enablers and results across the 98 (associations)"),
    "benchlearning_enabler_scores": ("Selvevaluering mod sammenlignelige kommuner og partnere", "Self-assessment against peers and partners"),
    "benchlearning_enabler_gaps": ("Selvevaluering mod fagfællevurdering", "Self-assessment against peer assessment"),
    "benchlearning_cycle_followup": ("Læringsforløb fulgt op på resultater", "Learning cycles followed up on results"),
    "benchlearning_cycle_plan": ("Læringsforløbenes handlingsplaner", "The learning cycles' action plans"),
    "benchlearning_catalogue": ("Metodekataloget", "The method catalogue"),
    "review_ranges": ("Modelgennemgang: interval og specifikationsspænd", "Model review: interval and specification range"),
    "review_pairs": ("Modelgennemgang: par af specifikationer", "Model review: pairs of specifications"),
    "review_records": ("Modelgennemgang: alle kommuner under alle specifikationer", "Model review: every municipality under every specification"),
    "review_agreement": ("Modelgennemgang: enighed med ministeriet", "Model review: agreement with the ministry"),
    "review_disagreements": ("Modelgennemgang: største uenighed", "Model review: largest disagreement"),
    "review_contributions": ("Modelgennemgang: variabelgruppernes bidrag", "Model review: contributions of variable groups"),
    "review_specs": ("Modelgennemgang: specifikationerne", "Model review: the specifications"),
    "review_moves": ("Modelgennemgang: største flytninger pr. specifikation", "Model review: largest moves per specification"),
    "review_attribution": ("Modelgennemgang: flytningerne tilskrevet rammevilkår", "Model review: moves attributed to variables"),
    "review_agreement_points": ("Modelgennemgang: åben model mod ministeriet pr. kommune",
                                "Model review: open model against the ministry per municipality"),
    "review_reproducibility": ("Modelgennemgang: hvor meget rammevilkårene forklarer", "Model review: how much the variables explain"),
}


@cache
def _ui_text() -> dict[str, tuple[str, str]]:
    import tomllib
    from importlib import resources

    raw = tomllib.loads(resources.files("benchlearn.report").joinpath("ui_text.toml").read_text(encoding="utf-8"))
    return {f"{sec}.{k}": (str(v["da"]), str(v["en"])) for sec, entries in raw.items() for k, v in entries.items()}


def say(key: str, **fields: object) -> str:
    """The UI text ``key`` of ``ui_text.toml`` in the language in force, its ``{name}`` fields filled."""
    try:
        text = pick(_ui_text()[key])
    except KeyError:
        raise KeyError(f"no UI text {key!r} in benchlearn/report/ui_text.toml") from None
    return text.format(**fields) if fields else text


def pick(pair: tuple[str, str] | None, fallback: str = "") -> str:
    if pair is None:
        return fallback
    return pair[1] if lang() == "en" else pair[0]


@cache
def _ref_labels(kind: str) -> dict[str, tuple[str, str]]:
    df = {"area": reference.areas, "integration": reference.integration_groups}.get(kind, reference.maalgrupper)()
    key = "area" if kind == "area" else "maalgruppe"
    out = {}
    for _, r in df.drop_duplicates(key).iterrows():
        out[str(r[key])] = (str(r["navn_da"]), str(r["navn_en"]))
    return out


def area_label(code: str) -> str:
    if code == "total":
        return pick(("I alt (a-dagpenge, sygedagpenge, kontanthjælp)", "Total (UI, sickness, social assistance)"))
    if code == "total_incl_pension":
        return pick(("I alt inkl. førtidspension og fleksjob", "Total incl. disability pension and flexjobs"))
    if code in _ref_labels("area"):
        return pick(_ref_labels("area")[code])
    if code in _ref_labels("maalgruppe"):
        return pick(("Målgruppe: ", "Target group: ")) + pick(_ref_labels("maalgruppe")[code])
    if code in _ref_labels("integration"):
        return pick(_ref_labels("integration")[code])
    return str(code)


def localized(row: dict, key: str, fallback: str = "") -> str:
    """``row[key_da]`` / ``row[key_en]`` by language, else ``row[key]``, else the fallback."""
    v = row.get(f"{key}_{lang()}") or row.get(key)
    return str(v) if v not in (None, "") else fallback


#: Groups of the monthly Jobindsats series that are not målgrupper of the reference data.
SERIES_GROUPS = {
    "alle": ("Alle", "All"),
    "dagpenge": ("A-dagpenge", "Unemployment insurance"),
    "kontanthjaelp": ("Kontanthjælp", "Social assistance"),
    "integration": ("Integrationsmålgruppen", "Integration target group"),  # efforts' and methods' target group
}


def maalgruppe_label(code: str) -> str:
    return pick(_ref_labels("maalgruppe").get(code) or SERIES_GROUPS.get(code), code)


def label(mapping: dict[str, tuple[str, str]], code: object) -> str:
    return pick(mapping.get(str(code)), str(code))


def column(name: str) -> str:
    return pick(COLUMNS.get(name), name)


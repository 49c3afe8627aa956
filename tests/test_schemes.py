"""Classification schemes on hand-made case tables: every expectation derived by hand.

The case is built around the first benchmark list (Nov 2018; DOMAIN.md §1): actual and
expected full-time persons as published for Nyborg, Frederiksberg, Gladsaxe, Hedensted
and Billund, plus two municipalities worse than expected. Denominators are chosen so
that diff_pp = 100·(actual − expected)/persons is a round number (worked out below).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchlearn.schemes.focus import benchmark_results, focus_measures
from benchlearn.schemes.classify import SCHEME_DIR, SHIPPED, ClassifyConfig, classify, load_scheme, parse_scheme
from benchlearn.data.dataset import Dataset, load_dataset
from benchlearn.core.errors import DataError, MissingTableError, SchemeError
from benchlearn.core.results import Run

# kommunekode: (actual, expected, persons, persons_12m, without_offer, without_talks)
CASE = {
    450: (1620, 1840, 20000, 200, 80, 40),  # diff −220/20000 = −1.10 pp; tilbud 40 % (miss), samtaler 20 %
    147: (4330, 5090, 76000, 1000, 200, 250),  # −760/76000 = −1.00; 20 %, 25 % (both met)
    159: (2980, 3400, 60000, 500, 150, 100),  # −420/60000 = −0.70; tilbud exactly 30 % (miss: must be < 30 %), 20 %
    766: (1820, 2080, 52000, 300, 60, 60),  # Hedensted −260/52000 = −0.50; 20 %, 20 %
    530: (1090, 1230, 35000, 100, 10, 35),  # Billund −140/35000 = −0.40; 10 %, samtaler 35 % (miss)
    101: (50000, 48000, 400000, 4000, 800, 1000),  # København +2000/400000 = +0.50; 20 %, 25 %
    751: (30000, 29000, 250000, 2000, 800, 700),  # Aarhus +1000/250000 = +0.40; 40 %, 35 % (both miss)
}
DIFF = {450: -1.10, 147: -1.00, 159: -0.70, 766: -0.50, 530: -0.40, 101: 0.50, 751: 0.40}
TOL = 1e-9  # diff_pp is a ratio of exact integers: only float rounding separates it from the hand value


def case_tables(period: str = "2020") -> dict[str, pd.DataFrame]:
    rows = [(k, period, "total", a, e, p) for k, (a, e, p, *_r) in CASE.items()]
    bench = pd.DataFrame(rows, columns=["kommunekode", "period", "area", "actual", "expected", "persons"])
    focus = pd.DataFrame([(k, period, n, o, s) for k, (*_a, n, o, s) in CASE.items()],
                         columns=["kommunekode", "period", "persons_12m", "without_offer", "without_talks"])
    return {"benchmark": bench, "focus": focus}


@pytest.fixture()
def ds() -> Dataset:
    t20, t21 = case_tables("2020"), case_tables("2021")
    return Dataset.from_tables({n: pd.concat([t20[n], t21[n]], ignore_index=True) for n in t20})


def by_code(df: pd.DataFrame, col: str) -> dict[int, object]:
    return {int(k): v for k, v in zip(df["kommunekode"], df[col], strict=True)}


def test_shipped_schemes_load_and_hash_is_file_sha256() -> None:
    for s in SHIPPED:
        sch = load_scheme(s)
        assert sch.id == s
        assert sch.sha256 == hashlib.sha256((SCHEME_DIR / f"{s}.toml").read_bytes()).hexdigest()
        assert all(c.label_da and c.label_en for c in sch.categories)


def test_diff_pp_from_benchmark_table(ds: Dataset) -> None:
    r = benchmark_results(ds, "2020")
    assert r.source == "table" and r.area == "total"
    got = by_code(r.frame, "diff_pp")
    for k, v in DIFF.items():
        assert got[k] == pytest.approx(v, abs=TOL)
    # a published table gets its uncertainty from the resolver (benchmark.published): a
    # symmetric interval at least as wide as the sampling part alone, 1.96·100·sqrt(ŝ(1−ŝ)/N)
    f = r.frame.set_index("kommunekode")
    half = (f["ci_high_pp"] - f["diff_pp"]).to_numpy()
    np.testing.assert_allclose(half, (f["diff_pp"] - f["ci_low_pp"]).to_numpy(), rtol=1e-12)
    a, e, n = (np.array([CASE[k][i] for k in f.index], dtype=float) for i in range(3))
    assert (half >= 1.959963984540054 * 100 * np.sqrt(e / n * (1 - e / n) / n) * (1 - 1e-12)).all()
    assert set(f["tier"]) <= {"better", "as_expected", "worse"} and f["rank"].notna().all()


def test_focus_shares(ds: Dataset) -> None:
    f = focus_measures(ds, "2020")
    offer = by_code(f, "share_without_offer")
    assert offer[450] == pytest.approx(0.40, abs=TOL) and offer[159] == pytest.approx(0.30, abs=TOL)
    assert by_code(f, "share_without_talks")[530] == pytest.approx(0.35, abs=TOL)


STAR_2020 = {147: ("inspirationskommune", 1), 766: ("inspirationskommune", 2), 101: ("ikke_aktuel_i_risiko", 3),
             450: ("opmaerksomhedskommune", 4), 159: ("opmaerksomhedskommune", 5), 530: ("opmaerksomhedskommune", 6),
             751: ("i_risiko_for_skaerpet_tilsyn", 7)}
KL_FIRST = {147: 1, 766: 2, 450: 3, 159: 4, 530: 5, 101: 6, 751: 7}
RESULTS_ONLY = {450: 1, 147: 2, 159: 3, 766: 4, 530: 5, 751: 6, 101: 7}


def test_star_2020_hand_derived(ds: Dataset) -> None:
    df = classify(ds, ClassifyConfig(period="2020", scheme="star-2020")).to_frame()
    assert by_code(df, "category") == {k: v[0] for k, v in STAR_2020.items()}
    assert by_code(df, "position") == {k: v[1] for k, v in STAR_2020.items()}
    assert by_code(df, "navn")[450] == "Nyborg"
    assert by_code(df, "fokusmaal_tilbud")[159] == False
    assert by_code(df, "resultatmaal") == {k: DIFF[k] <= 0 for k in CASE}
    assert by_code(df, "tilsyn_selected") == {k: k == 751 for k in CASE}
    nyborg = df.loc[df["kommunekode"] == 450].iloc[0]
    assert "40,0 %" in nyborg["reason_da"] and "40.0 %" in nyborg["reason_en"] and "Opmærksomhedskommune" in nyborg["reason_da"]
    assert "Attention municipality" in nyborg["reason_en"]
    assert set(df["scheme_hash"]) == {load_scheme("star-2020").sha256}


def test_kl_results_first_and_results_only_hand_derived(ds: Dataset) -> None:
    kl = classify(ds, ClassifyConfig(period="2020", scheme="kl-results-first")).to_frame()
    assert by_code(kl, "position") == KL_FIRST
    ro = classify(ds, ClassifyConfig(period="2020", scheme="results-only")).to_frame()
    assert by_code(ro, "position") == RESULTS_ONLY
    assert ro["fokusmaal_tilbud"].isna().all() and ro["fokusmaal_samtaler"].isna().all()  # not used


def test_star_2021_drops_tilbud_in_2021_only(ds: Dataset) -> None:
    y20 = classify(ds, ClassifyConfig(period="2020", scheme="star-2021")).to_frame()
    assert by_code(y20, "category") == {k: v[0] for k, v in STAR_2020.items()}  # identical outside 2021-22
    y21 = classify(ds, ClassifyConfig(period="2021", scheme="star-2021")).to_frame()
    cat = by_code(y21, "category")
    # only samtaler counts: Nyborg (20 %) and Gladsaxe (20 %) now meet the focus goals
    assert cat[450] == "inspirationskommune" and cat[159] == "inspirationskommune"
    assert cat[530] == "opmaerksomhedskommune" and cat[751] == "i_risiko_for_skaerpet_tilsyn"
    assert y21["fokusmaal_tilbud"].isna().all()  # not counted that year
    assert "2021 og 2022" in y21.loc[y21["kommunekode"] == 450, "reason_da"].iloc[0]


def test_threshold_override_recorded(ds: Dataset) -> None:
    c = classify(ds, ClassifyConfig(period="2020", scheme="star-2020", tilbud_threshold=0.45))
    cat = by_code(c.to_frame(), "category")
    assert cat[450] == "inspirationskommune" and cat[159] == "inspirationskommune"  # 40 %, 30 % < 45 %
    assert cat[751] == "i_risiko_for_skaerpet_tilsyn"  # samtaler 35 % still misses
    assert c.run_config()["scheme_overrides"] == {"tilbud_threshold": 0.45}


def test_not_significantly_worse_and_tiers_use_intervals() -> None:
    inputs = pd.DataFrame({
        "kommunekode": [450, 101, 751, 147],
        "diff_pp": [-1.0, 0.3, 0.8, -0.2],
        "ci_low_pp": [-1.5, -0.1, 0.2, -0.6],
        "ci_high_pp": [-0.5, 0.7, 1.4, 0.2],
        "share_without_offer": [0.1, 0.1, 0.1, 0.1],
        "share_without_talks": [0.1, 0.1, 0.1, 0.1],
    })
    from benchlearn.schemes.classify import classify_frame

    s = load_scheme("star-2020").with_params(resultatmaal="not_significantly_worse")
    df = classify_frame(inputs, s, "2020")
    # ci_low <= 0 for 450, 101, 147 -> met; 751 (0.2 > 0) not met
    assert by_code(df, "resultatmaal") == {450: True, 101: True, 751: False, 147: True}
    tiers = classify_frame(inputs, load_scheme("kl-2024-tiers"), "2020")
    assert by_code(tiers, "category") == {450: "better", 101: "as_expected", 751: "worse", 147: "as_expected"}
    assert by_code(tiers, "position") == {450: 1, 101: 2, 751: 3, 147: 2}  # tier order, shared: no ranking
    assert tiers["resultatmaal"].isna().all() and tiers["fokusmaal_tilbud"].isna().all()


def test_missing_focus_row_gives_null_category(ds: Dataset) -> None:
    t = case_tables("2020")
    t["focus"] = t["focus"].loc[t["focus"]["kommunekode"] != 530]
    df = classify(Dataset.from_tables(t), ClassifyConfig(period="2020", scheme="star-2020")).to_frame()
    b = df.loc[df["kommunekode"] == 530].iloc[0]
    assert pd.isna(b["category"]) and pd.isna(b["position"])
    assert sorted(df["position"].dropna().astype(int)) == list(range(1, 7))


def test_missing_focus_table_is_a_clear_error() -> None:
    t = case_tables("2020")
    with pytest.raises(MissingTableError, match="focus"):
        classify(Dataset.from_tables({"benchmark": t["benchmark"]}), ClassifyConfig(period="2020", scheme="star-2020"))
    # results-only does not need it
    df = classify(Dataset.from_tables({"benchmark": t["benchmark"]}), ClassifyConfig(period="2020", scheme="results-only")).to_frame()
    assert by_code(df, "position") == RESULTS_ONLY


def test_persons_from_population_and_error_when_absent() -> None:
    t = case_tables("2020")
    b = t["benchmark"].copy()
    b["persons"] = b["persons"].astype("float64")
    b.loc[b["kommunekode"] == 530, "persons"] = float("nan")
    pop = pd.DataFrame({"kommunekode": [530], "period": ["2020"], "persons": [35000.0]})
    r = benchmark_results(Dataset.from_tables({"benchmark": b, "population": pop}), "2020")
    assert by_code(r.frame, "diff_pp")[530] == pytest.approx(-0.40, abs=TOL)
    # without any denominator the municipality is left out of the benchmark (named with the
    # reason on the model card), as in every other command, instead of failing the whole run
    r2 = benchmark_results(Dataset.from_tables({"benchmark": b}), "2020")
    assert 530 not in set(r2.frame["kommunekode"]) and len(r2.frame) == len(CASE) - 1


def test_outside_case_folder_danish_csv(tmp_path: Path) -> None:
    """A dataset folder as an outside user writes it: ';' and decimal comma, no persons column."""
    d = tmp_path / "case"
    d.mkdir()
    bench = "kommunekode;period;area;actual;expected\n" + "".join(
        f"{k};2020;total;{a};{e}\n" for k, (a, e, *_r) in CASE.items())
    pop = "kommunekode;period;persons\n" + "".join(f"{k};2020;{p}\n" for k, (_a, _e, p, *_r) in CASE.items())
    focus = "kommunekode;period;persons_12m;without_offer;without_talks\n" + "".join(
        f"{k};2020;{n};{o};{s}\n" for k, (*_a, n, o, s) in CASE.items())
    (d / "benchmark.csv").write_text(bench, encoding="utf-8")
    (d / "population.csv").write_text(pop, encoding="utf-8")
    (d / "focus.csv").write_text(focus, encoding="utf-8")
    df = classify(load_dataset(d), ClassifyConfig(period="2020", scheme="star-2020")).to_frame()
    assert by_code(df, "category") == {k: v[0] for k, v in STAR_2020.items()}
    assert by_code(df, "position") == {k: v[1] for k, v in STAR_2020.items()}
    for k, v in DIFF.items():
        assert by_code(df, "diff_pp")[k] == pytest.approx(v, abs=TOL)


def test_user_scheme_file(tmp_path: Path, ds: Dataset) -> None:
    text = (SCHEME_DIR / "star-2020.toml").read_text(encoding="utf-8").replace('id = "star-2020"', 'id = "mit-skema"')
    text = text.replace("tilbud_threshold = 0.30", "tilbud_threshold = 0.45")
    p = tmp_path / "mit.toml"
    p.write_text(text, encoding="utf-8")
    c = classify(ds, ClassifyConfig(period="2020", scheme=str(p)))
    assert c.scheme.id == "mit-skema" and c.scheme.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert by_code(c.to_frame(), "category")[450] == "inspirationskommune"


def test_classification_stored_with_hash(tmp_path: Path, ds: Dataset) -> None:
    from benchlearn.store import Workspace

    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        ws.ingest(ds)
        c = classify(ds, ClassifyConfig(period="2020", scheme="star-2020"))
        run_id = ws.record(c.to_run(), input_hash=ds.content_hash)
        rec = ws.latest_run("classification", period="2020", scheme="star-2020")
        assert rec is not None and rec.run_id == run_id
        assert rec.config["scheme_hash"] == hashlib.sha256((SCHEME_DIR / "star-2020.toml").read_bytes()).hexdigest()
        stored = ws.results(run_id, "records")
        assert by_code(stored, "category") == {k: v[0] for k, v in STAR_2020.items()}
        assert not stored["simulated"].any()


# --- malformed schemes: each is refused, naming the key and what was expected ------------

BASE = (SCHEME_DIR / "star-2020.toml").read_text(encoding="utf-8")
MALFORMED = {
    "unknown-top-key": (BASE + '\ncolour = "red"\n', "colour"),
    "missing-categories": (BASE.split("[[categories]]")[0], "categories"),
    "bad-definition": (BASE.replace('definition = "point"', 'definition = "roughly"'), "resultatmaal.definition"),
    "threshold-percent": (BASE.replace("tilbud_threshold = 0.30", "tilbud_threshold = 30"), "fokusmaal.tilbud_threshold"),
    "unknown-goal": (BASE.replace('use = ["tilbud", "samtaler"]', 'use = ["tilbud", "moeder"]'), "fokusmaal.use"),
    "gap-in-coverage": (BASE.replace("when = { resultatmaal = false, fokusmaal_alle = false }", "when = { resultatmaal = false, fokusmaal_alle = true }"), "categories.when"),
    "duplicate-order": (BASE.replace("order = 4", "order = 3"), "categories.order"),
    "unknown-variable": (BASE.replace("when = { resultatmaal = true, fokusmaal_alle = true }", "when = { resultat = true, fokusmaal_alle = true }"), "when.resultat"),
    "string-bool": (BASE.replace("when = { resultatmaal = true, fokusmaal_alle = true }", 'when = { resultatmaal = "ja", fokusmaal_alle = true }'), "when.resultatmaal"),
    "category-key-typo": (BASE.replace('id = "inspirationskommune"', 'id = "inspirationskommune"\nlabels = 1'), "labels"),
    "missing-label-en": (BASE.replace('label = { da = "Inspirationskommune", en = "Inspiration municipality" }', 'label = { da = "Inspirationskommune" }'), "label.en"),
    "not-toml": ("id = [", "TOML"),
    "tiers-with-order": (BASE.replace('kind = "categories"', 'kind = "tiers"'), "order.within_category"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_scheme_refused(name: str, tmp_path: Path) -> None:
    text, key = MALFORMED[name]
    p = tmp_path / f"{name}.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as exc:
        load_scheme(str(p))
    assert key in exc.value.da and key in exc.value.en
    assert str(p) in exc.value.da  # names the file


def test_unknown_scheme_name_lists_shipped() -> None:
    with pytest.raises(SchemeError) as exc:
        load_scheme("star-2099")
    assert all(s in exc.value.en for s in SHIPPED)


def test_overlapping_categories_refused() -> None:
    text = BASE.replace("when = { resultatmaal = true, fokusmaal_alle = false }", "when = { resultatmaal = true }")
    with pytest.raises(SchemeError, match="several categories|flere kategorier"):
        parse_scheme(text.encode(), "overlap.toml")


def test_workspace_benchmark_run_gives_intervals(tmp_path: Path) -> None:
    """Without a benchmark table, the newest benchmark run of the right area is used (with its intervals)."""
    from benchlearn.runs.scheme_runs import store_default_runs
    from benchlearn.store import Workspace

    focus = case_tables("2020")["focus"]
    ds = Dataset.from_tables({"focus": focus})
    codes = list(CASE)
    recs = pd.DataFrame({"kommunekode": codes, "period": "2020", "area": "total",
                         "diff_pp": [DIFF[k] for k in codes],
                         "ci_low_pp": [DIFF[k] - 0.6 for k in codes], "ci_high_pp": [DIFF[k] + 0.6 for k in codes],
                         "simulated": True})
    other = recs.assign(area="sygedagpenge", diff_pp=-recs["diff_pp"])  # a different area must not be used
    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        ws.ingest(ds)
        ws.record(Run("benchmark", {"area": "total"}, {"records": recs}), input_hash=ds.content_hash)
        ws.record(Run("benchmark", {"area": "sygedagpenge"}, {"records": other}), input_hash=ds.content_hash)
        c = classify(ds, ClassifyConfig(period="2020", scheme="kl-2024-tiers"), workspace=ws)
        assert c.result_source == "workspace" and c.simulated
        # interval = diff ± 0.6: better iff diff < −0.6 (Nyborg −1.10, Frederiksberg −1.00, Gladsaxe −0.70)
        assert by_code(c.to_frame(), "category") == {450: "better", 147: "better", 159: "better", 766: "as_expected",
                                                     530: "as_expected", 101: "as_expected", 751: "as_expected"}
        star = classify(ds, ClassifyConfig(period="2020", scheme="star-2020"), workspace=ws).to_frame()
        assert by_code(star, "category") == {k: v[0] for k, v in STAR_2020.items()}
        ids = store_default_runs(ws, ds)
        kinds = ws.runs().set_index("run_id").loc[ids, "kind"].value_counts().to_dict()
        assert kinds == {"classification": 5, "scheme_comparison": 1, "tilsyn": 1}  # tiers classify here

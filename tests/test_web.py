"""Web layer: pages, JSON API, downloads, language, suppression, caching.

The tests build a workspace of fabricated-but-plausible results for the 98
municipalities (``build_fake_workspace``; also used by test_report.py and
test_browser.py) through ``Workspace.record``, so they do not depend on the
analysis modules. Every number the site shows is checked against those tables —
the independent truth — never against the web layer's own earlier output.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.report import text as tx
from benchlearn.core.results import Run

PERIODS = ("2021", "2022", "2023")
AREAS = ("total", "a_dagpenge", "sygedagpenge", "kontanthjaelp", "total_incl_pension")
SCHEMES = ("star-2020", "kl-results-first", "results-only", "kl-2024-tiers")
#: Municipality whose citizen-survey cells have 4 respondents (must be suppressed everywhere).
SUPPRESSED_K = 825  # Læsø
NYBORG = 450


def _benchmark(rng: np.random.Generator, munis: pd.DataFrame, period: str, area: str) -> pd.DataFrame:
    n = len(munis)
    pop = rng.integers(1_500, 420_000, n).astype(float)
    pop[munis["kommunekode"].to_numpy() == 101] = 420_000.0
    base = {"total": 0.14, "a_dagpenge": 0.03, "sygedagpenge": 0.035, "kontanthjaelp": 0.075,
            "total_incl_pension": 0.2}[area]
    expected_share = np.clip(base * np.exp(rng.normal(0, 0.15, n)), 0.005, 0.5)
    diff = rng.normal(0, 0.008 if area != "a_dagpenge" else 0.003, n)
    actual_share = np.clip(expected_share + diff, 0.001, 0.6)
    se_pp = 100 * np.sqrt(actual_share * (1 - actual_share) / pop + 0.0025 ** 2)
    diff_pp = 100 * (actual_share - expected_share)
    lo, hi = diff_pp - 1.96 * se_pp, diff_pp + 1.96 * se_pp
    tier = np.where(hi < 0, "better", np.where(lo > 0, "worse", "as_expected"))
    order = np.argsort(diff_pp, kind="stable")
    rank = np.empty(n, int)
    rank[order] = np.arange(1, n + 1)
    width = np.maximum(2, (se_pp / se_pp.max() * 40).astype(int))
    tau = 0.25
    df = pd.DataFrame({
        "kommunekode": munis["kommunekode"].to_numpy(), "navn": munis["navn"].to_numpy(),
        "period": period, "area": area,
        "actual": actual_share * pop, "expected": expected_share * pop,
        "diff_persons": (actual_share - expected_share) * pop, "actual_share": actual_share,
        "expected_share": expected_share, "diff_pp": diff_pp, "se_pp": se_pp,
        "ci_low_pp": lo, "ci_high_pp": hi,
        "shrunk_diff_pp": diff_pp * tau ** 2 / (tau ** 2 + se_pp ** 2),
        "rank": rank.astype(float), "rank_ci_low": np.maximum(1, rank - width).astype(float),
        "rank_ci_high": np.minimum(n, rank + width).astype(float), "tier": tier,
        "ratio_oe": actual_share / expected_share,
        "funnel_low95": -1.96 * np.sqrt(se_pp ** 2 + tau ** 2), "funnel_high95": 1.96 * np.sqrt(se_pp ** 2 + tau ** 2),
        "funnel_low998": -3.09 * np.sqrt(se_pp ** 2 + tau ** 2), "funnel_high998": 3.09 * np.sqrt(se_pp ** 2 + tau ** 2),
        "p_top10": np.clip(1 - rank / 20, 0, 1), "rank_ci_simul_low": np.maximum(1, rank - 2 * width).astype(float),
        "rank_ci_simul_high": np.minimum(n, rank + 2 * width).astype(float),
        "potentiale_persons": np.maximum((actual_share - expected_share) * pop, 0),
        "simulated": True,
    })
    df["potentiale_dkk"] = df["potentiale_persons"] * 74_000
    return df


def _classification(bench: pd.DataFrame, focus: pd.DataFrame, scheme: str) -> pd.DataFrame:
    d = bench.merge(focus, on="kommunekode")
    res = d["diff_pp"] <= 0
    both = d["fokusmaal_tilbud"] & d["fokusmaal_samtaler"]
    cat = np.select([res & both, ~res & both, res & ~both], ["inspirationskommune", "ikke_aktuel_i_risiko",
                                                              "opmaerksomhedskommune"], "i_risiko_for_skaerpet_tilsyn")
    order = {"star-2020": ["inspirationskommune", "ikke_aktuel_i_risiko", "opmaerksomhedskommune", "i_risiko_for_skaerpet_tilsyn"],
             "kl-results-first": ["inspirationskommune", "opmaerksomhedskommune", "ikke_aktuel_i_risiko", "i_risiko_for_skaerpet_tilsyn"]}
    if scheme == "results-only":
        cat = np.array(["resultat"] * len(d))
    if scheme == "kl-2024-tiers":
        cat = d["tier"].to_numpy()
    out = pd.DataFrame({"kommunekode": d["kommunekode"], "navn": d["navn"], "period": d["period"], "scheme": scheme,
                        "category": cat, "diff_pp": d["diff_pp"]})
    o = order.get(scheme)
    out["_c"] = [o.index(c) if o else 0 for c in out["category"]]
    out = out.sort_values(["_c", "diff_pp"], kind="stable").reset_index(drop=True)
    out["position"] = np.arange(1, len(out) + 1).astype(float)
    out = out.drop(columns="_c")
    out = out.merge(d[["kommunekode", "fokusmaal_tilbud", "fokusmaal_samtaler"]], on="kommunekode")
    out["resultatmaal"] = out["diff_pp"] <= 0
    if scheme in ("results-only", "kl-2024-tiers"):
        out["fokusmaal_tilbud"] = None
        out["fokusmaal_samtaler"] = None
    out["category_label"] = None
    out["reason"] = [("Resultatmål opfyldt" if r else "Resultatmål ikke opfyldt") + f" (forskel {_da(x)} pp)"
                     for r, x in zip(out["resultatmaal"], out["diff_pp"])]
    out["simulated"] = True
    return out


def build_fake_workspace(path: Path, seed: int = 20260) -> dict[str, pd.DataFrame]:
    """Write a workspace with results of every kind; returns the tables written."""
    from benchlearn.store import Workspace

    rng = np.random.default_rng(seed)
    munis = reference.municipalities()
    codes = munis["kommunekode"].to_numpy()
    written: dict[str, list[pd.DataFrame]] = {}
    with Workspace.open(path) as ws:
        from benchlearn.data.dataset import Dataset

        act = pd.DataFrame([{"kommunekode": int(k), "period": "2023", "maalgruppe": mg, "measure": m,
                             "value": float(rng.uniform(0.5, 4))}
                            for k in codes for mg in ("syge", "unge") for m in ("samtaler", "tilbud")])
        ws.ingest(Dataset.from_tables({"activity": act}))
        written["activity"] = [act]
        for p in PERIODS:
            focus = pd.DataFrame({"kommunekode": codes, "fokusmaal_tilbud": rng.random(len(codes)) < 0.7,
                                  "fokusmaal_samtaler": rng.random(len(codes)) < 0.6})
            for a in AREAS:
                b = _benchmark(rng, munis, p, a)
                coef = pd.DataFrame({"term": ["const", "ledighed", "uddannelse"], "estimate": rng.normal(0, 1, 3),
                                     "se": rng.uniform(0.05, 0.2, 3)})
                card = pd.DataFrame({"key": ["model", "family", "n", "tau2"],
                                     "value": ["fractional logit", "binomial/logit", "98", "0.0625"]})
                ws.record(Run("benchmark", {"period": p, "area": a}, {"records": b, "coefficients": coef, "model_card": card}, {"simulated": True}), input_hash="fake")
                written.setdefault("benchmark", []).append(b)
                if a == "total":
                    for s in SCHEMES:
                        c = _classification(b, focus, s)
                        ws.record(Run("classification", {"period": p, "area": a, "scheme": s}, {"records": c}), input_hash="fake")
                        written.setdefault("classification", []).append(c)
            tot = next(x for x in written["benchmark"] if x["period"].iloc[0] == p and x["area"].iloc[0] == "total")
            diff = dict(zip(tot["kommunekode"], tot["diff_pp"]))
            hi = dict(zip(tot["kommunekode"], tot["ci_high_pp"]))
            lo = dict(zip(tot["kommunekode"], tot["ci_low_pp"]))
            rows = []
            for k in codes:
                others = [o for o in codes if o != k]
                peers = rng.choice(others, 10, replace=False)
                for j, q in enumerate(peers):
                    rows.append({"kommunekode": int(k), "peer_kommunekode": int(q), "distance": float(0.3 + 0.1 * j),
                                 "peer_diff_pp": float(diff[q]), "learning_partner": bool(hi[q] < lo[k]),
                                 "period": p, "simulated": True})
            if p == PERIODS[-1]:  # make sure Nyborg has at least one learning partner
                best = int(tot.sort_values("diff_pp")["kommunekode"].iloc[0])
                rows = [r for r in rows if not (r["kommunekode"] == NYBORG and r["peer_kommunekode"] == best)]
                rows.append({"kommunekode": NYBORG, "peer_kommunekode": best, "distance": 0.25,
                             "peer_diff_pp": float(diff[best]), "learning_partner": True, "period": p, "simulated": True})
            pe = pd.DataFrame(rows)
            ws.record(Run("peers", {"period": p}, {"peers": pe}), input_hash="fake")
            written.setdefault("peers", []).append(pe)
        eff = rng.uniform(0.55, 1.0, len(codes))
        dea = pd.DataFrame({"kommunekode": codes, "period": "2023", "efficiency": eff,
                            "ci_low": eff - rng.uniform(0.02, 0.1, len(codes)), "ci_high": np.minimum(1, eff + 0.05),
                            "simulated": True})
        ws.record(Run("dea", {"period": "2023"}, {"records": dea}), input_hash="fake")
        costs = pd.DataFrame([{"kommunekode": int(k), "period": p, "category": c, "dkk": float(rng.uniform(5e6, 9e8))}
                              for k in codes for p in PERIODS for c in ("administration", "aktive_tilbud", "other")])
        costs["simulated"] = True
        ws.record(Run("costs", {"period_from": "2021", "period_to": "2023"}, {"unit_costs": costs}), input_hash="fake")
        srows = []
        for k in codes:
            for dim in ("udbytte", "mening", "sammenhaeng", "involvering", "fremdrift"):
                n = 4 if k == SUPPRESSED_K else int(rng.integers(20, 400))
                score = float(rng.uniform(3, 4.3))
                sup = n < 5
                srows.append({"kommunekode": int(k), "period": "2023", "survey": "citizen", "dimension": dim,
                              "respondents": float(n), "response_rate": float(rng.uniform(0.2, 0.6)),
                              "score": None if sup else score, "ci_low": None if sup else score - 0.2,
                              "ci_high": None if sup else score + 0.2, "suppressed": sup, "simulated": True})
        sv = pd.DataFrame(srows)
        ws.record(Run("surveys", {"period": "2023"}, {"records": sv}), input_hash="fake")
        written["dea"], written["costs"], written["surveys"] = [dea], [costs], [sv]
    return {k: pd.concat(v, ignore_index=True) for k, v in written.items()}


# ------------------------------------------------------------------ fixtures ----
@pytest.fixture(scope="session")
def fake_ws(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    path = tmp_path_factory.mktemp("webws") / "ws.duckdb"
    return path, build_fake_workspace(path)


@pytest.fixture(scope="session")
def client(fake_ws):
    from fastapi.testclient import TestClient

    from benchlearn.web import create_app

    return TestClient(create_app(fake_ws[0], warm=False))


def _truth(tables, name, **filters) -> pd.DataFrame:
    df = tables[name]
    for k, v in filters.items():
        df = df[df[k] == v]
    return df.reset_index(drop=True)


def _da(v: float, digits: int = 2) -> str:
    """Danish number format written independently of the web layer: 1.234,56 and a real minus."""
    s = f"{abs(v):,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return ("−" if v < 0 and float(f"{v:.{digits}f}") != 0 else "") + s


# --------------------------------------------------------------------- pages ----
PAGES = ["/", "/benchmark", "/kommune/450", "/ordninger", "/metode", "/data", "/undersoegelser", "/docs"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_in_danish_with_viewport_and_skip_link(client, path):
    r = client.get(path, headers={"Cookie": "lang=da"})
    assert r.status_code == 200
    html = r.text
    assert '<html lang="da">' in html
    assert 'name="viewport"' in html
    assert 'class="skip" href="#main"' in html
    assert "Spring til indhold" in html
    # every script and stylesheet is local: no CDN, works on an intranet
    for src in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
        assert not src.startswith(("http:", "https:", "//")), src


def test_english_switch_sets_cookie_and_sticks(client):
    r = client.get("/benchmark?lang=en")
    assert '<html lang="en">' in r.text and "Benchmark: result vs expected" in r.text
    assert r.cookies.get("lang") == "en" or "lang=en" in r.headers.get("set-cookie", "")
    r2 = client.get("/kommune/450", headers={"Cookie": "lang=en"})
    assert "Category under every scheme" in r2.text
    r3 = client.get("/kommune/450?lang=da")
    assert "Kategori under hver ordning" in r3.text
    client.cookies.clear()


def test_language_link_keeps_the_view(client):
    """Switching language keeps period, area and comparator; only lang changes (and is not doubled)."""
    import html as h

    page = client.get("/benchmark?period=2024&area=total&lang=da").text
    href = h.unescape(re.search(r'<a href="([^"]+)" lang="en" class="lang">', page).group(1))
    assert href == "/benchmark?period=2024&area=total&lang=en", href
    page = client.get("/kommune/450?sammenlign=region", headers={"Cookie": "lang=en"}).text
    href = h.unescape(re.search(r'<a href="([^"]+)" lang="da" class="lang">', page).group(1))
    assert href == "/kommune/450?sammenlign=region&lang=da", href
    client.cookies.clear()


def test_simulated_banner_on_every_page_with_simulated_numbers(client):
    for path in PAGES[:-1]:
        assert 'id="simulated-banner"' in client.get(path, headers={"Cookie": "lang=da"}).text, path


def test_profile_shows_result_interval_categories_and_partners(client, fake_ws):
    _, tables = fake_ws
    b = _truth(tables, "benchmark", period="2023", area="total")
    ny = b[b["kommunekode"] == NYBORG].iloc[0]
    html = client.get("/kommune/450", headers={"Cookie": "lang=da"}).text
    assert "<h1>Nyborg" in html
    assert f'id="kpi-diff">{_da(ny["diff_pp"])} pp' in html
    assert f"[{_da(ny['ci_low_pp'])}; {_da(ny['ci_high_pp'])}] pp" in html
    cls = _truth(tables, "classification", period="2023", kommunekode=NYBORG)
    assert len(cls) == len(SCHEMES)
    from benchlearn.report.text import CATEGORIES
    from benchlearn.report.text import SCHEMES as SCHEME_LABELS

    for _, r in cls.iterrows():
        assert SCHEME_LABELS[r["scheme"]][0] in html
        if r["category"] in CATEGORIES:
            assert CATEGORIES[r["category"]][0] in html
    pe = _truth(tables, "peers", period="2023", kommunekode=NYBORG)
    partners = pe[pe["learning_partner"]]
    assert len(partners) >= 1
    block = html.split('id="learning-partners"')[1].split("</span>")[0]
    for k in partners["peer_kommunekode"]:
        assert reference.navn(int(k)) in block


def test_missing_kommune_is_404_page(client):
    r = client.get("/kommune/9999")
    assert r.status_code == 404 and "9999" in r.text
    assert client.get("/api/kommune/9999").status_code == 404


def test_search_redirects_to_profile(client):
    r = client.get("/sog", params={"q": "nyborg"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/kommune/450")
    r = client.get("/sog", params={"q": "Nyb"}, follow_redirects=False)
    assert r.headers["location"].startswith("/kommune/450")


# ------------------------------------------------------------------------ API ----
def test_api_benchmark_equals_stored_records(client, fake_ws):
    _, tables = fake_ws
    for period, area in (("2023", "total"), ("2021", "kontanthjaelp")):
        got = pd.DataFrame(client.get("/api/benchmark", params={"period": period, "area": area}).json()["records"])
        want = _truth(tables, "benchmark", period=period, area=area)
        assert len(got) == 98
        m = got.merge(want, on="kommunekode", suffixes=("", "_w"))
        assert len(m) == 98
        # the API writes 15 decimals: absolute error at most 5e-16 on these |values| < 100
        for c in ("diff_pp", "ci_low_pp", "ci_high_pp", "rank"):
            np.testing.assert_allclose(m[c], m[c + "_w"], rtol=1e-12, atol=1e-15)
        assert (m["tier"] == m["tier_w"]).all()


def test_api_kommune_profile(client, fake_ws):
    _, tables = fake_ws
    j = client.get("/api/kommune/450").json()
    want = _truth(tables, "benchmark", period="2023", area="total", kommunekode=NYBORG).iloc[0]
    assert j["navn"] == "Nyborg" and j["period"] == "2023"
    assert j["headline"]["diff_pp"] == pytest.approx(want["diff_pp"], rel=1e-12, abs=1e-15)
    assert {r["scheme"] for r in j["classification"]} == set(SCHEMES)
    pe = _truth(tables, "peers", period="2023", kommunekode=NYBORG)
    assert {r["peer_kommunekode"] for r in j["learning_partners"]} == set(pe.loc[pe["learning_partner"], "peer_kommunekode"])
    assert j["simulated"] is True


def test_api_meta_and_openapi(client):
    meta = client.get("/api/meta").json()
    assert meta["periods"] == list(PERIODS)
    assert meta["areas"][0] == "a_dagpenge" and "total" in meta["areas"]
    assert {"benchmark", "classification", "peers", "dea", "costs", "surveys"} <= set(meta["tables"])
    spec = client.get("/openapi.json").json()
    for p in ("/api/benchmark", "/api/kommune/{kommunekode}", "/api/schemes", "/download/{filename}"):
        assert p in spec["paths"], p
    docs = client.get("/docs").text
    assert "/api/benchmark" in docs and "cdn" not in docs.lower()


def test_api_schemes_moves(client, fake_ws):
    _, tables = fake_ws
    j = client.get("/api/schemes", params={"a": "star-2020", "b": "kl-results-first"}).json()
    c = _truth(tables, "classification", period="2023")
    a = c[c["scheme"] == "star-2020"].set_index("kommunekode")["position"]
    b = c[c["scheme"] == "kl-results-first"].set_index("kommunekode")["position"]
    moved_truth = int(((a - b.reindex(a.index)) != 0).sum())
    assert j["moved"] == moved_truth
    for r in j["records"]:
        assert r["move"] == pytest.approx(a[r["kommunekode"]] - b[r["kommunekode"]])


# ----------------------------------------------------------- suppression (#7) ----
def test_suppressed_cells_show_no_number_anywhere(client):
    html = client.get("/kommune/825", headers={"Cookie": "lang=da"}).text
    assert "undertrykt (færre end 5 svar)" in html
    block = html.split('id="survey-table"')[1].split("</table>")[0]
    assert not re.search(r"<td>[^<]*\d", block), "a number in a suppressed survey row"
    recs = client.get("/api/tables/surveys", params={"kommunekode": 825}).json()["records"]
    assert recs and all(r["suppressed"] and r["score"] is None and r["ci_low"] is None and r["respondents"] is None
                        for r in recs)
    prof = client.get("/api/kommune/825").json()["surveys"]
    assert all(r["score"] is None and r["respondents"] is None for r in prof)
    # CSV and XLSX are read by people: Danish headings (report/text.py COLUMNS), the word instead of a number
    h = {c: tx.column(c) for c in ("kommunekode", "score", "ci_low", "ci_high", "respondents", "response_rate")}
    csv = pd.read_csv(io.BytesIO(client.get("/download/surveys.csv?lang=da").content), sep=";", decimal=",",
                      encoding="utf-8-sig", dtype=str)
    rows = csv[csv[h["kommunekode"]] == "825"]
    assert len(rows) == 5
    assert (rows[[h[c] for c in ("score", "ci_low", "ci_high", "respondents", "response_rate")]] == "undertrykt").all().all()
    x = pd.read_excel(io.BytesIO(client.get("/download/surveys.xlsx?lang=da").content), dtype=str)
    xr = x[x[h["kommunekode"]] == "825"]
    assert len(xr) == 5 and (xr[[h["score"], h["respondents"]]] == "undertrykt").all().all()
    pq = pd.read_parquet(io.BytesIO(client.get("/download/surveys.parquet").content))
    pr = pq[pq["kommunekode"] == 825]
    assert pr["score"].isna().all() and pr["respondents"].isna().all() and pr["suppressed"].all()


# ------------------------------------------------------------------ downloads ----
def test_csv_download_danish_conventions(client, fake_ws):
    _, tables = fake_ws
    r = client.get("/download/benchmark.csv?lang=da")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    first = r.content.decode("utf-8-sig").splitlines()[0]
    assert first.split(";")[:4] == ["Kommunekode", "Kommune", "Periode", "Område"]
    assert "København" in r.content.decode("utf-8-sig")
    got = pd.read_csv(io.BytesIO(r.content), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Periode": str})
    want = tables["benchmark"].assign(area_label=lambda d: [tx.area_label(a) for a in d["area"]])
    assert len(got) == len(want)
    m = got.merge(want, left_on=["Kommunekode", "Periode", "Område"], right_on=["kommunekode", "period", "area_label"])
    assert len(m) == len(want)
    # %.10g keeps 10 significant digits: relative error < 5e-10
    np.testing.assert_allclose(m[tx.column("diff_pp")], m["diff_pp"], rtol=1e-9, atol=1e-12)


def test_xlsx_and_parquet_downloads(client, fake_ws):
    _, tables = fake_ws
    x = pd.read_excel(io.BytesIO(client.get("/download/peers.xlsx?lang=da").content), dtype={"Periode": str})
    want = tables["peers"]
    assert len(x) == len(want)
    m = x.merge(want, left_on=["Kommunekode", tx.column("peer_kommunekode"), "Periode"],
                right_on=["kommunekode", "peer_kommunekode", "period"])
    assert len(m) == len(want)
    np.testing.assert_allclose(m[tx.column("peer_diff_pp")], m["peer_diff_pp"], rtol=1e-12)
    q = pd.read_parquet(io.BytesIO(client.get("/download/dea.parquet").content))
    np.testing.assert_allclose(q.sort_values("kommunekode")["efficiency"].to_numpy(),
                               tables["dea"].sort_values("kommunekode")["efficiency"].to_numpy(), rtol=0, atol=0)
    assert client.get("/download/nope.csv").status_code == 404
    assert client.get("/download/benchmark.exe").status_code == 404


def test_geojson_has_98_municipalities(client):
    gj = client.get("/geo/kommuner.json").json()
    codes = {f["id"] for f in gj["features"]}
    assert codes == set(reference.kommunekoder())


# ------------------------------------------- shapes of results vary defensively ----
def test_minimal_workspace_hides_missing_sections(tmp_path):
    from fastapi.testclient import TestClient

    from benchlearn.store import Workspace
    from benchlearn.web import create_app

    m = reference.municipalities()
    df = pd.DataFrame({"kommunekode": m["kommunekode"], "navn": m["navn"], "period": "2024", "area": "total",
                       "diff_pp": np.linspace(-2, 2, 98)})  # no interval, no tier, not simulated
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ws.record(Run("benchmark", {"period": "2024", "area": "total"}, {"records": df}), input_hash="x")
    c = TestClient(create_app(tmp_path / "w.duckdb", warm=False))
    for path in PAGES + ["/api/kommune/450", "/api/schemes"]:
        r = c.get(path)
        assert r.status_code == 200, path
        assert 'id="simulated-banner"' not in r.text
    html = c.get("/kommune/450").text
    assert "Kategori under hver ordning" not in html and "læringspartnere" not in html.lower()
    assert "Undersøgelser</h2>" not in html


def test_results_are_reread_when_workspace_changes(tmp_path):
    from fastapi.testclient import TestClient

    from benchlearn.store import Workspace
    from benchlearn.web import create_app

    m = reference.municipalities()
    path = tmp_path / "w.duckdb"

    def run(period: str, shift: float) -> None:
        df = pd.DataFrame({"kommunekode": m["kommunekode"], "navn": m["navn"], "period": period, "area": "total",
                           "diff_pp": np.linspace(-2, 2, 98) + shift})
        with Workspace.open(path) as ws:
            ws.record(Run("benchmark", {"period": period, "area": "total"}, {"records": df}), input_hash="x")

    run("2023", 0.0)
    c = TestClient(create_app(path, warm=False))
    assert c.get("/api/meta").json()["periods"] == ["2023"]
    import os
    import time

    time.sleep(0.01)
    run("2024", 1.0)
    os.utime(path, None)
    assert c.get("/api/meta").json()["periods"] == ["2023", "2024"]


def test_missing_workspace_is_a_clean_error(tmp_path):
    from benchlearn.core.errors import WorkspaceError
    from benchlearn.report.site_data import read_workspace

    with pytest.raises(WorkspaceError):
        read_workspace(tmp_path / "nope.duckdb")


def test_alternative_result_shapes_are_read(tmp_path):
    """Result names and columns as the analysis modules write them today: peers under
    "peers", costs under "unit_costs", a JSON model card, funnel limits with their own se."""
    from fastapi.testclient import TestClient

    from benchlearn.store import Workspace
    from benchlearn.web import create_app

    m = reference.municipalities()
    n = len(m)
    rng = np.random.default_rng(7)
    fse = rng.uniform(0.02, 0.3, n)
    b = pd.DataFrame({"kommunekode": m["kommunekode"], "navn": m["navn"], "period": "2024", "area": "total",
                      "diff_pp": rng.normal(0, 0.5, n), "se_pp": fse + 0.2, "funnel_se_pp": fse,
                      "funnel_lo95": -1.96 * fse, "funnel_hi95": 1.96 * fse,
                      "funnel_adj_lo95": -1.96 * np.sqrt(fse ** 2 + 0.16), "funnel_adj_hi95": 1.96 * np.sqrt(fse ** 2 + 0.16),
                      "funnel_method": "additive", "funnel_phi": 1.3, "tier": "as_expected", "simulated": False})
    card = pd.DataFrame({"key": ["model", "variables"], "value_json": ['"fraclogit"', '["ledighed", "alder"]']})
    peers = pd.DataFrame({"kommunekode": [NYBORG] * 2, "peer_kommunekode": [101, 147], "distance": [0.5, 0.7],
                          "peer_diff_pp": [-1.0, 0.2], "learning_partner": [True, False], "period": "2024"})
    unit = pd.DataFrame({"kommunekode": [NYBORG] * 2, "period": ["2023", "2024"], "dkk": [1e8, 1.1e8],
                         "persons": [2000.0, 2100.0], "unit_cost": [50_000.0, 52_380.95]})
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ws.record(Run("benchmark", {"period": "2024", "area": "total"}, {"records": b, "model_card": card}), input_hash="x")
        ws.record(Run("peers", {"period": "2024"}, {"peers": peers}), input_hash="x")
        ws.record(Run("costs", {"period_from": "2023", "period_to": "2024"}, {"unit_costs": unit}), input_hash="x")
    c = TestClient(create_app(path, warm=False))
    html = c.get("/kommune/450").text
    assert 'id="learning-partners"' in html and "København" in html.split('id="learning-partners"')[1][:300]
    assert "52.380,95" in html  # the stored unit cost in Danish number format
    method = c.get("/metode").text
    # the model card as a person reads it (#18): the model by its Danish name, not the code
    assert "fraktionel logit" in method and "fraclogit" not in method and "ledighed, alder" in method
    # the funnel draws exactly the stored limits, against 1 / funnel_se_pp
    page = c.get("/benchmark").text
    fig = json.loads(page.split('id="funnel-data">')[1].split("</script>")[0])
    order = np.argsort(1 / fse, kind="stable")
    limit_traces = [tr for tr in fig["data"] if tr["mode"] == "lines"]
    assert len(limit_traces) == 4
    stored = {col: b[col].to_numpy()[order] for col in ("funnel_lo95", "funnel_hi95", "funnel_adj_lo95", "funnel_adj_hi95")}
    for tr in limit_traces:
        np.testing.assert_allclose(tr["x"], (1 / fse)[order], rtol=1e-12)
        assert any(np.allclose(tr["y"], v, rtol=1e-12) for v in stored.values())
    assert c.get("/download/costs.csv").status_code == 200


def test_method_page_lists_the_cross_validated_candidates(tmp_path):
    """/metode shows every candidate of the card's cross-validation as a table row, best first,
    with its score and pseudo-BMA weight, the chosen one marked — in Danish and English."""
    from fastapi.testclient import TestClient

    from benchlearn.store import Workspace
    from benchlearn.web import create_app

    m = reference.municipalities().head(98)
    b = pd.DataFrame({"kommunekode": m["kommunekode"], "navn": m["navn"], "period": "2024", "area": "total",
                      "diff_pp": 0.0, "se_pp": 0.5, "tier": "as_expected", "simulated": False})
    cands = [{"family": "area", "transform": "none", "rmse_pp": 0.61, "mae_pp": 0.47, "r2_oos": 0.868, "weight": 0.25},
             {"family": "multinomial", "transform": "log", "rmse_pp": 0.599, "mae_pp": 0.467, "r2_oos": 0.873,
              "weight": 0.7},
             {"family": "area_step", "transform": "log", "rmse_pp": 0.673, "mae_pp": 0.52, "r2_oos": 0.839, "weight": 0.05}]
    cv = {"folds": 10, "chosen": "multinomial", "transform": "log", "candidates": cands,
          "rule": "mindste RMSE af områdets andel uden for folden, efter kommune / smallest out-of-fold RMSE of the "
                  "area share by municipality"}
    card = pd.DataFrame({"key": ["model", "cross_validation"], "value_json": ['"fraclogit"', json.dumps(cv)]})
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ws.record(Run("benchmark", {"period": "2024", "area": "total"}, {"records": b, "model_card": card}), input_hash="x")
    c = TestClient(create_app(path, warm=False))
    for lang, chosen_label, yes, rule in (("da", "multinomial logit, ydelsesspecifikke hældninger", "ja", "mindste RMSE"),
                                          ("en", "multinomial logit, benefit-specific slopes", "yes", "smallest out-of-fold")):
        html = c.get(f"/metode?lang={lang}").text
        table = html.split('id="candidates"')[1].split("</table>")[0]
        rows = re.findall(r"<tr( class=\"chosen\")?><td>([^<]+)</td><td>([^<]+)</td>((?:<td[^>]*>[^<]*</td>){4})", table)
        assert len(rows) == 3
        assert [r[0] != "" for r in rows] == [True, False, False]  # best first, and that is the chosen one
        assert rows[0][1] == chosen_label
        assert f"<strong>{yes}</strong>" in table
        nums = [re.findall(r">([^<]*)</td>", r[3]) for r in rows]
        dec = "," if lang == "da" else "."
        assert nums[0] == [f"0{dec}599", f"0{dec}467", f"0{dec}873", f"0{dec}700"]
        assert [n[0] for n in nums] == [f"0{dec}599", f"0{dec}610", f"0{dec}673"]
        assert rule in html and ("smallest out-of-fold" in html) == (lang == "en")  # the rule in one language


def test_static_assets_are_hashed_gzipped_and_immutable(client):
    # Every page links plotly, the script and the style sheet under content-hashed names;
    # those are sent gzip-compressed and cached for good, and the bytes unpack to the
    # shipped file (independent check: the file on disk and its SHA-256).
    import gzip
    import hashlib
    import re

    from benchlearn.web.assets import STATIC_DIR

    html = client.get("/").text
    links = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {Path(x).suffix for x in links} >= {".js", ".css"} and len(links) == 3
    # the SVG map needs plotly's geo bundle (1.4 MB, not the full 4.8 MB); a page with only
    # scatter/bar charts the basic one
    assert any("/plotly-geo.min." in x for x in links) and not any("/plotly.min." in x for x in links)
    bench = re.findall(r'src="(/static/[^"]+)"', client.get("/benchmark").text)
    assert any("/plotly-basic.min." in x for x in bench) and not any("/plotly.min." in x for x in bench)
    links += bench
    for link in links:
        r = client.get(link, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        name = Path(link)
        stem, tag = name.stem.rsplit(".", 1)
        original = STATIC_DIR / link.removeprefix("/static/").replace(name.name, stem + name.suffix)
        raw = original.read_bytes()
        assert hashlib.sha256(raw).hexdigest().startswith(tag)
        assert r.content == raw  # httpx undoes the gzip transfer encoding
        if "plotly" in link:
            assert r.headers["content-encoding"] == "gzip"
            assert len(gzip.compress(raw)) < 0.4 * len(raw)
    # a stale hash is not served; the plain name is, with a short cache lifetime
    assert client.get("/static/js/app.0000000000.js").status_code == 404
    assert client.get("/static/js/app.js").headers["cache-control"] == "public, max-age=300"
    assert client.get("/static/../app.py").status_code == 404


def test_surveys_page_shows_one_selection_with_chart_and_selectors(client, fake_ws):
    # One period, survey and dimension at a time (98 rows at most, not every cell of every
    # survey), the numbers of the stored records in Danish format, a chart, and selectors
    # whose options lead to the other dimensions.
    _, tables = fake_ws
    html = client.get("/undersoegelser", params={"survey": "citizen", "dimension": "mening"}).text
    body = html.split('id="survey-all"')[1].split("</table>")[0]
    assert body.count("<tr>") - 1 <= 98
    assert 'id="fig-survey-ranking"' in html and 'id="sel-dimension"' in html and 'id="sel-period"' in html
    truth = _truth(tables, "surveys", dimension="mening", suppressed=False)
    r = truth.iloc[0]
    row = re.search(rf'/kommune/{int(r["kommunekode"])}#undersoegelser">[^<]+</a></th>(.*?)</tr>', body, re.S).group(1)
    assert _da(r["score"]) in row and f"[{_da(r['ci_low'])}; {_da(r['ci_high'])}]" in row
    assert "/undersoegelser?period=2023&amp;survey=citizen&amp;dimension=udbytte" in html
    sup = re.search(rf'/kommune/{SUPPRESSED_K}#undersoegelser">[^<]+</a></th>(.*?)</tr>', body, re.S).group(1)
    assert "undertrykt" in sup and not re.search(r">[^<]*\d[^<]*<", sup.replace("færre end 5 svar", ""))


def test_home_list_has_only_municipalities_surely_below_expected(client, fake_ws):
    # "Furthest below expected" lists only those whose whole interval is below 0, so a
    # point estimate with an interval across 0 (tier "as expected") never leads it.
    _, tables = fake_ws
    b = _truth(tables, "benchmark", period=PERIODS[-1], area="total")
    sure = b[b["ci_high_pp"] < 0].sort_values("diff_pp")
    html = client.get("/").text
    block = html.split('id="h-best"')[1].split("</ol>")[0]
    names = re.findall(r'<a href="/kommune/\d+">([^<]+)</a>', block)
    assert names == sure["navn"].head(5).tolist()
    fake_first = b.sort_values("diff_pp").iloc[0]
    if fake_first["ci_high_pp"] >= 0:
        assert fake_first["navn"] not in names


def test_category_names_equal_the_official_wording_of_the_scheme_files():
    # Every category label the pages print is the scheme file's own wording (e.g. "Ikke
    # aktuel i risiko", never "Ikke aktuel, men i risiko", which changes its meaning).
    import tomllib
    from importlib import resources

    from benchlearn.core.i18n import set_lang
    from benchlearn.report import text as tx

    n = 0
    for f in resources.files("benchlearn").joinpath("schemes").iterdir():
        if not f.name.endswith(".toml"):
            continue
        for c in tomllib.loads(f.read_text(encoding="utf-8")).get("categories", []):
            for lang_, key in (("da", "da"), ("en", "en")):
                set_lang(lang_)
                assert tx.label(tx.CATEGORIES, c["id"]) == c["label"][key], (f.name, c["id"])
                n += 1
    set_lang("da")
    assert n >= 16
    assert tx.label(tx.CATEGORIES, "ikke_aktuel_i_risiko") == "Ikke aktuel i risiko"


def _lab_deuteranope(hex_colour: str) -> np.ndarray:
    """CIELAB of a colour as a deuteranope sees it: Machado, Oliveira & Fernandes (2009), severity 1.0,
    applied in linear sRGB; then sRGB (D65) → XYZ → Lab. Written out: a closed form, independent of the site."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    machado = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]])
    lin = np.clip(machado @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_tiers_told_apart_without_full_colour_vision(client):
    """The three tier colours stay apart for a deuteranope (CIE76 ΔE ≥ 20 between every pair: 2.3 is a
    just-noticeable difference, 20 is 'clearly different' for small map tiles), and every tile and legend
    entry also carries the tier's shape, so colour is never the only cue."""
    from itertools import combinations

    TIER_SYMBOLS, TIERS = tx.TIER_SYMBOLS, tx.TIERS
    for a, b in combinations(tx.TIER_COLOURS, 2):
        de = float(np.linalg.norm(_lab_deuteranope(tx.TIER_COLOURS[a]) - _lab_deuteranope(tx.TIER_COLOURS[b])))
        assert de >= 20, (a, b, de)
    page = client.get("/?colour=tier", headers={"Cookie": "lang=da"}).text
    tiles = re.findall(r'<a href="[^"]+" aria-label="([^"]+)"><path class="tile"[^>]*>.*?</path>'
                       r'(?:<text class="tile-mark"[^>]*>(.)</text>)?</a>', page)
    assert len(tiles) == 98
    with_tier = 0
    for desc, mark in tiles:
        tier = next((k for k, v in TIERS.items() if f": {v[0]}" in desc), None)
        assert mark == (TIER_SYMBOLS[tier][1] if tier else ""), (desc, mark)
        with_tier += tier is not None
    assert with_tier > 0
    legend = page[page.index('id="cartogram"'):]
    for k, v in TIERS.items():
        assert f"{TIER_SYMBOLS[k][1]} {v[0]}" in legend, k

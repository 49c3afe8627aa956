"""Reports: table encodings, the static site export, the PDF profile and their CLI commands."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from test_web import NYBORG, SUPPRESSED_K, build_fake_workspace

from benchlearn.core import reference
from benchlearn.report import tables as rtables


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    path = tmp_path_factory.mktemp("reportws") / "ws.duckdb"
    return path, build_fake_workspace(path)


@pytest.fixture(scope="module")
def data(ws):
    from benchlearn.report.site_data import read_workspace

    return read_workspace(ws[0])


# -------------------------------------------------------------- table formats ----
def test_csv_danish_conventions_exact_bytes():
    df = pd.DataFrame({"kommunekode": [101, 450], "navn": ["København", "Nyborg"], "x": [1234.5, -0.125],
                       "ok": [True, False]})
    raw = rtables.to_csv_dk(df)
    # written by hand: BOM, semicolons, decimal comma, CRLF
    want = "\ufeffkommunekode;navn;x;ok\r\n101;København;1234,5;True\r\n450;Nyborg;-0,125;False\r\n"
    assert raw == want.encode("utf-8")


def test_csv_roundtrip_precision_and_cp_safety():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"k": np.arange(50), "v": rng.normal(0, 1e-3, 50), "w": rng.normal(0, 1e6, 50)})
    back = pd.read_csv(io.BytesIO(rtables.to_csv_dk(df)), sep=";", decimal=",", encoding="utf-8-sig")
    # %.10g keeps 10 significant digits -> relative error < 5e-10
    np.testing.assert_allclose(back["v"], df["v"], rtol=5e-10)
    np.testing.assert_allclose(back["w"], df["w"], rtol=5e-10)


def test_xlsx_and_parquet_roundtrip_and_suppression_marks():
    df = pd.DataFrame({"kommunekode": [101, 825], "score": [3.9, np.nan], "respondents": [120.0, np.nan],
                       "suppressed": [False, True], "peers": [[147, 151], [101]]})
    x = pd.read_excel(io.BytesIO(rtables.to_xlsx(df, "surveys")), dtype=str)
    assert list(x["score"]) == ["3.9", "undertrykt"] and list(x["respondents"]) == ["120", "undertrykt"]
    assert list(x["peers"]) == ["147, 151", "101"]
    c = pd.read_csv(io.BytesIO(rtables.to_csv_dk(df)), sep=";", dtype=str, encoding="utf-8-sig")
    assert list(c["score"]) == ["3,9", "undertrykt"]
    q = pd.read_parquet(io.BytesIO(rtables.to_parquet(df)))
    assert q["score"].iloc[0] == 3.9 and np.isnan(q["score"].iloc[1]) and bool(q["suppressed"].iloc[1])
    from benchlearn.core.errors import ConfigError

    with pytest.raises(ConfigError):
        rtables.encode(df, "docx")  # type: ignore[arg-type]


# ------------------------------------------------------------------ PDF ----
def _pdf_text(b: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(b)).pages)


def test_pdf_profile_nyborg(data, ws):
    from benchlearn.report.pdf import profile_pdf

    b = profile_pdf(data, NYBORG)
    assert b.startswith(b"%PDF")
    text = _pdf_text(b)
    tables = ws[1]
    bm = tables["benchmark"]
    ny = bm[(bm["period"] == "2023") & (bm["area"] == "total") & (bm["kommunekode"] == NYBORG)].iloc[0]

    def da(v: float) -> str:
        return ("−" if v < 0 else "") + f"{abs(v):.2f}".replace(".", ",")

    assert "Nyborg" in text and "Simulerede tal" in text
    assert f"{da(ny['diff_pp'])} pp" in text
    assert f"[{da(ny['ci_low_pp'])}; {da(ny['ci_high_pp'])}] pp" in text
    assert "Jobcenterindblik (STAR 2020)" in text and "KL: resultater først" in text  # the scheme files wording
    pe = tables["peers"]
    for k in pe[(pe["period"] == "2023") & (pe["kommunekode"] == NYBORG) & pe["learning_partner"]]["peer_kommunekode"]:
        assert reference.navn(int(k)) in text
    assert "Klimadatastyrelsen, DAGI" in text
    # column widths fit each column's longest word: headings and names are never broken mid-word
    words = set(text.split())
    assert {"Resultatmål", "Opmærksomhedskommune", "Borgerundersøgelse"} & words and "Resultatmå" not in words
    # the tables are white: no fill operator of the chart's tier colours after the first table heading
    from pypdf import PdfReader

    from benchlearn.report.pdf import TIER_RGB

    page = PdfReader(__import__("io").BytesIO(b)).pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    after = stream[stream.index("0.9216 0.9412 0.9608 rg"):]  # the headings' fill (235, 240, 245) starts the first table
    chart = {f"{c[0] / 255:.4f} {c[1] / 255:.4f} {c[2] / 255:.4f} rg".replace("0000", "").replace(".0 ", " ")
             for c in TIER_RGB.values()}
    assert not any(op in after for op in chart), "a chart colour fills a table"


def test_pdf_suppressed_survey_has_no_number(data):
    from benchlearn.report.pdf import profile_pdf

    text = _pdf_text(profile_pdf(data, SUPPRESSED_K))
    lines = [ln for ln in text.splitlines() if ln.startswith("Borgerundersøgelse")]
    assert len(lines) == 5
    for ln in lines:
        assert "undertrykt" in ln
        assert not re.search(r"\d", ln.replace("5 svar", "")), ln


def test_pdf_english(data):
    from benchlearn.core.i18n import set_lang
    from benchlearn.report.pdf import profile_pdf

    set_lang("en")
    try:
        text = _pdf_text(profile_pdf(data, NYBORG))
    finally:
        set_lang(None)
    assert "Category under every scheme" in text and "Learning partners" in text


# --------------------------------------------------------------- static site ----
class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v and not v.startswith(("#", "data:", "mailto:")):
                self.links.append(v)
            if tag == "option" and k == "value" and v and v.endswith(".html"):  # selector views
                self.links.append(v)


def test_static_site_links_resolve(data, tmp_path):
    from benchlearn.web.site import export_site
    from benchlearn.web.assets import hashed_name

    out = tmp_path / "site"
    n = export_site(None, out, data=data)
    assert n > 100
    for rel in ("index.html", "benchmark.html", "ordninger.html", "metode.html", "data.html",
                f"kommune/{NYBORG}.html", "static/" + hashed_name("js/plotly.min.js"),
                "static/" + hashed_name("css/site.css"), "geo/kommuner.json", "geo/kommuner.js",
                "data/benchmark.csv", "data/surveys.xlsx", "data/peers.parquet", f"api/kommune/{NYBORG}.json"):
        assert (out / rel).is_file(), rel
    pages = [out / "index.html", out / "benchmark.html", out / f"kommune/{NYBORG}.html", out / "ordninger.html",
             out / "data.html"]
    for page in pages:
        p = _Links()
        p.feed(page.read_text(encoding="utf-8"))
        assert p.links
        for link in p.links:
            assert not link.startswith(("http:", "https:", "/")), f"{page.name}: absolute link {link}"
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{page.name}: {link} does not resolve"
    csv = pd.read_csv(out / "data/benchmark.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(csv) == len(data.table("benchmark"))


# -------------------------------------------------------------------- CLI ----
def _cli(args: list[str]):
    from typer.testing import CliRunner

    from benchlearn.cli.main import app

    return CliRunner().invoke(app, args)


def test_cli_report_pdf(ws, tmp_path):
    out = tmp_path / "nyborg.pdf"
    r = _cli(["report", str(ws[0]), "--kommune", "450", "--pdf", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF") and "Nyborg" in _pdf_text(out.read_bytes())


def test_cli_report_bad_kommune_is_clean_error(ws):
    from benchlearn.core.errors import ConfigError

    r = _cli(["report", str(ws[0]), "--kommune", "9999", "--pdf"])
    assert r.exit_code != 0
    assert isinstance(r.exception, ConfigError) or "9999" in r.output


def test_cli_site(ws, tmp_path):
    r = _cli(["site", str(tmp_path / "out"), str(ws[0])])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out/index.html").is_file() and (tmp_path / f"out/kommune/{NYBORG}.html").is_file()


def test_cli_serve_missing_workspace_fails_cleanly(tmp_path):
    from benchlearn.core.errors import WorkspaceError

    r = _cli(["serve", str(tmp_path / "missing.duckdb")])
    assert r.exit_code != 0 and isinstance(r.exception, WorkspaceError)

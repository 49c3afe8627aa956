"""No raw code on any page or in any CSV/XLSX download in Danish mode (issue 18 acceptance).

A raw code is an identifier-like token of the data contract, the reference files, the scheme
files or a stored result table (``diff_pp``, ``a_dagpenge``, ``nyborg_like``,
``opmaerksomhedskommune`` …), or an ASCII hyphen used as a minus; tests/rawcodes.py finds them
in the visible text, the attributes read aloud, the charts' texts and the downloads' text
cells. Every page is scanned (each selector view of the benchmark and surveys pages, all 98
profiles), the PDF profile, and every download: each table in full and each selection a page
links to.

Two workspaces: the demo's (real data + documented simulation, the real analysis modules;
what `make demo` serves) and, quicker, test_web's fabricated one. Parquet is left out on
purpose: it is for programs and keeps the stored codes (docs/WEB.md).
"""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient

from benchlearn.core.i18n import set_lang
from benchlearn.report import tables as rtables
from benchlearn.web.app import create_app
from rawcodes import code_set, csv_texts, find_codes, page_texts, xlsx_texts

_LINK = re.compile(r'(?:href|value)="(/[^"#{}]*)"')
#: not for people: the JSON API and its documentation (its parameter names, period, area,
#: kommunekode, are the interface itself), assets, the map's geometry, the search redirect
_NOT_READ = ("/static", "/api", "/docs", "/openapi.json", "/geo", "/sog")


def _start_urls(data) -> list[str]:
    """Where the crawl starts: every page of the menu, the pages a workspace may lack (they say
    why, in words), and every selector view (the selectors are links or options, so the crawl
    would find them too; listed so that a page that stops linking one is still read)."""
    urls = ["/", "/benchmark", "/ordninger", "/undersoegelser", "/metode", "/data", "/review", "/integration",
            "/overvaagning", "/metoder"]
    for p in data.periods:
        for a in data.areas:
            urls += [f"/benchmark?period={p}&area={a}", f"/?period={p}&area={a}&colour=diff_pp"]
    s = data.table("surveys")
    if s is not None:
        for (p, v, d), _ in s.groupby(["period", "survey", "dimension"]):
            urls.append(f"/undersoegelser?period={p}&survey={v}&dimension={d}")
    for a in data.schemes:
        for b in data.schemes:
            urls.append(f"/ordninger?a={a}&b={b}")
    for k in sorted(data.municipalities["kommunekode"]):
        urls += [f"/kommune/{k}", f"/kommune/{k}.pdf", f"/kommune/{k}/benchlearning"]
    urls += [f"/download/{n}.{f}" for n in data.available_tables() for f in ("csv", "xlsx")]
    return urls


def _texts(url: str, r) -> list[str]:
    if url.split("?")[0].endswith(".pdf"):
        from pypdf import PdfReader

        return [ln for pg in PdfReader(io.BytesIO(r.content)).pages for ln in pg.extract_text().splitlines()]
    if url.startswith("/download/"):
        return csv_texts(r.content) if ".csv" in url else xlsx_texts(r.content)
    return page_texts(r.text)


#: the profile whose comparator variants the crawl reads (Nyborg: peers stored in every view)
COMPARED = 450


def scan(path) -> tuple[list[str], set[str]]:
    """Every finding as 'url  token  context', and the URLs read: every page, PDF and CSV/XLSX
    download a person can reach from the start pages by following links (Parquet is for programs).
    A page a workspace cannot have (no review, no benchlearning run) may answer 404; any other
    answer than 200 fails."""
    from benchlearn.report.site_data import read_workspace

    set_lang("da")
    data = read_workspace(path)
    codes = code_set(data)
    c = TestClient(create_app(path, warm=False))
    found: list[str] = []
    todo, read = list(reversed(_start_urls(data))), set()
    seen = set(todo)
    while todo:
        u = todo.pop()
        r = c.get(u)
        if r.status_code == 404 and u.split("?")[0].endswith(("/review", "/benchlearning", "/metoder")):
            continue
        assert r.status_code == 200, (u, r.status_code)
        read.add(u)
        found += [f"{u}\t{tok}\t{ctx}" for tok, ctx in sorted(set(find_codes(_texts(u, r), codes)))]
        if r.headers.get("content-type", "").startswith("text/html"):
            for m in _LINK.findall(r.text):
                m = m.replace("&amp;", "&")
                # the comparator (?sammenlign=) changes numbers and the comparator's name, not the
                # wording: read its variants of one profile (every period), not 3× every profile
                other_comparator = "sammenlign=" in m and not m.startswith(f"/kommune/{COMPARED}?")
                if m not in seen and not m.startswith(_NOT_READ) and "lang=en" not in m and ".parquet" not in m \
                        and not other_comparator:
                    seen.add(m)
                    todo.append(m)
    return found, read


def _report(found: list[str]) -> str:
    """Each distinct (token, first URL, context) once, so one message shows every kind of finding."""
    seen: dict[str, str] = {}
    for f in found:
        u, tok, ctx = (f.split("\t") + ["", ""])[:3]
        seen.setdefault(tok, f"{tok}\t{u}\t{ctx[:140]}")
    return f"{len(found)} raw codes, {len(seen)} distinct:\n" + "\n".join(seen.values())


@pytest.fixture(scope="module")
def fake_path(tmp_path_factory):
    from test_web import build_fake_workspace

    path = tmp_path_factory.mktemp("rawws") / "ws.duckdb"
    build_fake_workspace(path)
    return path


def test_no_raw_code_on_any_page_or_download_fabricated_workspace(fake_path):
    found, read = scan(fake_path)
    assert not found, _report(found)
    assert any(u.startswith("/kommune/450?") for u in read)  # the crawl followed the selectors


@pytest.fixture(scope="module")
def review_path(sim_factory, tmp_path_factory):
    """A workspace with a stored model review as the real one has it (neither the demo nor the
    fabricated workspace has one): specifications that change variables and settings, and one
    skipped because the dataset has no rows of its målgruppe's ydelse (the real y30r21 review
    skips the young and the flexjob holders so)."""
    from benchlearn.data.dataset import Dataset
    from benchlearn.review.run import run_review
    from benchlearn.review.specs import load_specs
    from benchlearn.review.store import record_review
    from benchlearn.store import Workspace

    sim = sim_factory(1)
    tables = {k: sim.tables[k] for k in ("support", "population", "framework", "provenance")}
    tables["support"] = tables["support"][tables["support"]["ydelse"] != "uddannelseshjaelp"]
    ds = Dataset.from_tables(tables)
    tmp = tmp_path_factory.mktemp("rawreview")
    specs = tmp / "specs.toml"
    specs.write_text('[review]\nbaseline = "standard"\n\n' + "\n".join([
        '[[spec]]\nname="standard"\nlabel_da="Standard"\nlabel_en="Standard"\nmaalgruppe="forsikrede_ledige"',
        '[[spec]]\nname="uden_pendling"\nlabel_da="Uden pendling"\nlabel_en="Without commuting"\n'
        'maalgruppe="forsikrede_ledige"\ndrop=["pendl"]',
        '[[spec]]\nname="kappa0"\nlabel_da="κ = 0"\nlabel_en="κ = 0"\nmaalgruppe="forsikrede_ledige"\nunmeasured_share=0.0',
        '[[spec]]\nname="unge"\nlabel_da="Unge"\nlabel_en="Young people"\nmaalgruppe="unge"',
    ]), encoding="utf-8")
    rv = run_review(ds, load_specs(specs), period="2024")
    path = tmp / "ws.duckdb"
    with Workspace.open(path) as ws:
        ws.ingest(ds)
        record_review(ws, ds, rv)
    return path


def test_no_raw_code_on_the_review_page_or_its_downloads(review_path):
    # the review page (its skip reason named the input table 'support') and every review table it
    # links to, CSV and XLSX (they showed 'standard', 'commute_km', 'standard=better' …), and the
    # data page that lists them by title
    from benchlearn.report.site_data import read_workspace

    set_lang("da")
    data = read_workspace(review_path)
    codes = code_set(data)
    assert {"standard", "uden_pendling", "commute_km", "support"} <= codes
    c = TestClient(create_app(review_path, warm=False))
    page = c.get("/review")
    assert page.status_code == 200
    assert "Sprunget over" in page.text  # the skipped specification is there to be read
    listed = page.text + c.get("/data").text  # the page links its main tables, /data every stored one
    urls = ["/review", "/data"] + sorted({m.replace("&amp;", "&") for m in _LINK.findall(listed)
                                          if m.startswith("/download/review_") and ".parquet" not in m})
    assert {"/download/review_specs.csv", "/download/review_pairs.xlsx", "/download/review_attribution.csv"} <= set(urls)
    found = []
    for u in urls:
        r = c.get(u)
        assert r.status_code == 200, u
        found += [f"{u}\t{tok}\t{ctx}" for tok, ctx in sorted(set(find_codes(_texts(u, r), codes)))]
    assert not found, _report(found)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory, raw_data_dir):
    """The workspace `make demo` serves: the real view (y30r21, real monitoring series) with the
    documented simulation, every analysis run, default seed."""
    from benchlearn.demo import build_demo_workspace

    path = tmp_path_factory.mktemp("rawdemo") / "benchlearn-demo.duckdb"
    build_demo_workspace(path)
    return path


def test_no_raw_code_on_any_page_or_download_of_the_demo(demo_path):
    found, read = scan(demo_path)
    assert not found, _report(found)
    # what was read: the monitoring page and each of its measures, the integration page (it says in
    # words why the real view has no results by origin), every profile in every period, its PDF and
    # benchlearning page, and the downloads each page links to
    assert "/overvaagning" in read and sum(u.startswith("/overvaagning?") for u in read) >= 2
    assert "/integration" in read
    profiles = {u for u in read if re.fullmatch(r"/kommune/\d+(\?period=[^&]+)?", u)}
    assert len({u.split("?")[0] for u in profiles}) == 98 and len(profiles) > 98
    assert sum(u.endswith(".pdf") for u in read) == 98 and sum(u.endswith("/benchlearning") for u in read) == 98
    assert any("/download/" in u and "?" in u for u in read)


def test_cli_text_of_the_readme_commands_has_no_raw_code(demo_path):
    # the text commands the README lists after `make demo`: the table, the model card and the
    # "Simulerede input" line on stderr read as the pages do
    from typer.testing import CliRunner

    from benchlearn.cli.main import app
    from benchlearn.report.site_data import read_workspace

    codes = code_set(read_workspace(demo_path))
    for args in (["benchmark", str(demo_path), "--period", "2022QMAT04", "--area", "kontanthjaelp"],
                 ["surveys", str(demo_path), "--period", "2022QMAT04"]):
        res = CliRunner().invoke(app, args, terminal_width=200)
        assert res.exit_code == 0, (args, res.output)
        text = res.stdout + res.stderr
        lines = [ln for ln in text.splitlines() if ln.strip()]
        assert any("Simulerede input:" in ln for ln in lines), args
        found = sorted(set(find_codes(lines, codes)))
        assert not found, (args, found)


def test_the_scanner_finds_what_it_should():
    # the checks above are only as good as the finder: a planted code, an ASCII minus and a
    # code in a CSV header are found; Danish words, units and ranges are not
    codes = frozenset({"diff_pp", "a_dagpenge", "nyborg_like", "opmaerksomhedskommune"})
    html = ('<p>forskel diff_pp −1,36</p><p title="a_dagpenge">x</p><p>fald på -0,5 pp</p>'
            '<p>2021-2024, A-dagpenge, Opmærksomhedskommune</p>'
            '<script type="application/json" id="f-data">{"data":[{"name":"nyborg_like"}],"layout":{}}</script>')
    assert sorted(t for t, _ in find_codes(page_texts(html), codes)) == ["ASCII-minus", "a_dagpenge", "diff_pp",
                                                                          "nyborg_like"]
    # a stored "spec=tier" list or setting is found whatever its codes; a formula's "p=10" is not
    assert [t for t, _ in find_codes(["standard=better, uden_pendling=worse"], frozenset())] == ["key=value"]
    assert [t for t, _ in find_codes(["unmeasured_share=0.0"], frozenset())] == ["key=value"]
    assert find_codes(["prædiktionsvarians (p=10 antaget)", "?period=2024&area=total"], frozenset()) == []
    import pandas as pd

    body = rtables.to_csv_dk(pd.DataFrame({"opmaerksomhedskommune": ["Ja"], "Kommune": ["Nyborg"]}))
    assert [t for t, _ in find_codes(csv_texts(body), codes)] == ["opmaerksomhedskommune"]
    book = rtables.to_xlsx(pd.DataFrame({"Kategori": ["opmaerksomhedskommune"]}), "ark")
    assert [t for t, _ in find_codes(xlsx_texts(book), codes)] == ["opmaerksomhedskommune"]


def _readme_after_demo() -> list[list[str]]:
    """The commands the README lists 'Right after `make demo`', as written (without comments)."""
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("Right after `make demo`", 1)[1].split("```", 2)[1]
    return [shlex.split(ln.split("#", 1)[0]) for ln in block.splitlines() if ln.strip().startswith("benchlearn ")]


def test_readme_commands_after_make_demo_work_as_written(demo_path, tmp_path, monkeypatch):
    # from the clone, as the README says: the demo's workspace sits in demo-workspace/; every
    # command but `serve` (it blocks; tests/serving.py starts the same app) runs as written
    import shutil

    from typer.testing import CliRunner

    from benchlearn.cli.main import app
    from benchlearn.report.site_data import read_workspace

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BENCHLEARN_WORKSPACE", raising=False)
    (tmp_path / "demo-workspace").mkdir()
    shutil.copy(demo_path, tmp_path / "demo-workspace" / "benchlearn-demo.duckdb")
    cmds = _readme_after_demo()
    assert [c[1] for c in cmds] == ["report", "benchmark", "surveys", "site", "serve"], cmds
    codes = code_set(read_workspace(demo_path))
    for argv in cmds:
        if argv[1] == "serve":
            continue
        res = CliRunner().invoke(app, argv[1:], terminal_width=200)
        assert res.exit_code == 0, (argv, res.stdout, res.stderr)
        lines = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]
        assert not sorted(set(find_codes(lines, codes))), (argv, sorted(set(find_codes(lines, codes))))
    assert (tmp_path / "profil_450.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "site-out" / "index.html").is_file()

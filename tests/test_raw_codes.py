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

_LINK = re.compile(r'href="(/download/[^"]+\.(?:csv|xlsx)[^"]*)"')


def _urls(data) -> list[str]:
    # /docs is left out: it documents the JSON API for programmers, whose parameter names
    # (period, area, kommunekode) are the interface itself
    urls = ["/", "/benchmark", "/ordninger", "/undersoegelser", "/metode", "/data", "/review"]
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
    urls += [f"/kommune/{k}" for k in sorted(data.municipalities["kommunekode"])]
    return urls


def scan(path) -> list[str]:
    """Every finding as 'url  token  context'; the downloads the pages link to are scanned too."""
    from benchlearn.report.site_data import read_workspace

    set_lang("da")
    data = read_workspace(path)
    codes = code_set(data)
    c = TestClient(create_app(path, warm=False))
    found: list[str] = []
    downloads = {f"/download/{n}.{f}" for n in data.available_tables() for f in ("csv", "xlsx")}
    for u in _urls(data):
        r = c.get(u)
        if r.status_code == 404 and u == "/review":
            continue
        assert r.status_code == 200, u
        found += [f"{u}\t{tok}\t{ctx}" for tok, ctx in sorted(set(find_codes(page_texts(r.text), codes)))]
        downloads |= {m.replace("&amp;", "&") for m in _LINK.findall(r.text)}
    for u in ("/kommune/450.pdf", "/kommune/825.pdf"):  # the PDF profile reads the same way
        from pypdf import PdfReader

        r = c.get(u)
        assert r.status_code == 200, u
        lines = [ln for pg in PdfReader(io.BytesIO(r.content)).pages for ln in pg.extract_text().splitlines()]
        found += [f"{u}\t{tok}\t{ctx}" for tok, ctx in sorted(set(find_codes(lines, codes)))]
    for u in sorted(downloads):
        r = c.get(u)
        assert r.status_code == 200, u
        texts = csv_texts(r.content) if ".csv" in u else xlsx_texts(r.content)
        found += [f"{u}\t{tok}\t{ctx}" for tok, ctx in sorted(set(find_codes(texts, codes)))]
    return found


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
    found = scan(fake_path)
    assert not found, _report(found)


def test_the_scanner_finds_what_it_should():
    # the checks above are only as good as the finder: a planted code, an ASCII minus and a
    # code in a CSV header are found; Danish words, units and ranges are not
    codes = frozenset({"diff_pp", "a_dagpenge", "nyborg_like", "opmaerksomhedskommune"})
    html = ('<p>forskel diff_pp −1,36</p><p title="a_dagpenge">x</p><p>fald på -0,5 pp</p>'
            '<p>2021-2024, A-dagpenge, Opmærksomhedskommune</p>'
            '<script type="application/json" id="f-data">{"data":[{"name":"nyborg_like"}],"layout":{}}</script>')
    assert sorted(t for t, _ in find_codes(page_texts(html), codes)) == ["ASCII-minus", "a_dagpenge", "diff_pp",
                                                                          "nyborg_like"]
    import pandas as pd

    body = rtables.to_csv_dk(pd.DataFrame({"opmaerksomhedskommune": ["Ja"], "Kommune": ["Nyborg"]}))
    assert [t for t, _ in find_codes(csv_texts(body), codes)] == ["opmaerksomhedskommune"]
    book = rtables.to_xlsx(pd.DataFrame({"Kategori": ["opmaerksomhedskommune"]}), "ark")
    assert [t for t, _ in find_codes(xlsx_texts(book), codes)] == ["opmaerksomhedskommune"]

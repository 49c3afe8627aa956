"""Downloads a person reads (issue 18, build 4): the table on screen, Danish headings (English
with lang=en), codes as their labels, Excel number formats and column widths, and a sheet
saying source, real/simulated, method and date — the stored run's date, not the clock.

Against test_web's fabricated workspace (its tables are the truth) and the benchmark page
itself (the rows on screen).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from benchlearn.core.i18n import set_lang
from benchlearn.report import text as tx
from test_web import PERIODS, _truth, client, fake_ws  # noqa: F401 — fixtures


def _csv(body: bytes, **kw) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig", **kw)


def test_benchmark_download_is_the_table_on_screen(client, fake_ws):
    _, tables = fake_ws
    html = client.get("/benchmark", params={"period": "2022", "area": "a_dagpenge", "lang": "da"}).text
    links = re.findall(r'href="(/download/benchmark\.(?:csv|xlsx)[^"]*)"', html)
    assert links == ["/download/benchmark.csv?period=2022&amp;area=a_dagpenge",
                     "/download/benchmark.xlsx?period=2022&amp;area=a_dagpenge"]
    got = _csv(client.get(links[0].replace("&amp;", "&")).content, dtype={"Periode": str})
    on_screen = re.findall(r'<th scope="row"><a href="/kommune/\d+">([^<]+)</a></th>',
                           html.split('id="bench-table"')[1])
    want = _truth(tables, "benchmark", period="2022", area="a_dagpenge")
    assert len(got) == len(on_screen) == len(want) == 98  # not every period and area (3 x 5 x 98 rows)
    assert set(got["Kommune"]) == set(on_screen)
    assert set(got["Periode"]) == {"2022"} and set(got["Område"]) == {tx.area_label("a_dagpenge")}
    m = got.merge(want, left_on="Kommunekode", right_on="kommunekode")
    np.testing.assert_allclose(m["Forskel (procentpoint)"], m["diff_pp"], rtol=1e-9)  # %.10g: 10 digits
    assert set(m["Niveau"]) <= {tx.TIERS[k][0] for k in tx.TIERS}
    assert (m["Niveau"] == [tx.TIERS[t][0] for t in m["tier"]]).all()
    assert set(m["Simuleret"]) == {"Ja"}


def test_download_headings_follow_the_language(client):
    da = client.get("/download/benchmark.csv", params={"period": "2023", "area": "total", "lang": "da"})
    en = client.get("/download/benchmark.csv", params={"period": "2023", "area": "total", "lang": "en"})
    h_da = da.content.decode("utf-8-sig").splitlines()[0].split(";")
    h_en = en.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert h_da[:5] == ["Kommunekode", "Kommune", "Periode", "Område", "Faktisk (fuldtidspers.)"]
    assert h_en[:5] == ["Municipality code", "Municipality", "Period", "Area", "Actual (full-time persons)"]
    assert "Better than expected" in en.text or "As expected" in en.text
    client.get("/", params={"lang": "da"})  # back to Danish for the other tests


def test_xlsx_has_formats_widths_and_an_about_sheet(client, fake_ws):
    path, _ = fake_ws
    r = client.get("/download/benchmark.xlsx", params={"period": "2023", "area": "total", "lang": "da"})
    wb = load_workbook(io.BytesIO(r.content))
    data, about = wb.worksheets
    assert about.title == "Om tabellen" and data.freeze_panes == "A2"
    heads = [c.value for c in data[1]]
    col = {h: i + 1 for i, h in enumerate(heads)}
    assert data.cell(2, col["Forskel (procentpoint)"]).number_format == "0.00"
    assert data.cell(2, col["Faktisk andel"]).number_format == "0.0%"
    assert data.cell(2, col["Faktisk (fuldtidspers.)"]).number_format == "#,##0"
    assert data.cell(2, col["Potentiale (kr.)"]).number_format == "#,##0"
    assert isinstance(data.cell(2, col["Forskel (procentpoint)"]).value, float)  # numbers stay numbers
    from openpyxl.utils import get_column_letter

    widths = {h: data.column_dimensions[get_column_letter(i)].width for h, i in col.items()}
    assert widths["Kommune"] >= len("Frederikssund") and widths["Forskel (procentpoint)"] >= len("Forskel (procentpoint)")
    info = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    assert info["Tabel"] == tx.TABLE_TITLES["benchmark"][0]
    assert info["Rækker"] == "98" and info["Perioder"] == "2023"
    assert info["Udvalg"] == f"Periode: 2023; Område: {tx.area_label('total')}"
    assert info["Rigtige eller simulerede tal"].startswith("Bygger helt eller delvist på simulerede tal")
    assert "logit" in info["Metode"] and "Danmarks Statistik" in info["Kilde"]
    # the date is the stored runs' date (the workspace's record), not the time of the download
    from benchlearn.store import Workspace

    with Workspace.open(path, read_only=True) as ws:
        days = sorted({str(c)[:10] for c in ws.runs(kind="benchmark")["created"]})
    assert info["Beregnet (dato for kørslen)"] == ", ".join(days)
    again = client.get("/download/benchmark.xlsx", params={"period": "2023", "area": "total", "lang": "da"})
    assert again.content == r.content


def test_parquet_keeps_every_column_and_code(client, fake_ws):
    _, tables = fake_ws
    q = pd.read_parquet(io.BytesIO(client.get("/download/benchmark.parquet").content))
    assert set(tables["benchmark"].columns) <= set(q.columns) and len(q) == len(tables["benchmark"])
    assert set(q["area"]) == set(tables["benchmark"]["area"])


def test_codes_become_labels_in_every_readable_table(fake_ws):
    # the table function itself: every code column of the stored tables comes out as its label
    from benchlearn.report.downloads import readable
    from benchlearn.report.site_data import read_workspace

    set_lang("da")
    d = read_workspace(fake_ws[0])
    c = readable("classification", d.table("classification"))
    stored = d.table("classification")["scheme"].unique()
    assert set(c["scheme"]) == {tx.label(tx.SCHEMES, s) for s in stored} and not set(c["scheme"]) & set(stored)
    assert "Opmærksomhedskommune" in set(c["category_label"]) or "Inspirationskommune" in set(c["category_label"])
    assert "category" not in c.columns  # the scheme file's wording is there once
    costs = readable("costs", d.table("costs"))
    assert "navn" in costs.columns and "Nyborg" in set(costs["navn"])  # names beside codes
    s = readable("surveys", d.table("surveys"))
    assert set(s["survey"]) == {tx.SURVEYS["citizen"][0]} and "Mening" in set(s["dimension"])

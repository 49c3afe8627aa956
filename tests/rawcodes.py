"""Find raw codes in what a person reads: pages (visible text, attributes read aloud, chart texts)
and downloads (CSV/XLSX headers and text cells).

A raw code is an identifier-like token a Danish analyst should never see: a column name of the
data contract or of a stored result table, a reference code (ydelse, area, målgruppe), a scheme
or category code, a result table name. Codes that are ordinary Danish words ("navn", "mening",
"sygedagpenge") are left out: printing them is printing Danish, not a code. Tokens are matched
case-sensitively as whole identifiers (letters, digits and ``_``), so "Kommunekode" in a heading
is fine while "kommunekode" glued into ``peer_kommunekode`` is the identifier ``peer_kommunekode``.
Also flagged: an ASCII hyphen used as a minus sign before a number (" -1,36").

Used by tests/test_raw_codes.py; also runnable by hand on any workspace:
``python tests/rawcodes.py WORKSPACE`` prints every finding with its page.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from html.parser import HTMLParser

#: Codes that are also ordinary Danish words (or proper nouns) in the sense the page uses them.
#: Printing one of them in a Danish sentence is not a raw code.
DANISH_WORDS = frozenset({
    "navn", "region", "mening", "udbytte", "fremdrift", "involvering", "progression", "score", "note",
    "part", "kommunekode", "dimension", "position", "sygedagpenge", "jobafklaring",
    "fleksjob", "ledige", "unge", "syge", "kategori", "ledighedsydelse", "revalidering",
    "sex", "kind", "periode", "samtaler", "tilbud", "administration", "psykiatri",
    "ydelse", "fuldtidspersoner",
    "fleksjobbere", "indkomst",  # a målgruppe and a simulated variable named by the Danish word
    "benchmark",  # STAR's own Danish word ("et benchmark", "benchmarket"), also the input table's name
})
#: Identifier shapes that are never codes even though they match: units and abbreviations.
NOT_CODES = frozenset({"pp", "kr", "n", "id", "CRS", "VRS", "DEA"})

_IDENT = re.compile(r"(?<![\w./#?=&-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w-])|(?<![\w./#?=&-])[a-z][a-z0-9]+(?![\w-])")
#: an ASCII hyphen where a minus belongs: " -1,36", "(-0,5", "[-2;" (not "2021-2024", "A-dagpenge")
_ASCII_MINUS = re.compile(r"(?:^|[\s(\[;:=])-\d")
#: a stored "key=value" pair of codes ("standard=better", "level=multinomial_shared",
#: "unmeasured_share=0.0"), whatever the codes are: a reader never sees an assignment (query
#: strings in links are not read text); "p=10" in a formula is mathematics, not a code
_KEY_VALUE = re.compile(r"(?<![\w/?&=.])(?:[a-z][a-z0-9]*_[a-z0-9_]*=[\w.]|[a-z][a-z0-9_]*=[a-z])")


class _Visible(HTMLParser):
    """Visible text plus the attributes a screen reader or tooltip shows, and the chart JSON."""

    READ_ATTRS = ("aria-label", "title", "alt", "placeholder", "label")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.figures: list[str] = []
        self._skip = 0
        self._fig = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("style", "noscript") or (tag == "script" and a.get("type") != "application/json"):
            self._skip += 1
        elif tag == "script":
            self._fig = str(a.get("id", "")).endswith("-data")
            if not self._fig:
                self._skip += 1
        for k in self.READ_ATTRS:
            if a.get(k):
                self.texts.append(str(a[k]))

    def handle_endtag(self, tag):
        if tag in ("style", "noscript") or (tag == "script" and not self._fig):
            self._skip = max(0, self._skip - 1)
        if tag == "script":
            self._fig = False

    def handle_data(self, data):
        if self._fig:
            self.figures.append(data)
        elif not self._skip and data.strip():
            self.texts.append(data)


def _figure_texts(fig: dict) -> list[str]:
    """Every string of a plotly figure a reader sees: names, texts, hover texts, category axes,
    tick texts, titles, annotations."""
    out: list[str] = []

    def strings(v) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            for x in v:
                strings(x)
        elif isinstance(v, dict) and "text" in v:
            strings(v["text"])

    for tr in fig.get("data", []):
        for k in ("name", "text", "hovertext", "ticktext", "title", "labels"):
            strings(tr.get(k))
        for k in ("x", "y"):
            v = tr.get(k)
            if isinstance(v, list) and v and all(isinstance(s, str) for s in v):
                out.extend(v)
    lay = fig.get("layout", {})
    strings(lay.get("title"))
    for k, ax in lay.items():
        if k.startswith(("xaxis", "yaxis")) and isinstance(ax, dict):
            strings(ax.get("title"))
            strings(ax.get("ticktext"))
    for an in lay.get("annotations", []):
        strings(an.get("text"))
    return out


def page_texts(html: str) -> list[str]:
    p = _Visible()
    p.feed(html)
    texts = list(p.texts)
    for blob in p.figures:
        try:
            texts += _figure_texts(json.loads(blob.replace("<\\/", "</")))
        except ValueError:
            texts.append(blob)
    return texts


def csv_texts(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return [c for r in rows for c in r if c and not _number(c)]


def xlsx_texts(body: bytes) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(body), read_only=True)
    out = []
    for ws in wb.worksheets:
        out.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            out += [c for c in row if isinstance(c, str)]
    return out


def _number(s: str) -> bool:
    return bool(re.fullmatch(r"[−+-]?[\d.,]+(e[+-]?\d+)?", s.strip()))


def find_codes(texts: list[str], codes: frozenset[str]) -> list[tuple[str, str]]:
    """(code, the text it sits in) for every raw code and every ASCII minus."""
    hits = []
    for s in texts:
        for m in _IDENT.finditer(s):
            tok = m.group(0)
            if tok in codes and tok not in DANISH_WORDS and tok not in NOT_CODES:
                hits.append((tok, s.strip()[:160]))
        if _ASCII_MINUS.search(s):
            hits.append(("ASCII-minus", s.strip()[:160]))
        if _KEY_VALUE.search(s):
            hits.append(("key=value", s.strip()[:160]))
    return hits


def framework_variable_codes() -> set[str]:
    """Every framework variable's name in the catalogues that declare it (``commute_km``,
    ``age_16_24_pct_2014`` …) and its commuting-area form (``pendlingsomr_commute_km``):
    values of the review's and the model card's tables, never a column name."""
    from benchlearn.review.commuting import PREFIX
    from benchlearn.simulator.config import FRAMEWORK_CATALOG
    from benchlearn.sources.folk1a_ages import AGE_VARIABLES
    from benchlearn.sources.public_framework import PUBLIC_VARIABLES
    from benchlearn.sources.realdata import FRAMEWORK_VARIABLES

    names = {v.name for v in (*FRAMEWORK_CATALOG, *FRAMEWORK_VARIABLES, *PUBLIC_VARIABLES)} | set(AGE_VARIABLES)
    return names | {PREFIX + n for n in names}


def code_set(data) -> frozenset[str]:
    """Contract column names, reference codes, scheme and category codes, result table names
    and the column names of every stored result table of a :class:`SiteData`."""
    from benchlearn.core import contract, reference
    from benchlearn.report import text as tx

    codes: set[str] = set()
    for spec in contract.TABLES.values():
        codes.add(spec.name)
        codes |= set(spec.column_names)
    codes |= set(reference.ydelse_codes()) | set(reference.area_codes()) | set(reference.maalgruppe_codes())
    codes |= set(reference.groups()["group"].astype(str))
    codes |= set(tx.SCHEMES.keys()) | set(tx._scheme_labels()) | set(tx._scheme_categories()) | set(tx.TIERS)
    codes |= framework_variable_codes()
    for name in data.available_tables():
        codes.add(name)
        df = data.table(name)
        if df is not None:
            codes |= {str(c) for c in df.columns}
    # the model review's specification names (``standard``, ``uden_pendling``): the page and the
    # downloads name a specification by its description
    specs = data.table("review_specs")
    if specs is not None and "spec" in specs.columns:
        codes |= set(specs["spec"].astype(str))
    # a code whose Danish label is the code itself is a word, not a code
    words = {tx.area_label(c).lower() for c in codes if c in set(reference.area_codes())}
    return frozenset(c for c in codes if c.lower() not in words and len(c) > 2)


def main(path: str) -> int:
    from fastapi.testclient import TestClient

    from benchlearn.report.site_data import read_workspace
    from benchlearn.web.app import create_app

    data = read_workspace(path)
    codes = code_set(data)
    c = TestClient(create_app(path, warm=False))
    urls = ["/", "/benchmark", "/ordninger", "/undersoegelser", "/metode", "/data", "/kommune/450", "/kommune/563",
            "/kommune/101", "/review", "/integration"]
    n = 0
    for u in urls:
        r = c.get(u)
        if r.status_code != 200:
            print(u, r.status_code)
            continue
        for tok, ctx in sorted(set(find_codes(page_texts(r.text), codes))):
            print(f"{u}\t{tok}\t{ctx}")
            n += 1
    for name in data.available_tables():
        for fmt, read in (("csv", csv_texts), ("xlsx", xlsx_texts)):
            r = c.get(f"/download/{name}.{fmt}")
            if r.status_code != 200:
                continue
            found = sorted({tok for tok, _ in find_codes(read(r.content), codes)})
            if found:
                print(f"/download/{name}.{fmt}\t{len(found)} codes: {' '.join(found[:30])}")
                n += 1
    print(n, "findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

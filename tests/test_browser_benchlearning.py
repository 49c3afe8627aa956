"""Nyborg's benchlearning page and PDF in the browser (issue #15 acceptance 2).

The workspace is built from the project simulator (seed 2026, 2021–2024: Nyborg has learning
partners there) with the stored benchlearning run. The page must name Nyborg's partners, the methods
they use that Nyborg does not and the enabler gaps, in Danish, with no raw codes; the expected
sets are computed here from the dataset's own tables, not from the page code.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rawcodes import code_set, find_codes, page_texts  # noqa: E402
from serving import served  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("BENCHLEARN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
NYBORG = 450


@pytest.fixture(scope="module")
def bl_server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    from benchlearn.runs.benchlearning_runs import store_default_runs
    from benchlearn.simulator import simulate
    from benchlearn.store import Workspace

    path = tmp_path_factory.mktemp("blws") / "ws.duckdb"
    sim = simulate(seed=2026)
    with Workspace.open(path) as ws:
        ws.ingest(sim.dataset)
        store_default_runs(ws, sim.dataset)
    with served(path) as base:
        yield base, path, sim


def _expected(path, sim):
    """Nyborg's partners (from the stored peers decision) and the methods they use that Nyborg does not,
    computed from the efforts table with plain pandas."""
    from benchlearn.benchlearning import catalogue
    from benchlearn.store import Workspace

    with Workspace.open(path, read_only=True) as ws:
        run = ws.latest_run("benchlearning")
        partners = ws.results(run.run_id, "partners")
        period = run.config["period"] if hasattr(run, "config") else "2024"
    p = partners[partners["kommunekode"] == NYBORG]
    ef = sim.dataset.table("efforts")
    first, last = f"{period}-01-01", f"{period}-12-31"
    act = ef[(ef["start_date"] <= last) & (ef["end_date"].isna() | (ef["end_date"] >= first))]
    own = set(act.loc[act["kommunekode"] == NYBORG, "method"])
    theirs = set(act.loc[act["kommunekode"].isin(p["peer_kommunekode"]), "method"])
    return list(p["peer_navn"]), [catalogue.method(m).navn_da for m in sorted(theirs - own)]


def test_nyborg_page_names_partners_methods_and_enabler_gaps_in_danish_without_raw_codes(bl_server):
    from playwright.sync_api import sync_playwright

    from benchlearn.core import reference
    from benchlearn.report.site_data import read_workspace

    base, path, sim = bl_server
    partners, methods = _expected(path, sim)
    assert partners, "seed 2026 gives Nyborg learning partners"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = b.new_page(locale="da-DK")
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(base + f"/kommune/{NYBORG}/benchlearning")
        pg.wait_for_selector("#bl-title")
        assert pg.url.endswith(f"/kommune/{NYBORG}/benchlearning")
        assert pg.locator("html").get_attribute("lang") == "da"
        assert pg.locator("#bl-title").inner_text() == "Benchlearning: Nyborg"
        shown_partners = [x.strip() for x in pg.locator("#bl-partners li a").all_inner_texts()]
        assert shown_partners == partners
        shown_methods = [x.split("\n")[0].strip() for x in pg.locator("#bl-methods tbody th").all_inner_texts()]
        assert sorted(shown_methods) == sorted(methods) and methods
        assert pg.locator("#bl-enablers tbody tr").count() >= 1
        assert pg.locator("#bl-scores tbody tr").count() == 6
        assert "Sammenhænge er ikke effekter" in pg.content()
        assert pg.locator("#simulated-banner").count() == 1
        html = pg.content()
        b.close()
    assert errors == []
    codes = set(code_set(read_workspace(path))) | set(reference.method_codes()) | set(reference.enabler_codes())
    # a code that is also a Danish word of its own label (virksomhedskonsulenter) is a word on the page
    from benchlearn.benchlearning import catalogue

    words = {m.code for m in catalogue.methods() if m.code in m.navn_da.lower()}
    hits = [h for h in find_codes(page_texts(html), frozenset(codes - words))]
    assert hits == [], hits[:5]


def test_nyborg_pdf_has_the_benchlearning_section(bl_server):
    import httpx
    import pypdf

    base, path, sim = bl_server
    partners, methods = _expected(path, sim)
    r = httpx.get(base + f"/kommune/{NYBORG}.pdf", timeout=120)
    assert r.status_code == 200
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Benchlearning: Nyborg" in flat
    for name in partners:
        assert name in flat
    assert "Metoder partnerne bruger, som Nyborg ikke bruger" in flat
    assert "Forudsætninger, hvor partnerne vurderer sig højere" in flat
    first_words = [m.split(" ")[0] for m in methods]
    assert all(w in flat for w in first_words)

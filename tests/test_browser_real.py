"""Browser test on the real view: the ministry's benchmark page shows no simulated banner, a
simulated survey page does and names what (issue #12). Skips without Chromium/Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from serving import served

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("BENCHLEARN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
Y30R21 = Path("jobindsats") / "Randers-Kommune-Digitalisering_jobcenterindblik_jobindsats.dk" / "Y30R21-api.csv"


@pytest.fixture(scope="module")
def real_server(tmp_path_factory, raw_data_dir):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    if not (raw_data_dir / Y30R21).is_file():
        pytest.skip("y30r21 not in the raw data")
    pytest.importorskip("playwright.sync_api")
    from benchlearn.demo import build_demo_workspace

    path = tmp_path_factory.mktemp("browser_real") / "ws.duckdb"
    build_demo_workspace(path, seed=11)
    with served(path) as base:
        yield base


@pytest.fixture(scope="module")
def page(real_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = b.new_page(viewport={"width": 1280, "height": 900})
        yield real_server, pg
        b.close()


def test_real_benchmark_page_has_no_simulated_banner(page):
    base, pg = page
    pg.goto(base + "/benchmark?period=2020QMAT02&area=total")
    pg.wait_for_selector("#bench-table")
    assert pg.locator("#simulated-banner").count() == 0
    row = pg.locator("#bench-table tr", has_text="Nyborg").first
    assert "1.850" in row.inner_text() and "2.010" in row.inner_text()


def test_simulated_survey_page_has_a_banner_naming_what(page):
    base, pg = page
    pg.goto(base + "/undersoegelser")
    banner = pg.locator("#simulated-banner")
    assert banner.count() == 1 and banner.is_visible()
    assert "Undersøgelser" in banner.inner_text()

"""The static site opened from disk (file://, no server): the map is drawn, the charts render.

A browser refuses ``fetch()`` of a local file, so the exported site carries its boundaries as
``geo/kommuner.js``; this test is what proves that path works, at 1280 and 390 px (#18.3).
"Drawn" is read from the screenshot of the map itself — not from the page's own state alone —
because a map whose geometry failed to load is an empty box with the right data attached.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from test_browser import ARGS, CHROMIUM, IGNORED, charts_rendered, wait_js
from test_web import NYBORG, build_fake_workspace

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    from benchlearn.report.site_data import read_workspace
    from benchlearn.web.site import export_site

    root = tmp_path_factory.mktemp("staticsite")
    build_fake_workspace(root / "ws.duckdb")
    out = root / "site"
    export_site(None, out, data=read_workspace(root / "ws.duckdb"))
    return out


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url: str, width: int):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="da-DK")
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" and not m.text.startswith(IGNORED) else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("requestfailed", lambda r: pg.errors.append(f"request failed: {r.url}"))
    pg.goto(url)
    charts_rendered(pg)
    return ctx, pg


def _drawn_share(png: bytes) -> tuple[float, int]:
    """Share of the image's pixels that are not the background, and the number of distinct colours."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    background = max(img.getcolors(maxcolors=1 << 24) or [(0, (255, 255, 255))])[1]
    pixels = list(img.getdata())
    drawn = sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, background)) > 30)
    return drawn / len(pixels), len(set(pixels))


@pytest.mark.parametrize("width", [1280, 390])
def test_map_is_drawn_from_disk(site, browser, width):
    ctx, pg = _open(browser, (site / "index.html").as_uri(), width)
    try:
        wait_js(pg, "document.getElementById('map')._fullData[0]._length === 98", 20000)
        assert pg.locator("#cartogram path.tile").count() == 98
        pg.wait_for_timeout(500)  # the map library paints its canvas after Plotly reports the data
        share, colours = _drawn_share(pg.locator("#map").screenshot())
        # Denmark's land fills 16–17 % of the map box at either width (measured on this fixture); an
        # unloaded map is one background colour (≈ 0 %), and rings wound the wrong way for the SVG map
        # fill the whole box but the municipalities (≈ 99 %, seen while building the disk fallback).
        assert 0.08 < share < 0.5, f"{width} px: {share:.1%} of the map box is drawn"
        assert colours > 8, f"{width} px: {colours} colours — the tiers are not filled"
        assert pg.errors == [], pg.errors
    finally:
        ctx.close()


def test_profile_charts_render_from_disk(site, browser):
    ctx, pg = _open(browser, (site / f"kommune/{NYBORG}.html").as_uri(), 1280)
    try:
        assert "Nyborg" in pg.locator("h1").first.inner_text()
        assert pg.locator("[data-rendered]").count() >= 1
        assert pg.errors == [], pg.errors
    finally:
        ctx.close()

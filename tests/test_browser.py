"""Browser tests: the real pages in the system Chromium through Playwright.

Run with ``pytest -m browser tests/test_browser.py``. They skip cleanly when
/usr/bin/chromium or Playwright is missing; CI installs both. A screenshot of every
page is written to ``tests/screenshots/`` (or ``$BENCHLEARN_SCREENSHOTS``).
"""

from __future__ import annotations

import io
import os
import time
import tomllib
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from serving import served
from test_web import NYBORG, SCHEMES, SUPPRESSED_K, build_fake_workspace

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("BENCHLEARN_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("BENCHLEARN_SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Chromium's software GL prints performance notes as console warnings; they are not page errors.
IGNORED = ("GPU stall", "GL Driver Message", "WebGL", "Automatic fallback to software WebGL")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    path = tmp_path_factory.mktemp("browserws") / "ws.duckdb"
    tables = build_fake_workspace(path)
    with served(path, ready_within=120) as base:
        yield base, tables


@pytest.fixture(scope="module")  # closed at the end of this module: a Playwright sync loop left running breaks the next browser test file
def browser(server):
    from playwright.sync_api import sync_playwright

    # launch() gives Chromium a fresh temporary profile itself (--user-data-dir is refused)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="da-DK")
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" and not m.text.startswith(IGNORED) else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("requestfailed", lambda r: pg.errors.append(f"request failed: {r.url}"))
    yield pg
    ctx.close()


def _shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_js(pg, expression: str, timeout_ms: int) -> None:
    """Poll a JavaScript expression from the test side until it is true.

    Not ``page.wait_for_function``: Playwright compiles its predicate with ``eval`` inside the page,
    which the site's Content-Security-Policy (no 'unsafe-eval', #20.7) rightly forbids;
    ``page.evaluate`` goes through the DevTools protocol, which CSP does not govern.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not pg.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_ms} ms: {expression}")
        pg.wait_for_timeout(100)


def charts_rendered(pg) -> None:
    n = pg.locator("[data-fig]").count()
    if n:
        wait_js(pg, f"document.querySelectorAll('[data-rendered]').length >= {n}", 30000)


PAGES = [("/", "forside"), ("/benchmark", "benchmark"), ("/kommune/450", "kommune_450"), ("/ordninger", "ordninger"),
         ("/metode", "metode"), ("/data", "data"), ("/undersoegelser", "undersoegelser"), (f"/kommune/{SUPPRESSED_K}", "kommune_825"),
         ("/docs", "api_docs")]


@pytest.mark.parametrize("path,name", PAGES)
def test_page_loads_without_console_errors(server, page, path, name):
    base, _ = server
    resp = page.goto(base + path)
    assert resp.status == 200
    charts_rendered(page)
    page.wait_for_timeout(300)
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator("h1").first.inner_text().strip()
    _shot(page, name)
    assert page.errors == [], page.errors


def test_map_has_98_shapes(server, page):
    base, _ = server
    page.goto(base + "/")
    charts_rendered(page)
    n_locations = page.evaluate("document.getElementById('map').data[0].locations.length")
    assert n_locations == 98
    # the geometry actually loaded: plotly resolved the GeoJSON with one feature per municipality
    wait_js(page, "document.getElementById('map')._fullData[0]._length === 98", 20000)
    assert page.locator("#cartogram path.tile").count() == 98
    # the SVG geo map (no WebGL): one drawn path per municipality with a value, at least
    assert page.locator("#map path.choroplethlocation").count() >= 98
    assert page.errors == [], page.errors


def test_selectors_change_the_view(server, page):
    base, tables = server
    page.goto(base + "/")
    charts_rendered(page)
    before = page.evaluate("Array.from(document.getElementById('map').data[0].z)")
    with page.expect_navigation():
        page.select_option("#sel-period", label="2021")
    charts_rendered(page)
    assert "period=2021" in page.url
    assert "2021" in page.locator("#view-caption").inner_text()
    with page.expect_navigation():
        page.select_option("#sel-colour", index=1)
    charts_rendered(page)
    after = page.evaluate("Array.from(document.getElementById('map').data[0].z)")
    assert after != before
    # the z values are the stored diff_pp of 2021/total for every municipality
    b = tables["benchmark"]
    want = b[(b["period"] == "2021") & (b["area"] == "total")].set_index("kommunekode")["diff_pp"]
    locs = page.evaluate("Array.from(document.getElementById('map').data[0].locations)")
    for k, z in zip(locs, after):
        assert z == pytest.approx(want[k], abs=1e-12)
    # the benchmark page's area selector changes the table
    page.goto(base + "/benchmark")
    with page.expect_navigation():
        page.select_option("#sel-area", label="A-dagpenge")
    assert "area=a_dagpenge" in page.url
    assert page.locator("#bench-table tbody tr").count() == 98
    assert page.errors == [], page.errors


def test_table_sort_and_filter(server, page):
    base, _ = server
    page.goto(base + "/benchmark")
    page.fill("#table-filter", "Nyborg")
    visible = page.locator("#bench-table tbody tr:visible")
    assert visible.count() == 1 and "Nyborg" in visible.first.inner_text()
    page.fill("#table-filter", "")
    page.click("#bench-table th button[data-col='2']")  # diff_pp ascending
    vals = page.eval_on_selector_all("#bench-table tbody tr td:nth-child(3)", "els => els.map(e => parseFloat(e.dataset.v))")
    assert vals == sorted(vals)


def test_downloads_open(server, page):
    base, tables = server
    page.goto(base + "/data")
    _shot(page, "data_downloads")
    with page.expect_download() as dl:
        page.click("a[href='/download/benchmark.csv']")
    raw = Path(dl.value.path()).read_bytes()
    csv = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"period": str})
    assert len(csv) == len(tables["benchmark"])
    with page.expect_download() as dl:
        page.click("a[href='/download/classification.xlsx']")
    # the XLSX is the readable table (#18.4): Danish heading, each scheme by the name its file gives it
    x = pd.read_excel(dl.value.path())
    names = {}
    for f in resources.files("benchlearn").joinpath("schemes").iterdir():
        if f.name.endswith(".toml"):
            doc = tomllib.loads(f.read_text(encoding="utf-8"))
            names[doc.get("id")] = doc.get("label", {}).get("da")
    assert len(x) == len(tables["classification"])
    assert set(x["Ordning"]) == {names[s] for s in SCHEMES}
    with page.expect_download() as dl:
        page.click("a[href='/download/surveys.parquet']")
    assert len(pd.read_parquet(dl.value.path())) == len(tables["surveys"])


def test_acceptance_nyborg_within_three_clicks(server, page):
    """A new user finds Nyborg's result, interval, category per scheme and learning partners."""
    base, tables = server
    page.goto(base + "/")
    page.fill("#search-q", "Nyborg")  # typing is not a click
    with page.expect_navigation():
        page.click("#search-form button")  # click 1
    assert page.url.rstrip("/").endswith(f"/kommune/{NYBORG}")
    b = tables["benchmark"]
    ny = b[(b["period"] == "2023") & (b["area"] == "total") & (b["kommunekode"] == NYBORG)].iloc[0]

    def da(v: float) -> str:
        s = f"{abs(v):.2f}".replace(".", ",")
        return ("−" if v < 0 else "") + s

    assert page.locator("#kpi-diff").inner_text().strip() == f"{da(ny['diff_pp'])} pp"
    assert page.locator("#kpi-ci").inner_text().strip() == f"[{da(ny['ci_low_pp'])}; {da(ny['ci_high_pp'])}] pp"
    rows = page.locator("#cls-table tbody tr")
    assert rows.count() == len(SCHEMES)
    from benchlearn.report.text import SCHEMES as LABELS

    text = page.locator("#cls-table").inner_text()
    for s in SCHEMES:
        assert LABELS[s][0] in text
    pe = tables["peers"]
    partners = pe[(pe["period"] == "2023") & (pe["kommunekode"] == NYBORG) & pe["learning_partner"]]
    from benchlearn.core import reference

    lp = page.locator("#learning-partners").inner_text()
    for k in partners["peer_kommunekode"]:
        assert reference.navn(int(k)) in lp
    _shot(page, "acceptance_nyborg")
    # the other route: one click on Nyborg's tile in the cartogram
    page.goto(base + "/")
    with page.expect_navigation():
        page.click(f"#cartogram path[data-kommunekode='{NYBORG}']")
    assert page.url.endswith(f"/kommune/{NYBORG}")


def test_map_click_opens_profile(server, page):
    base, _ = server
    page.goto(base + "/")
    charts_rendered(page)
    # a plotly click event on Nyborg's shape navigates like a user's click on the map
    with page.expect_navigation():
        page.evaluate(f"""() => {{
            const gd = document.getElementById('map');
            const i = gd.data[0].locations.indexOf({NYBORG});
            gd.emit('plotly_click', {{points: [{{customdata: {NYBORG}, location: {NYBORG}, pointNumber: i}}]}});
        }}""")
    assert page.url.endswith(f"/kommune/{NYBORG}")


def test_english_switch(server, page):
    base, _ = server
    page.goto(base + "/kommune/450")
    with page.expect_navigation():
        page.click("a.lang")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Category under every scheme" in page.content()
    page.goto(base + "/benchmark")  # the cookie keeps the choice
    assert page.locator("html").get_attribute("lang") == "en"
    _shot(page, "benchmark_en")


def test_keyboard_skip_link_and_focus(server, page):
    base, _ = server
    page.goto(base + "/benchmark")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_phone_layout_has_no_horizontal_scroll(browser, server):
    base, _ = server
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    pg = ctx.new_page()
    for path, name in (("/", "phone_forside"), ("/kommune/450", "phone_kommune_450")):
        pg.goto(base + path)
        pg.wait_for_timeout(1500)
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px"
        # controls fit the screen too (wide tables scroll inside their own region)
        wide = pg.evaluate("""Array.from(document.querySelectorAll('select, input, button, h1, p'))
            .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '#' + e.id)""")
        assert wide == [], f"{path}: {wide} stick out of the screen"
        pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
    ctx.close()


def test_suppressed_survey_shown_as_suppressed(server, page):
    base, _ = server
    page.goto(base + f"/kommune/{SUPPRESSED_K}")
    cells = page.locator("#survey-table td.suppressed")
    assert cells.count() == 5
    assert cells.first.inner_text().strip() == "undertrykt (færre end 5 svar)"


# ------------------------------------------------------------------ chart tick labels
_TICKS_JS = """([id, ax]) => {
  const root = document.getElementById(id);
  const box = root.getBoundingClientRect();
  const ticks = Array.from(root.querySelectorAll('g.' + ax + 'tick text')).map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left - box.left, right: r.right - box.left,
            top: r.top - box.top, bottom: r.bottom - box.top};
  });
  const title = root.querySelector('text.' + ax + 'title');
  const tr = title ? title.getBoundingClientRect() : null;
  return {width: box.width, ticks: ticks,
          title: tr ? {left: tr.left - box.left, right: tr.right - box.left, top: tr.top - box.top,
                       bottom: tr.bottom - box.top} : null};
}"""


def _parse_da(s: str) -> float:
    """A Danish number as plotly prints it with separators ',.': 1.234,5 and U+2212 for minus."""
    assert "-" not in s, f"ASCII hyphen as minus in tick label {s!r}"
    return float(s.replace("\u2212", "-").replace(".", "").replace(",", "."))


def _fig_range(fig: dict, ax: str) -> tuple[float, float]:
    """Smallest and largest value a chart shows on an axis: points, bands and error bars."""
    vals = []
    for tr in fig["data"]:
        v = [x for x in tr.get(ax, []) if isinstance(x, (int, float))]
        vals += v
        err = tr.get(f"error_{ax}")
        if err:
            xs = tr[ax]
            for x, lo, hi in zip(xs, err.get("arrayminus", []), err.get("array", []), strict=False):
                if x is not None and lo is not None and hi is not None:
                    vals += [x - lo, x + hi]
    return min(vals), max(vals)


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5 and a["top"] < b["bottom"] - 0.5 \
        and b["top"] < a["bottom"] - 0.5


CHARTS = [("/kommune/450", "fig-trend", "y"), ("/kommune/450", "fig-areas", "x"), ("/benchmark", "funnel", "y"),
          ("/benchmark", "caterpillar", "x")]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path,chart,ax", CHARTS)
def test_chart_tick_labels_print_the_data_range(browser, server, width, path, chart, ax):
    # The rendered tick labels of the trend, funnel and forest (interval) charts must be
    # whole numbers in Danish format (Unicode minus, decimal comma), inside the chart (not
    # clipped at the left edge: "5, 1, 5, 0, 5" for −0,5 … 1,5 was the bug), not under the
    # axis title, and span the data's range to within one tick step.
    import json

    base, _ = server
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="da-DK")
    pg = ctx.new_page()
    pg.goto(base + path)
    charts_rendered(pg)
    fig = json.loads(pg.locator(f"#{chart}-data").text_content())
    got = pg.evaluate(_TICKS_JS, [chart, ax])
    ctx.close()
    ticks = got["ticks"]
    assert len(ticks) >= 3, ticks
    vals = [_parse_da(t["text"]) for t in ticks]
    step = min(b - a for a, b in zip(sorted(vals), sorted(vals)[1:], strict=False))
    lo, hi = _fig_range(fig, ax)
    assert min(vals) <= lo + step and max(vals) >= hi - step, (vals, lo, hi)
    if lo < -step:  # the data go below zero: a negative tick, printed with U+2212
        assert any(t["text"].startswith("\u2212") for t in ticks), [t["text"] for t in ticks]
    if step < 1:  # ticks between whole numbers carry a decimal comma
        assert any("," in t["text"] for t in ticks), [t["text"] for t in ticks]
    for t in ticks:
        assert t["left"] >= -0.5 and t["right"] <= got["width"] + 0.5, (t, got["width"])
        if got["title"]:
            assert not _overlap(t, got["title"]), (t, got["title"])


def test_comparator_choice_changes_the_drawn_comparison(server, page):
    """Issue 18 build 2: choosing "Regionen" and then "Sammenlignelige kommuner" redraws the
    comparator on the trend chart and the peers chart; the values the browser drew are the
    pandas means of the stored results of the region's municipalities / the stored peers
    (float64 over the same numbers: rel 1e-12), and the legend the browser rendered names it."""
    from benchlearn.core import reference

    base, tables = server
    b = tables["benchmark"]
    region = reference.municipalities().set_index("kommunekode")["region"]
    pe = tables["peers"]
    groups = {"land": set(b["kommunekode"]),
              "region": {int(k) for k, r in region.items() if r == region[NYBORG]},
              "peers": set(pe[(pe["period"] == "2023") & (pe["kommunekode"] == NYBORG)]["peer_kommunekode"]) - {NYBORG}}
    drawn = "(function(id){var t=document.getElementById(id).data.filter(function(d){return d.meta==='comparator';})[0];" \
            "return {x: Array.from(t.x), y: Array.from(t.y), name: t.name};})"
    page.goto(base + f"/kommune/{NYBORG}")
    charts_rendered(page)
    seen = {}
    for which, label in (("land", None), ("region", "Regionen"), ("peers", "Sammenlignelige kommuner")):
        if label is not None:
            with page.expect_navigation():
                page.click(f'#comparator-choice a[data-comparator="{which}"]')
            charts_rendered(page)
            assert f"sammenlign={which}" in page.url
        trend = page.evaluate(drawn + "('fig-trend')")
        for period, y in zip(trend["x"], trend["y"], strict=True):
            sub = b[(b["period"] == period) & (b["area"] == "total") & b["kommunekode"].isin(groups[which])]
            assert y == pytest.approx(sub["diff_pp"].mean(), rel=1e-12), (which, period)
        peers_line = page.evaluate(drawn + "('peers-chart')")
        last = b[(b["period"] == "2023") & (b["area"] == "total") & b["kommunekode"].isin(groups[which])]
        assert peers_line["x"][0] == pytest.approx(last["diff_pp"].mean(), rel=1e-12)
        # SVG text has no innerText: read textContent of the legend plotly drew
        legend = page.evaluate("Array.from(document.querySelectorAll('#fig-trend .legendtext')).map(e => e.textContent)")
        assert any(trend["name"] == t for t in legend), legend
        assert str(len(groups[which])) in trend["name"]
        assert page.locator('#comparator-choice a[aria-current="true"]').get_attribute("data-comparator") == which
        seen[which] = trend["y"][-1]
    assert len(set(seen.values())) == 3  # three different groups: three different lines
    # the choice survives a change of period (the period selector's links keep it)
    with page.expect_navigation():
        page.select_option("#sel-period", label="2022")
    assert "sammenlign=peers" in page.url and "period=2022" in page.url
    # a definition is one click away, the docs' text
    from benchlearn.report.definitions import definition

    page.locator("#resultat details.definition summary").first.click()
    assert page.locator("#resultat details.definition .definition-text").first.inner_text().startswith(
        definition("diff_pp")[:40])
    assert page.errors == [], page.errors

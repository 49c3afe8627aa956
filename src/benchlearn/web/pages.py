"""HTML pages: one context builder per page, rendered with Jinja2.

The same functions render the live site (FastAPI) and the static export
(``benchlearn site``); only the :class:`Linker` differs — absolute URLs with query
parameters on the server, relative file names in the export.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pandas as pd
from jinja2 import (
    ChainableUndefined,
    Environment,
    PackageLoader,
    select_autoescape,
)
from markupsafe import Markup

from benchlearn.core.i18n import lang, t  # t: for pages not yet on the label source
from benchlearn.report import definitions, figures
from benchlearn.report.formatting import fmt_bool, fmt_num, fmt_pct
from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData, records

COLOURS = ("tier", "diff_pp")


@dataclass(frozen=True)
class Linker:
    """Build links for the live server (``static=False``) or the static export."""

    static: bool = False
    depth: int = 0  # static export: how many folders below the site root the page sits

    @property
    def root(self) -> str:
        return "../" * self.depth if self.static else "/"

    def _q(self, params: dict) -> str:
        p = {k: v for k, v in params.items() if v is not None}
        if not self.static and lang() == "en":
            p["lang"] = "en"
        return ("?" + urlencode(p)) if p else ""

    def page(self, name: str, **params: Any) -> str:
        if self.static:
            vals = [str(v) for v in params.values() if v is not None]
            base = "index" if name == "index" else name
            return self.root + (base + ("-" + "-".join(vals) if vals else "") + ".html")
        path = "/" if name == "index" else f"/{name}"
        return path + self._q(params)

    def kommune(self, k: int, **params: Any) -> str:
        """A municipality's page; ``params`` (e.g. the comparator) only on the live server — the
        static export has one page per municipality."""
        return f"{self.root}kommune/{int(k)}.html" if self.static else f"/kommune/{int(k)}" + self._q(params)

    def static_file(self, path: str) -> str:
        # content-hashed name: cached for good by browsers, replaced when the file changes
        from benchlearn.web.assets import hashed_name

        return f"{self.root}static/{hashed_name(path)}"

    def geo(self) -> str:
        return f"{self.root}geo/kommuner.json"

    def geo_script(self) -> str:
        """The boundaries as a script (static export): a page opened from disk may not fetch JSON."""
        return f"{self.root}geo/kommuner.js"

    def download(self, table: str, fmt: str, **selection: Any) -> str:
        """The table as a file; with a selection (``period=``, ``area=`` …) only the rows on screen.
        The static export writes one file per selection (``data/benchmark-2024-total.csv``)."""
        vals = {k: v for k, v in selection.items() if v is not None}
        if self.static:
            return f"{self.root}data/{'-'.join([table, *map(str, vals.values())])}.{fmt}"
        p = dict(vals)
        if lang() == "en":
            p["lang"] = "en"
        return f"/download/{table}.{fmt}" + (("?" + urlencode(p)) if p else "")

    def api(self, path: str) -> str:
        return f"{self.root}api/{path}.json" if self.static else f"/api/{path}"

    def lang_switch(self, current_url: str) -> str:
        if self.static:
            return ""
        # the view's own parameters (period, area, comparator …) stay: only the language changes
        other = "da" if lang() == "en" else "en"
        base, _, query = current_url.partition("?")
        keep = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
        return f"{base}?{urlencode(keep + [('lang', other)])}"


_env: Environment | None = None


def env() -> Environment:
    global _env
    if _env is None:
        e = Environment(loader=PackageLoader("benchlearn.web", "templates"),
                        autoescape=select_autoescape(["html"]), undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
        e.globals.update(say=tx.say, t=t, tx=tx, defs=definitions)  # t: only until every page holds keys (tests/test_labels.py)
        e.filters["num"] = fmt_num
        e.filters["pct"] = fmt_pct
        e.filters["yesno"] = fmt_bool
        _env = e
    return _env


def fig_json(fig: dict | None) -> Markup | None:
    if fig is None:
        return None
    return Markup(json.dumps(fig, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/"))


def _nav(linker: Linker, data: SiteData) -> list[dict]:
    items = [("index", tx.say("common.map")), ("benchmark", tx.say("pages.benchmark"))]
    if data.has("classification"):
        items.append(("ordninger", tx.say("pages.schemes")))
    if data.has("surveys"):
        items.append(("undersoegelser", tx.say("common.surveys")))
    if data.has("by_origin"):
        items.append(("integration", tx.say("pages.integration")))
    if data.has("review_specs"):
        items.append(("review", tx.say("pages.model_review")))
    if data.has("benchlearning_catalogue"):
        items.append(("metoder", tx.say("benchlearning.catalogue_title")))
    from benchlearn.report.monitoring import is_monthly

    if is_monthly(data.inputs.get("activity")):
        items.append(("overvaagning", tx.say("monitoring.title")))
    items += [("metode", tx.say("common.method_data")), ("data", tx.say("common.downloads"))]
    return [{"name": n, "label": lab, "href": linker.page(n)} for n, lab in items]


def base_context(data: SiteData, linker: Linker, page: str, url: str, simulated, title: str) -> dict:
    """Context every page shares. ``simulated``: the names of the tables shown on the page that
    hold simulated numbers (the banner names them; none = no banner), or a bool."""
    munis = data.municipalities[["kommunekode", "navn"]]
    names = [] if isinstance(simulated, bool) else list(simulated)
    what = [tx.pick(tx.TABLE_TITLES.get(n), n) for n in names]
    return {
        "lang": lang(), "title": title, "page": page, "L": linker, "nav": _nav(linker, data),
        "simulated": bool(simulated), "simulated_what": what, "lang_url": linker.lang_switch(url),
        "search_items": [{"navn": n, "href": linker.kommune(k)} for k, n in
                         zip(munis["kommunekode"], munis["navn"])],
    }


#: Trace types in plotly's basic bundle (1.2 MB instead of 4.8 MB: scatter, bar, pie) and in its
#: geo bundle (1.4 MB: scatter and the SVG map traces, the front page's map).
BASIC_TRACES = frozenset({"scatter", "bar", "pie"})
GEO_TRACES = frozenset({"scatter", "choropleth", "scattergeo"})
BASIC_BUNDLE, GEO_BUNDLE, FULL_BUNDLE = "js/plotly-basic.min.js", "js/plotly-geo.min.js", "js/plotly.min.js"
_FIG_BLOCK = re.compile(r'<script type="application/json" id="[^"]*-data">(.*?)</script>', re.S)


def trace_types(html: str) -> set[str]:
    """Plotly trace types of every figure embedded in a rendered page."""
    out: set[str] = set()
    for m in _FIG_BLOCK.finditer(html):
        fig = json.loads(m.group(1).replace("<\\/", "</"))
        out |= {str(tr.get("type", "scatter")) for tr in fig.get("data", [])}
    return out


def render(template: str, ctx: dict) -> str:
    """Render a page. It loads plotly's basic bundle, the geo one for a page whose charts are
    all map or scatter traces, the full one only when a figure needs it, and none on a page
    without charts."""
    html = env().get_template(template).render(**ctx)
    linker = ctx.get("L")
    if isinstance(linker, Linker):
        types = trace_types(html)
        basic = f'<script src="{linker.static_file(BASIC_BUNDLE)}" defer></script>'
        if not types:  # no chart on the page: no plotly at all
            html = html.replace(basic, "")
        elif types - BASIC_TRACES:
            bundle = GEO_BUNDLE if types <= GEO_TRACES else FULL_BUNDLE
            html = html.replace(basic, f'<script src="{linker.static_file(bundle)}" defer></script>')
    return html


# ---------------------------------------------------------------- pages ----
def _sel(data: SiteData, period: str | None, area: str | None) -> tuple[str | None, str | None]:
    p = period if period in data.periods else data.default_period()
    a = area if area in data.areas else data.default_area()
    return p, a


def index_page(data: SiteData, linker: Linker, period=None, area=None, colour=None, url="/") -> str:
    p, a = _sel(data, period, area)
    colour = colour if colour in COLOURS else "tier"
    b = data.benchmark(p, a)
    ctx = base_context(data, linker, "index", url, data.simulated_of("benchmark"),
                       tx.say("common.municipalities_employment_efforts"))
    values = pd.DataFrame({"kommunekode": data.municipalities["kommunekode"], "navn": data.municipalities["navn"]})
    if b is not None:
        keep = [c for c in ("kommunekode", "diff_pp", "tier", "ci_low_pp", "ci_high_pp") if c in b.columns]
        values = values.merge(b[keep].astype({"kommunekode": "int64"}), on="kommunekode", how="left")
    fig = figures.map_figure(values, colour, linker.geo()) if data.boundaries is not None else None
    tiles = []
    if data.cartogram:
        vmap = values.set_index("kommunekode")
        for tile in data.cartogram:
            k = tile["kommunekode"]
            row = vmap.loc[k] if k in vmap.index else None
            tier = str(row["tier"]) if row is not None and "tier" in vmap.columns and pd.notna(row["tier"]) else ""
            diff = row["diff_pp"] if row is not None and "diff_pp" in vmap.columns else None
            fill = tx.TIER_COLOURS.get(tier, "#dddddd") if colour == "tier" else _diverging(diff, values)
            desc = f"{tile['navn']}: " + (tx.label(tx.TIERS, tier) if tier else tx.say("common.no_result"))
            if diff is not None and pd.notna(diff):
                desc += f", {fmt_num(diff)} pp"
            # the tier's shape on the tile too: colour alone does not tell the tiers apart under deuteranopia
            mark = tx.TIER_SYMBOLS[tier][1] if colour == "tier" and tier in tx.TIER_SYMBOLS else ""
            tiles.append({**tile, "fill": fill, "desc": desc, "href": linker.kommune(k), "mark": mark})
    counts = {}
    if b is not None and "tier" in b.columns:
        counts = {k: int((b["tier"] == k).sum()) for k in tx.TIERS}
    ctx.update(
        period=p, area=a, colour=colour, periods=data.periods, areas=data.areas, fig=fig_json(fig), geo_inline=fig is not None,
        tiles=tiles, counts=counts, has_results=b is not None,
        period_options=[{"value": linker.page("index", period=x, area=a, colour=colour), "label": x, "selected": x == p}
                        for x in data.periods],
        area_options=[{"value": linker.page("index", period=p, area=x, colour=colour), "label": tx.area_label(x),
                       "selected": x == a} for x in data.areas],
        colour_options=[{"value": linker.page("index", period=p, area=a, colour=c),
                         "label": tx.say("pages.tier_better_as_expected_worse") if c == "tier"
                         else tx.say("pages.difference_percentage_points"), "selected": c == colour}
                        for c in COLOURS],
        best=_surely_better(b),
    )
    return render("index.html", ctx)


def _surely_better(b: pd.DataFrame | None, n: int = 5) -> list[dict]:
    """The ``n`` furthest below expected among those whose whole 95 % interval is below 0.

    A point estimate far below 0 with an interval that includes 0 (Fanø, 3,000 residents) is
    not a finding; listing it first contradicted its own "as expected" tier.
    """
    if b is None or "diff_pp" not in b.columns:
        return []
    sure = b[pd.to_numeric(b["ci_high_pp"], errors="coerce") < 0] if "ci_high_pp" in b.columns else b
    keep = [c for c in ("kommunekode", "navn", "diff_pp", "ci_low_pp", "ci_high_pp") if c in b.columns]
    return records(sure.sort_values("diff_pp", kind="stable").head(n)[keep])


def _diverging(v, values: pd.DataFrame) -> str:
    if v is None or pd.isna(v) or "diff_pp" not in values.columns:
        return "#dddddd"
    m = float(values["diff_pp"].abs().max() or 1.0)
    x = max(-1.0, min(1.0, float(v) / m))
    # blue (good, negative) to red (worse, positive) through white; hand-rolled because it is 3 lines
    if x < 0:
        r, g, b = (int(255 + (33 - 255) * -x), int(255 + (102 - 255) * -x), int(255 + (172 - 255) * -x))
    else:
        r, g, b = (int(255 + (178 - 255) * x), int(255 + (24 - 255) * x), int(255 + (43 - 255) * x))
    return f"#{r:02x}{g:02x}{b:02x}"


BENCH_COLS = ["rank", "navn", "diff_pp", "ci_low_pp", "ci_high_pp", "rank_ci_low", "rank_ci_high", "published_rank", "tier",
              "actual", "expected", "shrunk_diff_pp", "p_top10", "potentiale_persons", "extrapolated"]


def benchmark_page(data: SiteData, linker: Linker, period=None, area=None, url="/benchmark") -> str:
    p, a = _sel(data, period, area)
    b = data.benchmark(p, a)
    ctx = base_context(data, linker, "benchmark", url, data.simulated_of("benchmark"),
                       tx.say("common.benchmark_result_vs_expected"))
    rows, cols = [], []
    if b is not None:
        cols = [c for c in BENCH_COLS if c in b.columns]
        for r in records(b):
            r["href"] = linker.kommune(r["kommunekode"])
            rows.append(r)
    ctx.update(
        period=p, area=a, rows=rows, cols=cols,
        caterpillar=fig_json(figures.caterpillar(b)) if b is not None and "diff_pp" in b.columns else None,
        ranks=fig_json(figures.rank_intervals(b)) if b is not None else None,
        funnel=fig_json(figures.funnel(b)) if b is not None and "diff_pp" in b.columns else None,
        period_options=[{"value": linker.page("benchmark", period=x, area=a), "label": x, "selected": x == p}
                        for x in data.periods],
        area_options=[{"value": linker.page("benchmark", period=p, area=x), "label": tx.area_label(x), "selected": x == a}
                      for x in data.areas],
        stability=_stability(data, a),
    )
    return render("benchmark.html", ctx)


def _stability(data: SiteData, area: str | None) -> float | None:
    """Correlation of diff_pp between the last two periods (a description, not a model)."""
    if len(data.periods) < 2 or area is None:
        return None
    x, y = data.benchmark(data.periods[-2], area), data.benchmark(data.periods[-1], area)
    if x is None or y is None or "diff_pp" not in x.columns:
        return None
    m = x[["kommunekode", "diff_pp"]].merge(y[["kommunekode", "diff_pp"]], on="kommunekode")
    if len(m) < 3:
        return None
    return float(m["diff_pp_x"].corr(m["diff_pp_y"]))


def scheme_rows(data: SiteData, period: str | None, a: str, b: str) -> list[dict]:
    """Each municipality's category and position under two schemes, with the move between them."""
    c = data.table("classification")
    if c is None:
        return []
    if period is not None and "period" in c.columns:
        c = c[c["period"] == str(period)]
    keep = [x for x in ("kommunekode", "navn", "category", "category_label", "category_label_da", "category_label_en",
                        "position", "reason", "reason_da", "reason_en", "diff_pp",
                        "resultatmaal", "fokusmaal_tilbud", "fokusmaal_samtaler") if x in c.columns]
    ca, cb = c[c["scheme"] == a][keep], c[c["scheme"] == b][keep]
    if ca.empty or cb.empty:
        return []
    m = ca.merge(cb, on="kommunekode", suffixes=("_a", "_b"), how="outer")
    out = []
    for r in records(m):
        pa, pb = r.get("position_a"), r.get("position_b")
        r["navn"] = r.get("navn_a") or r.get("navn_b")
        r["move"] = (pa - pb) if pa is not None and pb is not None else None
        r["changed"] = r.get("category_a") != r.get("category_b") or (r["move"] or 0) != 0
        for side in ("a", "b"):
            sub = {k[:-2]: v for k, v in r.items() if k.endswith("_" + side)}
            r["cat_" + side] = tx.localized(sub, "category_label", tx.label(tx.CATEGORIES, sub.get("category")))
            r["why_" + side] = tx.localized(sub, "reason")
        out.append(r)
    out.sort(key=lambda r: -abs(r["move"] or 0))
    return out


def _for_period(df: pd.DataFrame | None, period: str | None) -> list[dict]:
    if df is None:
        return []
    if period is not None and "period" in df.columns and (df["period"].astype(str) == str(period)).any():
        df = df[df["period"].astype(str) == str(period)]
    return records(df)


def paradox_rows(data: SiteData, period: str | None, schemes: tuple[str, ...] | None = None,
                 kommune: int | None = None) -> list[dict]:
    """Nyborg-like cases, worded from their fields (no raw codes), only where the result is sure.

    A municipality whose 95 % interval includes 0 is "as expected", so it cannot be a case
    of good results placed low (Fanø led the list on its point estimate alone).
    """
    rows = _for_period(data.table("nyborg_like"), period)
    b = data.benchmark(period, data.default_area()) if period else None
    sure: set[int] | None = None
    if b is not None and "ci_high_pp" in b.columns:
        sure = set(b.loc[pd.to_numeric(b["ci_high_pp"], errors="coerce") < 0, "kommunekode"].astype(int))
    out = []
    for r in rows:
        if schemes is not None and r.get("scheme") not in schemes:
            continue
        if kommune is not None and int(r["kommunekode"]) != int(kommune):
            continue
        if sure is not None and int(r["kommunekode"]) not in sure:
            continue
        cat = tx.localized(r, "category_label", tx.label(tx.CATEGORIES, r.get("category")))
        r["line"] = tx.say("schemes.paradox_line", rank=r["results_rank"], diff=fmt_num(r["diff_pp"]), position=r["position"],
                           category=cat, above=r["worse_placed_above"])
        out.append(r)
    return out


def schemes_page(data: SiteData, linker: Linker, period=None, a=None, b=None, url="/ordninger") -> str:
    schemes = data.schemes
    a = a if a in schemes else ("star-2020" if "star-2020" in schemes else (schemes[0] if schemes else None))
    b = b if b in schemes else ("kl-results-first" if "kl-results-first" in schemes
                                else (schemes[1] if len(schemes) > 1 else a))
    c = data.table("classification")
    cperiods = sorted(c["period"].astype(str).unique()) if c is not None and "period" in c.columns else []
    p = period if period in cperiods else (cperiods[-1] if cperiods else None)
    rows = scheme_rows(data, p, a, b) if a and b else []
    ctx = base_context(data, linker, "ordninger", url, data.simulated_of("classification", "scheme_comparison"),
                       tx.say("common.scheme_comparison"))
    summary = []
    if c is not None and p is not None:
        cp = c[c["period"] == p] if "period" in c.columns else c
        for s in schemes:
            cs = cp[cp["scheme"] == s]
            summary.append({"scheme": s, "label": tx.label(tx.SCHEMES, s),
                            "counts": [(tx.label(tx.CATEGORIES, k), int(n)) for k, n in
                                       cs["category"].value_counts(sort=False).items()]})
    ctx.update(period=p, a=a, b=b, rows=rows, moved=[r for r in rows if r["changed"]], summary=summary,
               a_label=tx.label(tx.SCHEMES, a), b_label=tx.label(tx.SCHEMES, b),
               scheme_options_a=[{"value": linker.page("ordninger", period=p, a=s, b=b), "label": tx.label(tx.SCHEMES, s),
                                  "selected": s == a} for s in schemes],
               scheme_options_b=[{"value": linker.page("ordninger", period=p, a=a, b=s), "label": tx.label(tx.SCHEMES, s),
                                  "selected": s == b} for s in schemes],
               comparison=_for_period(data.table("scheme_comparison"), p),
               paradox=paradox_rows(data, p, (a, b))[:60], paradox_why=tx.pick(tx.NYBORG_PARADOX))
    return render("schemes.html", ctx)

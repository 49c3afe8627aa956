"""Static export of the dashboard (``benchlearn site OUT``).

The same page functions as the live server render every page with relative links
(so the folder can be published anywhere or opened from disk); every view a
selector can reach is written as its own file, and every table is written in CSV,
XLSX and Parquet under ``data/``, plus JSON mirrors of the API under ``api/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchlearn.core import reference
from benchlearn.core.i18n import set_lang
from benchlearn.core.progress import progress_bar
from benchlearn.report import downloads as rdownloads
from benchlearn.report import tables as rtables
from benchlearn.web import api as webapi
from benchlearn.web import pages, profile
from benchlearn.web.assets import STATIC_DIR, hashed_name
from benchlearn.report.site_data import SiteData, read_workspace
from benchlearn.web.pages import COLOURS, Linker


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)


def export_site(workspace: str | Path | None, out: str | Path, data: SiteData | None = None,
                lang: str = "da") -> int:
    """Write the static site to ``out``; returns the number of files written."""
    set_lang(lang)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    d = data if data is not None else read_workspace(workspace)
    top, sub = Linker(static=True, depth=0), Linker(static=True, depth=1)
    jobs: list[tuple[Path, callable]] = []

    def page(rel: str, fn) -> None:
        jobs.append((out / rel, fn))

    page("index.html", lambda: pages.index_page(d, top))
    page("benchmark.html", lambda: pages.benchmark_page(d, top))
    for p in d.periods:
        for a in d.areas:
            for c in COLOURS:
                page(Path(top.page("index", period=p, area=a, colour=c)).name,
                     lambda p=p, a=a, c=c: pages.index_page(d, top, p, a, c))
            page(Path(top.page("benchmark", period=p, area=a)).name,
                 lambda p=p, a=a: pages.benchmark_page(d, top, p, a))
            for fmt in ("csv", "xlsx"):  # the table on screen, as the page links it
                jobs.append((out / top.download("benchmark", fmt, period=p, area=a),
                             lambda p=p, a=a, fmt=fmt: rdownloads.encode_download(
                                 "benchmark", d.table("benchmark"), fmt, d, period=p, area=a)))
    page("ordninger.html", lambda: pages.schemes_page(d, top))
    c = d.table("classification")
    cperiods = sorted(c["period"].astype(str).unique()) if c is not None and "period" in c.columns else []
    if cperiods:
        for s1 in d.schemes:
            for s2 in d.schemes:
                page(Path(top.page("ordninger", period=cperiods[-1], a=s1, b=s2)).name,
                     lambda s1=s1, s2=s2: pages.schemes_page(d, top, cperiods[-1], s1, s2))
    page("metode.html", lambda: profile.method_page(d, top))
    from benchlearn.web.monitoring_page import has_monitoring, monitoring_page

    if has_monitoring(d):
        page("overvaagning.html", lambda: monitoring_page(d, top))
    page("data.html", lambda: profile.data_page(d, top))
    if d.has("surveys"):
        page("undersoegelser.html", lambda: profile.surveys_page(d, top))
        s = d.table("surveys")
        for sp in sorted(s["period"].astype(str).unique()):
            for sv in sorted(s.loc[s["period"].astype(str) == sp, "survey"].unique()):
                sel = s[(s["period"].astype(str) == sp) & (s["survey"] == sv)]
                dims = list(dict.fromkeys(sel["dimension"].astype(str)))
                for dim in [None, *dims]:  # the survey's own link carries no dimension
                    name = Path(top.page("undersoegelser", period=sp, survey=sv, dimension=dim)).name
                    page(name, lambda sp=sp, sv=sv, dim=dim: profile.surveys_page(d, top, sp, sv, dim))
                    shown = profile.survey_choice(d, sp, sv, dim)  # the page's selection, as it links it
                    for fmt in ("csv", "xlsx"):
                        jobs.append((out / top.download("surveys", fmt, period=shown[0], survey=shown[1],
                                                        dimension=shown[2]),
                                     lambda shown=shown, fmt=fmt: rdownloads.encode_download(
                                         "surveys", s, fmt, d, period=shown[0], survey=shown[1],
                                         dimension=shown[2])))
    if d.has("by_origin"):
        from benchlearn.web.integration_page import integration_page

        page("integration.html", lambda: integration_page(d, top))
    if d.has("review_specs"):
        from benchlearn.web.review_page import review_page

        page("review.html", lambda: review_page(d, top))
    has_bl = d.has("benchlearning_learn") or d.has("benchlearning_partners")
    if has_bl:
        from benchlearn.web.benchlearning_page import benchlearning_page, methods_page

        page("metoder.html", lambda: methods_page(d, top))
    for k in sorted(reference.kommunekoder()):
        page(f"kommune/{k}.html", lambda k=k: profile.kommune_page(d, sub, k))
        if has_bl:
            page(f"kommune/{k}-benchlearning.html", lambda k=k: benchlearning_page(d, sub, k, f"/kommune/{k}/benchlearning"))
        jobs.append((out / f"api/kommune/{k}.json", lambda k=k: webapi.dumps(webapi.kommune(d, k))))
    jobs.append((out / "api/meta.json", lambda: webapi.dumps(webapi.meta(d))))
    jobs.append((out / "api/benchmark.json", lambda: webapi.dumps(webapi.benchmark(d))))
    jobs.append((out / "api/method.json", lambda: webapi.dumps(webapi.method(d))))
    for name in d.available_tables():
        df = d.download_table(name)
        for fmt in rtables.FORMATS:
            jobs.append((out / f"data/{name}.{fmt}",
                         lambda df=df, fmt=fmt, name=name: rdownloads.encode_download(name, df, fmt, d)))
    if d.boundaries is not None:
        jobs.append((out / "geo/kommuner.json", lambda: webapi.dumps(d.boundaries)))
        # the same boundaries as a script: index.html opened from disk (file://) may not
        # fetch JSON, but it may load a script, which hands them to the map (app.js)
        jobs.append((out / "geo/kommuner.js",
                     lambda: "window.BENCHLEARN_GEO=" + webapi.dumps(d.boundaries).decode("utf-8") + ";\n"))

    with progress_bar(len(jobs), "Skriver websted", "Writing site") as advance:
        for path, fn in jobs:
            _write(path, fn())
            advance(1)
    if (out / "static").exists():
        shutil.rmtree(out / "static")
    # under the content-hashed names the pages link to (cacheable for good by any web server)
    for f in sorted(STATIC_DIR.rglob("*")):
        if f.is_file():
            rel = str(f.relative_to(STATIC_DIR))
            _write(out / "static" / hashed_name(rel), f.read_bytes())
    return len(jobs) + sum(1 for _ in (out / "static").rglob("*") if _.is_file())

"""The FastAPI application: pages, JSON API, downloads, PDF.

``create_app(workspace_path)`` reads the workspace once (and again only when the file
changes) and memoises every encoded response per (data generation, language, URL):
a page is rendered once, then served from memory, which keeps p99 latency low
under many concurrent clients.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from benchlearn.core import reference
from benchlearn.core.errors import BenchlearnError
from benchlearn.core.i18n import lang, set_lang
from benchlearn.report import downloads as rdownloads
from benchlearn.report import tables as rtables
from benchlearn.report import text as tx
from benchlearn.web import api as webapi
from benchlearn.web import assets
from benchlearn.web import hardening, pages, profile
from benchlearn.report.site_data import DataCache, SiteData
from benchlearn.web.pages import Linker

log = logging.getLogger(__name__)
STATIC_DIR = assets.STATIC_DIR
_MAX_CACHE = 4000


Cached = tuple[bytes, str, tuple[tuple[str, str], ...]]  # body, media type, extra headers
_LANG_COOKIE = re.compile(r"(?:^|;)\s*lang=([A-Za-z]{2})")


class ResponseCache:
    """An LRU of encoded responses keyed by data generation, language, path and the
    normalised known parameters, bounded by the bytes it holds (and by count).

    Why bytes: bounded by count alone, 400 large answers to junk URLs took the server
    from 554 MB to 1.3 GB (audit #20.7); keying on the known parameters only makes junk
    parameters share one entry, and the byte budget bounds what distinct values can add.
    """

    def __init__(self, data: DataCache, budget: int | None = None) -> None:
        self.data = data
        self.budget = budget if budget is not None else hardening.cache_budget_bytes()
        self.known: frozenset[str] = frozenset()  # filled in once the routes exist
        self.held = 0
        self._store: OrderedDict[tuple, Cached] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, language: str, path: str, query: str) -> tuple:
        self.data.get()  # refresh the generation if the workspace changed
        return (self.data.generation, language, path, hardening.normal_query(query, self.known))

    def peek(self, key: tuple) -> Cached | None:
        return self._store.get(key)

    @staticmethod
    def _size(value: Cached) -> int:
        return len(value[0]) + 512  # the body plus the key, tuple and headers around it

    def get(self, key: tuple, make: Callable[[], Cached]) -> Cached:
        hit = self._store.get(key)
        if hit is not None:
            return hit
        value = make()
        size = self._size(value)
        if size > self.budget // 4:  # one answer may not push out most of the others
            return value
        with self._lock:
            old = self._store.pop(key, None)
            if old is not None:
                self.held -= self._size(old)
            self._store[key] = value
            self.held += size
            while self._store and (self.held > self.budget or len(self._store) > _MAX_CACHE):
                _, dropped = self._store.popitem(last=False)
                self.held -= self._size(dropped)
        return value


class FastPath:
    """ASGI middleware that answers a GET already in the response cache without
    entering FastAPI's routing and validation — most of the per-request cost under
    load. Misses and requests that switch language (?lang=) go through the app."""

    def __init__(self, app, cache: ResponseCache) -> None:
        self.app, self.cache = app, cache

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET":
            query = scope["query_string"].decode("latin-1")
            if "lang=" not in query:
                language = "da"
                for name, value in scope["headers"]:
                    if name == b"cookie":
                        m = _LANG_COOKIE.search(value.decode("latin-1"))
                        if m and m.group(1).lower() == "en":
                            language = "en"
                hit = self.cache.peek(self.cache.key(language, scope["path"], query))
                if hit is not None:
                    body, media, extra = hit
                    headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
                    headers += [(k.encode(), v.encode("latin-1")) for k, v in extra]
                    await send({"type": "http.response.start", "status": 200, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


def _use_lang(request: Request) -> str | None:
    """Language from ?lang=, else the cookie; returns the value to store in a cookie."""
    q = request.query_params.get("lang")
    if q in ("da", "en"):
        set_lang(q)
        return q
    set_lang(request.cookies.get("lang") or "da")
    return None


def create_app(workspace_path: str | Path | None, warm: bool = True, preload: SiteData | None = None) -> FastAPI:
    """Build the app for one workspace file (``None``: an empty site, for tests).

    ``preload``: a snapshot already read from that workspace (saves reading it twice).
    """
    data = DataCache(workspace_path, preload)
    cache = ResponseCache(data)
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Render the common pages once, in the background, so the first visitors are
        # fast and the server answers at once; /api/health says when warming is done.
        if warm:
            threading.Thread(target=_warm_then_flag, args=(app,), daemon=True).start()
        else:
            app.state.ready.set()
        yield

    app = FastAPI(title="benchlearn", version="0.1", lifespan=lifespan,
                  description="Benchmark af kommunernes beskæftigelsesindsats — JSON-API. "
                              "Benchmarking of Danish municipalities' employment efforts — JSON API.",
                  docs_url=None, redoc_url=None)
    app.state.data = data
    app.state.ready = threading.Event()
    app.state.cache = cache

    @app.get("/static/{rel:path}", include_in_schema=False)
    async def static(request: Request, rel: str):
        # hashed names are immutable and gzip-compressed once (web/assets.py)
        got = assets.response_parts(rel, request.headers.get("accept-encoding", ""))
        if got is None:
            raise HTTPException(404, tx.say("app.unknown_file"))
        body, headers = got
        return Response(content=body, headers=headers)

    app.add_middleware(FastPath, cache=cache)
    app.add_middleware(hardening.SecurityHeaders)  # added last = outermost: every response, cached or not
    live = Linker(static=False)

    async def respond(request: Request, make: Callable[[], tuple[bytes, str]], headers: dict | None = None) -> Response:
        chosen = _use_lang(request)
        key = cache.key(lang(), request.scope["path"], request.scope["query_string"].decode("latin-1"))
        extra = tuple((headers or {}).items())
        hit = cache.peek(key)
        if hit is None:
            # render off the event loop (the language context travels with it) so one slow
            # first render does not hold up the cached answers to everybody else
            value = await run_in_threadpool(lambda: (*make(), extra))
            hit = cache.get(key, lambda: value)
        body, media, extra = hit
        resp = Response(content=body, media_type=media, headers=dict(extra))
        if chosen:
            resp.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="lax")
        return resp

    def html(fn: Callable[[SiteData], str]) -> Callable[[], tuple[bytes, str]]:
        return lambda: (fn(data.get()).encode("utf-8"), "text/html; charset=utf-8")

    def url(request: Request) -> str:
        q = request.url.query
        return str(request.url.path) + (f"?{q}" if q else "")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(request: Request, period: str | None = None, area: str | None = None, colour: str | None = None):
        return await respond(request, html(lambda d: pages.index_page(d, live, period, area, colour, url(request))))

    @app.get("/benchmark", response_class=HTMLResponse, include_in_schema=False)
    async def bench(request: Request, period: str | None = None, area: str | None = None):
        return await respond(request, html(lambda d: pages.benchmark_page(d, live, period, area, url(request))))

    @app.get("/kommune/{k}.pdf", include_in_schema=False)
    async def kommune_pdf(request: Request, k: int):
        from benchlearn.report.pdf import profile_pdf

        _check_kommune(k)
        return await respond(request, lambda: (profile_pdf(data.get(), k), "application/pdf"))

    @app.get("/kommune/{k}/benchlearning", response_class=HTMLResponse, include_in_schema=False)
    async def kommune_benchlearning(request: Request, k: int):
        from benchlearn.web.benchlearning_page import benchlearning_page

        _check_kommune(k)
        return await respond(request, html(lambda d: benchlearning_page(d, live, k, url(request))))

    @app.get("/metoder", response_class=HTMLResponse, include_in_schema=False)
    async def metoder(request: Request):
        from benchlearn.web.benchlearning_page import methods_page

        return await respond(request, html(lambda d: methods_page(d, live, url(request))))

    @app.get("/kommune/{k}", response_class=HTMLResponse, include_in_schema=False)
    async def kommune(request: Request, k: int, period: str | None = None, sammenlign: str | None = None):
        _check_kommune(k)
        return await respond(request, html(lambda d: profile.kommune_page(d, live, k, period, url(request), sammenlign)))

    @app.get("/ordninger", response_class=HTMLResponse, include_in_schema=False)
    async def ordninger(request: Request, period: str | None = None, a: str | None = None, b: str | None = None):
        return await respond(request, html(lambda d: pages.schemes_page(d, live, period, a, b, url(request))))

    @app.get("/undersoegelser", response_class=HTMLResponse, include_in_schema=False)
    async def surveys(request: Request, period: str | None = None, survey: str | None = None,
                      dimension: str | None = None):
        return await respond(request, html(lambda d: profile.surveys_page(d, live, period, survey, dimension,
                                                                          url(request))))

    @app.get("/overvaagning", response_class=HTMLResponse, include_in_schema=False)
    async def overvaagning(request: Request, measure: str | None = None):
        from benchlearn.web.monitoring_page import monitoring_page

        return await respond(request, html(lambda d: monitoring_page(d, live, measure, url(request))))

    @app.get("/metode", response_class=HTMLResponse, include_in_schema=False)
    async def metode(request: Request):
        return await respond(request, html(lambda d: profile.method_page(d, live, url(request))))

    @app.get("/review", response_class=HTMLResponse, include_in_schema=False)
    async def review(request: Request):
        from benchlearn.web.review_page import review_page

        return await respond(request, html(lambda d: review_page(d, live, url(request))))

    @app.get("/integration", response_class=HTMLResponse, include_in_schema=False)
    async def integration(request: Request, period: str | None = None):
        from benchlearn.web.integration_page import integration_page

        return await respond(request, html(lambda d: integration_page(d, live, period, url(request))))

    @app.get("/data", response_class=HTMLResponse, include_in_schema=False)
    async def data_page(request: Request):
        return await respond(request, html(lambda d: profile.data_page(d, live, url(request))))

    @app.get("/sog", include_in_schema=False)
    async def search(request: Request, q: str = ""):
        _use_lang(request)
        m = reference.municipalities()
        ql = q.strip().lower()
        for test in (lambda n: n.lower() == ql, lambda n: n.lower().startswith(ql), lambda n: ql in n.lower()):
            hit = m[[bool(ql) and test(n) for n in m["navn"]]]
            if len(hit):
                return RedirectResponse(live.kommune(int(hit["kommunekode"].iloc[0])), status_code=303)
        if ql.isdigit() and int(ql) in reference.kommunekoder():
            return RedirectResponse(live.kommune(int(ql)), status_code=303)
        return RedirectResponse(live.page("index"), status_code=303)

    @app.get("/geo/kommuner.json", include_in_schema=False)
    async def geo(request: Request):
        def make():
            gj = data.get().boundaries
            if gj is None:
                raise HTTPException(404, "no boundaries")
            return webapi.dumps(gj), "application/geo+json"
        return await respond(request, make, {"Cache-Control": "public, max-age=3600"})

    @app.get("/download/{filename}", summary="Hent en tabel som CSV, XLSX eller Parquet / download a table",
             tags=["downloads"])
    async def download(request: Request, filename: str, period: str | None = None, area: str | None = None,
                       kommunekode: str | None = None, scheme: str | None = None, survey: str | None = None,
                       dimension: str | None = None):
        """``/download/benchmark.csv?period=2024&area=total`` (Danish CSV: the table on screen,
        labelled), ``.xlsx`` (the same, formatted, with an *about* sheet) or ``.parquet`` (every
        stored column, codes as stored)."""
        name, _, fmt = filename.rpartition(".")
        if fmt not in rtables.FORMATS:
            raise HTTPException(404, tx.say("app.unknown_format"))
        sel = {"period": period, "area": area, "kommunekode": kommunekode, "scheme": scheme, "survey": survey,
               "dimension": dimension}

        def make():
            d = data.get()
            df = d.download_table(name)
            if df is None:
                raise HTTPException(404, tx.say("app.no_table", name=name))
            return rdownloads.encode_download(name, df, fmt, d, **sel), rtables.MEDIA_TYPES[fmt]
        return await respond(request, make, {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs(request: Request):
        def make():
            d = data.get()
            eps = []
            for path, ops in app.openapi().get("paths", {}).items():
                for method, op in ops.items():
                    params = ", ".join(p["name"] for p in op.get("parameters", []))
                    eps.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""), "params": params})
            ctx = pages.base_context(d, live, "docs", url(request), False, "API")
            ctx["endpoints"] = eps
            return pages.render("docs.html", ctx).encode("utf-8"), "text/html; charset=utf-8"
        return await respond(request, make)

    @app.get("/api/health", summary="Klar? / ready?", tags=["api"])
    async def health():
        return {"ok": True, "warm": app.state.ready.is_set()}

    app.include_router(webapi.make_router(data.get, respond))
    cache.known = hardening.known_parameters(app.routes)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        _use_lang(request)
        if request.url.path.startswith(("/api", "/download")):
            return Response(webapi.dumps({"detail": exc.detail}), status_code=exc.status_code,
                            media_type="application/json")
        ctx = pages.base_context(data.get(), live, "error", url(request), False, tx.say("app.not_found"))
        ctx["message"] = str(exc.detail)
        return HTMLResponse(pages.render("error.html", ctx), status_code=exc.status_code)

    @app.exception_handler(BenchlearnError)
    async def bl_error(request: Request, exc: BenchlearnError):
        _use_lang(request)
        return Response(webapi.dumps({"detail": exc.message()}), status_code=500, media_type="application/json")

    return app


def _check_kommune(k: int) -> None:
    if int(k) not in reference.kommunekoder():
        raise HTTPException(404, tx.say("app.no_municipality_code", code=k))


def _warm_then_flag(app: FastAPI) -> None:
    try:
        warm_cache(app)
        # The snapshot and the cached responses live as long as the process: move them out
        # of the garbage collector's reach so a full collection cannot stall requests.
        gc.collect()
        gc.freeze()
    finally:
        app.state.ready.set()


def warm_cache(app: FastAPI) -> None:
    """Request the front page, benchmark and every profile once, in-process (no socket)."""
    import asyncio

    import httpx

    paths = ["/", "/benchmark", "/ordninger", "/metode", "/data", "/api/meta", "/api/benchmark", "/api/map",
             "/geo/kommuner.json"] + [f"/kommune/{k}" for k in sorted(reference.kommunekoder())]

    async def run() -> None:
        # ASGITransport does not run the lifespan, so this does not start warming again
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://warm") as c:
            for p in paths:
                try:
                    await c.get(p)
                except Exception:  # warming must never stop the server
                    log.warning("warming %s failed", p, exc_info=True)

    asyncio.run(run())


def app_from_env() -> FastAPI:
    """``uvicorn --factory benchlearn.web.app:app_from_env`` with ``BENCHLEARN_WORKSPACE`` set
    (for running under an external process manager or several workers)."""
    import os

    return create_app(os.environ.get("BENCHLEARN_WORKSPACE", "benchlearn.duckdb"))


def serve_workspace(workspace: str | Path, host: str = "127.0.0.1", port: int = 8000,
                    announce: Callable[[], None] | None = None) -> None:
    """Run the dashboard for ``workspace`` with uvicorn until interrupted (used by ``serve`` and ``demo``).

    ``announce`` is called once the workspace has been read (to print the address).
    """
    import uvicorn

    from benchlearn.report.site_data import read_workspace

    snapshot = read_workspace(workspace)  # a missing or broken workspace fails here with a clean message
    if announce is not None:
        announce()
    if not hardening.is_loopback(host):
        from benchlearn.core.progress import stderr

        stderr.print(tx.say("app.warning_host_reachable", host=host), highlight=False)
    uvicorn.run(create_app(workspace, preload=snapshot), host=host, port=port, log_level="warning",
                http=hardening.http_protocol(), timeout_keep_alive=5,
                limit_concurrency=hardening.MAX_CONNECTIONS)

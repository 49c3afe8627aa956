"""Time until a page is interactive (the first screen's charts drawn), served assets vs the old way.

    python benchmarks/pages.py [WORKSPACE] [--rounds 3] [--json]

Starts the dashboard for WORKSPACE (default: demo-workspace/benchlearn-demo.duckdb) in
its own process on 127.0.0.1, waits for warm-up, and visits a tour of pages (home,
benchmark, Nyborg, surveys, method, Nyborg again) in headless Chromium (/usr/bin/chromium,
never ``playwright install``) twice in the same run:

* **baseline** — the old delivery, reproduced by intercepting /static/*: every asset sent
  uncompressed with ``Cache-Control: no-store`` (what StaticFiles + no caching did);
* **current** — the server's own answers: content-hashed names, gzip, ``immutable``.

Each tour runs in a fresh browser context (empty cache) ``--rounds`` times. A page
counts as interactive when the charts in its first screen are drawn (app.js marks
``<body data-first-screen>``; the benchmark checks that every ``[data-fig]`` in the
viewport then has ``data-rendered``) — for a page without charts, at the load event. The
charts below the first screen are drawn one per task afterwards; the time until all are
drawn is printed beside. Prints per-page medians (ms), the ratio current / baseline, the
bytes sent for plotly, and exits 1 if any page of the current tour is interactive only after
1 s or more — except a page that fetches and compiles a plotly bundle the browser does not
hold yet (marked ``*``; its cold time is printed, the first visit pays it once per bundle).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = os.environ.get("BENCHLEARN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOUR = ["/", "/benchmark", "/kommune/450", "/undersoegelser", "/metode", "/kommune/450"]
STATIC = Path(__file__).resolve().parents[1] / "src" / "benchlearn" / "web" / "static"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(workspace: Path, port: int) -> subprocess.Popen:
    code = ("import sys, uvicorn; from benchlearn.web import create_app; "
            f"uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port={port}, log_level='warning')")
    return subprocess.Popen([sys.executable, "-c", code, str(workspace)])


def _wait_warm(base: str, timeout: float = 600) -> None:
    import httpx

    end = time.time() + timeout
    while time.time() < end:
        try:
            if httpx.get(base + "/api/health", timeout=2).json().get("warm"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("server did not warm up")


def _old_static(route) -> None:
    """Baseline: the old delivery — the full 4.8 MB plotly on every page, uncompressed, never cached."""
    from benchlearn.web.assets import resolve

    rel = route.request.url.split("/static/", 1)[1].split("?")[0]
    found = (STATIC / "js" / "plotly.min.js", False) if "plotly" in rel else resolve(rel)
    if found is None:
        route.fulfill(status=404, body="")
        return
    body = found[0].read_bytes()
    ctype = "text/css" if rel.endswith(".css") else "application/javascript"
    route.fulfill(status=200, body=body, headers={"content-type": ctype, "cache-control": "no-store"})


#: interactive: the page script says the charts of the first screen are drawn (app.js sets
#: data-first-screen on <body>) — checked below against the page itself: every chart that
#: lies in the first screen carries data-rendered
FIRST_SCREEN_DRAWN = "document.body.hasAttribute('data-first-screen')"
ON_SCREEN_UNDRAWN = ("[...document.querySelectorAll('[data-fig]')].filter(e => {const r = e.getBoundingClientRect();"
                     " return r.bottom > 0 && r.top < innerHeight && r.width > 0 && !e.hasAttribute('data-rendered');})"
                     ".length")


def _poll(page, condition: str, path: str, t0: float) -> None:
    """Wait until ``condition`` (JavaScript) holds. Polled with evaluate (CDP): wait_for_function
    evaluates a string, which the site's CSP forbids; a 5 ms poll adds at most 5 ms to a time."""
    while not page.evaluate(condition):
        if time.perf_counter() - t0 > 60:
            raise TimeoutError(f"{path}: charts not drawn in 60 s")
        page.wait_for_timeout(5)


def _tour(browser, base: str, baseline: bool) -> tuple[list[float], list[float], list[int]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    if baseline:
        ctx.route("**/static/**", _old_static)
    page = ctx.new_page()
    times, alls, sent_per_page = [], [], []
    for path in TOUR:
        t0 = time.perf_counter()
        page.goto(base + path, wait_until="domcontentloaded")
        n = page.locator("[data-fig]").count()
        if n:
            _poll(page, FIRST_SCREEN_DRAWN, path, t0)
            times.append((time.perf_counter() - t0) * 1000)
            undrawn = page.evaluate(ON_SCREEN_UNDRAWN)
            if undrawn:
                raise AssertionError(f"{path}: {undrawn} chart(s) in the first screen not drawn when it said so")
            _poll(page, f"document.querySelectorAll('[data-rendered]').length >= {n}", path, t0)
        else:
            page.wait_for_load_state("load")
            times.append((time.perf_counter() - t0) * 1000)
        alls.append((time.perf_counter() - t0) * 1000)
        # bytes that crossed the wire (0 when the browser took the file from its cache)
        sent_per_page.append(int(page.evaluate("performance.getEntriesByType('resource')"
                                               ".filter(e => e.name.includes('plotly'))"
                                               ".reduce((a, e) => a + e.transferSize, 0)")))
    ctx.close()
    return times, alls, sent_per_page


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", nargs="?", default="demo-workspace/benchlearn-demo.duckdb")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = _port()
    base = f"http://127.0.0.1:{port}"
    srv = _serve(Path(a.workspace), port)
    try:
        _wait_warm(base)
        res: dict[str, list[list[float]]] = {"baseline": [], "current": []}
        res_all: dict[str, list[list[float]]] = {"baseline": [], "current": []}
        plotly_bytes: dict[str, int] = {}
        cold = [False] * len(TOUR)
        with sync_playwright() as p, tempfile.TemporaryDirectory():
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            _tour(b, base, False)  # one unmeasured tour: OS file cache and server cache warm
            for _ in range(a.rounds):
                for kind in ("baseline", "current"):
                    t, t_all, sent = _tour(b, base, kind == "baseline")
                    res[kind].append(t)
                    res_all[kind].append(t_all)
                    plotly_bytes[kind] = sum(sent)
                    if kind == "current":
                        cold = [n > 0 for n in sent]
            b.close()
    finally:
        srv.terminate()
        srv.wait(timeout=20)
    med = {k: [statistics.median(r[i] for r in v) for i in range(len(TOUR))] for k, v in res.items()}
    med_all = {k: [statistics.median(r[i] for r in v) for i in range(len(TOUR))] for k, v in res_all.items()}
    out = {"pages": [{"path": TOUR[i] + (" (again)" if TOUR[i] in TOUR[:i] else ""),
                      "baseline_ms": round(med["baseline"][i]), "current_ms": round(med["current"][i]),
                      "ratio": round(med["current"][i] / med["baseline"][i], 3),
                      "baseline_all_charts_ms": round(med_all["baseline"][i]),
                      "current_all_charts_ms": round(med_all["current"][i]),
                      "plotly_loaded_here": cold[i]} for i in range(len(TOUR))],
           "plotly_bytes_sent_per_tour": plotly_bytes,
           "plotly_file_bytes": (STATIC / "js" / "plotly.min.js").stat().st_size,
           "rounds": a.rounds, "load_average": os.getloadavg()[0]}
    if a.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{'page':28} {'baseline ms':>12} {'current ms':>11} {'ratio':>7}   all charts: baseline, current ms")
        for r in out["pages"]:
            print(f"{r['path']:28} {r['baseline_ms']:>12} {r['current_ms']:>11} {r['ratio']:>7.3f}"
                  f"   {r['baseline_all_charts_ms']:>8} {r['current_all_charts_ms']:>8}"
                  + ("   * plotly bundle fetched and compiled here" if r["plotly_loaded_here"] else ""))
        print(f"plotly bytes sent per tour: baseline {plotly_bytes.get('baseline', 0):,}, "
              f"current {plotly_bytes.get('current', 0):,} (file {out['plotly_file_bytes']:,}); "
              f"load average {out['load_average']:.1f}")
    slow = [r for r in out["pages"] if r["current_ms"] >= 1000 and not r["plotly_loaded_here"]]
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Screenshots of dashboard pages at phone and desktop width, to look at before landing.

    python scripts/screenshots.py OUTDIR [--workspace W] [--width 1280 --width 390]
                                  [--lang da] [PATH ...]

Serves WORKSPACE (default demo-workspace/benchlearn-demo.duckdb) on a free loopback
port in this process, opens each PATH (default: home, benchmark, Nyborg, surveys,
review, method) in the system Chromium (/usr/bin/chromium; never ``playwright
install``), waits until every chart is drawn and writes ``OUTDIR/<name>-<width>.png``
(full page). Pages that answer 404 (e.g. /review before it exists) are skipped and
named. Look at the PNGs (an image viewer) — a screenshot nobody looked at proves nothing.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEFAULT_PATHS = ["/", "/benchmark", "/kommune/450", "/undersoegelser", "/review", "/metode"]


def _name(path: str) -> str:
    return path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-").replace("&", "_") or "forside"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    ap.add_argument("--workspace", default="demo-workspace/benchlearn-demo.duckdb")
    ap.add_argument("--width", type=int, action="append")
    ap.add_argument("--lang", default="da", choices=["da", "en"])
    a = ap.parse_args()
    widths = a.width or [1280, 390]
    import httpx
    import uvicorn
    from playwright.sync_api import sync_playwright

    from benchlearn.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(a.workspace, warm=False), host="127.0.0.1", port=port,
                                        log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/api/health", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    a.out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for w in widths:
            ctx = b.new_context(viewport={"width": w, "height": 900}, locale="da-DK")
            page = ctx.new_page()
            for path in a.paths:
                sep = "&" if "?" in path else "?"
                resp = page.goto(base + path + f"{sep}lang={a.lang}", wait_until="domcontentloaded")
                if resp is None or resp.status != 200:
                    print(f"skipped {path}: HTTP {resp.status if resp else '?'}", file=sys.stderr)
                    continue
                n = page.locator("[data-fig]").count()
                if n:
                    # polled with evaluate: wait_for_function evaluates a string, which the site's CSP forbids
                    t0 = time.monotonic()
                    while page.evaluate("document.querySelectorAll('[data-rendered]').length") < n:
                        if time.monotonic() - t0 > 120:
                            raise TimeoutError(f"{path}: charts not drawn in 120 s")
                        page.wait_for_timeout(200)
                page.wait_for_timeout(400)
                f = a.out / f"{_name(path)}-{w}.png"
                page.screenshot(path=str(f), full_page=True)
                written.append(f)
            ctx.close()
        b.close()
    srv.should_exit = True
    for f in written:
        print(f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

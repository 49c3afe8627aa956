"""Cache pollution: the server's memory after 1,000 junk-parameter requests (audit #20.7).

The audit saw 400 requests with junk parameters take the server from 554 MB to 1.3 GB (the
response cache was keyed on the raw query string and bounded only by entry count). This starts
``benchlearn serve`` on a workspace (default: the fabricated one of tests/test_web.py), waits
until it has warmed its cache, reads its resident memory, then sends, one after another:

1. ``--requests`` (1,000) requests to pages and API with unknown parameters (``?utm_source=N&junkN=…``);
2. ``--requests`` requests with new values of known parameters (``?period=bustN``), which do make
   new cache entries — bounded by the cache's byte budget (``BENCHLEARN_CACHE_MB``, 128 MB).

It prints the memory after each phase and its ratio to the start (target: at most 1.5x).

    python benchmarks/cache_memory.py [WORKSPACE] [--requests 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, _free_port, _rss_mb, wait_warm  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", nargs="?", type=Path)
    ap.add_argument("--requests", type=int, default=1000)
    args = ap.parse_args(argv)
    ws = args.workspace
    if ws is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from test_web import build_fake_workspace

        ws = Path(tempfile.mkdtemp(prefix="bl-cache-")) / "ws.duckdb"
        build_fake_workspace(ws)
    port = _free_port()
    srv = subprocess.Popen([sys.executable, "-m", "benchlearn", "serve", str(ws), "--port", str(port)],
                           env={**os.environ, "BENCHLEARN_PROGRESS": "0"})
    base = f"http://127.0.0.1:{port}"
    report: dict = {"requests_per_phase": args.requests}
    try:
        if not wait_warm(base, srv, 300):
            return 2
        pages = ["/", "/benchmark", "/kommune/450", "/api/benchmark", "/api/meta"]
        with httpx.Client(base_url=base, timeout=120) as c:
            for u in pages:
                c.get(u)
            start = _rss_mb(srv.pid)
            report["start_mb"] = start
            for phase, url in (("junk_parameters", "{p}?utm_source={i}&junk{i}={pad}"),
                               ("new_known_values", "{p}?period=bust{i}")):
                t1 = time.perf_counter()
                bad = 0
                for i in range(args.requests):
                    p = pages[i % len(pages)]
                    sep_url = url.format(p=p, i=i, pad="x" * 200)
                    r = c.get(sep_url)
                    bad += r.status_code >= 500
                rss = _rss_mb(srv.pid)
                report[phase] = {"rss_mb": rss, "ratio_to_start": round(rss / start, 2) if rss and start else None,
                                 "seconds": round(time.perf_counter() - t1, 1), "server_errors": bad}
    finally:
        srv.terminate()
        srv.wait(timeout=15)
    worst = max(report[k]["ratio_to_start"] or 0 for k in ("junk_parameters", "new_known_values"))
    report["within_1_5x"] = worst <= 1.5
    print(json.dumps(report, indent=2))
    return 0 if report["within_1_5x"] else 1


if __name__ == "__main__":
    sys.exit(main())

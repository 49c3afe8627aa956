"""Load test: 100 concurrent clients against ``benchlearn serve`` on loopback.

Client: aiohttp if installed (lighter; recommended), else httpx.AsyncClient.

Starts the server in its own process (so client and server do not share one
interpreter), waits until it has warmed its caches, then lets ``--clients``
concurrent clients (default 100) each send requests back to back, mixing pages
and API calls, until ``--requests`` in total (default 10000) or ``--seconds``
(default 60) are reached — bounded in count and in time. Reports p50/p95/p99/max
latency per kind (page, api) as JSON and exits 1 when a p99 is above ``--p99-ms``
(default 200).

``--bust 0.05`` (the default) sends 5 % of requests to URLs no cache can hold — a junk
parameter and a new value of a known one (``/benchmark?period=bust123&utm=…``) — so the
run mixes cache hits with misses as an attacker or a crawler would; their latency is reported
as kind ``miss``. The server's resident memory is read from /proc before and after the run.
The server is started as ``benchlearn serve`` starts it (hardened protocol, limits).

    python benchmarks/load.py [WORKSPACE] [--clients 100] [--seconds 20] [--bust 0.05]

Without a workspace, a fabricated one is built with the test fixture
(tests/test_web.py::build_fake_workspace).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_cpu(pid: int) -> float | None:
    """User+system CPU seconds of the server process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)
    except (OSError, IndexError, ValueError):
        return None


def _urls(codes: list[int], periods: list[str], areas: list[str]) -> list[tuple[str, str]]:
    pages = ["/", "/benchmark", "/ordninger", "/metode", "/data"]
    pages += [f"/benchmark?period={p}&area={a}" for p in periods for a in areas]
    pages += [f"/kommune/{k}" for k in codes]
    api = ["/api/meta", "/api/benchmark", "/api/map", "/api/schemes"]
    api += [f"/api/benchmark?period={p}&area={a}" for p in periods for a in areas]
    api += [f"/api/kommune/{k}" for k in codes]
    return [("page", u) for u in pages] + [("api", u) for u in api]


def wait_warm(base: str, srv: subprocess.Popen, seconds: float) -> bool:
    """Wait until the server says it has warmed its cache; False (and a note) if it died or took too long."""
    t0 = time.time()
    while time.time() - t0 < seconds and srv.poll() is None:
        try:
            if httpx.get(base + "/api/health", timeout=2).json().get("warm"):
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    print("server did not become ready", file=sys.stderr)
    return False


def _rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


async def _client(get, urls, n_total: list[int], limit: int, deadline: float, out: list, seed: int,
                  bust: float = 0.0) -> None:
    """One client: requests back to back on its own keep-alive connection."""
    rnd = random.Random(seed)
    t0 = time.perf_counter()
    await get("/api/health")  # opens the connection (as a browser does); timed apart
    out.append(("connect", time.perf_counter() - t0, 200, 0, t0))
    while n_total[0] < limit and time.perf_counter() < deadline:
        n_total[0] += 1
        if rnd.random() < bust:
            n = rnd.getrandbits(40)
            kind, u = "miss", rnd.choice([f"/benchmark?period=bust{n}&utm_source={n}", f"/?colour=x{n}&junk{n}=1",
                                          f"/api/benchmark?area=a{n}&x={n}"])
        else:
            kind, u = rnd.choice(urls)
        t0 = time.perf_counter()
        try:
            status, size = await get(u)
        except Exception:  # noqa: BLE001 — a failed request is an error to count, not a crash of the run
            status, size = 599, 0
        out.append((kind, time.perf_counter() - t0, status, size, t0))


async def _run(base: str, urls, clients: int, limit: int, seconds: float, bust: float = 0.0) -> tuple[list, float]:
    """``clients`` concurrent clients, each with one connection (aiohttp when installed:
    a light client leaves more of a small machine's CPU to the server; else httpx)."""
    out: list = []
    n = [0]
    if importlib.util.find_spec("aiohttp") is not None:  # asked, not caught: an error inside the run is not a fallback
        import aiohttp

        conn = aiohttp.TCPConnector(limit=clients, force_close=False)
        async with aiohttp.ClientSession(base, connector=conn, timeout=aiohttp.ClientTimeout(total=30)) as s:
            async def get(u: str) -> tuple[int, int]:
                async with s.get(u) as r:
                    return r.status, len(await r.read())

            t0 = time.perf_counter()
            await asyncio.gather(*(_client(get, urls, n, limit, t0 + seconds, out, i, bust) for i in range(clients)))
            return out, time.perf_counter() - t0
    else:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as c:
            async def get(u: str) -> tuple[int, int]:
                r = await c.get(u)
                return r.status_code, len(r.content)

            t0 = time.perf_counter()
            await asyncio.gather(*(_client(get, urls, n, limit, t0 + seconds, out, i, bust) for i in range(clients)))
            return out, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", nargs="?", type=Path)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--p99-ms", type=float, default=200.0)
    ap.add_argument("--bust", type=float, default=0.05, help="share of cache-busting requests (default 0.05)")
    args = ap.parse_args(argv)

    ws = args.workspace
    if ws is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from test_web import build_fake_workspace

        ws = Path(tempfile.mkdtemp(prefix="bl-load-")) / "ws.duckdb"
        print(f"building a fabricated workspace in {ws}", file=sys.stderr)
        build_fake_workspace(ws)

    port = _free_port()
    env = dict(os.environ, BENCHLEARN_WORKSPACE=str(ws))
    srv = subprocess.Popen([sys.executable, "-m", "benchlearn", "serve", str(ws), "--host", "127.0.0.1",
                            "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        t_start = time.time()
        if not wait_warm(base, srv, 300):
            return 2
        warm_s = time.time() - t_start
        meta = httpx.get(base + "/api/meta").json()
        from benchlearn.core import reference

        urls = _urls(sorted(reference.kommunekoder()), meta["periods"], meta["areas"])
        # one pass over every URL first, so the measured run sees the steady state a long-running server has
        with httpx.Client(base_url=base, timeout=60) as c:
            for _, u in urls:
                c.get(u)
        rss0 = _rss_mb(srv.pid)
        cpu0 = os.times()
        res, elapsed = asyncio.run(_run(base, urls, args.clients, args.requests, args.seconds, args.bust))
        cpu1 = os.times()
        srv_cpu = _proc_cpu(srv.pid)
        rss1 = _rss_mb(srv.pid)
    finally:
        srv.terminate()
        srv.wait(timeout=15)
    connects = [r for r in res if r[0] == "connect"]
    res = [r for r in res if r[0] != "connect"]

    report: dict = {"clients": args.clients, "requests": len(res), "seconds": round(elapsed, 2),
                    "throughput_rps": round(len(res) / elapsed, 1), "startup_warm_s": round(warm_s, 1),
                    "errors": sum(1 for r in res if r[2] >= 500), "not_200": sum(1 for r in res if r[2] != 200),
                    "cpu_count": os.cpu_count(),
                    "bust_share": args.bust, "server_rss_mb": {"start": rss0, "end": rss1,
                                                               "ratio": round(rss1 / rss0, 2) if rss0 and rss1 else None},
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                    "client_cpu_s": round((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), 1),
                    "server_cpu_s_total": srv_cpu,
                    "connect_ms": {"p50": round(float(np.percentile([r[1] for r in connects], 50)) * 1000, 1),
                                   "max": round(max(r[1] for r in connects) * 1000, 1)} if connects else None}
    ok = True
    for kind in ("page", "api", "miss", "all"):
        lat = np.array([r[1] for r in res if kind == "all" or r[0] == kind]) * 1000
        if not len(lat):
            continue
        q = {f"p{p}": round(float(np.percentile(lat, p)), 1) for p in (50, 95, 99)}
        report[kind] = {"n": len(lat), **q, "max": round(float(lat.max()), 1),
                        "mean_bytes": int(np.mean([r[3] for r in res if kind == "all" or r[0] == kind]))}
        if kind in ("page", "api") and q["p99"] >= args.p99_ms:
            ok = False
    report["p99_below_limit"] = ok
    print(json.dumps(report, indent=2))
    return 0 if ok and report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

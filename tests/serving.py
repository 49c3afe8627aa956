"""A workspace's dashboard on a free loopback port in a thread, for the browser tests.

One piece for every browser test file: each used to carry its own copy of the start, the
wait until ``/api/health`` says warm, and the stop (one copy went on without failing when
the server never became ready).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(path: Path, ready_within: float = 180) -> Iterator[str]:
    """Serve workspace ``path``; yields the base URL once the server is warm, fails the test if it never is."""
    import httpx
    import uvicorn

    from benchlearn.web import create_app

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(path), host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + ready_within
    while time.time() < deadline:
        try:
            if httpx.get(base + "/api/health", timeout=2).json().get("warm"):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        pytest.fail(f"the server did not become ready within {ready_within:.0f} s")
    try:
        yield base
    finally:
        srv.should_exit = True
        th.join(timeout=10)

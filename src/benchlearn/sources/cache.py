"""On-disk cache for fetched source data, and the one place HTTP errors are translated.

Layout: ``<cache>/<source>/<name>`` holds the content exactly as received and
``<cache>/<source>/<name>.manifest.json`` a small manifest::

    {"url": ..., "fetched": "2026-11-22T10:00:00+00:00", "sha256": ..., "bytes": ...,
     "request": {...}}

The cache directory is ``~/.cache/benchlearn`` unless the environment variable
``BENCHLEARN_CACHE`` or an explicit argument says otherwise. A file whose content
no longer matches its manifest hash is treated as absent (a half-written or edited
file must never be mistaken for data from the source).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from benchlearn.core.errors import SourceError

__all__ = [
    "Cache",
    "CacheEntry",
    "default_cache_dir",
    "make_client",
    "request",
    "DEFAULT_TIMEOUT",
    "error_text",
    "SourceUnreachable",
]

#: Short connect timeout so that an offline machine fails in seconds, not minutes;
#: a longer read timeout because StatBank bulk extracts can take a while to stream.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


def default_cache_dir() -> Path:
    """``$BENCHLEARN_CACHE`` if set, else ``~/.cache/benchlearn``."""
    env = os.environ.get("BENCHLEARN_CACHE", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "benchlearn"


@dataclass(frozen=True)
class CacheEntry:
    """One cached file and its manifest."""

    source: str
    name: str
    path: Path
    url: str
    fetched: str
    sha256: str
    bytes: int
    request: dict[str, Any]


class Cache:
    """A folder of fetched files, each with a JSON manifest (url, fetch time, sha256).

    Parameters
    ----------
    root : str or Path, optional
        Cache folder; defaults to :func:`default_cache_dir`. Created on first write.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()

    def __repr__(self) -> str:
        return f"Cache({str(self.root)!r})"

    def path(self, source: str, name: str) -> Path:
        return self.root / source / name

    def _manifest_path(self, source: str, name: str) -> Path:
        return self.root / source / f"{name}.manifest.json"

    def entry(self, source: str, name: str) -> CacheEntry | None:
        """The cached entry, or ``None`` if absent or its content fails the hash check."""
        p, mp = self.path(source, name), self._manifest_path(source, name)
        if not (p.is_file() and mp.is_file()):
            return None
        try:
            man = json.loads(mp.read_text(encoding="utf-8"))
            data = p.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(data).hexdigest() != man.get("sha256"):
            return None
        return CacheEntry(
            source=source,
            name=name,
            path=p,
            url=str(man.get("url", "")),
            fetched=str(man.get("fetched", "")),
            sha256=str(man["sha256"]),
            bytes=len(data),
            request=dict(man.get("request") or {}),
        )

    def get(self, source: str, name: str) -> bytes | None:
        """Cached content, or ``None`` (absent or corrupt)."""
        e = self.entry(source, name)
        return e.path.read_bytes() if e is not None else None

    def has(self, source: str, name: str) -> bool:
        return self.entry(source, name) is not None

    def put(
        self,
        source: str,
        name: str,
        content: bytes,
        *,
        url: str,
        request: dict[str, Any] | None = None,
    ) -> CacheEntry:
        """Store ``content`` atomically (temp file + rename) with its manifest."""
        folder = self.root / source
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.path(source, name), content)
            man = {
                "url": url,
                "fetched": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "sha256": hashlib.sha256(content).hexdigest(),
                "bytes": len(content),
                "request": request or {},
            }
            _atomic_write(
                self._manifest_path(source, name),
                json.dumps(man, ensure_ascii=False, indent=2).encode("utf-8"),
            )
        except OSError as exc:
            raise SourceError(
                f"Kan ikke skrive i cachen {folder}: {exc}. Vælg en anden mappe med "
                "--cache eller miljøvariablen BENCHLEARN_CACHE.",
                f"Cannot write to the cache {folder}: {exc}. Choose another folder with "
                "--cache or the environment variable BENCHLEARN_CACHE.",
            ) from exc
        entry = self.entry(source, name)
        assert entry is not None
        return entry

    def entries(self, source: str | None = None) -> list[CacheEntry]:
        """All valid entries (of one source, or of all)."""
        if not self.root.is_dir():
            return []
        out: list[CacheEntry] = []
        folders = [self.root / source] if source else sorted(p for p in self.root.iterdir() if p.is_dir())
        for folder in folders:
            if not folder.is_dir():
                continue
            for mp in sorted(folder.glob("*.manifest.json")):
                name = mp.name[: -len(".manifest.json")]
                e = self.entry(folder.name, name)
                if e is not None:
                    out.append(e)
        return out


def _atomic_write(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def make_client(
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | float | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` with benchlearn's timeouts; ``transport`` lets tests replay responses."""
    try:
        _v = metadata.version("benchlearn")
    except metadata.PackageNotFoundError:
        _v = "dev"
    h = {"User-Agent": f"benchlearn/{_v}"}
    h.update(headers or {})
    return httpx.Client(
        transport=transport,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers=h,
        follow_redirects=True,
    )


class SourceUnreachable(SourceError):
    """The source could not be reached at all (offline, DNS, timeout) — as opposed to an
    answer that refused the request. Callers fall back to the cache or bundled data."""


def _offline_error(host: str, exc: Exception) -> SourceError:
    return SourceUnreachable(
        f"Kan ikke nå {host} — ingen netværksforbindelse? Brug cachen eller de medfølgende "
        f"data. ({type(exc).__name__}: {exc})",
        f"Cannot reach {host} — no network connection? Use the cache or the bundled data. "
        f"({type(exc).__name__}: {exc})",
    )


def request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request; turn network failures into :class:`SourceError`.

    HTTP error statuses are *returned*, not raised: each source knows how its API
    words an error answer and builds a better message from it.
    """
    host = urlsplit(url).hostname or url
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise SourceUnreachable(
            f"{host} svarede ikke i tide — ingen netværksforbindelse? Brug cachen eller de "
            f"medfølgende data. ({type(exc).__name__})",
            f"{host} did not answer in time — no network connection? Use the cache or the "
            f"bundled data. ({type(exc).__name__})",
        ) from exc
    except httpx.TransportError as exc:
        raise _offline_error(host, exc) from exc


def error_text(response: httpx.Response) -> str:
    """The message an API put in an error answer (JSON ``message``/``Message`` or text)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "Message", "error", "Error", "detail", "title"):
            if isinstance(body.get(key), str) and body[key].strip():
                return body[key].strip()
    text = response.text.strip()
    return text[:300] if text else response.reason_phrase

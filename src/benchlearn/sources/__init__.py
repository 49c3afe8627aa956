"""External data sources: Statistics Denmark, Jobindsats, DAWA/DAGI and the real extracts.

Each source is cached on disk (:mod:`benchlearn.sources.cache`) and fails with a
:class:`benchlearn.core.errors.SourceError` that says, in Danish and English, what went
wrong and what to use instead. The raw extracts that ship next to the repository
(``../shared/data/raw``) are the offline fallback; :func:`raw_data_dir` finds them.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["raw_data_dir", "REPO_ROOT"]

# src/benchlearn/sources/__init__.py -> parents[3] is the repository root (src layout).
REPO_ROOT = Path(__file__).resolve().parents[3]

_MARKERS = ("dst", "boundaries")


def _looks_like_raw(path: Path) -> bool:
    return path.is_dir() and any((path / m).is_dir() for m in _MARKERS)


def raw_data_dir() -> Path | None:
    """Locate the folder of real raw data (DST extracts and DAGI boundaries).

    Looks, in order, at the environment variable ``BENCHLEARN_RAW_DATA`` (when set it
    is the only place looked at), then
    ``../shared/data/raw`` relative to the repository root, then relative to the
    current directory. Returns ``None`` when none of them exists, so callers can
    fall back to the cache or to simulated data.

    Returns
    -------
    pathlib.Path or None
        A folder holding ``dst/`` and/or ``boundaries/``.
    """
    env = os.environ.get("BENCHLEARN_RAW_DATA", "").strip()
    if env:
        # An explicit setting wins, also when it points nowhere: that is how a user
        # (or a test) says "do not use the shared raw data".
        p = Path(env).expanduser()
        return p.resolve() if _looks_like_raw(p) else None
    candidates: list[Path] = []
    candidates.append(REPO_ROOT.parent / "shared" / "data" / "raw")
    cwd = Path.cwd().resolve()
    candidates.append(cwd.parent / "shared" / "data" / "raw")
    candidates.append(cwd / "shared" / "data" / "raw")
    for c in candidates:
        if _looks_like_raw(c):
            return c.resolve()
    return None

"""A fingerprint of the installed code, so stored analyses are reused only by the code that made them.

The version string (``benchlearn.__version__``) is not bumped on every change, so a
workspace keyed on it alone keeps serving results of an older model after an upgrade (the
demo's model view kept CR1 intervals after CR3 became the default, session 11).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

#: What can change a stored analysis: the Python source and the package's own data files
#: (reference tables, schemes, texts). The web's static assets only change how it looks.
SUFFIXES = (".py", ".toml", ".csv", ".json", ".yaml", ".yml")
EXCLUDED_DIRS = ("web/static",)


@cache
def code_fingerprint(root: Path | None = None) -> str:
    """sha256 (16 hex digits) over the relative paths and bytes of the package's files.

    Files are taken in sorted path order, so the fingerprint does not depend on the file
    system's listing order; ``__pycache__`` is not read.
    """
    base = root if root is not None else Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for f in sorted(base.rglob("*")):
        rel = f.relative_to(base).as_posix()
        if not f.is_file() or f.suffix not in SUFFIXES or "__pycache__" in rel:
            continue
        if any(rel.startswith(d + "/") for d in EXCLUDED_DIRS):
            continue
        h.update(rel.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]

"""The code fingerprint that keys the demo's reuse of stored analyses (core/fingerprint.py)."""

from __future__ import annotations

import hashlib

from benchlearn.core.fingerprint import code_fingerprint


def _tree(root):
    (root / "benchmark").mkdir(parents=True)
    (root / "web" / "static").mkdir(parents=True)
    (root / "benchmark" / "__pycache__").mkdir()
    (root / "benchmark" / "model.py").write_text("x = 1\n")
    (root / "core.toml").write_text("a = 1\n")
    return root


def test_fingerprint_is_sha256_of_paths_and_bytes_in_sorted_order(tmp_path):
    root = _tree(tmp_path / "pkg")
    h = hashlib.sha256()
    for rel, body in sorted([("benchmark/model.py", b"x = 1\n"), ("core.toml", b"a = 1\n")]):
        h.update(rel.encode() + b"\0" + body + b"\0")
    assert code_fingerprint(root) == h.hexdigest()[:16]


def test_fingerprint_follows_code_not_static_assets_or_bytecode(tmp_path):
    root = _tree(tmp_path / "pkg")
    before = code_fingerprint(root)
    (root / "web" / "static" / "app.js").write_text("let a = 2;\n")
    (root / "benchmark" / "__pycache__" / "model.cpython-311.pyc.json").write_text("{}")
    (root / "notes.md").write_text("prose\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint(root) == before
    (root / "benchmark" / "model.py").write_text("x = 2\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint(root) != before


def test_installed_package_has_a_fingerprint():
    code_fingerprint.cache_clear()
    fp = code_fingerprint()
    assert len(fp) == 16 and int(fp, 16) >= 0

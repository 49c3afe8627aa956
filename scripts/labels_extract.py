"""Move inline ``t('dansk', 'English')`` pairs into the label source (src/benchlearn/report/ui_text.toml).

    python scripts/labels_extract.py FILE [FILE ...]      # rewrite in place, append entries
    python scripts/labels_extract.py --check FILE ...     # list what would move, change nothing

Templates (``*.html``): every ``t('…', '…')`` becomes ``say('<page>.<key>')``. Python files:
every ``t("…", "…")`` with two plain string literals becomes ``tx.say("<page>.<key>")`` (the file
must import ``benchlearn.report.text as tx``); f-strings are listed for a hand conversion with
``{placeholder}`` fields (``tx.say("page.key", name=value)``). A pair that is already in the
catalogue keeps its key, so running the script twice, or on a page that repeats a common phrase,
adds nothing twice. Keys are the page name plus the first words of the English text.

Why a script: other branches still add pages with inline pairs; after a rebase onto the label
source they run this on their files instead of converting by hand (tests/test_labels.py fails
while an inline pair is left).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tomllib
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[1] / "src/benchlearn/report/ui_text.toml"
_JINJA_STR = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_JINJA_T = re.compile(rf"(?<![\w.])t\(\s*({_JINJA_STR})\s*,\s*({_JINJA_STR})\s*\)", re.S)


def _unquote(s: str) -> str:
    body = s[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def load() -> dict[str, dict[str, dict[str, str]]]:
    if not CATALOGUE.exists():
        return {}
    return tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))


def _index(cat: dict) -> dict[tuple[str, str], str]:
    return {(v["da"], v["en"]): f"{sec}.{k}" for sec, entries in cat.items() for k, v in entries.items()}


def _slug(en: str, taken: set[str]) -> str:
    words = re.findall(r"[a-z0-9]+", en.lower().replace("'", ""))
    stop = {"the", "a", "an", "of", "and", "to", "in", "on", "is", "are", "by", "with", "for"}
    keep = [w for w in words if w not in stop][:5] or words[:3] or ["text"]
    base = "_".join(keep)[:48].strip("_") or "text"
    if base[0].isdigit():
        base = "n" + base
    key, i = base, 2
    while key in taken:
        key, i = f"{base}_{i}", i + 1
    return key


class Catalogue:
    def __init__(self) -> None:
        self.data = load()
        self.index = _index(self.data)
        self.added: list[str] = []
        self.shared: set[tuple[str, str]] = set()

    def key_for(self, page: str, da: str, en: str) -> str:
        if (da, en) in self.index:
            return self.index[(da, en)]
        if (da, en) in self.shared:  # a phrase several of the files being converted use
            page = "common"
        sec = self.data.setdefault(page, {})
        k = _slug(en, set(sec))
        sec[k] = {"da": da, "en": en}
        full = f"{page}.{k}"
        self.index[(da, en)] = full
        self.added.append(full)
        return full

    def write(self) -> None:
        lines = ["# Every text the dashboard, its downloads and the PDF show: Danish (da) and English (en).",
                 "# One entry per phrase; code labels (areas, categories, schemes, columns) are in report/text.py,",
                 "# the reference CSVs and the scheme files. {name} fields are filled by say(key, name=...).",
                 "# Add entries with scripts/labels_extract.py; tests/test_labels.py checks use and completeness.", ""]
        for sec in sorted(self.data):
            for k in sorted(self.data[sec]):
                v = self.data[sec][k]
                lines.append(f"[{sec}.{k}]")
                lines.append(f"da = {json.dumps(v['da'], ensure_ascii=False)}")
                lines.append(f"en = {json.dumps(v['en'], ensure_ascii=False)}")
                lines.append("")
        CATALOGUE.write_text("\n".join(lines), encoding="utf-8")


def page_of(path: Path) -> str:
    stem = path.stem.lstrip("_")
    return {"base": "common", "_macros": "common"}.get(stem, stem)


def template_pairs(path: Path) -> set[tuple[str, str]]:
    return {(_unquote(m.group(1)), _unquote(m.group(2))) for m in _JINJA_T.finditer(path.read_text(encoding="utf-8"))}


def python_pairs(path: Path) -> set[tuple[str, str]]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                and len(node.args) == 2 and all(isinstance(x, ast.Constant) and isinstance(x.value, str)
                                                for x in node.args)):
            out.add((node.args[0].value, node.args[1].value))
    return out


def convert_template(path: Path, cat: Catalogue) -> tuple[str, int]:
    src = path.read_text(encoding="utf-8")
    page = page_of(path)
    n = 0

    def repl(m: re.Match) -> str:
        nonlocal n
        n += 1
        return f"say('{cat.key_for(page, _unquote(m.group(1)), _unquote(m.group(2)))}')"
    return _JINJA_T.sub(repl, src), n


def convert_python(path: Path, cat: Catalogue) -> tuple[str, int, list[int]]:
    src = path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    raw = src.encode("utf-8")  # ast's col_offset counts UTF-8 bytes
    offsets = [0]
    for ln in raw.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(ln))
    page = page_of(path)
    edits, manual = [], []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                and len(node.args) == 2 and not node.keywords):
            a, b = node.args
            if all(isinstance(x, ast.Constant) and isinstance(x.value, str) for x in (a, b)):
                start = offsets[node.lineno - 1] + node.col_offset
                end = offsets[node.end_lineno - 1] + node.end_col_offset
                q = chr(raw[offsets[a.lineno - 1] + a.col_offset])  # keep the quote: the call may sit in an f-string
                q = q if q in "'\"" else '"'
                edits.append((start, end, f"tx.say({q}{cat.key_for(page, a.value, b.value)}{q})".encode()))
            else:
                manual.append(node.lineno)
    for start, end, new in sorted(edits, reverse=True):
        raw = raw[:start] + new + raw[end:]
    return raw.decode("utf-8"), len(edits), sorted(manual)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    cat = Catalogue()
    seen: dict[tuple[str, str], int] = {}
    for f in a.files:
        for pair in (template_pairs(f) if f.suffix == ".html" else python_pairs(f)):
            seen[pair] = seen.get(pair, 0) + 1
    cat.shared = {p for p, n in seen.items() if n > 1}
    for f in a.files:
        if f.suffix == ".html":
            new, n = convert_template(f, cat)
            manual: list[int] = []
        else:
            new, n, manual = convert_python(f, cat)
        print(f"{f}: {n} pairs" + (f"; by hand (f-strings) at lines {manual}" if manual else ""))
        if not a.check and n:
            f.write_text(new, encoding="utf-8")
    if not a.check and cat.added:
        cat.write()
    print(f"{len(cat.added)} new entries in {CATALOGUE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

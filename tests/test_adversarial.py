"""The adversarial corpus (tests/adversarial/corpus.toml) through ``benchlearn ingest`` (audit #20).

Each case mutates one file of a small base dataset already ingested into a workspace and runs
the command's entry point in-process. Whatever the case, nothing may escape as a traceback
(any exception other than ``SystemExit`` fails the test); a refusal exits 2, names what the
corpus says it must (table, row, column and value for a data error) in Danish and English, and
leaves the workspace file byte-identical; an accepted input is stored as the corpus says
(identical content to the base, or the row counts given).
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from pathlib import Path

import pytest

from benchlearn.cli.main import run
from benchlearn.core.i18n import set_lang
from benchlearn.store import Workspace

CORPUS = tomllib.loads((Path(__file__).parent / "adversarial" / "corpus.toml").read_text(encoding="utf-8"))
CASES = {c["id"]: c for c in CORPUS["case"]}


def test_corpus_is_large_and_every_case_is_complete():
    assert len(CASES) == len(CORPUS["case"]) >= 70
    for c in CASES.values():
        assert c["expect"] in ("refused", "refused-file", "refused-rows", "accepted"), c["id"]
        if c["expect"] == "refused":
            assert {"table", "row", "column", "value"} <= set(c), c["id"]


def _write_base(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in CORPUS["base"].items():
        (folder / name).write_text(text, encoding="utf-8")


def _mutate(folder: Path, case: dict) -> None:
    target = folder / case["file"]
    lines = CORPUS["base"][case["file"]].splitlines()
    if case.get("remove"):
        target.unlink()
    elif "hex" in case:
        target.write_bytes(bytes.fromhex(case["hex"]))
    else:
        if "text" in case:
            text = case["text"]
        else:
            if "line" in case:
                n, new = case["line"]
                lines[n - 1] = new
            if "append" in case:
                lines.append(case["append"])
            text = "\n".join(lines) + "\n"
        if "repeat" in case:
            ch, n = case["repeat"]
            text = text.replace("{repeat}", ch * n)
        if "cp1252_lines" in case:
            out = [ln.encode("cp1252" if i in case["cp1252_lines"] else "utf-8")
                   for i, ln in enumerate(text.split("\n"), start=1)]
            target.write_bytes(b"\n".join(out))
        else:
            target.write_bytes(text.encode(case.get("encoding", "utf-8")))
    if "extra" in case:
        name, text = case["extra"]
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def base_ws(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("corpus")
    _write_base(root / "base")
    ws = root / "base.duckdb"
    with pytest.raises(SystemExit) as ex:
        run(["ingest", str(root / "base"), "--workspace", str(ws)])
    assert ex.value.code == 0
    with Workspace.open(ws, read_only=True) as w:
        return ws, w.content_hash() or ""


def _ingest(argv: list[str], capsys) -> tuple[int, str]:
    try:
        with pytest.raises(SystemExit) as ex:
            run(argv)
    finally:
        set_lang(None)
    out, err = capsys.readouterr()
    return int(ex.value.code or 0), out + err


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_corpus_case(case_id, base_ws, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BENCHLEARN_PROGRESS", "0")
    monkeypatch.delenv("BENCHLEARN_LANG", raising=False)
    case = CASES[case_id]
    base, base_hash = base_ws
    ws = tmp_path / "ws.duckdb"
    shutil.copyfile(base, ws)
    before = _digest(ws)
    data = tmp_path / "data"
    _write_base(data)
    _mutate(data, case)
    code, text = _ingest(["ingest", str(data), "--workspace", str(ws), *case.get("args", [])], capsys)
    assert "Traceback" not in text
    expect = case["expect"]
    if expect == "accepted":
        assert code == 0, text
        with Workspace.open(ws, read_only=True) as w:
            if case.get("same"):
                assert w.content_hash() == base_hash, text
            for table, n in case.get("rows", {}).items():
                assert w.stored_rows().get(table, 0) == n
        return
    assert code == 2, text
    assert _digest(ws) == before, "a refused ingest changed the workspace"
    assert not (tmp_path / "ws.duckdb.wal").exists()
    if expect == "refused":
        for part in (f"tabel '{case['table']}'", f"række {case['row']}", f"kolonne '{case['column']}'", "værdien"):
            assert part in text, (part, text)
        assert str(case["value"]) in text, (case["value"], text)
        code_en, en = _ingest(["--lang", "en", "check", str(data)], capsys)
        assert code_en == 2 and "Traceback" not in en
        for part in (f"table '{case['table']}'", f"row {case['row']}", f"column '{case['column']}'", "value"):
            assert part in en, (part, en)
    else:
        assert str(case["names"]) in text, (case["names"], text)

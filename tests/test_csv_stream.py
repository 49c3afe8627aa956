"""The Arrow fast path of ``read_csv`` (#20.9) reads exactly what the ``csv`` module reads.

``benchlearn.data.io.read_csv`` reads a plain file (UTF-8, no quote character, every line a
record of the header's width) with Arrow's C++ reader and anything else with the ``csv``
module, the reference, which also words every refusal. These tests write random files and
read each twice — as ``read_csv`` does and with the fast path switched off — and demand the
same columns, values, dtypes, row numbers a person would be told and decimal convention, or
the same refusal; and that the fast path is in fact taken for plain files and left for the
others. The ingest of a whole dataset through both paths is compared too (content hash and
tables), and the peak memory of a large file is measured in ``benchmarks/ingest.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchlearn.core.errors import BenchlearnError
from benchlearn.data import io
from benchlearn.data.dataset import load_dataset

#: characters a field may hold: digits, Danish letters, both decimal marks, spaces and tabs,
#: a non-breaking space, a control character; never the delimiter or a line break (a record
#: of another width is drawn on purpose below)
_FIELD = st.text(alphabet="0123456789abcæøåÆ.,- \t\u00a0\x1f", max_size=6)


def _read(path: Path, fast: bool, monkeypatch) -> tuple[str, object]:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(io, "_read_csv_arrow", lambda *a: None)
        try:
            raw = io.read_csv(path, "framework")
        except BenchlearnError as exc:
            return "refused", str(exc)
    rows = [raw.row_of(i) for i in range(len(raw.frame))]
    return "read", (list(raw.frame.columns), [str(t) for t in raw.frame.dtypes],
                    raw.frame.to_numpy(dtype=object, na_value=None).tolist(), rows, raw.decimal_comma)


@st.composite
def _files(draw):
    width = draw(st.integers(1, 4))
    delim = draw(st.sampled_from([";", ","]))
    header = [draw(st.sampled_from(["kommunekode", "period", "Værdi", "x y", "", "a"])) for _ in range(width)]
    if not "".join(header).strip():
        header[0] = "a"
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        n = width if draw(st.integers(0, 9)) else draw(st.integers(1, width + 1))  # now and then a ragged record
        rows.append(delim.join(draw(_FIELD) for _ in range(n)))
    if rows and draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), draw(st.sampled_from(["", "  ", delim * (width - 1)])))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join([delim.join(header), *rows]) + (eol if draw(st.booleans()) else "")
    bom = draw(st.booleans())
    return ("\ufeff" if bom else "") + text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_files())
def test_fast_path_reads_what_the_csv_module_reads(text, tmp_path, monkeypatch):
    path = tmp_path / "framework.csv"
    path.write_bytes(text.encode("utf-8"))
    assert _read(path, True, monkeypatch) == _read(path, False, monkeypatch)


def _taken(path: Path, monkeypatch) -> bool:
    seen = []
    real = io._read_csv_arrow
    monkeypatch.setattr(io, "_read_csv_arrow", lambda *a: seen.append(r := real(*a)) or r)
    try:
        io.read_csv(path, "framework")
    except BenchlearnError:
        pass
    monkeypatch.setattr(io, "_read_csv_arrow", real)
    return bool(seen) and seen[0] is not None  # not even tried (a "sep=" line) counts as not taken


@pytest.mark.parametrize(("text", "fast"), [
    ("kommunekode;period;value\n101;2023;1,5\n147;2023;2,5\n", True),
    ("\ufeffkommunekode;period;value\r\n101;2023;1,5\r\n147;2023;2,5", True),
    ('kommunekode;period;value\n101;2023;"1,5"\n', False),            # a quote: the csv module
    ("kommunekode;period;value\n\n101;2023;1,5\n", False),             # a blank line: row numbers
    ("kommunekode;period;value\n101;2023\n", False),                   # a ragged record: its refusal
    ("sep=;\nkommunekode;period;value\n101;2023;1,5\n", False),        # Excel's separator line
    ("kommunekode;period;value\r101;2023;1,5\r", False),               # old Mac line ends
])
def test_which_path_reads_a_file(text, fast, tmp_path, monkeypatch):
    path = tmp_path / "framework.csv"
    path.write_bytes(text.encode("utf-8"))
    assert _taken(path, monkeypatch) is fast
    assert _read(path, True, monkeypatch) == _read(path, False, monkeypatch)


def test_a_long_field_is_refused_by_name_on_both_paths(tmp_path, monkeypatch):
    path = tmp_path / "framework.csv"
    path.write_text("kommunekode;period;note\n101;2023;ok\n147;2023;" + "x" * (io.MAX_FIELD + 1) + "\n", encoding="utf-8")
    fast, ref = _read(path, True, monkeypatch), _read(path, False, monkeypatch)
    assert fast == ref and fast[0] == "refused"
    assert "note" in fast[1] and "3" in fast[1]


def test_a_dataset_ingests_identically_through_both_paths(tmp_path, monkeypatch):
    """Whole tables through validation and key order, with values the number rules must settle."""
    rng = np.random.default_rng(5)
    kommuner = [101, 147, 151, 450, 851]
    rows = [f"{k};{y}Q{q};v{v:03d};{rng.integers(0, 10**6) / 100:.2f}".replace(".", ",")
            for v in rng.permutation(40) for k in kommuner for y in (2022, 2023) for q in (1, 2, 3, 4)]
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "framework.csv").write_text("kommunekode;period;variable;value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert _taken(folder / "framework.csv", monkeypatch)
    fast = load_dataset(folder)
    monkeypatch.setattr(io, "_read_csv_arrow", lambda *a: None)
    ref = load_dataset(folder)
    assert fast.content_hash == ref.content_hash
    a, b = fast.table("framework"), ref.table("framework")
    pd.testing.assert_frame_equal(a, b)
    key = ["kommunekode", "period", "variable"]  # the contract's key: stored in its order (an independent sort)
    pd.testing.assert_frame_equal(a, a.sort_values(key, kind="stable").reset_index(drop=True))
    assert len(a) == 40 * 5 * 8

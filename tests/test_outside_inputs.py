"""Outside checks of the data contract (DATA.md) through the real command line.

An outside checker tries datasets the authors have not seen: every contract table, the
three formats (CSV with both conventions and three encodings, XLSX, Parquet with odd
dtypes), broken paths and workspaces. For each case the contract fixes the outcome:

* valid input: exit code 0 and the values as a person reads them;
* invalid input: exit code != 0, a short message naming table, row and column, no
  traceback, and a workspace that is byte-identical afterwards.

Most cases run in-process through :func:`benchlearn.cli.main.run` (a subprocess costs
5-15 s on the shared machine); a handful run ``python -m benchlearn`` for real to prove
that no traceback reaches the user. Cases marked ``xfail(strict=True)`` are defects
found by this file: the test states the right behaviour, the mark goes when it is fixed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pandas as pd
import pytest

from benchlearn.cli.main import run
from benchlearn.data.dataset import load_dataset

openpyxl = pytest.importorskip("openpyxl")

HDR = {
    "population": "kommunekode;period;persons",
    "support": "kommunekode;period;ydelse;fuldtidspersoner",
    "framework": "kommunekode;period;variable;value",
    "benchmark": "kommunekode;period;area;actual;expected",
    "focus": "kommunekode;period;persons_12m;without_offer;without_talks",
    "activity": "kommunekode;period;maalgruppe;measure;value",
    "costs": "kommunekode;period;category;dkk",
    "citizen_survey": "respondent_id;kommunekode;period;maalgruppe;udbytte;mening;sammenhaeng;involvering;fremdrift",
    "business_survey": "firm_id;kommunekode;period;satisfaction",
    "invitations": "kommunekode;period;survey;invited",
    "caseworker_assessments": "case_id;kommunekode;period;progression",
    "municipalities": "kommunekode;navn;region",
    "provenance": "table;source;simulated;note",
}


def csv(table: str, *rows: str) -> dict[str, str]:
    """A one-file dataset: ``TABLE.csv`` with the Danish ``;`` header of the contract."""
    return {f"{table}.csv": "\n".join((HDR[table], *rows)) + "\n"}


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)


def make_dir(root: Path, files: dict[str, object]) -> Path:
    """Write a dataset folder: str -> UTF-8 text, bytes as is, DataFrame -> Parquet, dict -> XLSX sheets."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = root / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        elif isinstance(content, pd.DataFrame):
            content.to_parquet(p, index=False)
        elif isinstance(content, dict):
            write_xlsx(p, content)
        else:
            p.write_text(str(content), encoding="utf-8", newline="")
    return root


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    """Run the CLI in-process; an escaping exception counts as a traceback (code 'exception')."""
    capsys.readouterr()
    try:
        run(args)
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    except BaseException:  # noqa: BLE001 - anything escaping run() would be a traceback for the user
        code = "exception"
        sys.stderr.write(traceback.format_exc())
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------
# Invalid datasets: (id, files, table, row, column). Row is the line/sheet row a person
# sees (header = 1); column None = the whole row (ragged line) or whole file.
# ---------------------------------------------------------------------------------------
_PQ = pd.DataFrame
BAD = [
    ("missing_column", {"support.csv": "kommunekode;period;ydelse\n101;2023;a_dagpenge\n"}, "support", 1, "fuldtidspersoner"),
    ("unknown_kommunekode", csv("support", "101;2023;a_dagpenge;1", "999;2023;a_dagpenge;1"), "support", 3, "kommunekode"),
    ("christiansoe_411", csv("population", "411;2023;90"), "population", 2, "kommunekode"),
    ("kommunekode_0", csv("population", "0;2023;90"), "population", 2, "kommunekode"),
    ("kommunekode_blank", csv("population", ";2023;90"), "population", 2, "kommunekode"),
    ("kommunekode_fraction", {"population.csv": "kommunekode,period,persons\n101.5,2023,1\n"}, "population", 2, "kommunekode"),
    ("negative_fuldtidspersoner", csv("support", "101;2023;a_dagpenge;-1,5"), "support", 2, "fuldtidspersoner"),
    ("duplicate_key_0101", csv("support", "101;2023;a_dagpenge;1", "0101;2023;a_dagpenge;2"), "support", 3, "kommunekode"),
    ("text_in_number", csv("support", "101;2023;a_dagpenge;mange"), "support", 2, "fuldtidspersoner"),
    ("nan_text_in_number", csv("population", "101;2023;nan"), "population", 2, "persons"),
    ("wrong_period_lower_q", csv("population", "101;2023q4;1"), "population", 2, "period"),
    ("wrong_period_M13", csv("population", "101;2023M13;1"), "population", 2, "period"),
    ("wrong_period_QMAT05", csv("population", "101;2023QMAT05;1"), "population", 2, "period"),
    ("wrong_period_H3", csv("population", "101;2023H3;1"), "population", 2, "period"),
    ("period_blank", csv("population", "101;;1"), "population", 2, "period"),
    ("period_kinds_within_table", csv("population", "101;2023;1", "147;2023Q4;1"), "population", 3, "period"),
    (
        "period_kinds_across_tables",
        {**csv("population", "101;2023;1"), **csv("focus", "101;2023Q4;10;2;3")},
        "focus", 2, "period",
    ),
    ("focus_without_offer_gt_12m", csv("focus", "101;2023;10;12;3"), "focus", 2, "without_offer"),
    ("focus_without_talks_gt_12m", csv("focus", "101;2023;10;2;11"), "focus", 2, "without_talks"),
    ("survey_item_0", csv("citizen_survey", "r1;101;2023;alle;0;;;;"), "citizen_survey", 2, "udbytte"),
    ("survey_item_6", csv("citizen_survey", "r1;101;2023;alle;3;6;;;"), "citizen_survey", 2, "mening"),
    ("survey_item_3_5", csv("citizen_survey", "r1;101;2023;alle;3;3;3,5;;"), "citizen_survey", 2, "sammenhaeng"),
    ("duplicate_respondent", csv("citizen_survey", "r1;101;2023;alle;3;;;;", "r1;147;2023;alle;4;;;;"), "citizen_survey", 3, "respondent_id"),
    ("blank_respondent", csv("citizen_survey", ";101;2023;alle;3;;;;"), "citizen_survey", 2, "respondent_id"),
    ("business_satisfaction_7", csv("business_survey", "f1;101;2023;7"), "business_survey", 2, "satisfaction"),
    ("caseworker_progression_3", csv("caseworker_assessments", "c1;101;2023;3"), "caseworker_assessments", 2, "progression"),
    ("invitations_unknown_survey", csv("invitations", "101;2023;citizen;10", "101;2023;borger;10"), "invitations", 3, "survey"),
    ("invitations_negative", csv("invitations", "101;2023;citizen;-10"), "invitations", 2, "invited"),
    ("provenance_simulated_maybe", csv("provenance", "support;sim;måske;"), "provenance", 2, "simulated"),
    ("benchmark_unknown_area", csv("benchmark", "101;2023;alt;1;1"), "benchmark", 2, "area"),
    ("support_unknown_ydelse", csv("support", "101;2023;pension;1"), "support", 2, "ydelse"),
    ("framework_blank_value", csv("framework", "101;2023;ledighed;"), "framework", 2, "value"),
    ("municipalities_blank_navn", csv("municipalities", "101;;Hovedstaden"), "municipalities", 2, "navn"),
    ("activity_blank_measure", csv("activity", "101;2023;alle;;1"), "activity", 2, "measure"),
    ("duplicate_column", {"population.csv": "kommunekode;period;persons;PERSONS\n101;2023;1;2\n"}, "population", 1, "persons"),
    ("ragged_row", {"population.csv": "kommunekode;period;persons\n101;2023;1\n147;2023;1;5\n"}, "population", 3, None),
    # blank lines are skipped but the row number is still the file line
    ("row_number_after_blank_lines", {"population.csv": "kommunekode;period;persons\r\n101;2023;1\r\n\r\n\r\n147;2023;-1\r\n"}, "population", 5, "persons"),
    # Parquet: rows are 1-based records
    ("parquet_kommunekode_nan", {"population.parquet": _PQ({"kommunekode": [101.0, float("nan")], "period": ["2023", "2023"], "persons": [1.0, 2.0]})}, "population", 2, "kommunekode"),
    ("parquet_text_in_number", {"population.parquet": _PQ({"kommunekode": [101, 147], "period": ["2023", "2023"], "persons": ["1,5", "x"]})}, "population", 2, "persons"),
    ("parquet_number_nan", {"population.parquet": _PQ({"kommunekode": [101], "period": ["2023"], "persons": [float("nan")]})}, "population", 1, "persons"),
    ("parquet_period_int_mixed_kinds", {"population.parquet": _PQ({"kommunekode": [101], "period": [2023], "persons": [1.0]}), **csv("focus", "101;2023Q4;10;2;3")}, "focus", 2, "period"),
    # XLSX: rows are sheet rows
    ("xlsx_negative", {"book.xlsx": {"support": [["kommunekode", "period", "ydelse", "fuldtidspersoner"], [101, "2023", "a_dagpenge", 1], [147, "2023", "a_dagpenge", -1]]}}, "support", 3, "fuldtidspersoner"),
    ("xlsx_kommunekode_float", {"book.xlsx": {"support": [["kommunekode", "period", "ydelse", "fuldtidspersoner"], [101.7, "2023", "a_dagpenge", 1]]}}, "support", 2, "kommunekode"),
    ("xlsx_period_as_date", {"book.xlsx": {"support": [["kommunekode", "period", "ydelse", "fuldtidspersoner"], [101, dt.datetime(2023, 1, 1), "a_dagpenge", 1]]}}, "support", 2, "period"),
    # a formula without a cached value (written by a library, never opened in Excel) is no number
    ("xlsx_formula_uncached", {"book.xlsx": {"support": [["kommunekode", "period", "ydelse", "fuldtidspersoner"], [101, "2023", "a_dagpenge", "=1+1"]]}}, "support", 2, "fuldtidspersoner"),
    (
        "xlsx_second_sheet_bad",
        {"book.xlsx": {
            "population": [["kommunekode", "period", "persons"], [101, 2023, 1000]],
            "Support": [["Kommunekode", "Period", "Ydelse", "Fuldtidspersoner"], [101, 2023, "a_dagpenge", "1,5"], [None, None, None, None], [999, 2023, "a_dagpenge", 2]],
        }},
        "support", 4, "kommunekode",
    ),
    pytest.param(
        "infinite_number_1e400", csv("population", "101;2023;1e400"), "population", 2, "persons",
    ),
    pytest.param(
        "costs_unknown_category", csv("costs", "101;2023;administration;5", "101;2023;kaffe;5"), "costs", 3, "category",
    ),
    pytest.param(
        "parquet_bool_in_number", {"population.parquet": _PQ({"kommunekode": [101, 147], "period": ["2023", "2023"], "persons": [True, False]})}, "population", 1, "persons",
    ),
    pytest.param(
        "xlsx_bool_in_number", {"book.xlsx": {"support": [["kommunekode", "period", "ydelse", "fuldtidspersoner"], [101, "2023", "a_dagpenge", True]]}}, "support", 2, "fuldtidspersoner",
    ),
]


def _ids(cases: list) -> list[str]:  # type: ignore[type-arg]
    return [c.values[0] if hasattr(c, "values") else c[0] for c in cases]


@pytest.mark.parametrize(("case", "files", "table", "row", "column"), BAD, ids=_ids(BAD))
def test_bad_dataset_is_refused_with_table_row_column(case, files, table, row, column, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ds = make_dir(tmp_path / "ds", files)
    code, out, err = cli(["--lang", "da", "check", str(ds)], capsys)
    assert code not in (0, None, "exception"), f"{case}: exit {code}; stderr: {err}"
    assert "Traceback" not in err and "Traceback" not in out
    assert f"tabel '{table}'" in err, err
    assert f"række {row}" in err, err
    if column is not None:
        assert f"'{column}" in err or f",{column}" in err, err
    assert len(err) < 600, f"message is not short: {len(err)} characters"


@pytest.mark.parametrize(
    ("case", "files", "table", "row", "column"),
    [c for c in BAD if not hasattr(c, "marks")][:8],
    ids=_ids([c for c in BAD if not hasattr(c, "marks")][:8]),
)
def test_bad_dataset_message_in_english(case, files, table, row, column, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ds = make_dir(tmp_path / "ds", files)
    code, _, err = cli(["--lang", "en", "check", str(ds)], capsys)
    assert code not in (0, None, "exception")
    assert f"table '{table}'" in err and f"row {row}" in err, err
    assert "Fejl i data" not in err


# The six acceptance cases of the foundation issue, through `ingest` into an existing workspace.
ACCEPTANCE = ["missing_column", "unknown_kommunekode", "negative_fuldtidspersoner", "duplicate_key_0101", "text_in_number", "wrong_period_lower_q",
              "xlsx_second_sheet_bad", "parquet_text_in_number", "period_kinds_across_tables"]


@pytest.fixture()
def good_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    good = make_dir(tmp_path / "good", {**csv("population", "101;2023;400.000", "147;2023;70.000,5"), **csv("support", "101;2023;kontanthjaelp;1.234,5")})
    ws = tmp_path / "ws.duckdb"
    code, _, err = cli(["--lang", "da", "ingest", str(good), "--workspace", str(ws)], capsys)
    assert code == 0, err
    return ws


@pytest.mark.parametrize("case", ACCEPTANCE)
def test_failed_ingest_leaves_workspace_byte_identical(case, good_workspace, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = next(c for c in BAD if not hasattr(c, "marks") and c[0] == case)[1]
    bad = make_dir(tmp_path / "bad", files)
    before = _sha(good_workspace)
    siblings = sorted(p.name for p in good_workspace.parent.iterdir())
    code, out, err = cli(["--lang", "da", "ingest", str(bad), "--workspace", str(good_workspace)], capsys)
    assert code not in (0, None, "exception"), err
    assert "Traceback" not in err and out.strip() == ""
    assert _sha(good_workspace) == before
    assert sorted(p.name for p in good_workspace.parent.iterdir()) == siblings  # no stray .wal left behind


def test_failed_ingest_creates_no_new_workspace(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = make_dir(tmp_path / "bad", csv("population", "101;2023;-1"))
    ws = tmp_path / "new" / "ws.duckdb"
    code, _, _ = cli(["--lang", "da", "ingest", str(bad), "--workspace", str(ws)], capsys)
    assert code not in (0, None, "exception")
    assert not ws.exists()


def test_reingest_identical_data_is_a_byte_identical_noop(good_workspace, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    # the same numbers written the international way and as Parquet are the same data
    same = make_dir(tmp_path / "same", {
        "population.csv": "kommunekode,period,persons\n147,2023,70000.5\n101,2023,400000\n",
        "support.parquet": _PQ({"kommunekode": ["0101"], "period": [2023], "ydelse": ["Kontanthjælp"], "fuldtidspersoner": [1234.5]}),
    })
    before = _sha(good_workspace)
    code, out, err = cli(["--lang", "da", "ingest", str(same), "--workspace", str(good_workspace), "--json"], capsys)
    assert code == 0, err
    rec = json.loads(out)
    assert rec[0]["changed"] is False
    assert _sha(good_workspace) == before


# ---------------------------------------------------------------------------------------
# Valid datasets: (id, files, table, column, expected values in key order)
# ---------------------------------------------------------------------------------------
CP1252 = "kommunekode;navn;region\n101;København;Hovedstaden\n147;Frederiksberg Æøå;Hovedstaden\n".encode("cp1252")
GOOD = [
    ("danish_decimal_comma", csv("population", "101;2023;1.234,5", "147;2023;2,25"), "population", "persons", [1234.5, 2.25]),
    ("international_quoted_thousands", {"population.csv": 'kommunekode,period,persons\n101,2023,"1,234.5"\n147,2023,2.25\n'}, "population", "persons", [1234.5, 2.25]),
    ("comma_decimal_quoted_in_comma_file", {"population.csv": 'kommunekode,period,persons\n101,2023,"1,5"\n'}, "population", "persons", [1.5]),
    ("scientific_notation", csv("population", "101;2023;1e3", "147;2023;2,5E2"), "population", "persons", [1000.0, 250.0]),
    ("negative_zero", csv("population", "101;2023;-0"), "population", "persons", [0.0]),
    ("nbsp_and_space_thousands", csv("population", "101;2023;12 345", "147;2023;1\u00a0000,5"), "population", "persons", [12345.0, 1000.5]),
    # the largest plausible: 1e300 residents is refused since #20.6 (tests/adversarial/corpus.toml)
    ("very_large", csv("population", "101;2023;9,99999e5"), "population", "persons", [999999.0]),
    ("cp1252_aeoeaa", {"municipalities.csv": CP1252}, "municipalities", "navn", ["København", "Frederiksberg Æøå"]),
    ("utf8_bom_crlf", {"municipalities.csv": "\ufeffKommunekode;Navn;Region\r\n101;København;Hovedstaden\r\n".encode("utf-8")}, "municipalities", "navn", ["København"]),
    ("cp1252_ydelse_name", {"support.csv": "kommunekode;period;ydelse;fuldtidspersoner\n101;2023;Kontanthjælp;1,5\n".encode("cp1252")}, "support", "ydelse", ["kontanthjaelp"]),
    ("kommunekode_0450_and_spaces", csv("population", " 0450 ; 2023 ; 7 "), "population", "kommunekode", [450]),
    ("kommunekode_101_0", {"population.csv": "kommunekode,period,persons\n101.0,2023,1\n"}, "population", "kommunekode", [101]),
    ("uppercase_spaced_columns", {"population.csv": " KommuneKode ;PERIOD;Persons\n101;2023;1\n"}, "population", "persons", [1.0]),
    ("extra_unknown_column_kept", {"population.csv": "kommunekode;period;persons;kilde\n101;2023;1;DST\n"}, "population", "kilde", ["DST"]),
    ("trailing_blank_lines", {"population.csv": "kommunekode;period;persons\n101;2023;1\n\n;;\n\n"}, "population", "persons", [1.0]),
    ("quoted_semicolon_in_text", {"framework.csv": 'kommunekode;period;variable;value\n101;2023;"ledighed; pct";1,5\n'}, "framework", "variable", ["ledighed; pct"]),
    ("tab_separated", {"population.csv": "kommunekode\tperiod\tpersons\n101\t2023\t3\n"}, "population", "persons", [3.0]),
    ("header_only_is_empty_table", {"population.csv": "kommunekode;period;persons\n"}, "population", "persons", []),
    ("survey_items_blank_not_answered", csv("citizen_survey", "r1;101;2023;alle;;4;;5;"), "citizen_survey", "mening", [4.0]),
    ("business_satisfaction_blank", csv("business_survey", "f1;101;2023;"), "business_survey", "satisfaction", [math.nan]),
    ("caseworker_unicode_minus", csv("caseworker_assessments", "c1;101;2023;\u22122", "c2;101;2023;+2"), "caseworker_assessments", "progression", [-2.0, 2.0]),
    ("invitations_case_insensitive", csv("invitations", "101;2023;Citizen;10"), "invitations", "survey", ["citizen"]),
    ("provenance_ja_nej", csv("provenance", "population;dst;nej;", "support;simulator;ja;"), "provenance", "simulated", [False, True]),
    ("period_quarter", csv("population", "101;2023Q4;1", "101;2024Q1;1"), "population", "period", ["2023Q4", "2024Q1"]),
    ("period_qmat", csv("population", "101;2023QMAT04;1"), "population", "period", ["2023QMAT04"]),
    ("parquet_kommunekode_as_string", {"population.parquet": _PQ({"kommunekode": ["0101", " 450"], "period": ["2023", "2023"], "persons": [1.0, 2.0]})}, "population", "kommunekode", [101, 450]),
    ("parquet_kommunekode_as_float", {"population.parquet": _PQ({"kommunekode": [450.0, 101.0], "period": ["2023", "2023"], "persons": [2.0, 1.0]})}, "population", "kommunekode", [101, 450]),
    ("parquet_period_as_int", {"population.parquet": _PQ({"kommunekode": [101], "period": [2023], "persons": [1.0]})}, "population", "period", ["2023"]),
    ("parquet_number_as_danish_text", {"population.parquet": _PQ({"kommunekode": [101], "period": ["2023"], "persons": ["1.234,5"]})}, "population", "persons", [1234.5]),
    (
        "xlsx_numbers_as_text_several_sheets",
        {"book.xlsx": {
            # 10.000 residents: 1.234,5 full-time persons must be a plausible share of them (#20.6)
            "Population": [["kommunekode", "period", "persons"], [101, 2023, "10.000"], ["0450", "2023", 2000]],
            "Support": [["Kommunekode", "Period", "Ydelse", "Fuldtidspersoner"], [101, "2023", "Kontanthjælp", "1.234,5"]],
        }},
        "support", "fuldtidspersoner", [1234.5],
    ),
    pytest.param(
        # a framework value: 1.234.567 residents would pass the contract's 1.000.000 (#20.6)
        "danish_multi_thousands", csv("framework", "101;2023;indkomst;1.234.567"), "framework", "value", [1234567.0],
    ),
]


@pytest.mark.parametrize(("case", "files", "table", "column", "expected"), GOOD, ids=_ids(GOOD))
def test_valid_dataset_loads_with_the_values_a_person_reads(case, files, table, column, expected, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ds_dir = make_dir(tmp_path / "ds", files)
    code, out, err = cli(["--lang", "da", "check", str(ds_dir), "--json"], capsys)
    assert code == 0, err
    assert "Traceback" not in err
    summary = json.loads(out)  # stdout is clean JSON
    assert table in {r["table"] for r in summary}
    got = load_dataset(ds_dir).table(table)[column].tolist()
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if isinstance(e, float):
            # numbers are parsed, not computed: equal to the last bit, NaN = blank
            assert (math.isnan(g) and math.isnan(e)) or g == e, (g, e)
        else:
            assert g == e


def test_canonical_dtypes_whatever_the_format(tmp_path) -> None:
    frames = {
        "csv": {"population.csv": "kommunekode;period;persons\n0101;2023;1,5\n"},
        "parquet": {"population.parquet": _PQ({"kommunekode": [101.0], "period": [2023], "persons": ["1,5"]})},
        "xlsx": {"b.xlsx": {"population": [["kommunekode", "period", "persons"], ["0101", 2023, 1.5]]}},
    }
    hashes = set()
    for fmt, files in frames.items():
        ds = load_dataset(make_dir(tmp_path / fmt, files))
        df = ds.table("population")
        assert str(df["kommunekode"].dtype) == "int64"
        assert str(df["persons"].dtype) == "float64"
        assert pd.api.types.is_string_dtype(df["period"].dtype)
        assert df.iloc[0].tolist() == [101, "2023", 1.5]
        hashes.add(ds.content_hash)
    assert len(hashes) == 1, "the same data in three formats must give one content hash"


# ---------------------------------------------------------------------------------------
# Folder-level problems: file name, several files for one table, unreadable files, paths
# ---------------------------------------------------------------------------------------
FOLDER_BAD = [
    ("empty_file", {"population.csv": ""}, "population.csv"),
    ("not_utf8_nor_cp1252", {"population.csv": b"kommunekode\n\x81\x8d\x8f\x90\x9d\n"}, "population.csv"),
    ("one_table_in_two_files", {**csv("population", "101;2023;1"), "Population.parquet": _PQ({"kommunekode": [147], "period": ["2023"], "persons": [1.0]})}, "population"),
    ("one_table_csv_and_sheet", {**csv("support", "101;2023;a_dagpenge;1"), "b.xlsx": {"support": [["kommunekode", "period", "ydelse", "fuldtidspersoner"], [147, "2023", "a_dagpenge", 1]]}}, "support"),
    ("corrupt_xlsx", {"book.xlsx": b"PK\x03\x04 not really a zip"}, "book.xlsx"),
    ("no_tables_at_all", {"README.md": "hej"}, None),
    pytest.param(
        "corrupt_parquet", {"population.parquet": b"PAR1 this is not parquet"}, "population.parquet",
    ),
]


@pytest.mark.parametrize(("case", "files", "named"), FOLDER_BAD, ids=_ids(FOLDER_BAD))
def test_unusable_folder_is_refused_cleanly(case, files, named, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ds = make_dir(tmp_path / "ds", files)
    code, out, err = cli(["--lang", "da", "check", str(ds)], capsys)
    assert code not in (0, None, "exception"), err
    assert "Traceback" not in err
    assert out.strip() == ""
    if named:
        assert named in err, err


def test_unknown_files_are_named_not_silently_dropped(tmp_path, capsys) -> None:
    ds = make_dir(tmp_path / "ds", {**csv("population", "101;2023;1"), "notes.docx": b"x", ".hidden.csv": "garbage"})
    (ds / "sub").mkdir()
    code, out, err = cli(["--lang", "da", "check", str(ds), "--json"], capsys)
    assert code == 0, err
    assert "notes.docx" in err
    assert [r["table"] for r in json.loads(out)] == ["population"]


PATHS = ["missing", "file", "corrupt_duckdb"]


@pytest.mark.parametrize("kind", PATHS)
@pytest.mark.parametrize("command", ["check", "ingest", "benchmark"])
def test_bad_dataset_path_is_refused_cleanly(kind, command, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = {"missing": tmp_path / "nope", "file": tmp_path / "a.txt", "corrupt_duckdb": tmp_path / "x.duckdb"}[kind]
    if kind == "file":
        target.write_text("kommunekode;period\n")
    if kind == "corrupt_duckdb":
        target.write_bytes(b"not a database" * 100)
    args = ["--lang", "da", command, str(target)]
    if command == "ingest":
        args += ["--workspace", str(tmp_path / "ws.duckdb")]
    if command == "benchmark":
        args += ["--period", "2023", "--json"]
    before = target.read_bytes() if target.exists() else None
    code, out, err = cli(args, capsys)
    assert code not in (0, None, "exception"), err
    assert "Traceback" not in err
    assert out.strip() == ""
    assert str(target.name) in err, err
    assert (target.read_bytes() if target.exists() else None) == before
    assert not (tmp_path / "ws.duckdb").exists()


def test_corrupt_workspace_target_is_refused_and_kept(tmp_path, capsys) -> None:
    good = make_dir(tmp_path / "good", csv("population", "101;2023;1"))
    ws = tmp_path / "ws.duckdb"
    ws.write_bytes(b"garbage" * 200)
    before = _sha(ws)
    code, _out, err = cli(["--lang", "da", "ingest", str(good), "--workspace", str(ws)], capsys)
    assert code not in (0, None, "exception") and "Traceback" not in err
    assert "ws.duckdb" in err
    assert _sha(ws) == before


@pytest.mark.parametrize(
    "below",
    [
        pytest.param(("sub", "ws.duckdb"), id="nested_under_file"),
        pytest.param(("ws.duckdb",), id="directly_under_file"),
    ],
)
def test_workspace_under_a_regular_file_is_refused_cleanly(below, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = make_dir(tmp_path / "good", csv("population", "101;2023;1"))
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x")
    code, _out, err = cli(["--lang", "da", "ingest", str(good), "--workspace", str(blocker.joinpath(*below))], capsys)
    assert code not in (0, None, "exception"), err
    assert "Traceback" not in err
    assert "plain.txt" in err
    assert blocker.read_text() == "x"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_workspace_in_read_only_directory_is_refused_cleanly(tmp_path, capsys) -> None:
    good = make_dir(tmp_path / "good", csv("population", "101;2023;1"))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _out, err = cli(["--lang", "da", "ingest", str(good), "--workspace", str(ro / "ws.duckdb")], capsys)
    finally:
        ro.chmod(0o755)
    assert code not in (0, None, "exception") and "Traceback" not in err


def test_workspace_in_new_nested_directory_is_created(tmp_path, capsys) -> None:
    good = make_dir(tmp_path / "good", csv("population", "101;2023;1"))
    ws = tmp_path / "a" / "b" / "ws.duckdb"
    code, out, err = cli(["--lang", "da", "ingest", str(good), "--workspace", str(ws), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)[0]["changed"] is True
    assert ws.is_file()


# ---------------------------------------------------------------------------------------
# Analysis commands on good (simulated) data: clean JSON, contract fields, clean refusals
# ---------------------------------------------------------------------------------------
CLASSIFY_FIELDS = {"kommunekode", "navn", "period", "scheme", "category", "position", "resultatmaal", "fokusmaal_tilbud", "fokusmaal_samtaler"}
BENCH_FIELDS = {"kommunekode", "navn", "period", "area", "actual", "expected", "diff_persons", "actual_share", "expected_share", "diff_pp",
                "se_pp", "ci_low_pp", "ci_high_pp", "shrunk_diff_pp", "rank", "rank_ci_low", "rank_ci_high", "tier"}
SURVEY_FIELDS = {"kommunekode", "survey", "dimension", "respondents", "response_rate", "score", "ci_low", "ci_high", "suppressed"}


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        (["classify", "{d}", "--period", "2023", "--scheme", "star-2020", "--json"], CLASSIFY_FIELDS),
        (["benchmark", "{d}", "--period", "2023", "--json"], BENCH_FIELDS),
        (["surveys", "{d}", "--period", "2023", "--json"], SURVEY_FIELDS),
    ],
    ids=["classify", "benchmark", "surveys"],
)
def test_analysis_json_is_clean_and_carries_contract_fields(args, fields, sim_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(["--lang", "da", *[a.replace("{d}", str(sim_dir)) for a in args]], capsys)
    assert code == 0, err
    records = json.loads(out)  # nothing but one JSON array on stdout
    assert isinstance(records, list) and records
    missing = fields - set(records[0])
    assert not missing, missing
    assert {r["kommunekode"] for r in records} <= set(range(101, 861))
    if args[0] != "surveys":
        assert len({r["kommunekode"] for r in records}) == 98
    else:
        suppressed = [r for r in records if r["suppressed"]]
        assert all(r["score"] is None and r["ci_low"] is None and r["ci_high"] is None for r in suppressed)
        scored = [r for r in records if not r["suppressed"]]
        lo = {"caseworker": -2, "citizen": 1, "business": 1}
        hi = {"caseworker": 2, "citizen": 5, "business": 5}
        assert all(lo[r["survey"]] <= r["score"] <= hi[r["survey"]] for r in scored)


@pytest.mark.parametrize(
    "args",
    [
        ["benchmark", "{d}", "--period", "1999", "--json"],
        ["benchmark", "{d}", "--period", "2023Q4", "--json"],
        ["classify", "{d}", "--period", "1999", "--scheme", "star-2020", "--json"],
        ["classify", "{d}", "--period", "2023", "--scheme", "no-such-scheme", "--json"],
        ["surveys", "{d}", "--period", "1999", "--json"],
        ["benchmark", "{d}", "--period", "2023", "--area", "alt", "--json"],
    ],
    ids=["benchmark_absent_period", "benchmark_other_kind", "classify_absent_period", "classify_unknown_scheme", "surveys_absent_period", "benchmark_unknown_area"],
)
@pytest.mark.parametrize("lang", ["da", "en"])
def test_analysis_refuses_bad_options_cleanly(args, lang, sim_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(["--lang", lang, *[a.replace("{d}", str(sim_dir)) for a in args]], capsys)
    assert code not in (0, None, "exception"), err
    assert out.strip() == "", "stdout must stay empty (no half JSON)"
    assert "Traceback" not in err
    assert ("Fejl:" if lang == "da" else "Error:") in err
    bad = args[args.index("--period") + 1] if "--period" in args and args[args.index("--period") + 1] != "2023" else None
    if bad:
        assert bad in err, err


def test_analysis_reads_a_workspace_like_a_folder(good_workspace, capsys) -> None:
    code, out, err = cli(["--lang", "da", "benchmark", str(good_workspace), "--period", "1999", "--json"], capsys)
    assert code not in (0, None, "exception") and "Traceback" not in err and out.strip() == ""


# ---------------------------------------------------------------------------------------
# A few real subprocess runs: the user must never see a traceback.
# ---------------------------------------------------------------------------------------
def _proc(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0", "PYTHONIOENCODING": "utf-8"}
    env.pop("BENCHLEARN_LANG", None)
    return subprocess.run([sys.executable, "-m", "benchlearn", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)


def test_subprocess_bad_dataset_default_danish_no_traceback(tmp_path) -> None:
    ds = make_dir(tmp_path / "ds", {**csv("population", "101;2023;1"), **csv("support", "101;2023;a_dagpenge;1", "101;2023;a_dagpenge;-3")})
    ws = tmp_path / "ws.duckdb"
    p = _proc(["ingest", str(ds), "--workspace", str(ws)], tmp_path)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr + p.stdout
    assert "tabel 'support'" in p.stderr and "række 3" in p.stderr and "fuldtidspersoner" in p.stderr
    assert not ws.exists()


def test_subprocess_good_dataset_json_is_clean(tmp_path) -> None:
    ds = make_dir(tmp_path / "ds", {"municipalities.csv": CP1252, **csv("population", "101;2023;1.234,5")})
    p = _proc(["check", str(ds), "--json"], tmp_path)
    assert p.returncode == 0, p.stderr
    tables = {r["table"]: r for r in json.loads(p.stdout)}
    assert tables["population"]["rows"] == 1 and tables["municipalities"]["rows"] == 2


def test_subprocess_corrupt_parquet_no_traceback(tmp_path) -> None:
    ds = make_dir(tmp_path / "ds", {"population.parquet": b"PAR1 garbage"})
    p = _proc(["check", str(ds)], tmp_path)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    assert "population.parquet" in p.stderr


# ---------------------------------------------------------------------------------------
# Later findings: missing tables, ambiguous numbers, workspace round trip
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "table"),
    [
        pytest.param(["benchmark", "{d}", "--period", "2023", "--json"], "support", id="benchmark_with_period"),
        pytest.param(["benchmark", "{d}", "--json"], "support", id="benchmark_latest"),
        pytest.param(["classify", "{d}", "--period", "2023", "--scheme", "star-2020", "--json"], "benchmark", id="classify"),
        pytest.param(["surveys", "{d}", "--json"], "citizen_survey", id="surveys"),
        pytest.param(["peers", "{d}", "--period", "2023", "--kommune", "101", "--json"], "support", id="peers"),
        pytest.param(["dea", "{d}", "--period", "2023", "--json"], "costs", id="dea"),
    ],
)
def test_command_names_the_missing_table(args, table, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    d = make_dir(tmp_path / "ds", csv("population", "101;2023;1"))
    code, out, err = cli(["--lang", "da", *[a.replace("{d}", str(d)) for a in args]], capsys)
    assert code not in (0, None, "exception") and "Traceback" not in err
    assert out.strip() == ""
    assert f"'{table}'" in err, err


def test_classify_absent_period_lists_available_periods(sim_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = cli(["--lang", "da", "classify", str(sim_dir), "--period", "1999", "--scheme", "star-2020", "--json"], capsys)
    assert code not in (0, None, "exception")
    assert "mangler tabellen" not in err, err
    assert "1999" in err and "2023" in err, err


def test_danish_dot_means_the_same_in_every_row(tmp_path) -> None:
    alone = load_dataset(make_dir(tmp_path / "a", csv("population", "101;2023;1.234"))).table("population")
    mixed = load_dataset(make_dir(tmp_path / "b", csv("population", "101;2023;1.234", "147;2023;2,5"))).table("population")
    assert alone["persons"].iloc[0] == mixed["persons"].iloc[0] == 1234.0


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(csv("population", "101;2023;1", "147;2023;2"), id="plain"),
        pytest.param({"population.csv": "kommunekode;period;persons;\n101;2023;1;\n", "a.b.csv": "x;y\n1;2\n"}, id="odd_names"),
        pytest.param({"citizen_survey.csv": "respondent_id;kommunekode;period;udbytte\n007;101;2023;\n", **csv("provenance", "citizen_survey;sim;ja;")}, id="ids_and_bools"),
    ],
)
def test_workspace_holds_exactly_the_dataset_ingested(files, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from benchlearn.store import open_input

    d = make_dir(tmp_path / "ds", files)
    ws = tmp_path / "ws.duckdb"
    code, _, err = cli(["--lang", "da", "ingest", str(d), "--workspace", str(ws)], capsys)
    assert code == 0, err
    folder, stored = load_dataset(d), open_input(ws)
    assert folder.names == stored.names
    for name in folder.names:
        assert list(folder.table(name).columns) == list(stored.table(name).columns), name
    assert folder.content_hash == stored.content_hash


# ---------------------------------------------------------------------------------------
# Files as Danish offices actually export them
# ---------------------------------------------------------------------------------------
def test_old_mac_cr_line_endings_load(tmp_path) -> None:
    d = make_dir(tmp_path / "ds", {"population.csv": "kommunekode;period;persons\r101;2023;1,5\r147;2023;2\r"})
    assert load_dataset(d).table("population")["persons"].tolist() == [1.5, 2.0]


def test_quoted_commas_in_header_do_not_fool_delimiter_detection(tmp_path) -> None:
    d = make_dir(tmp_path / "ds", {"population.csv": 'kommunekode;period;persons;"kilde, note, mm, osv"\n101;2023;1,5;x\n'})
    assert load_dataset(d).table("population")["persons"].tolist() == [1.5]


def test_excel_sep_hint_line_is_understood(tmp_path) -> None:
    d = make_dir(tmp_path / "ds", {"population.csv": "sep=;\nkommunekode;period;persons\n101;2023;1,5\n"})
    assert load_dataset(d).table("population")["persons"].tolist() == [1.5]


def test_utf16_excel_unicode_text_is_read_or_named(tmp_path, capsys) -> None:
    d = make_dir(tmp_path / "ds", {"municipalities.csv": "kommunekode\tnavn\r\n101\tKøbenhavn\r\n".encode("utf-16")})
    code, _, err = cli(["--lang", "en", "check", str(d)], capsys)
    if code == 0:
        assert load_dataset(d).table("municipalities")["navn"].tolist() == ["København"]
    else:
        assert "UTF-16" in err and "Traceback" not in err, err


def test_mixed_encoding_is_not_silently_garbled(tmp_path, capsys) -> None:
    data = "kommunekode;navn\n101;København\n".encode() + "147;Frederiksberg ø\n".encode("cp1252")
    d = make_dir(tmp_path / "ds", {"municipalities.csv": data})
    code, _, err = cli(["--lang", "en", "check", str(d)], capsys)
    if code == 0:
        names = load_dataset(d).table("municipalities")["navn"].tolist()
        assert not any("Ã" in n for n in names), names
    else:
        assert "Traceback" not in err and "municipalities.csv" in err


def test_whole_simulated_dataset_in_danish_cp1252_equals_the_international_csv(sim, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Every contract table written the Danish way (';', decimal comma, cp1252) and as Parquet
    is the same dataset as plain CSV: one content hash, and the same benchmark records."""
    intl, dk, pq = tmp_path / "intl", tmp_path / "dk", tmp_path / "pq"
    for d in (intl, dk, pq):
        d.mkdir()
    for name, df in sim.tables.items():
        df.to_csv(intl / f"{name}.csv", index=False)
        df.to_csv(dk / f"{name}.csv", index=False, sep=";", decimal=",", encoding="cp1252")
        df.to_parquet(pq / f"{name}.parquet", index=False)
    hashes = {load_dataset(d).content_hash for d in (intl, dk, pq)}
    assert len(hashes) == 1
    outs = []
    for d in (intl, dk):
        code, out, err = cli(["--lang", "da", "benchmark", str(d), "--period", "2023", "--json"], capsys)
        assert code == 0, err
        outs.append(json.loads(out))
    assert outs[0] == outs[1]

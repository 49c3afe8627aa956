"""Reading datasets in every convention users have, and refusing broken ones cleanly."""

from __future__ import annotations

import pandas as pd
import pytest

from benchlearn.data.dataset import Dataset, load_dataset
from benchlearn.core.errors import DataError, DatasetError, MissingTableError

SUPPORT_DK = "kommunekode;period;ydelse;fuldtidspersoner\n450;2023;kontanthjaelp;1.234,5\n101;2023;a_dagpenge;12,5\n"
SUPPORT_INT = "kommunekode,period,ydelse,fuldtidspersoner\n450,2023,kontanthjaelp,1234.5\n101,2023,a_dagpenge,12.5\n"


def _write(folder, name, text, encoding="utf-8"):
    (folder / name).write_bytes(text.encode(encoding))


def _support(ds):
    return ds.table("support").set_index("kommunekode")["fuldtidspersoner"].to_dict()


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (SUPPORT_DK, "utf-8"),
        ("\ufeff" + SUPPORT_DK, "utf-8"),
        (SUPPORT_DK, "cp1252"),
        (SUPPORT_INT, "utf-8"),
        ("\ufeff" + SUPPORT_INT, "utf-8"),
    ],
    ids=["danish", "danish-bom", "danish-cp1252", "international", "international-bom"],
)
def test_csv_conventions_give_the_same_numbers(tmp_path, text, encoding):
    _write(tmp_path, "support.csv", text, encoding)
    ds = load_dataset(tmp_path)
    assert _support(ds) == {450: 1234.5, 101: 12.5}
    assert ds.table("support")["kommunekode"].dtype == "int64"


def test_cp1252_and_utf8_letters_survive(tmp_path):
    text = "kommunekode;period;variable;value\n450;2023;andel_ældre_øvrige_år;12,25\n"
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    _write(a, "framework.csv", text, "cp1252")
    _write(b, "framework.csv", text, "utf-8")
    va, vb = load_dataset(a).table("framework"), load_dataset(b).table("framework")
    assert va["variable"].iloc[0] == "andel_ældre_øvrige_år" == vb["variable"].iloc[0]
    assert va["value"].iloc[0] == pytest.approx(12.25, abs=0)


def test_column_names_are_case_insensitive_and_danish_letters_folded(tmp_path):
    _write(tmp_path, "citizen_survey.csv", "Respondent_ID;KommuneKode;Period;Udbytte;Sammenhæng\nr1;450;2023;4;\nr2;0450;2023;5;3\n")
    df = load_dataset(tmp_path).table("citizen_survey")
    assert list(df["kommunekode"]) == [450, 450]
    assert df["sammenhaeng"].isna().tolist() == [True, False]


def test_same_data_in_csv_xlsx_parquet_has_the_same_hash(tmp_path):
    frame = pd.DataFrame({"kommunekode": [450, 101], "period": ["2023", "2023"], "ydelse": ["kontanthjaelp", "a_dagpenge"], "fuldtidspersoner": [1234.5, 12.5]})
    hashes = []
    for fmt in ("csv", "xlsx", "parquet"):
        d = tmp_path / fmt
        d.mkdir()
        if fmt == "csv":
            _write(d, "support.csv", SUPPORT_DK)
        elif fmt == "xlsx":
            with pd.ExcelWriter(d / "data.xlsx") as xw:
                frame.to_excel(xw, sheet_name="support", index=False)
        else:
            frame.to_parquet(d / "support.parquet")
        ds = load_dataset(d)
        assert _support(ds) == {450: 1234.5, 101: 12.5}
        hashes.append(ds.content_hash)
    assert len(set(hashes)) == 1


def test_xlsx_with_danish_text_numbers_and_numeric_codes(tmp_path):
    frame = pd.DataFrame({"Kommunekode": ["0450", 101], "Period": [2023, 2023], "Persons": ["20.000,5", 430000]})
    with pd.ExcelWriter(tmp_path / "befolkning.xlsx") as xw:
        frame.to_excel(xw, sheet_name="population", index=False)
    df = load_dataset(tmp_path).table("population").set_index("kommunekode")
    assert df.loc[450, "persons"] == 20000.5
    assert df.loc[101, "period"] == "2023"


@pytest.mark.parametrize(
    ("line", "row", "column", "fragment"),
    [
        ("450;2023;kontanthjaelp;-5", 4, "fuldtidspersoner", "mindst 0"),
        ("999;2023;kontanthjaelp;5", 4, "kommunekode", "98 kommunekoder"),
        ("450;2023;kontanthjaelp;mange", 4, "fuldtidspersoner", "et tal"),
        ("450;23-1;sygedagpenge;5", 4, "period", "periode"),
        ("450;2023;bistand;5", 4, "ydelse", "en af"),
        ("101;2023;a_dagpenge;3", 4, "kommunekode,period,ydelse", "række 3"),
        ("450;2023Q1;sygedagpenge;5", 4, "period", "samme slags periode"),
        ("450;2023;sygedagpenge;", 4, "fuldtidspersoner", "ikke et tomt felt"),
    ],
    ids=["negative", "unknown-kommune", "text-in-number", "bad-period", "unknown-ydelse", "duplicate-key", "mixed-periods", "blank"],
)
def test_broken_values_name_table_row_column(tmp_path, line, row, column, fragment):
    _write(tmp_path, "support.csv", SUPPORT_DK + line + "\n")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    err = info.value
    assert (err.table, err.row, err.column) == ("support", row, column)
    assert fragment in err.da


def test_missing_column_is_named_with_what_the_file_has(tmp_path):
    _write(tmp_path, "population.csv", "kommunekode;period\n450;2023\n")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    assert info.value.column == "persons" and info.value.row == 1
    assert "kommunekode, period" in info.value.en


def test_focus_counts_cannot_exceed_the_persons_they_count(tmp_path):
    _write(tmp_path, "focus.csv", "kommunekode;period;persons_12m;without_offer;without_talks\n450;2023;100;30;101\n")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    assert info.value.column == "without_talks" and info.value.row == 2


def test_survey_items_outside_the_scale_are_refused(tmp_path):
    _write(tmp_path, "citizen_survey.csv", "respondent_id;kommunekode;period;udbytte\nr1;450;2023;4\nr2;450;2023;7\n")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    assert (info.value.row, info.value.column) == (3, "udbytte")


def test_period_kinds_must_agree_across_tables(tmp_path):
    _write(tmp_path, "support.csv", SUPPORT_DK)
    _write(tmp_path, "population.csv", "kommunekode;period;persons\n450;2023Q4;20000\n")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    assert info.value.column == "period"


def test_ragged_csv_row_is_reported_by_line(tmp_path):
    _write(tmp_path, "support.csv", SUPPORT_DK + "450;2023\n")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    assert info.value.row == 4


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(DatasetError):
        load_dataset(tmp_path / "nope")
    with pytest.raises(DatasetError):
        load_dataset(tmp_path)


def test_require_names_the_missing_table(tmp_path):
    _write(tmp_path, "support.csv", SUPPORT_DK)
    ds = load_dataset(tmp_path)
    with pytest.raises(MissingTableError) as info:
        ds.require("framework", "benchmarkmodellen", "the benchmark model")
    assert "framework" in info.value.da and "benchmark model" in info.value.en


def test_from_tables_validates_like_files():
    bad = pd.DataFrame({"kommunekode": [450], "period": ["2023"], "persons": [-1.0]})
    with pytest.raises(DataError) as info:
        Dataset.from_tables({"population": bad})
    assert (info.value.table, info.value.row, info.value.column) == ("population", 1, "persons")


def test_provenance_marks_simulated_tables(tmp_path):
    _write(tmp_path, "support.csv", SUPPORT_DK)
    _write(tmp_path, "provenance.csv", "table;source;simulated;note\nsupport;benchlearn simulator;ja;\n")
    ds = load_dataset(tmp_path)
    assert ds.is_simulated("support") and not ds.is_simulated("population")


def test_provenance_by_part_of_a_table(tmp_path):
    _write(tmp_path, "support.csv", SUPPORT_DK)
    _write(
        tmp_path,
        "provenance.csv",
        "table;part;source;simulated;note\nsupport;ydelse=kontanthjaelp;Danmarks Statistik AUK01;nej;\nsupport;ydelse=a_dagpenge;benchlearn simulator;ja;\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.is_simulated("support")
    prov = ds.provenance_of("support").set_index("part")["simulated"]
    assert prov.to_dict() == {"ydelse=a_dagpenge": True, "ydelse=kontanthjaelp": False}

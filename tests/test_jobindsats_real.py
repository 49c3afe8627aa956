"""The ministry's real benchmark y30r21 and the real monthly Jobindsats series (SOURCES.md §3).

Every expected value is read from the shared file itself with the json module, not copied.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from benchlearn.core import reference
from benchlearn.core.errors import DataError
from benchlearn.sources.jobindsats import Y30R21_GROUPS, read_y30r21
from benchlearn.sources.jobindsats_dashboard import DASHBOARD_FILE, MEASURES, read_dashboard

Y30R21 = Path("jobindsats") / "Randers-Kommune-Digitalisering_jobcenterindblik_jobindsats.dk" / "Y30R21-api.csv"
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def y30r21_path(raw_data_dir: Path) -> Path:
    p = raw_data_dir / Y30R21
    if not p.is_file():
        pytest.skip(f"{p} not found")
    return p


@pytest.fixture(scope="module")
def lines(y30r21_path: Path) -> list[dict]:
    return [json.loads(x) for x in y30r21_path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def bm(y30r21_path: Path) -> pd.DataFrame:
    return read_y30r21(y30r21_path)


def _key(line: dict, end: str) -> object:
    return next(v for k, v in line.items() if k.endswith(end))


def _line(lines: list[dict], area: str, period: str, group: str = "Ydelsesgrupper i alt") -> dict:
    (hit,) = [ln for ln in lines if (ln["Area"], ln["Periode"], ln["Ydelsesgrupper"]) == (area, period, group)]
    return hit


def _share(v: str) -> float:
    return float(v.replace(",", "."))


def test_shape_of_the_real_file(bm: pd.DataFrame, lines: list[dict]) -> None:
    assert len(bm) == len(lines) == 98 * 6 * 4
    assert sorted(bm["period"].unique()) == [f"{y}QMAT0{q}" for y in (2020, 2021, 2022) for q in (2, 4)]
    assert set(bm["area"]) == set(Y30R21_GROUPS.values())
    for _, g in bm.groupby(["period", "area"]):
        assert sorted(g["kommunekode"]) == sorted(reference.kommunekoder())
        assert sorted(g["published_rank"]) == list(range(1, 99))  # a rank list per period and group


@pytest.mark.parametrize("area,period", [("Nyborg", "2020QMAT02"), ("København", "2020QMAT02"), ("Fanø", "2022QMAT04")])
def test_values_come_from_the_file(bm: pd.DataFrame, lines: list[dict], area: str, period: str) -> None:
    k = {v: c for c, v in reference.names().items()}[area]
    for group, code in Y30R21_GROUPS.items():
        ln = _line(lines, area, period, group)
        row = bm[(bm["kommunekode"] == k) & (bm["period"] == period) & (bm["area"] == code)].iloc[0]
        assert row["actual"] == _key(ln, ": Faktisk antal")
        assert row["expected"] == _key(ln, ": Forventet antal")
        assert row["published_rank"] == ln["Placering på benchmarkranglisten"]
        assert row["published_diff_pp"] == _share(_key(ln, "(pct. point)"))
    tot = _line(lines, area, period)
    n = _key(tot, ": Forventet antal") / (_share(_key(tot, "Forventet andel (pct.)")) / 100)
    assert (bm.loc[(bm["kommunekode"] == k) & (bm["period"] == period), "persons"] == n).all()


def test_nyborg_rank_history_is_the_published_one(bm: pd.DataFrame, lines: list[dict]) -> None:
    hist = bm[(bm["kommunekode"] == 450) & (bm["area"] == "total")].sort_values("period")["published_rank"].tolist()
    want = [_line(lines, "Nyborg", p)["Placering på benchmarkranglisten"] for p in sorted({ln["Periode"] for ln in lines})]
    assert hist == want and len(hist) == 6


def test_derived_residents_reproduce_the_published_pp_difference(bm: pd.DataFrame) -> None:
    # Closed form: with N the derived residents 16–66, 100 (A − E) / N must equal the published
    # difference up to the rounding of A and E to 10 (each ±5, so ±10/N on the share) and of the
    # published figure to 0.01 pp (±0.005). Holds for all 2,352 rows.
    ours = 100 * (bm["actual"] - bm["expected"]) / bm["persons"]
    bound = 100 * 10 / bm["persons"] + 0.005
    assert ((ours - bm["published_diff_pp"]).abs() <= bound).all()


def test_derived_residents_against_folk1a_2014_ages_in_r(bm: pd.DataFrame, raw_data_dir: Path, tmp_path: Path) -> None:
    # Independent: residents 16–66 on 1 January 2014 by R from the FOLK1A single-age file
    # (SOURCES.md §4). 2014 -> 2020–2022 moves municipalities by −16 % … +14 % (measured: min
    # ratio 0.84 Læsø, max 1.14 København); the national total by +1.7 … +2.6 %.
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed")
    rd = raw_data_dir / "dst" / "LarsHernandez_dagir" / "std_kommuner.rdata"
    out = tmp_path / "n.csv"
    code = (f'load("{rd}"); d <- std_kommuner; d <- d[d$ALDER >= 16 & d$ALDER <= 66, ]; '
            f'write.csv(aggregate(INDHOLD ~ area, d, sum), "{out}", row.names = FALSE)')
    subprocess.run(["Rscript", "-e", code], check=True, capture_output=True)
    f = pd.read_csv(out)
    from benchlearn.sources.statbank import classify_area

    f["k"] = [classify_area(a) for a in f["area"]]
    f = f[f["k"].map(lambda x: isinstance(x, int))].set_index("k")["INDHOLD"]
    assert int(f.sum()) == 3_706_837  # SOURCES.md §4
    for _, g in bm[bm["area"] == "total"].groupby("period"):
        n = g.set_index("kommunekode")["persons"]
        ratio = n / f.reindex(n.index)
        assert ratio.between(0.80, 1.20).all()
        assert 1.0 < n.sum() / f.sum() < 1.04


def _api_answer(lines: list[dict]) -> list[dict]:
    spec = importlib.util.spec_from_file_location("make_recorded", HERE / "recorded" / "make_recorded.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod.y30r21_answer(lines)


def test_both_shapes_give_identical_tables(bm: pd.DataFrame, lines: list[dict], tmp_path: Path) -> None:
    p = tmp_path / "y30r21.json"
    p.write_text(json.dumps(_api_answer(lines), ensure_ascii=False), encoding="utf-8")
    pd.testing.assert_frame_equal(read_y30r21(p), bm)
    recorded = read_y30r21(HERE / "recorded" / "jobindsats" / "data_y30r21.json")
    pd.testing.assert_frame_equal(recorded, bm[bm["period"].isin(["2022QMAT02", "2022QMAT04"])].reset_index(drop=True))


def _write(tmp_path: Path, lines: list[dict]) -> Path:
    p = tmp_path / "bad.jsonl"
    p.write_text("".join(json.dumps(ln, ensure_ascii=False) + "\n" for ln in lines), encoding="utf-8")
    return p


SHARE = "Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse: Forventet andel (pct.)"


def _missing_group(ls):  # type: ignore[no-untyped-def]
    return [ln for i, ln in enumerate(ls) if i != 345], 345, "Ydelsesgrupper", ls[345]["Ydelsesgrupper"]


def _duplicate(ls):  # type: ignore[no-untyped-def]
    return [*ls[:11], ls[10], *ls[11:]], 12, "Area/Periode/Ydelsesgrupper", f"{ls[10]['Area']}, {ls[10]['Periode']}, {ls[10]['Ydelsesgrupper']}"


def _unknown_name(ls):  # type: ignore[no-untyped-def]
    return [*ls[:20], {**ls[20], "Area": "Gotham"}, *ls[21:]], 21, "Area", "Gotham"


def _share_not_number(ls):  # type: ignore[no-untyped-def]
    return [*ls[:30], {**ls[30], SHARE: "ni komma otte"}, *ls[31:]], 31, SHARE, "ni komma otte"


def _other_period(ls):  # type: ignore[no-untyped-def]
    return [*ls[:40], {**ls[40], "Periode": "2020Q2"}, *ls[41:]], 41, "Periode", "2020Q2"


@pytest.mark.parametrize("mutate", [_missing_group, _duplicate, _unknown_name, _share_not_number, _other_period])
def test_bad_extracts_are_refused_naming_line_key_value(lines: list[dict], tmp_path: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    bad, line, key, value = mutate(lines)
    if mutate is _missing_group:  # the error points at the first line of that municipality and period
        gone = lines[345]
        line = 1 + next(i for i, ln in enumerate(bad) if (ln["Area"], ln["Periode"]) == (gone["Area"], gone["Periode"]))
    p = _write(tmp_path, bad)
    with pytest.raises(DataError) as ei:
        read_y30r21(p)
    e = ei.value
    assert (e.row, e.column, e.value) == (line, key, value)
    assert str(p) in e.da and f"række {line}" in e.da and f"row {line}" in e.en and "Traceback" not in e.en


def test_bad_api_answer_is_refused_too(lines: list[dict], tmp_path: Path) -> None:
    ans = _api_answer(lines)
    ans[0]["Data"][7][0] = "Gotham"
    p = tmp_path / "a.json"
    p.write_text(json.dumps(ans, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as ei:
        read_y30r21(p)
    assert (ei.value.row, ei.value.column, ei.value.value) == (8, "Area", "Gotham")


# ------------------------------------------------------------------ monthly series


@pytest.fixture(scope="module")
def dash_path(raw_data_dir: Path) -> Path:
    p = raw_data_dir / DASHBOARD_FILE
    if not p.is_file():
        pytest.skip(f"{p} not found")
    return p


@pytest.fixture(scope="module")
def dash(dash_path: Path) -> dict:
    return json.loads(dash_path.read_text(encoding="utf-8"))


def test_activity_values_come_from_the_file(dash_path: Path, dash: dict) -> None:
    got = read_dashboard(dash_path)
    act, nat = got["activity"], got["activity_national"]
    assert act["kommunekode"].nunique() == 98
    by_name = {v: c for c, v in reference.names().items()}
    n_expected = 0
    for slug, block in dash["municipalities"].items():
        k = by_name[block["name"]]
        for m in MEASURES:
            ser = block.get(m.series) or {}
            vals = dict(zip(ser.get("labels", []), ser.get(m.key, [])))
            mine = act[(act["kommunekode"] == k) & (act["measure"] == m.measure) & (act["maalgruppe"] == m.maalgruppe)]
            kept = {p: v for p, v in vals.items() if v is not None}
            assert dict(zip(mine["period"], mine["value"])) == kept, (slug, m)
            n_expected += len(kept)
    assert len(act) == n_expected
    u = dash["national"]["unemployment"]
    mine = nat[(nat["measure"] == "ledige") & (nat["maalgruppe"] == "alle")]
    assert mine["value"].tolist() == [float(v) for v in u["total"]] and mine["period"].tolist() == u["labels"]


@pytest.mark.parametrize("change,column,value", [
    (lambda d: d["municipalities"]["nyborg"].update(name="Gotham"), "municipalities.nyborg.name", "Gotham"),
    (lambda d: d["municipalities"]["nyborg"]["unemployment"]["total"].__setitem__(3, "mange"),
     "municipalities.nyborg.unemployment.total[3]", "mange"),
    (lambda d: d["municipalities"]["nyborg"]["unemployment"]["labels"].__setitem__(0, "2021-08"),
     "municipalities.nyborg.unemployment.labels[0]", "2021-08"),
    (lambda d: d["municipalities"]["nyborg"]["activation"]["degree"].pop(), "municipalities.nyborg.activation.degree", 59),
])
def test_bad_dashboard_is_refused_naming_key_and_value(dash: dict, tmp_path: Path, change, column, value) -> None:  # type: ignore[no-untyped-def]
    d = json.loads(json.dumps(dash))
    change(d)
    p = tmp_path / "dash.json"
    p.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as ei:
        read_dashboard(p)
    assert (ei.value.column, ei.value.value) == (column, value)
    assert str(p) in ei.value.en

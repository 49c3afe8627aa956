"""Contract tables from the real DST extracts, spot-checked against independent reads (csv module)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from benchlearn.core import reference
from benchlearn.data.dataset import Dataset
from benchlearn.core.errors import SourceError
from benchlearn.sources.cache import Cache
from benchlearn.sources.realdata import DEFAULT_CONTROLS, OUTCOME_LIKE, build_real_tables

RAW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
DST = RAW / "dst" / "DennisHedegreen_danish-politics-data"
SOCIO, FACTORS = DST / "socioeconomic_raw", DST / "factors"
pytestmark = pytest.mark.skipif(not SOCIO.is_dir(), reason="real extracts in ../shared/data/raw absent")


def _rows(path: Path, sep: str = ";") -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=sep))


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # an empty cache: these tests are about the bundled raw copy only
    return build_real_tables(RAW, cache=Cache(tmp_path_factory.mktemp("emptycache")))


def _val(df, k: int, period: str, col: str, **eq) -> float:  # type: ignore[no-untyped-def]
    m = (df["kommunekode"] == k) & (df["period"] == period)
    for c, v in eq.items():
        m &= df[c] == v
    hit = df.loc[m, col]
    assert len(hit) == 1, (k, period, eq)
    return float(hit.iloc[0])


def test_exactly_the_98_in_every_table_and_period(tables: dict) -> None:
    want = reference.kommunekoder()
    for name in ("support", "population"):
        df = tables[name]
        per = df.groupby("period")["kommunekode"].agg(lambda s: frozenset(s))
        assert all(v == want for v in per), name
        assert not df.duplicated(["kommunekode", "period"]).any()
    fw = tables["framework"]
    assert fw.groupby(["variable", "period"])["kommunekode"].nunique().eq(98).all()
    assert 101 in set(tables["support"]["kommunekode"]) and 411 not in set(tables["support"]["kommunekode"])
    assert tables["support"]["ydelse"].eq("kontanthjaelp").all()


def test_support_is_the_mean_of_four_quarters(tables: dict) -> None:
    rows = _rows(SOCIO / "auk01_social_assistance.csv")
    quarters: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        quarters.setdefault((r["OMRÅDE"], r["TID"][:4]), []).append(float(r["INDHOLD"]))
    sup = tables["support"]
    for label, k in (("Copenhagen", 101), ("Nyborg", 450), ("Læsø", 825)):
        for year in ("2008", "2015", "2024"):
            q = quarters[(label, year)]
            assert len(q) == 4
            assert _val(sup, k, year, "fuldtidspersoner") == pytest.approx(sum(q) / 4, rel=1e-12)
    # only complete years: the raw file runs 2007Q1-2025Q4; 2007 has no population anchor
    assert sorted(sup["period"].unique()) == [str(y) for y in range(2008, 2026)]


def _pop_0_66(label: str) -> dict[str, float]:
    tot = {r["TID"]: float(r["INDHOLD"]) for r in _rows(SOCIO / "folk1a_total_pop.csv") if r["OMRÅDE"] == label}
    old: dict[str, float] = {}
    for r in _rows(SOCIO / "folk1a_65plus.csv"):
        if r["OMRÅDE"] == label and int(r["ALDER"].split()[0]) >= 67:
            old[r["TID"]] = old.get(r["TID"], 0.0) + float(r["INDHOLD"])
    return {t: tot[t] - old[t] for t in tot} | {f"total{t}": tot[t] for t in tot}


def test_population_interpolation_and_carry_forward(tables: dict) -> None:
    pop = tables["population"]
    n = _pop_0_66("Nyborg")
    # 2010 midpoint 2010.5 lies between the 1 January counts of 2008 and 2011
    want_2010 = n["2008Q1"] + (2010.5 - 2008) / 3 * (n["2011Q1"] - n["2008Q1"])
    assert _val(pop, 450, "2010", "persons") == pytest.approx(want_2010, rel=1e-12)
    # 2019 midpoint between 2019 and 2022
    want_2019 = n["2019Q1"] + 0.5 / 3 * (n["2022Q1"] - n["2019Q1"])
    assert _val(pop, 450, "2019", "persons") == pytest.approx(want_2019, rel=1e-12)
    # 2024 is after the last anchor: FOLK1AM mean of 2024's 12 months × 2022 share 0-66
    months = [float(r["INDHOLD"]) for r in _rows(SOCIO / "folk1am_population_by_municipality.csv")
              if r["OMRÅDE"] == "Nyborg" and r["TID"].startswith("2024M")]
    assert len(months) == 12
    share = n["2022Q1"] / n["total2022Q1"]
    assert _val(pop, 450, "2024", "persons") == pytest.approx(np.mean(months) * share, rel=1e-12)
    # plausibility: residents aged 67+ are roughly 8-30 % of a Danish municipality, so the
    # 0-66 count must be 60-95 % of the total (catches e.g. subtracting 65+ or adding instead)
    tot = {r["OMRÅDE"]: float(r["INDHOLD"]) for r in _rows(SOCIO / "folk1a_total_pop.csv") if r["TID"] == "2015Q1"}
    p15 = pop[pop["period"] == "2015"].set_index("kommunekode")["persons"]
    m = reference.municipalities().set_index("kommunekode")["navn_dst_en"]
    ratios = [p15[k] / tot[m[k]] for k in p15.index]
    assert 0.60 < min(ratios) and max(ratios) < 0.95


def test_framework_values_against_raw_and_factor_files(tables: dict) -> None:
    fw = tables["framework"]
    # education: (H40+...+H80)/total from the six HFUDD11 files, Aarhus 2015 and interpolated 2013
    edu: dict[tuple[str, str], float] = {}
    tot: dict[str, float] = {}
    for suffix in ("h40", "h50", "h60", "h70", "h80"):
        for r in _rows(SOCIO / f"hfudd11_{suffix}.csv"):
            if r["BOPOMR"] == "Aarhus":
                edu[(suffix, r["TID"])] = float(r["INDHOLD"])
    for r in _rows(SOCIO / "hfudd11_tot.csv"):
        if r["BOPOMR"] == "Aarhus":
            tot[r["TID"]] = float(r["INDHOLD"])
    share = {y: 100 * sum(edu[(s, y)] for s in ("h40", "h50", "h60", "h70", "h80")) / tot[y] for y in tot}
    assert _val(fw, 751, "2015", "value", variable="education_pct") == pytest.approx(share["2015"], rel=1e-12)
    want_2013 = share["2011"] + (2013 - 2011) / 4 * (share["2015"] - share["2011"])
    assert _val(fw, 751, "2013", "value", variable="education_pct") == pytest.approx(want_2013, rel=1e-12)
    # the factor file's education.csv says the same, to its 1 decimal
    f = {r["year"]: float(r["value"]) for r in _rows(FACTORS / "education.csv", ",") if r["municipality"] == "Aarhus"}
    assert share["2015"] == pytest.approx(f["2015"], abs=0.05 + 1e-9)
    # carried flat after the last observation (2022) for up to 3 years
    assert _val(fw, 751, "2025", "value", variable="education_pct") == pytest.approx(share["2022"], rel=1e-12)
    # income straight from INDKP101
    inc = {r["TID"]: float(r["INDHOLD"]) for r in _rows(SOCIO / "indkp101_income_by_municipality.csv") if r["OMRÅDE"] == "Copenhagen"}
    assert _val(fw, 101, "2020", "value", variable="income_dkk") == inc["2020"]
    # immigration: factor labelled election year 2007 is the 2008Q1 count -> year 2008
    imm = {r["year"]: float(r["value"]) for r in _rows(FACTORS / "immigration_share_pct.csv", ",") if r["municipality"] == "Copenhagen"}
    assert _val(fw, 101, "2008", "value", variable="immigration_pct") == imm["2007"]
    want = imm["2011"] + (2013 - 2011) / 4 * (imm["2015"] - imm["2011"])
    assert _val(fw, 101, "2013", "value", variable="immigration_pct") == pytest.approx(want, rel=1e-12)
    # detached-house share starts 2010: 2008 carries the 2010 value back
    det = {r["year"]: float(r["value"]) for r in _rows(FACTORS / "detached_house_dwelling_share_pct.csv", ",") if r["municipality"] == "Nyborg"}
    assert _val(fw, 450, "2008", "value", variable="detached_house_pct") == det["2010"]


def test_variables_and_flags(tables: dict) -> None:
    names = set(tables["framework"]["variable"])
    assert set(DEFAULT_CONTROLS) | set(OUTCOME_LIKE) == names
    assert "unemployment_pct" not in DEFAULT_CONTROLS and len(DEFAULT_CONTROLS) == 8


def test_provenance_documents_deviations(tables: dict) -> None:
    prov = tables["provenance"].set_index("table")
    assert set(prov.index) == {"support", "population", "framework"}
    assert not prov["simulated"].any()
    assert prov.loc["support", "source"].startswith("Danmarks Statistik AUK01 via ")
    assert "0–66" in prov.loc["population", "note"] and "16–66" in prov.loc["population", "note"]
    assert "interpol" in prov.loc["framework", "note"].lower()
    assert "unemployment_pct" in prov.loc["framework", "note"]


def test_dataset_built_from_real_tables_validates(tables: dict) -> None:
    ds = Dataset.from_tables(tables)
    assert ds.periods("support") == [str(y) for y in range(2008, 2026)]
    assert not ds.is_simulated("support") and not ds.is_simulated("framework")
    assert ds.table("support")["kommunekode"].dtype == "int64"


def test_quarterly_kind(tmp_path: Path) -> None:
    t = build_real_tables(RAW, "quarter", cache=Cache(tmp_path))
    sup = t["support"]
    rows = {r["TID"]: float(r["INDHOLD"]) for r in _rows(SOCIO / "auk01_social_assistance.csv") if r["OMRÅDE"] == "Nyborg"}
    assert _val(sup, 450, "2016Q3", "fuldtidspersoner") == rows["2016Q3"]
    assert sup["period"].min() == "2008Q1" and sup["period"].max() == "2025Q4"
    Dataset.from_tables(t)


def test_cached_extract_wins_over_raw(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    raw = (SOCIO / "auk01_social_assistance.csv").read_bytes()
    # double every value of Nyborg in the "fetched" copy to see which one is used
    lines = raw.decode("utf-8-sig").splitlines()
    out = [lines[0]] + [
        ";".join(p[:-1] + [str(2 * int(p[-1]))]) if p[0] == "Nyborg" else ln
        for ln in lines[1:] for p in [ln.split(";")]
    ]
    cache.put("statbank", "auk01.csv", ("\ufeff" + "\n".join(out) + "\n").encode("utf-8"), url="https://api.statbank.dk/v1/data")
    t = build_real_tables(RAW, cache=cache)
    q = [float(r["INDHOLD"]) for r in _rows(SOCIO / "auk01_social_assistance.csv") if r["OMRÅDE"] == "Nyborg" and r["TID"].startswith("2020")]
    assert _val(t["support"], 450, "2020", "fuldtidspersoner") == pytest.approx(2 * sum(q) / 4, rel=1e-12)
    assert "api.statbank.dk" in t["provenance"].set_index("table").loc["support", "source"]


def test_no_raw_data_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as ei:
        build_real_tables(tmp_path / "nothing", cache=Cache(tmp_path / "c"))
    assert "benchlearn fetch" in ei.value.en


def test_without_factor_files_only_computed_variables(tmp_path: Path) -> None:
    # a raw folder with the StatBank extracts but no factor files (linked, not copied)
    d = tmp_path / "raw" / "dst" / "DennisHedegreen_danish-politics-data" / "socioeconomic_raw"
    d.mkdir(parents=True)
    for f in SOCIO.glob("*.csv"):
        (d / f.name).symlink_to(f)
    t = build_real_tables(tmp_path / "raw", cache=None)
    assert set(t["framework"]["variable"]) == {"education_pct", "income_dkk", "age65_pct"}
    assert "mangler/missing" in t["provenance"].set_index("table").loc["framework", "note"]

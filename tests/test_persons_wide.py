"""The register-style wide layout (a row per person, a column per week) gives exactly the
outputs of the long layout on the same persons, on DuckDB and on Spark."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchlearn.core.errors import DataError
from benchlearn.persons.pipeline import PersonsConfig, run
from benchlearn.persons.pseudonymise import PseudonymKey
from benchlearn.persons.simulate import simulate_persons
from test_persons import hand_made
from conftest import _java_ok

KEY = PseudonymKey(b"wide-test-key-0123456789", "test")


def to_wide(src: Path, dst: Path, *, single_kommune: bool = False, code_of=None) -> Path:
    """The long person_weeks of ``src`` as DREAM-style columns ``y_YYWW`` / ``k_YYWW``
    (written here with pandas, independently of benchlearn.persons.wide)."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("persons", "events"):
        pd.read_parquet(src / f"{name}.parquet").to_parquet(dst / f"{name}.parquet", index=False)
    w = pd.read_parquet(src / "person_weeks.parquet")
    w["col"] = w["week"].str[2:4] + w["week"].str[6:8]
    y = w.pivot(index="person_id", columns="col", values="ydelse")
    if code_of is not None:
        y = y.map(lambda v: code_of.get(v, v) if isinstance(v, str) else v)
    y.columns = [f"y_{c}" for c in y.columns]
    k = w.pivot(index="person_id", columns="col", values="kommunekode").astype("Int16")
    k.columns = [f"k_{c}" for c in k.columns]
    persons = pd.read_parquet(src / "persons.parquet")["person_id"]
    out = pd.DataFrame(index=persons)
    if single_kommune:
        out["kommunekode"] = k.bfill(axis=1).iloc[:, 0]
        out = out.join(y)
    else:
        out = out.join(y).join(k)
    out.reset_index().rename(columns={"index": "person_id"}).to_parquet(dst / "person_weeks_wide.parquet", index=False)
    return dst


def _same(a, b) -> None:
    assert set(a.tables) == set(b.tables)
    for n in a.tables:
        pd.testing.assert_frame_equal(a.tables[n], b.tables[n], check_exact=True, obj=n)


@pytest.mark.parametrize("extra_2022", [False, True], ids=["one-year", "rows-outside-the-period"])
def test_wide_equals_long_on_hand_made_histories(tmp_path, extra_2022):
    """Movers, an emigrant (blank municipality), a 70-year-old, a person with 51 weeks."""
    d = hand_made(tmp_path / "long", extra_2022=extra_2022)
    wd = to_wide(d, tmp_path / "wide")
    cfg = PersonsConfig(period="2023", min_persons=1)
    _same(run(d, cfg, KEY, show_progress=False), run(wd, cfg, KEY, show_progress=False))
    q = PersonsConfig(period="2023Q4", min_persons=1)  # a quarter with its 12-month window
    _same(run(d, q, KEY, show_progress=False), run(wd, q, KEY, show_progress=False))


@pytest.fixture(scope="module")
def sim_wide(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("wide_sim")
    simulate_persons(3000, d, seed=21, kommune_weights={101: 3.0, 450: 1.0, 851: 1.0}, wide=True, show_progress=False)
    return d


def test_wide_equals_long_on_simulated_registers(sim_wide):
    for m in (1, 5):
        a = run(sim_wide, PersonsConfig(period="2023", min_persons=m, layout="long"), KEY, show_progress=False)
        b = run(sim_wide, PersonsConfig(period="2023", min_persons=m, layout="wide"), KEY, show_progress=False)
        _same(a, b)
        assert len(a.tables["support"]) > 20


def test_codes_file_single_municipality_column_and_unknown_codes(tmp_path):
    d = hand_made(tmp_path / "long")
    # numeric register codes through an edited code file
    code_of = {"a_dagpenge": "111", "kontanthjaelp": "211", "sygedagpenge": "890", "ingen": ""}
    wd = to_wide(d, tmp_path / "wide", code_of=code_of)
    codes = tmp_path / "codes.csv"
    base = pd.read_csv(Path(__file__).parents[1] / "src/benchlearn/persons/benefit_codes.csv", dtype=str,
                       keep_default_na=False)
    extra = pd.DataFrame({"code": ["111", "211", "890", "999"],
                          "ydelse": ["a_dagpenge", "kontanthjaelp", "sygedagpenge", "unknown"],
                          "source": "test"})
    pd.concat([base, extra]).to_csv(codes, index=False)
    cfg = PersonsConfig(period="2023", min_persons=1)
    _same(run(d, cfg, KEY, show_progress=False),
          run(wd, PersonsConfig(period="2023", min_persons=1, codes_file=str(codes)), KEY, show_progress=False))
    # a code marked unknown, or missing from the file, is refused with table, column, value
    w = pd.read_parquet(wd / "person_weeks_wide.parquet")
    w.loc[w.person_id == 1, "y_2310"] = "999"
    w.to_parquet(wd / "person_weeks_wide.parquet", index=False)
    with pytest.raises(DataError) as exc:
        run(wd, PersonsConfig(period="2023", min_persons=1, codes_file=str(codes)), KEY, show_progress=False)
    assert (exc.value.table, exc.value.column, exc.value.value) == ("person_weeks_wide", "y_2310", "999")
    with pytest.raises(DataError):  # the default file does not know 111
        run(wd, cfg, KEY, show_progress=False)
    # one municipality column instead of one per week: persons who do not move
    stay = tmp_path / "stay"
    keep = [1, 2, 3, 5, 8, 9]
    for name in ("persons", "person_weeks", "events"):
        df = pd.read_parquet(d / f"{name}.parquet")
        (stay / "long").mkdir(parents=True, exist_ok=True)
        df[df.person_id.isin(keep)].to_parquet(stay / "long" / f"{name}.parquet", index=False)
    sw = to_wide(stay / "long", stay / "wide", single_kommune=True)
    _same(run(stay / "long", cfg, KEY, show_progress=False), run(sw, cfg, KEY, show_progress=False))
    # a week of the period without its column
    w = pd.read_parquet(sw / "person_weeks_wide.parquet").drop(columns=["y_2320"])
    w.to_parquet(sw / "person_weeks_wide.parquet", index=False)
    with pytest.raises(DataError) as exc:
        run(sw, cfg, KEY, show_progress=False)
    assert exc.value.column == "y_2320"


@pytest.mark.spark
@pytest.mark.skipif(not _java_ok(), reason="no Java runtime for Spark")
def test_wide_on_spark_equals_duckdb(sim_wide, spark):
    a = run(sim_wide, PersonsConfig(period="2023", layout="wide"), KEY, show_progress=False)
    b = run(sim_wide, PersonsConfig(period="2023", layout="wide", engine="spark"), KEY, show_progress=False,
            spark_session=spark)
    for n in a.tables:
        pd.testing.assert_frame_equal(a.tables[n], b.tables[n], check_exact=False, rtol=0, atol=1e-12, obj=n)


@pytest.mark.parametrize("period", ["2023", "2023Q4"], ids=["year", "quarter"])
def test_wide_reduction_is_the_same_in_one_thread_and_many(sim_wide, tmp_path, period):
    """The row groups are reduced in threads and put together in file order: the reduction
    does not depend on the number of threads nor on how the file is cut into row groups."""
    import pyarrow.parquet as pq

    from benchlearn.persons import wide

    src = sim_wide / "person_weeks_wide.parquet"
    cut = tmp_path / "person_weeks_wide.parquet"
    pq.write_table(pq.read_table(src), cut, row_group_size=397)  # many small, uneven row groups
    assert pq.read_metadata(cut).num_row_groups > 4
    codes = wide.load_codes()
    got = [wide.reduce_wide(p, PersonsConfig(period=period, threads=t), codes)
           for p, t in ((src, 1), (cut, 1), (cut, 2), (cut, 3))]
    for g in got[1:]:
        assert g.n_total == got[0].n_total
        a, b = got[0].pkw(), g.pkw()
        key = [(c, "ascending") for c in a.column_names]
        assert a.sort_by(key).equals(b.sort_by(key))
        assert g.ids.equals(got[0].ids) and (g.k_last == got[0].k_last).all()  # file row order
    assert got[0].pkw().num_rows > (got[0].k_last >= 0).sum() > 0

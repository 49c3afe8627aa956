"""The exact week-label check that decides the person pipeline's fast path.

``week_in`` replaces an ``IN`` list of ISO week labels by a condition DuckDB evaluates
inside the Parquet reader (length, last character, label range). It must be *exactly*
set membership; here it is compared with Python's ``in`` on strings built to sit close
to real labels (inside the range, unpadded, with letters, spaces, non-ASCII), through
DuckDB itself.
"""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchlearn.persons.pipeline import week_in
from benchlearn.persons.weeks import period_weeks, week_runs, window_weeks

WEEK_SETS = {
    "2023": period_weeks("2023"),  # one run, 52 weeks
    "2020": period_weeks("2020"),  # 53 weeks
    "window-2023Q2": window_weeks("2023Q2"),  # crosses the year: two runs
    "2023Q4": period_weeks("2023Q4"),  # W40..W52
}

_near = st.one_of(
    st.sampled_from([w for ws in WEEK_SETS.values() for w in ws]),  # real labels
    st.builds(lambda y, tail: f"{y}-W{tail}", st.sampled_from(["2019", "2020", "2022", "2023", "2024"]),
              st.text(alphabet="0123456789aW -/é5", min_size=0, max_size=3)),
    st.text(max_size=9),
)


def test_week_runs_split_at_year_and_gaps():
    assert week_runs(period_weeks("2023")) == [("2023-W01", "2023-W52")]
    assert week_runs(window_weeks("2023Q2")) == [("2022-W27", "2022-W52"), ("2023-W01", "2023-W26")]
    assert week_runs(["2023-W03", "2023-W01", "2023-W02", "2023-W05"]) == [("2023-W01", "2023-W03"),
                                                                              ("2023-W05", "2023-W05")]
    with pytest.raises(ValueError):
        week_runs(["2023-W5"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(_near, min_size=1, max_size=40))
def test_week_in_equals_set_membership_in_duckdb(labels):
    con = ibis.duckdb.connect()
    frame = pd.DataFrame({"week": pd.Series(labels, dtype="str")})
    con.con.register("frame", frame)  # Ibis 12's create_table trips on sqlglot here
    con.con.execute("CREATE TABLE w AS SELECT * FROM frame")
    t = con.table("w")
    for name, weeks in WEEK_SETS.items():
        got = t.mutate(ok=week_in(t.week, weeks)).to_pandas()["ok"].tolist()
        want = [lab in set(weeks) for lab in labels]
        assert got == want, name
    con.disconnect()

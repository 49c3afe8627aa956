"""Small-number protection: the general helper used by surveys, web and reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchlearn.surveys.suppression import suppress
from benchlearn.core.errors import ConfigError


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kommunekode": [101, 450, 147, 751],
            "n": [12, 4, 5, None],
            "score": [3.9, 4.4, 2.0, 3.0],
            "ci_low": [3.5, 3.0, 1.0, 2.0],
            "rate": [0.5, 0.04, 0.1, 0.2],
        }
    )


def test_fewer_than_min_n_is_suppressed_and_nulled() -> None:
    out = suppress(_frame(), "n", ["score", "ci_low"])
    assert out["suppressed"].tolist() == [False, True, False, True]  # 5 is shown, 4 and unknown are not
    assert out.loc[out["suppressed"], ["score", "ci_low"]].isna().all().all()
    assert out.loc[~out["suppressed"], "score"].tolist() == [3.9, 2.0]
    # columns not named stay as they were
    assert out["rate"].tolist() == [0.5, 0.04, 0.1, 0.2]
    assert out["kommunekode"].tolist() == [101, 450, 147, 751]


def test_input_frame_is_not_changed() -> None:
    df = _frame()
    suppress(df, "n", ["score"])
    assert "suppressed" not in df.columns and df["score"].notna().all()


def test_threshold_is_a_parameter() -> None:
    out = suppress(_frame(), "n", ["score"], min_n=3)
    assert out["suppressed"].tolist() == [False, False, False, True]
    out = suppress(_frame(), "n", ["score"], min_n=13)
    assert out["suppressed"].all()


def test_hide_count_and_extra_columns_keep_integer_counts_integer() -> None:
    df = _frame().assign(n=pd.Series([12, 4, 5, 0], dtype="int64"))
    out = suppress(df, "n", ["score"], hide_count=True, extra_hide=["rate"])
    assert str(out["n"].dtype) == "Int64"
    assert out["n"].isna().tolist() == [False, True, False, True]
    assert out["n"].iloc[0] == 12
    assert out["rate"].isna().tolist() == [False, True, False, True]


def test_existing_flag_is_kept() -> None:
    df = _frame().assign(suppressed=[True, False, False, False])
    out = suppress(df, "n", ["score"])
    assert out["suppressed"].tolist() == [True, True, False, True]
    assert np.isnan(out["score"].iloc[0])


def test_complementary_suppression_protects_a_single_hidden_cell() -> None:
    # Two totals: in A one part is below 5, so the smallest other part is hidden too;
    # in B two parts are hidden already, so nothing more is needed.
    df = pd.DataFrame(
        {
            "total": ["A", "A", "A", "B", "B", "B"],
            "n": [3, 9, 7, 2, 1, 30],
            "score": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    out = suppress(df, "n", ["score"], complementary_by=["total"])
    assert out["suppressed"].tolist() == [True, False, True, True, True, False]
    reasons = [None if pd.isna(r) else r for r in out["suppressed_reason"]]
    assert reasons == ["small_n", None, "complementary", "small_n", "small_n", None]
    assert out["score"].isna().tolist() == [True, False, True, True, True, False]


def test_bad_parameters_raise_config_error() -> None:
    with pytest.raises(ConfigError):
        suppress(_frame(), "n", ["score"], min_n=0)
    with pytest.raises(ConfigError, match="nope"):
        suppress(_frame(), "n", ["nope"])

"""Keyed pseudonymisation: equals the standard library's HMAC, keys never show."""

from __future__ import annotations

import hmac

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchlearn.core.errors import ConfigError, DataError
from benchlearn.persons.pseudonymise import (
    ENV_KEY,
    PseudonymKey,
    check_unique,
    load_key,
    pseudonyms,
)


def reference(key: bytes, ids: list) -> list[int]:
    """The textbook definition via :func:`hmac.digest` (independent of our hand-rolled RFC 2104)."""
    return [int.from_bytes(hmac.digest(key, str(i).encode("utf-8"), "sha256")[:8], "big", signed=True) for i in ids]


@settings(max_examples=60, deadline=None)
@given(key=st.binary(min_size=16, max_size=200),
       ids=st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=30))
def test_equals_hmac_sha256_for_any_key_and_text(key, ids):
    got = pseudonyms(pa.array(ids, pa.string()), PseudonymKey(key)).to_pylist()
    assert got == reference(key, ids)  # exact: the same bytes, both for short and > 64-byte keys


def test_integer_ids_hash_their_decimal_text():
    key = b"k" * 32
    ids = [0, 1, 1234567890, -5]
    assert pseudonyms(pa.array(ids, pa.int64()), PseudonymKey(key)).to_pylist() == reference(key, ids)


def test_key_matters_and_is_deterministic():
    ids = pa.array(range(1000))
    a = np.asarray(pseudonyms(ids, PseudonymKey(b"a" * 16)))
    b = np.asarray(pseudonyms(ids, PseudonymKey(b"b" * 16)))
    assert (a == np.asarray(pseudonyms(ids, PseudonymKey(b"a" * 16)))).all()
    assert (a != b).all()  # 1000 draws of 64 bits: a chance collision has probability ~1e-16


def test_key_from_env_and_file_and_refusals(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    with pytest.raises(ConfigError) as exc:
        load_key()
    assert ENV_KEY in str(exc.value)
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(ConfigError):
        load_key()
    monkeypatch.setenv(ENV_KEY, "x" * 20)
    k = load_key()
    assert k._secret == b"x" * 20 and k.origin == "env"
    f = tmp_path / "key"
    f.write_text("the-secret-from-a-file\n")
    kf = load_key(f)
    assert kf._secret == b"the-secret-from-a-file" and kf.origin == "file"
    for text in (repr(kf), str(kf), f"{kf}"):
        assert "the-secret" not in text
    with pytest.raises(ConfigError):
        load_key(tmp_path / "missing")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError):
        load_key(tmp_path / "empty")


def test_repeated_ids_are_caught():
    with pytest.raises(DataError) as exc:
        check_unique(pa.array([1, 2, 2], pa.int64()))
    assert exc.value.column == "person_id"
    with pytest.raises(DataError):  # text ids (a run without pseudonymisation)
        check_unique(pa.array(["b", "a", "b"], pa.string()))
    with pytest.raises(DataError):  # the repeat far apart in a large array
        check_unique(pa.array(np.r_[np.arange(100_000), 7].astype(np.int64)))
    check_unique(pa.array(np.arange(100_000, dtype=np.int64)[::-1]))  # distinct: passes
    check_unique(pa.array(["a", "b"], pa.string()))


def test_duckdb_sql_hmac_equals_the_python_one():
    """The method in use (HMAC written out in DuckDB SQL) and the benchmark's alternative
    (Python, precomputed pads) give the same pseudonyms, for short and long keys."""
    import pyarrow as pa

    from benchlearn.persons.pseudonymise import PseudonymKey, _pseudonyms_python, pseudonyms

    ids = pa.array(["0101701234", "x", "æøå-ü", "", "9" * 200])
    for secret in (b"k" * 16, b"long-key-" * 20):
        key = PseudonymKey(secret, "test")
        assert pseudonyms(ids, key).equals(_pseudonyms_python(ids, key))

"""Keyed pseudonymisation: AES-256-CMAC equal to OpenSSL's one-message CMAC (via
``cryptography``) and to RFC 4493's published test vectors; keys never show."""

from __future__ import annotations

import hmac

import numpy as np
import pyarrow as pa
import pytest
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import algorithms
from hypothesis import given, settings
from hypothesis import strategies as st

from benchlearn.core.errors import ConfigError, DataError
from benchlearn.persons.pseudonymise import (
    ENV_KEY,
    KEY_LABEL,
    PseudonymKey,
    check_unique,
    cmac_aes,
    load_key,
    pseudonyms,
)


def one_cmac(key: bytes, message: bytes) -> bytes:
    """CMAC of one message by OpenSSL's own implementation (independent of our vectorised one)."""
    c = cmac.CMAC(algorithms.AES(key))
    c.update(message)
    return c.finalize()


def reference(key: bytes, ids: list) -> list[int]:
    """The definition, one id at a time: CMAC-AES256 under HMAC-SHA256(secret, label), first 8 bytes."""
    k = hmac.digest(key, KEY_LABEL, "sha256")
    return [int.from_bytes(one_cmac(k, str(i).encode("utf-8"))[:8], "big", signed=True) for i in ids]


def test_rfc4493_test_vectors():
    """RFC 4493 §4, AES-128: messages of 0, 16, 40 and 64 bytes (the published tags)."""
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    m = bytes.fromhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
    tags = cmac_aes(key, pa.array([b"", m[:16], m[:40], m], pa.binary()))
    assert [t.tobytes().hex() for t in tags] == [
        "bb1d6929e95937287fa37d129b756746", "070a16b46b4d4144f79bdd9dd04a287c",
        "dfa66747de9ae63030ca32611497c827", "51f0bebf7e3b9d92fc49741779363cfe"]


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
       messages=st.lists(st.binary(min_size=0, max_size=70), min_size=1, max_size=30),
       skip=st.integers(min_value=0, max_value=3))
def test_vectorised_cmac_equals_openssl_for_any_length(key, messages, skip):
    """Every length (0, < 1 block, whole blocks, several blocks) mixed in one array, and a
    sliced array (Arrow offsets not starting at 0)."""
    arr = pa.array(messages, pa.binary()).slice(min(skip, len(messages) - 1))
    got = cmac_aes(key, arr)
    assert [g.tobytes() for g in got] == [one_cmac(key, m) for m in arr.to_pylist()]
    short = pa.array([m[:16] for m in messages], pa.binary())  # all one block: the path CPR numbers take
    assert [g.tobytes() for g in cmac_aes(key, short)] == [one_cmac(key, m) for m in short.to_pylist()]


@settings(max_examples=60, deadline=None)
@given(key=st.binary(min_size=16, max_size=200),
       ids=st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=30))
def test_equals_hmac_sha256_for_any_key_and_text(key, ids):
    got = pseudonyms(pa.array(ids, pa.string()), PseudonymKey(key)).to_pylist()
    assert got == reference(key, ids)  # exact: the same bytes, for short and long keys and any text


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

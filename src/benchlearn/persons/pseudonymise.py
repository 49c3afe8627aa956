"""Keyed pseudonymisation of person ids (HMAC-SHA256).

Person-level registers may carry CPR numbers. On ingest every ``person_id`` is
replaced by ``HMAC-SHA256(key, str(person_id))`` truncated to a signed 64-bit integer.
The key comes from the environment variable ``BENCHLEARN_PSEUDONYM_KEY`` or from a key
file; it lives only in this process's memory and is never written to outputs, the
workspace, logs or error messages (this module's objects do not show it in ``repr``).

Without the key the pseudonyms cannot be recomputed from a CPR number (a plain hash
could: there are only a few million valid CPR numbers to try), and the same key gives
the same pseudonyms across runs, so results stay reproducible.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchlearn.core.errors import ConfigError, DataError

ENV_KEY = "BENCHLEARN_PSEUDONYM_KEY"
#: Shortest accepted key (bytes): 128 bits, the usual minimum for HMAC keys.
MIN_KEY_BYTES = 16


@dataclass(frozen=True)
class PseudonymKey:
    """An HMAC key that never shows itself (``repr``/``str`` print only where it came from)."""

    _secret: bytes = field(repr=False)
    origin: str = "env"

    def __str__(self) -> str:
        return f"PseudonymKey(from {self.origin})"


def load_key(key_file: str | Path | None = None, *, env: str = ENV_KEY) -> PseudonymKey:
    """Read the pseudonymisation key from ``key_file`` or, failing that, the environment.

    Raises
    ------
    ConfigError
        No key, an empty or unreadable key file, or a key shorter than 16 bytes.
    """
    if key_file is not None:
        p = Path(key_file)
        try:
            raw = p.read_bytes().strip()
        except OSError:
            raise ConfigError(
                f"Nøglefilen {p} kan ikke læses.", f"The key file {p} cannot be read."
            ) from None
        origin = "file"
    else:
        raw = os.environ.get(env, "").strip().encode("utf-8")
        origin = "env"
    if not raw:
        raise ConfigError(
            f"Ingen nøgle til pseudonymisering: sæt miljøvariablen {env} eller brug --key-file. "
            "Brug --no-pseudonymise kun hvis person-id'erne allerede er pseudonymiseret.",
            f"No pseudonymisation key: set the environment variable {env} or pass --key-file. "
            "Use --no-pseudonymise only if the person ids are already pseudonymised.",
        )
    if len(raw) < MIN_KEY_BYTES:
        raise ConfigError(
            f"Nøglen til pseudonymisering er for kort (mindst {MIN_KEY_BYTES} byte).",
            f"The pseudonymisation key is too short (at least {MIN_KEY_BYTES} bytes).",
        )
    return PseudonymKey(raw, origin)


def pseudonyms(ids: pa.Array | pa.ChunkedArray, key: PseudonymKey, threads: int | None = None) -> pa.Array:
    """HMAC-SHA256 pseudonyms of ``ids`` as int64.

    Notes
    -----
    ``pid = int64_be(HMAC-SHA256(key, utf8(str(id)))[0:8])`` with RFC 2104
    ``HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m))``, ``K'`` the key padded
    (or first hashed, if longer than 64 bytes) to the 64-byte block. DuckDB has SHA-256
    but no keyed HMAC, so the two hash calls are written out in SQL on BLOBs; DuckDB runs
    them in parallel in native code. The padded key is a bound query parameter: it never
    appears in the SQL text. Kept after measuring alternatives on the same 3.7 million
    ids in one run (``benchmarks/persons.py``): HMAC-SHA256 in Python with the padded-key
    states hashed once and copied per id (:func:`_hmac8`, one core) and keyed BLAKE2b
    were both slower. Faster keyed functions were not used: ``sha256(key || id)`` is
    open to length extension and DuckDB's ``hash`` with a key prefix is not
    cryptographic (invertible by trying the few million CPR numbers), so neither is a
    keyed pseudo-random function. Bit-identical to :func:`hmac.digest` (tested). With n
    persons the chance that two share a pseudonym is about ``n^2 / 2^65`` (4e-7 for 3.7
    million); the caller checks uniqueness and stops if it ever happens.
    """
    import duckdb

    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    texts = pa.table({"t": ids.cast(pa.string())})
    secret = key._secret
    if len(secret) > 64:  # RFC 2104: keys longer than the block are hashed first
        secret = hashlib.sha256(secret).digest()
    block = secret.ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in block)
    opad = bytes(b ^ 0x5C for b in block)
    config: dict = {"preserve_insertion_order": True}  # row i of the output is id i
    if threads:
        config["threads"] = int(threads)
    con = duckdb.connect(config=config)
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("bl_ids", texts)
        h = con.execute(
            "SELECT ('0x' || substr(sha256($1::BLOB || unhex(sha256($2::BLOB || encode(t)))), 1, 16))::UBIGINT "
            "AS h FROM bl_ids", [opad, ipad]).fetchnumpy()["h"]
    finally:
        con.close()
    return pa.array(np.asarray(h, dtype=np.uint64).view(np.int64))


def _pseudonyms_python(ids: pa.Array | pa.ChunkedArray, key: PseudonymKey) -> pa.Array:
    """The same pseudonyms in Python, the padded-key states hashed once and copied per id
    (:func:`_hmac8`): the benchmark's alternative and a second implementation for tests."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    return pa.array(np.frombuffer(_hmac8(key._secret, ids.cast(pa.string()).to_pylist()), dtype=">i8")
                    .astype(np.int64))


def _hmac8(secret: bytes, texts: list[str]) -> bytes:
    """First 8 bytes of HMAC-SHA256 of each text, concatenated: the padded-key states
    hashed once, copied per text (RFC 2104 with precomputed pads)."""
    if len(secret) > 64:
        secret = hashlib.sha256(secret).digest()
    block = secret.ljust(64, b"\0")
    inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def one(s: str) -> bytes:
        inner = inner0.copy()
        inner.update(s.encode("utf-8"))
        outer = outer0.copy()
        outer.update(inner.digest())
        return outer.digest()[:8]

    return b"".join([one(s) for s in texts])


def check_unique(pids: pa.Array, table: str = "persons") -> None:
    """Stop if two persons got the same pseudonym (or a person id is repeated)."""
    # sort + neighbour comparison: 0.06 s for 3.7 million ids where np.unique (numpy 2.4)
    # measured 3.9 s
    a = np.asarray(pids)
    if a.dtype.kind in "USO":  # text ids (run without pseudonymisation)
        repeated = len(set(a.tolist())) != len(a)
    else:
        s = np.sort(a)
        repeated = bool(len(s) > 1 and (s[1:] == s[:-1]).any())
    if repeated:
        raise DataError(
            table, None, "person_id", None,
            "unikke person-id'er (et id går igen, eller to id'er fik samme pseudonym)",
            "unique person ids (an id is repeated, or two ids got the same pseudonym)",
        )

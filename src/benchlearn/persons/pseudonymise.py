"""Keyed pseudonymisation of person ids (AES-256-CMAC, a keyed pseudo-random function).

Person-level registers may carry CPR numbers. On ingest every ``person_id`` is
replaced by a keyed MAC of ``str(person_id)`` (AES-256-CMAC, :func:`pseudonyms`)
truncated to a signed 64-bit integer.
The key comes from the environment variable ``BENCHLEARN_PSEUDONYM_KEY`` or from a key
file; it lives only in this process's memory and is never written to outputs, the
workspace, logs or error messages (this module's objects do not show it in ``repr``).

Without the key the pseudonyms cannot be recomputed from a CPR number (a plain hash
could: there are only a few million valid CPR numbers to try), and the same key gives
the same pseudonyms across runs, so results stay reproducible.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from benchlearn.core.errors import ConfigError, DataError

ENV_KEY = "BENCHLEARN_PSEUDONYM_KEY"
#: Shortest accepted key (bytes): 128 bits, the usual minimum for MAC keys.
MIN_KEY_BYTES = 16


@dataclass(frozen=True)
class PseudonymKey:
    """A pseudonymisation key that never shows itself (``repr``/``str`` print only where it came from)."""

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


#: the AES key is derived from the user's secret with this label (domain separation: the
#: same secret used elsewhere gives unrelated keys)
KEY_LABEL = b"benchlearn/pseudonym/aes-256-cmac/v1"
# CMAC padding (RFC 4493 §2.4): 0x80 then zeros up to the block; index = bytes missing
_SUFFIX = pa.array([b""] + [b"\x80" + b"\0" * (p - 1) for p in range(1, 17)], pa.binary())


def pseudonyms(ids: pa.Array | pa.ChunkedArray, key: PseudonymKey) -> pa.Array:
    """Keyed pseudonyms of ``ids`` as int64: AES-256-CMAC truncated to 64 bits.

    Notes
    -----
    ``pid = int64_be(CMAC-AES256(K, utf8(str(id)))[0:8])`` with
    ``K = HMAC-SHA256(secret, KEY_LABEL)``. CMAC (NIST SP 800-38B, RFC 4493) is a
    standard MAC and, like HMAC, a keyed pseudo-random function: without the key the
    pseudonym of a given CPR number cannot be computed, so the few million possible
    CPR numbers cannot be tried (a plain hash could be inverted that way). 64 bits is
    SP 800-38B's recommended minimum tag length.

    Why CMAC and not HMAC-SHA256 (used until session 5): every id is a message of one
    or two AES blocks, so all ids go through AES at once — one ECB call per block
    position over the whole array, in OpenSSL's AES-NI code — instead of two SHA-256
    calls per id. Measured on the same 3.7 million ids (``benchmarks/persons.py``,
    docs/PERSONS.md): HMAC-SHA256 written out in DuckDB SQL and in Python with
    precomputed pads were several times slower. ``sha256(key || id)`` (length extension) and DuckDB's
    ``hash`` with a key prefix (not cryptographic) were never candidates.

    With n persons the chance that two share a pseudonym is about ``n^2 / 2^65``
    (4e-7 for 3.7 million); the caller checks uniqueness and stops if it happens.
    """
    import hmac

    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    aes_key = hmac.digest(key._secret, KEY_LABEL, "sha256")
    x = ids.to_numpy() if pa.types.is_integer(ids.type) and ids.null_count == 0 and len(ids) else None
    if x is not None and int(x.min()) >= 0 and int(x.max()) < 10**16:
        # integer ids (CPR numbers as integers): the padded blocks of their decimal text
        # built in numpy, not through 3.7 M strings (cast, pad, join: ≈0.9 s of 1.2 s
        # under load, session 6); the same bytes as str(id), so the same pseudonyms
        tags = _cmac_one_block(aes_key, *decimal_blocks(x.astype(np.int64)))
    else:
        tags = cmac_aes(aes_key, ids.cast(pa.string()))
    return pa.array(tags[:, :8].copy().view(">i8").ravel().astype(np.int64))


def _aes_ecb(key: bytes, blocks: np.ndarray) -> np.ndarray:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # ECB = the block cipher on each block
    return np.frombuffer(enc.update(np.ascontiguousarray(blocks).tobytes()) + enc.finalize(),
                         dtype=np.uint8).reshape(-1, 16)


def _double(block: bytes) -> np.ndarray:
    """RFC 4493 subkey step: shift left one bit in GF(2^128), reduce by 0x87."""
    v = int.from_bytes(block, "big") << 1
    if v >> 128:
        v = (v & ((1 << 128) - 1)) ^ 0x87
    return np.frombuffer(v.to_bytes(16, "big"), dtype=np.uint8)


#: the four ASCII digits of 0000..9999 as little-endian uint32 (byte 0 = first digit)
_DIGITS4 = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), dtype="<u4").astype(np.uint64)


def decimal_blocks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CMAC input blocks of ``str(v)`` for non-negative integers below 10^16: the ASCII
    digits, then RFC 4493 padding (0x80, zeros) when shorter than 16; and the rows whose
    block is complete (16 digits).

    Each block is built as two little-endian 64-bit words (byte j of the block is bits
    8j..8j+7 of word j // 8), four digits at a time (a table of 10,000 four-byte
    strings) over all numbers with the same digit count: contiguous integer arithmetic,
    no string per id (0.66 s for 3.7 M ids written a byte at a time, session 6).
    """
    n_digits = 1 + np.searchsorted(10 ** np.arange(1, 16, dtype=np.int64), x, side="right")
    words = np.zeros((len(x), 2), np.uint64)
    for length in np.flatnonzero(np.bincount(n_digits, minlength=17)).tolist():
        rows = None if n_digits[0] == length and (n_digits == length).all() else np.flatnonzero(n_digits == length)
        v = (x if rows is None else x[rows]).astype(np.uint64)
        w0, w1 = np.zeros(len(v), np.uint64), np.zeros(len(v), np.uint64)
        if length < 16:
            (w0 if length < 8 else w1)[...] |= np.uint64(0x80 << (8 * (length % 8)))
        end = length  # digits [end - 4, end) come from the next four-digit group
        while end > 0:
            v, r = np.divmod(v, np.uint64(10_000))
            chunk = _DIGITS4[r]
            start = end - 4
            if start < 0:  # the leading group has fewer than four digits
                chunk >>= np.uint64(-8 * start)
                start = 0
            if start < 8:
                w0 |= chunk << np.uint64(8 * start)  # bits beyond 64 drop out here...
            if start + 4 > 8:  # ...and land in the second word
                w1 |= (chunk << np.uint64(8 * (start - 8))) if start >= 8 else (chunk >> np.uint64(8 * (8 - start)))
            end -= 4
        if rows is None:
            words[:, 0], words[:, 1] = w0, w1
        else:
            words[rows, 0], words[rows, 1] = w0, w1
    blocks = words.astype("<u8", copy=False).view(np.uint8).reshape(-1, 16)
    return blocks, np.flatnonzero(n_digits == 16)


def _cmac_one_block(key: bytes, blocks: np.ndarray, complete: np.ndarray) -> np.ndarray:
    """CMAC of one-block messages (``blocks`` padded; ``complete`` the rows not padded):
    the last (only) block XORed with K2, or K1 when complete, then one AES call."""
    ell = _aes_ecb(key, np.zeros((1, 16), np.uint8)).tobytes()
    k1 = _double(ell)
    k2 = _double(k1.tobytes())
    blocks ^= k2
    if len(complete):
        blocks[complete] ^= k1 ^ k2
    return _aes_ecb(key, blocks)


def cmac_aes(key: bytes, messages: pa.Array) -> np.ndarray:
    """AES-CMAC (RFC 4493; AES-128/192/256 by the key's length) of every message, as an
    ``(n, 16)`` uint8 array.

    Vectorised over messages: each message is padded to whole blocks in Arrow, its last
    block XORed with the subkey K1 (complete) or K2 (padded), and the CBC chain runs one
    block position at a time over all messages with that many blocks.
    """
    texts = messages if pa.types.is_binary(messages.type) else messages.cast(pa.binary())
    n = len(texts)
    if texts.null_count:
        texts = texts.fill_null(b"")
    lens = np.asarray(pc.binary_length(texts), dtype=np.int64)
    missing = np.where(lens == 0, 16, (-lens) % 16)
    padded = pc.binary_join_element_wise(texts, _SUFFIX.take(pa.array(missing)), b"")
    if isinstance(padded, pa.ChunkedArray):
        padded = padded.combine_chunks()
    offs = np.frombuffer(padded.buffers()[1], dtype=np.int32, count=n + 1, offset=padded.offset * 4).astype(np.int64)
    data = padded.buffers()[2]
    blocks = (np.frombuffer(data, dtype=np.uint8)[offs[0]:offs[-1]] if data is not None
              else np.zeros(0, np.uint8)).reshape(-1, 16).copy()
    first, nb = (offs[:-1] - offs[0]) // 16, np.diff(offs) // 16
    ell = _aes_ecb(key, np.zeros((1, 16), np.uint8)).tobytes()
    k1 = _double(ell)
    k2 = _double(k1.tobytes())
    complete = np.flatnonzero(missing == 0)
    if n and (nb == 1).all():  # every message one block (CPR numbers, integer ids): no row indexing
        return _cmac_one_block(key, blocks, complete)
    blocks[first + nb - 1] ^= k2
    blocks[first[complete] + nb[complete] - 1] ^= k1 ^ k2
    out = np.empty((n, 16), np.uint8)
    for b in np.unique(nb):
        rows = np.flatnonzero(nb == b)
        x = np.zeros((len(rows), 16), np.uint8)
        for j in range(int(b)):
            x = _aes_ecb(key, x ^ blocks[first[rows] + j])
        out[rows] = x
    return out


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

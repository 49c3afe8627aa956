"""Row order by a table's key, in 8 bytes a row: the duplicate-key check and the stored key order."""

from __future__ import annotations

import numpy as np
import pandas as pd


def key_ids(df: pd.DataFrame, cols: list[str]) -> np.ndarray | None:
    """Each row's rank in the lexicographic order of ``cols`` as one ``int64`` (missing last), or
    ``None`` when the key's distinct values are too many to number that way.

    Equal keys get equal numbers, and a stable sort by them is the stable sort by the key
    columns: used for the duplicate-key check and for storing a table in key order, in
    8 bytes a row (``DataFrame.duplicated`` held a hash table of every distinct key).
    """
    ids: np.ndarray | None = None
    span = 1
    for c in cols:
        codes, uniques = pd.factorize(df[c], sort=True, use_na_sentinel=True)
        n = len(uniques) + 1
        codes = codes.astype("int64", copy=False)
        codes[codes < 0] = n - 1
        if span * n >= 2**62:
            return None
        if ids is None:
            ids = codes
        else:
            ids *= n
            ids += codes
        span *= n
        del codes
    return ids


def key_order(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """The stable order of the rows by ``cols`` (missing values last, as ``sort_values``)."""
    ids = key_ids(df, cols)
    if ids is not None:
        return np.argsort(ids, kind="stable")
    keys = []
    for c in reversed(cols):
        codes, uniques = pd.factorize(df[c], sort=True, use_na_sentinel=True)
        keys.append(np.where(codes < 0, len(uniques), codes))
    return np.lexsort(keys)

"""Reading and checking person-level inputs; the pseudonymised persons map.

Raw person ids are read from the user's files and replaced by HMAC pseudonyms in the
persons map before anything is aggregated; the map (raw id -> pseudonym, age group,
sex, education, origin) lives in memory only. Error messages never show a person id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchlearn.core import reference
from benchlearn.core.errors import DataError
from benchlearn.persons.pseudonymise import PseudonymKey, check_unique, pseudonyms
from benchlearn.persons.weeks import WEEK_RE, period_weeks, window_weeks

SEX = ("M", "K")
EDUCATION = ("grundskole", "gymnasial", "erhvervsfaglig", "kort", "mellemlang", "lang", "ukendt")
ORIGIN = ("dansk", "vestlig", "ikke_vestlig")
#: optional column ``residence_basis`` (opholdsgrundlag); blank = none recorded (e.g.
#: persons of Danish origin). Index 0 of the code is "blank".
RESIDENCE = ("flygtning", "familiesammenfoert", "oevrige")
RESIDENCE_COLUMN = "residence_basis"
PERSON_COLUMNS = ("person_id", "birth_year", "sex", "education", "origin")
WEEK_COLUMNS = ("person_id", "week", "kommunekode", "ydelse")


@dataclass(frozen=True)
class PersonsMap:
    """Pseudonymised persons: ``person_id`` (join key, raw), ``pid``, ``cell`` (int32
    code of age group x sex x education x origin x residence basis, -1 out of scope),
    ``grp`` (int32 code of origin x residence basis), ``in_scope``.
    ``cell_labels`` decodes ``cell`` (columns cell, age_group, sex, education, origin,
    residence_basis), ``group_labels`` decodes ``grp`` (grp, origin, residence_basis).
    ``has_residence``: the input had a residence-basis column. Memory only, never written."""

    table: pa.Table
    n_persons: int
    cell_labels: pd.DataFrame | None = None
    group_labels: pd.DataFrame | None = None
    has_residence: bool = False

    def __repr__(self) -> str:  # never print ids
        return f"PersonsMap(n_persons={self.n_persons})"


def first_file(p: Path) -> Path:
    if p.is_file():
        return p
    files = sorted(p.rglob("*.parquet"))
    if not files:
        raise DataError(p.name, None, None, None, "Parquet-filer", "Parquet files", source=str(p))
    return files[0]


def _columns(path: Path, table: str, required: tuple[str, ...]) -> dict[str, str]:
    """Map lower-case contract names to the file's column names (names are case-insensitive)."""
    names = pq.read_schema(first_file(path)).names
    lower = {n.lower(): n for n in names}
    for col in required:
        if col not in lower:
            raise DataError(table, None, col, None, f"en kolonne '{col}'", f"a column '{col}'", source=str(path))
    return {c: lower[c] for c in required}


def _bad_row(mask: pa.ChunkedArray | pa.Array) -> int | None:
    idx = np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))
    return int(idx[0]) if len(idx) else None


def _category_codes(col: pa.ChunkedArray, allowed: tuple[str, ...]) -> np.ndarray:
    """Index of each value in ``allowed`` (-1: another value or missing), per chunk through
    its dictionary when the column was read dictionary-encoded."""
    out = []
    for ch in col.chunks:
        if pa.types.is_dictionary(ch.type):
            lut = np.array([allowed.index(v) if v in allowed else -1
                            for v in ch.dictionary.cast(pa.string()).to_pylist()] + [-1], dtype=np.int32)
            out.append(lut[np.asarray(pc.fill_null(ch.indices, len(lut) - 1).to_numpy(zero_copy_only=False))])
        else:
            out.append(np.asarray(pc.fill_null(pc.index_in(pc.cast(ch, pa.string()), value_set=pa.array(allowed)), -1)
                                  .to_numpy(zero_copy_only=False), dtype=np.int32))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int32)


def _residence_codes(col: pa.ChunkedArray) -> np.ndarray:
    """Residence basis per row: 0 blank or missing, 1 + index in :data:`RESIDENCE`, -1
    another value; coded through each chunk's dictionary (a few distinct values) rather
    than by trimming and matching 3.7 million strings (0.5 s under load, session 6)."""
    out = []
    for ch in col.chunks:
        if not pa.types.is_dictionary(ch.type):
            ch = pc.dictionary_encode(pc.cast(ch, pa.string()))
        values = ch.dictionary.cast(pa.string())
        # Arrow's trim on the few dictionary values: the same "blank" as on every row
        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(pc.fill_null(values, "")), ""), True).to_pylist()
        lut = np.array([0 if b else (RESIDENCE.index(v) + 1 if v in RESIDENCE else -1)
                        for v, b in zip(values.to_pylist(), blank)] + [0], dtype=np.int32)
        out.append(lut[np.asarray(pc.fill_null(ch.indices, len(lut) - 1).to_numpy(zero_copy_only=False))])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int32)


def load_persons(persons_path: Path, weeks_path: Path, cfg: Any, key: PseudonymKey | None,
                 age_groups: list[tuple[int, int, str]], weeks_table: str = "person_weeks") -> PersonsMap:
    """Read, check and pseudonymise ``persons``.

    Raises
    ------
    DataError
        Missing column, a value outside the contract (row = 1-based record number), a
        repeated person id.
    """
    cols = _columns(persons_path, "persons", PERSON_COLUMNS)
    lower = {n.lower(): n for n in pq.read_schema(first_file(persons_path)).names}
    has_res = RESIDENCE_COLUMN in lower
    if has_res:
        cols[RESIDENCE_COLUMN] = lower[RESIDENCE_COLUMN]
    schema = pq.read_schema(first_file(persons_path))
    # the three category columns read dictionary-encoded: a handful of distinct values
    # are checked and coded instead of 3.7 million strings (0.2 s read against 0.45 s)
    as_dict = [cols[c] for c in ("sex", "education", "origin", *((RESIDENCE_COLUMN,) if has_res else ()))
               if pa.types.is_string(schema.field(cols[c]).type) or pa.types.is_large_string(schema.field(cols[c]).type)]
    t = pq.read_table(persons_path, columns=list(cols.values()), read_dictionary=as_dict)
    t = t.rename_columns([next(k for k, v in cols.items() if v == n) for n in t.column_names])
    if has_res:  # blank and null both mean "none recorded"
        res_idx = _residence_codes(t[RESIDENCE_COLUMN])
        bad_rows = np.flatnonzero(res_idx < 0)
        if len(bad_rows):
            i = int(bad_rows[0])
            raise DataError("persons", i + 1, RESIDENCE_COLUMN,
                            pc.cast(t[RESIDENCE_COLUMN].slice(i, 1).combine_chunks(), pa.string())[0].as_py(),
                            f"tom eller en af {', '.join(RESIDENCE)}", f"blank or one of {', '.join(RESIDENCE)}",
                            source=str(persons_path))
    else:
        res_idx = np.zeros(t.num_rows, dtype=np.int32)
    category = {}
    for col, allowed in (("sex", SEX), ("education", EDUCATION), ("origin", ORIGIN)):
        category[col] = _category_codes(t[col], allowed)
        bad_rows = np.flatnonzero(category[col] < 0)
        i = int(bad_rows[0]) if len(bad_rows) else None
        if i is not None:
            raise DataError("persons", i + 1, col, t[col][i].as_py(), f"en af {', '.join(allowed)}",
                            f"one of {', '.join(allowed)}", source=str(persons_path))
    try:
        by = pc.cast(t["birth_year"], pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        by = None
    if by is None or by.null_count:
        i = _bad_row(pc.is_null(by)) if by is not None else 0
        raise DataError("persons", (i or 0) + 1, "birth_year", None, "et fødselsår (heltal)", "a birth year (integer)",
                        source=str(persons_path))
    if t["person_id"].null_count:
        raise DataError("persons", _bad_row(pc.is_null(t["person_id"])) + 1, "person_id", None,
                        "et person-id", "a person id", source=str(persons_path))
    # the join key must have the person_weeks type; cast once here, not 190M times there
    wcols = _columns(weeks_path, weeks_table, WEEK_COLUMNS if weeks_table == "person_weeks" else ("person_id",))
    id_type = pq.read_schema(first_file(weeks_path)).field(wcols["person_id"]).type
    try:
        ids = pc.cast(t["person_id"], id_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise DataError("persons", None, "person_id", None, f"person-id'er af typen {id_type} som i person_weeks",
                        f"person ids of type {id_type} as in person_weeks", source=str(persons_path)) from None
    if cfg.pseudonymise:
        assert key is not None
        pid = pseudonyms(ids, key)
    else:
        pid = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    check_unique(pid)
    age = pc.subtract(pa.scalar(int(cfg.period[:4]), pa.int64()), by)
    in_scope = pc.and_(pc.greater_equal(age, cfg.age_min), pc.less_equal(age, cfg.age_max))
    # one small integer per cell (age group x sex x education x origin): the engines
    # group 3.7 million persons far faster on an int32 than on four strings
    age_np = age.to_numpy()
    age_idx = np.full(len(age_np), -1, dtype=np.int32)
    for i, (lo, hi, _label) in enumerate(age_groups):
        age_idx[(age_np >= lo) & (age_np <= hi)] = i
    codes = [age_idx]
    for col in ("sex", "education", "origin"):
        codes.append(category[col])
    codes.append(res_idx)
    res_labels = ("", *RESIDENCE)
    sizes = (len(age_groups), len(SEX), len(EDUCATION), len(ORIGIN), len(res_labels))
    cell = np.zeros(len(age_np), dtype=np.int32)
    for c, n in zip(codes, sizes):
        cell = cell * n + c
    cell[age_idx < 0] = -1
    grp = (codes[3] * len(res_labels) + res_idx).astype(np.int32)
    names = ["age_group", "sex", "education", "origin", RESIDENCE_COLUMN]
    grid = pd.MultiIndex.from_product([[g[2] for g in age_groups], SEX, EDUCATION, ORIGIN, res_labels],
                                      names=names).to_frame(index=False)
    labels = grid.assign(cell=np.arange(len(grid), dtype=np.int32)).astype({n: "str" for n in names})
    groups = pd.MultiIndex.from_product([ORIGIN, res_labels], names=["origin", RESIDENCE_COLUMN]).to_frame(index=False)
    groups = groups.assign(grp=np.arange(len(groups), dtype=np.int32)).astype({"origin": "str", RESIDENCE_COLUMN: "str"})
    table = pa.table({"person_id": ids, "pid": pid, "cell": pa.array(cell), "grp": pa.array(grp), "in_scope": in_scope})
    return PersonsMap(table, t.num_rows, labels, groups, has_res)


def check_code_values(kommuner: list, ydelser: list) -> None:
    """The distinct municipality codes and ydelser seen in the period are the contract's."""
    valid_k = reference.kommunekoder()
    valid_y = set(reference.ydelse_codes()) | {"ingen"}
    for k in kommuner:
        if k is None or pd.isna(k) or int(k) not in valid_k:
            raise DataError("person_weeks", None, "kommunekode", k, "en af de 98 kommunekoder",
                            "one of the 98 municipality codes")
    for y in ydelser:
        if y not in valid_y:
            raise DataError("person_weeks", None, "ydelse", y, "en af de 14 ydelseskoder eller 'ingen'",
                            "one of the 14 benefit codes or 'ingen'")


def check_weeks(weeks: Any, cfg: Any) -> set[str]:
    """Week labels present (``weeks``: week, n) are ISO weeks; some fall in the period."""
    labels = weeks["week"].tolist()
    for w in labels:
        if not isinstance(w, str) or not WEEK_RE.match(w):
            raise DataError("person_weeks", None, "week", w, "en ISO-uge som 2023-W07", "an ISO week such as 2023-W07")
    present = set(labels)
    if not present & set(period_weeks(cfg.period)):
        raise DataError("person_weeks", None, "week", None, f"uger i perioden {cfg.period}",
                        f"weeks in the period {cfg.period}")
    return present


def check_persons(unmatched: int, max_weeks: Any, cfg: Any) -> None:
    """Person-weeks of unknown persons; more than one row per person and week."""
    if unmatched:
        raise DataError("person_weeks", None, "person_id", None,
                        f"person-id'er der findes i persons ({unmatched} findes ikke; værdier vises ikke)",
                        f"person ids present in persons ({unmatched} are not; values not shown)")
    n_max = len(period_weeks(cfg.period)) + len(window_weeks(cfg.period, cfg.window_weeks))
    if max_weeks is not None and int(max_weeks) > n_max:
        raise DataError("person_weeks", None, "week", None,
                        "højst én række pr. person og uge (nøglen person_id, week)",
                        "at most one row per person and week (key person_id, week)")


def read_provenance(person_dir: Path) -> bool:
    """True when ``provenance.csv`` in the person folder marks person_weeks as simulated."""
    p = person_dir / "provenance.csv"
    if not p.exists():
        return False
    prov = pd.read_csv(p, dtype=str)
    hit = prov.loc[prov["table"].str.lower() == "person_weeks", "simulated"]
    return bool(len(hit)) and str(hit.iloc[0]).strip().lower() in ("true", "1", "ja", "yes")

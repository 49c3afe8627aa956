"""Statistics Denmark (Danmarks Statistik) Statbank API client and StatBank CSV parser.

API: ``https://api.statbank.dk/v1`` — ``tableinfo`` (table metadata: variables and
their value ids/texts) and ``data`` (``BULK`` or ``CSV``: ``;``-separated, UTF-8 with
BOM, one column per variable plus the value column ``INDHOLD``). Request bodies::

    POST /v1/tableinfo  {"table": "AUK01", "format": "JSON", "lang": "en"}
    POST /v1/data       {"table": "AUK01", "format": "BULK", "lang": "en",
                         "variables": [{"code": "OMRÅDE", "values": ["*"]}, ...]}

Licence: CC BY 4.0, "Kilde: Danmarks Statistik, www.dst.dk".

The parser turns StatBank CSV into a tidy frame (:func:`parse_statbank_csv`), maps
area labels to kommunekode and drops aggregates (:func:`to_kommune`), and shapes the
result into contract tables (:func:`to_contract`).
"""

from __future__ import annotations

import fnmatch
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import httpx
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.sources.cache import Cache, CacheEntry, error_text, make_client, request

__all__ = [
    "BASE_URL",
    "StatbankClient",
    "Extract",
    "STATBANK_EXTRACTS",
    "parse_statbank_csv",
    "read_statbank_csv",
    "classify_area",
    "to_kommune",
    "to_contract",
    "AREA_COLUMNS",
]

BASE_URL = "https://api.statbank.dk/v1"
HOST = "api.statbank.dk"

#: Names StatBank uses for the geography variable (residence municipality etc.).
AREA_COLUMNS = ("OMRÅDE", "BOPOMR", "BOPKOM", "KOMK", "KOMMUNE", "AMT", "REGION")
VALUE_COLUMN = "INDHOLD"
TIME_COLUMN = "TID"
MISSING_MARKS = frozenset({"..", ".", "-", "", "x", "X"})

# Aggregate rows of StatBank geography, in English and Danish label form. Kept as
# explicit patterns (not "anything unknown") so that a misspelt municipality is an
# error, never silently dropped.
_AGGREGATE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(all denmark|hele landet|denmark|danmark|total|i alt)$",
        r"^region\b",
        r"^province\b",
        r"^landsdel\b",
        r"^(abroad|outside denmark|udlandet|udland|uden for danmark)$",
        r"^(not stated|uoplyst|unknown)\b",
        r"^christiansø$",
    )
]
# Geography codes with valuePresentation=Code: 000 whole country, 081-085 regions,
# 411 Christiansø, 9xx abroad/unknown, 1-2 digit codes are landsdele (provinces).
_AGGREGATE_CODES = frozenset({"000", "0", "081", "082", "083", "084", "085", "411", "950", "959", "960", "999"})

_EXPECTED_AREA_DA = (
    "et kommunenavn (dansk eller DST's engelske navn) eller et kendt aggregat "
    "(Hele landet/All Denmark, Region …, Landsdel/Province …, Udlandet/Abroad, Uoplyst, Christiansø)"
)
_EXPECTED_AREA_EN = (
    "a municipality name (Danish or DST's English name) or a known aggregate "
    "(All Denmark/Hele landet, Region …, Province/Landsdel …, Abroad, Not stated, Christiansø)"
)


# --------------------------------------------------------------------------- parsing


def _decode(raw: bytes) -> str:
    # StatBank sends UTF-8 with BOM; older saved files may be cp1252.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _to_number(s: pd.Series, *, table: str, source: str | None) -> pd.Series:
    txt = s.astype(str).str.strip()
    missing = txt.isin(MISSING_MARKS)
    # Danish CSV (lang=da) may write a decimal comma and a '.' thousands separator.
    norm = txt.where(~txt.str.contains(",", regex=False), txt.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    num = pd.to_numeric(norm.where(~missing), errors="coerce")
    bad = num.isna() & ~missing
    if bad.any():
        line = int(bad[bad].index[0])
        raise DataError(
            table, line, VALUE_COLUMN, txt.loc[line],
            "et tal eller '..' (ikke offentliggjort)", "a number or '..' (not published)", source,
        )
    return num.astype("float64")


def parse_statbank_csv(content: bytes | str, *, table: str = "statbank", source: str | None = None) -> pd.DataFrame:
    """Parse StatBank ``BULK``/``CSV`` output into a tidy frame.

    Parameters
    ----------
    content : bytes or str
        The CSV as received (``;``-separated, UTF-8 with BOM or cp1252).
    table : str
        Name used in error messages (the DST table id or a file stem).
    source : str, optional
        File or URL, for error messages.

    Returns
    -------
    pandas.DataFrame
        One text column per StatBank variable (upper-case names, e.g. ``OMRÅDE``, ``TID``)
        and ``value`` (float64, NaN where StatBank printed ``..``). The index is the line
        number in the file (header = line 1), so later errors can name the row.
    """
    text = _decode(content) if isinstance(content, bytes) else content.lstrip("\ufeff")
    if not text.strip():
        raise DataError(table, None, None, None, "StatBank-CSV med en overskriftslinje", "StatBank CSV with a header line", source)
    df = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False, skip_blank_lines=True)
    df.columns = [str(c).strip().upper() for c in df.columns]
    if VALUE_COLUMN not in df.columns:
        raise DataError(
            table, None, VALUE_COLUMN, None,
            f"en værdikolonne '{VALUE_COLUMN}' (StatBank BULK/CSV-format); fandt {list(df.columns)}",
            f"a value column '{VALUE_COLUMN}' (StatBank BULK/CSV format); found {list(df.columns)}",
            source,
        )
    df.index = pd.RangeIndex(2, len(df) + 2, name="line")
    for c in df.columns:
        if c != VALUE_COLUMN:
            df[c] = df[c].astype(str).str.strip()
    df["value"] = _to_number(df[VALUE_COLUMN], table=table, source=source)
    out = df.drop(columns=[VALUE_COLUMN])
    out.attrs.update({"table": table, "source": source})  # default names for later error messages
    return out


def read_statbank_csv(path: str | Path, *, table: str | None = None) -> pd.DataFrame:
    """Read a StatBank CSV file; see :func:`parse_statbank_csv`."""
    p = Path(path)
    return parse_statbank_csv(p.read_bytes(), table=table or p.stem, source=str(p))


# ------------------------------------------------------------------ area -> kommunekode


def _norm_label(label: str) -> str:
    s = re.sub(r"\s+", " ", str(label)).strip().casefold()
    return re.sub(r"\s+(kommune|municipality)$", "", s)


@lru_cache(maxsize=1)
def _name_map() -> dict[str, int]:
    m = reference.municipalities()
    out: dict[str, int] = {}
    for col in ("navn", "navn_dst_en"):
        if col in m.columns:
            for name, code in zip(m[col], m["kommunekode"]):
                out[_norm_label(name)] = int(code)
    return out


def classify_area(label: str) -> int | Literal["aggregate"] | None:
    """Classify one StatBank area label.

    Returns the kommunekode for a municipality (English DST label ``navn_dst_en`` or
    Danish ``navn``; ``Copenhagen``/``København`` -> 101; a numeric code from
    ``valuePresentation=Code``), ``"aggregate"`` for a known aggregate row (whole
    country, region, province/landsdel, abroad, not stated, Christiansø) and ``None``
    for anything else.
    """
    s = str(label).strip()
    if s.isdigit():
        if s in _AGGREGATE_CODES or len(s) <= 2:
            return "aggregate"
        code = int(s)
        return code if code in reference.kommunekoder() else None
    hit = _name_map().get(_norm_label(s))
    if hit is not None:
        return hit
    if any(p.search(s) for p in _AGGREGATE_PATTERNS):
        return "aggregate"
    return None


def _area_column(frame: pd.DataFrame, area_column: str | None, table: str) -> str:
    if area_column is not None:
        if area_column not in frame.columns:
            raise DataError(table, None, area_column, None, "en områdekolonne", "an area column")
        return area_column
    for c in AREA_COLUMNS:
        if c in frame.columns:
            return c
    raise DataError(
        table, None, None, None,
        f"en områdekolonne ({', '.join(AREA_COLUMNS)}); fandt {list(frame.columns)}",
        f"an area column ({', '.join(AREA_COLUMNS)}); found {list(frame.columns)}",
    )


def to_kommune(
    frame: pd.DataFrame,
    *,
    area_column: str | None = None,
    table: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Map StatBank area labels to kommunekode and drop aggregate rows.

    Parameters
    ----------
    frame : DataFrame
        Output of :func:`parse_statbank_csv`.
    area_column : str, optional
        Geography column; found automatically among :data:`AREA_COLUMNS`.
    table, source : str, optional
        For error messages; default: what :func:`parse_statbank_csv` recorded.

    Returns
    -------
    DataFrame
        ``kommunekode`` (int64) first, then the remaining columns; the area column is
        removed. Line numbers (index) are kept.

    Raises
    ------
    DataError
        For a label that is neither one of the 98 municipalities nor a known aggregate,
        naming the line and the label.
    """
    table = table or str(frame.attrs.get("table") or "statbank")
    source = source or frame.attrs.get("source")
    col = _area_column(frame, area_column, table)
    labels = frame[col]
    cache: dict[str, int | str | None] = {lab: classify_area(lab) for lab in labels.unique()}
    kinds = labels.map(cache)
    unknown = kinds.isna()
    if unknown.any():
        line = int(unknown[unknown].index[0])
        raise DataError(table, line, col, labels.loc[line], _EXPECTED_AREA_DA, _EXPECTED_AREA_EN, source)
    keep = kinds != "aggregate"
    out = frame.loc[keep].drop(columns=[col])
    out.insert(0, "kommunekode", kinds.loc[keep].astype("int64"))
    return out


# ----------------------------------------------------------------- contract tables

ContractTable = Literal["support", "population", "framework"]


def to_contract(
    tidy: pd.DataFrame,
    table: ContractTable,
    *,
    ydelse: str | None = None,
    variable: str | None = None,
    source_table: str = "statbank",
    source: str | None = None,
    require_all: bool = True,
) -> pd.DataFrame:
    """Shape a municipality-level tidy frame into a contract table.

    Every variable other than ``kommunekode`` and ``TID`` must hold a single value
    (select one slice first), so that there is exactly one number per municipality
    and period.

    Parameters
    ----------
    tidy : DataFrame
        Output of :func:`to_kommune`.
    table : {"support", "population", "framework"}
        Target contract table.
    ydelse : str
        For ``support``: one of the 14 ydelse codes.
    variable : str
        For ``framework``: the variable name.
    require_all : bool
        Fail unless every period covers all 98 municipalities.

    Returns
    -------
    DataFrame
        ``support``: kommunekode, period, ydelse, fuldtidspersoner;
        ``population``: kommunekode, period, persons;
        ``framework``: kommunekode, period, variable, value.
    """
    if TIME_COLUMN not in tidy.columns:
        raise DataError(source_table, None, TIME_COLUMN, None, "en tidskolonne 'TID'", "a time column 'TID'", source)
    for c in tidy.columns:
        if c in ("kommunekode", TIME_COLUMN, "value"):
            continue
        vals = tidy[c].unique()
        if len(vals) > 1:
            line = int(tidy.index[tidy[c] == vals[1]][0])
            raise DataError(
                source_table, line, c, vals[1],
                f"én værdi i kolonnen '{c}' (udvælg ét udsnit); fandt også {vals[0]!r}",
                f"a single value in column '{c}' (select one slice); also found {vals[0]!r}",
                source,
            )
    df = pd.DataFrame(
        {
            "kommunekode": tidy["kommunekode"].astype("int64"),
            "period": tidy[TIME_COLUMN].astype(str),
            "value": tidy["value"].astype("float64"),
        },
        index=tidy.index,
    )
    dup = df.duplicated(["kommunekode", "period"], keep="first")
    if dup.any():
        line = int(dup[dup].index[0])
        raise DataError(
            source_table, line, TIME_COLUMN, df.loc[line, "period"],
            "én række pr. kommune og periode", "one row per municipality and period", source,
        )
    if require_all:
        want = reference.kommunekoder()
        for period, grp in df.groupby("period", sort=True):
            missing = sorted(want - set(grp["kommunekode"]))
            if missing:
                raise DataError(
                    source_table, None, "kommunekode", missing[0],
                    f"alle 98 kommuner i periode {period}; mangler {len(missing)} ({reference.navn(missing[0])} …)",
                    f"all 98 municipalities in period {period}; {len(missing)} missing ({reference.navn(missing[0])} …)",
                    source,
                )
    df = df.sort_values(["period", "kommunekode"]).reset_index(drop=True)
    if table == "support":
        if ydelse not in reference.ydelse_codes():
            raise ValueError(f"ydelse must be one of {reference.ydelse_codes()}, got {ydelse!r}")
        return pd.DataFrame(
            {"kommunekode": df["kommunekode"], "period": df["period"], "ydelse": ydelse, "fuldtidspersoner": df["value"]}
        )
    if table == "population":
        return pd.DataFrame({"kommunekode": df["kommunekode"], "period": df["period"], "persons": df["value"]})
    if table == "framework":
        if not variable:
            raise ValueError("variable is required for table='framework'")
        return pd.DataFrame(
            {"kommunekode": df["kommunekode"], "period": df["period"], "variable": variable, "value": df["value"]}
        )
    raise ValueError(f"unknown contract table {table!r}")


# ---------------------------------------------------------------------------- client


@dataclass(frozen=True)
class Extract:
    """A named slice of one StatBank table, selected by value *texts* or ids.

    ``selection`` maps variable code -> values; a value may be an id, a text as shown
    in ``tableinfo`` (language ``lang``), ``"*"`` for all, or a shell pattern such as
    ``"*Q1"`` matched against ids and texts.
    """

    name: str
    table: str
    selection: Mapping[str, tuple[str, ...]]
    lang: Literal["en", "da"] = "en"
    note: str = ""


def _years(lo: int, hi: int) -> tuple[str, ...]:
    return tuple(f"{a} years" for a in range(lo, hi + 1))


#: The extracts the real-data builder uses (same slices as the bundled raw files).
STATBANK_EXTRACTS: dict[str, Extract] = {
    e.name: e
    for e in (
        Extract(
            "auk01", "AUK01",
            {"OMRÅDE": ("*",), "YDELSESTYPE": ("Net unemployed recipients of social assistance",),
             "KØN": ("Total",), "ALDER": ("Age, total",), "Tid": ("*",)},
            note="kontanthjælp, netto-ledige fuldtidsmodtagere, kvartaler",
        ),
        Extract(
            "folk1a_total", "FOLK1A",
            {"OMRÅDE": ("*",), "KØN": ("Total",), "ALDER": ("Age, total",), "CIVILSTAND": ("Total",), "Tid": ("*Q1",)},
            note="folketal 1. januar",
        ),
        Extract(
            "folk1a_65plus", "FOLK1A",
            {"OMRÅDE": ("*",), "KØN": ("Total",), "ALDER": _years(65, 125), "CIVILSTAND": ("Total",), "Tid": ("*Q1",)},
            note="folketal 1. januar, enkeltår 65+",
        ),
        Extract(
            "folk1am", "FOLK1AM",
            {"OMRÅDE": ("*",), "KØN": ("Total",), "ALDER": ("Age, total",), "Tid": ("*",)},
            note="folketal den 1. i måneden",
        ),
        Extract(
            "hfudd11", "HFUDD11",
            {"BOPOMR": ("*",), "HERKOMST": ("Total",),
             "HFUDD": ("Total", "H40*", "H50*", "H60*", "H70*", "H80*"),
             "ALDER": ("Age, total",), "KØN": ("Total",), "Tid": ("*",)},
            note="højeste fuldførte uddannelse",
        ),
        Extract(
            "indkp101", "INDKP101",
            {"OMRÅDE": ("*",), "ENHED": ("Average income for all people (DKK)",),
             "KOEN": ("Men and women, total",), "INDKOMSTTYPE": ("1 Disposable income (2+30-31-32-35)",), "Tid": ("*",)},
            note="gennemsnitlig disponibel indkomst",
        ),
    )
}


@dataclass
class StatbankClient:
    """Client for ``api.statbank.dk/v1``.

    Parameters
    ----------
    base_url : str
        API root.
    lang : {"en", "da"}
        Label language of answers.
    transport : httpx.BaseTransport, optional
        For tests (``httpx.MockTransport`` replaying recorded answers).
    timeout : float or httpx.Timeout, optional
        Defaults to :data:`benchlearn.sources.cache.DEFAULT_TIMEOUT`.
    """

    base_url: str = BASE_URL
    lang: Literal["en", "da"] = "en"
    transport: httpx.BaseTransport | None = None
    timeout: httpx.Timeout | float | None = None
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _info: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, init=False, repr=False)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = make_client(transport=self.transport, timeout=self.timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> StatbankClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, endpoint: str, body: dict[str, Any], what: str) -> httpx.Response:
        url = f"{self.base_url.rstrip('/')}/{endpoint}"
        resp = request(self.client, "POST", url, json=body)
        if resp.status_code >= 400:
            msg = error_text(resp)
            raise SourceError(
                f"Danmarks Statistik ({HOST}) afviste forespørgslen på {what} (HTTP {resp.status_code}): {msg}",
                f"Statistics Denmark ({HOST}) rejected the request for {what} (HTTP {resp.status_code}): {msg}",
            )
        return resp

    def tableinfo(self, table: str, *, lang: str | None = None) -> dict[str, Any]:
        """Table metadata: ``id``, ``text``, ``unit``, ``updated``, ``variables`` (each with
        ``id``, ``text``, ``time`` and ``values`` = list of ``{"id", "text"}``)."""
        lg = lang or self.lang
        key = (table.upper(), lg)
        if key not in self._info:
            resp = self._post("tableinfo", {"table": table, "format": "JSON", "lang": lg}, f"tabel {table}")
            try:
                info = resp.json()
            except ValueError as exc:
                raise SourceError(
                    f"Danmarks Statistik sendte ikke JSON for tableinfo {table}.",
                    f"Statistics Denmark did not send JSON for tableinfo {table}.",
                ) from exc
            if not isinstance(info, dict) or not isinstance(info.get("variables"), list):
                raise SourceError(
                    f"Uventet svar fra tableinfo {table}: mangler 'variables'.",
                    f"Unexpected tableinfo answer for {table}: no 'variables'.",
                )
            self._info[key] = info
        return self._info[key]

    def resolve(self, table: str, selection: Mapping[str, Sequence[str]], *, lang: str | None = None) -> list[dict[str, Any]]:
        """Turn a selection by texts/patterns into the API's ``variables`` list of ids."""
        info = self.tableinfo(table, lang=lang)
        by_code = {str(v["id"]).casefold(): v for v in info["variables"]}
        out: list[dict[str, Any]] = []
        for code, wanted in selection.items():
            var = by_code.get(code.casefold())
            if var is None:
                raise SourceError(
                    f"Tabel {table} har ingen variabel '{code}'; den har {[v['id'] for v in info['variables']]}.",
                    f"Table {table} has no variable '{code}'; it has {[v['id'] for v in info['variables']]}.",
                )
            values = var.get("values") or []
            ids: list[str] = []
            for w in wanted:
                if w == "*":
                    ids = ["*"]
                    break
                hits = [
                    str(v["id"]) for v in values
                    if str(v["id"]) == w or str(v.get("text", "")).casefold() == w.casefold()
                    or (any(ch in w for ch in "*?[") and (fnmatch.fnmatchcase(str(v["id"]), w) or fnmatch.fnmatchcase(str(v.get("text", "")), w)))
                ]
                if not hits:
                    raise SourceError(
                        f"Tabel {table}, variabel {var['id']}: ingen værdi '{w}'.",
                        f"Table {table}, variable {var['id']}: no value '{w}'.",
                    )
                ids.extend(h for h in hits if h not in ids)
            out.append({"code": str(var["id"]), "values": ids})
        return out

    def data(
        self,
        table: str,
        variables: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[str]],
        *,
        format: Literal["BULK", "CSV"] = "BULK",
        lang: str | None = None,
    ) -> bytes:
        """Fetch data as StatBank CSV bytes.

        ``variables`` is either the API's list ``[{"code": ..., "values": [...]}]`` (sent
        as is) or a mapping code -> texts/ids/patterns, resolved via :meth:`resolve`.
        """
        lg = lang or self.lang
        if isinstance(variables, Mapping):
            var_list = self.resolve(table, variables, lang=lg)
        else:
            var_list = [dict(v) for v in variables]
        body = {"table": table, "format": format, "lang": lg, "variables": var_list}
        resp = self._post("data", body, f"data fra {table}")
        content = resp.content
        if not content.strip():
            raise SourceError(
                f"Danmarks Statistik sendte et tomt svar for {table}.",
                f"Statistics Denmark sent an empty answer for {table}.",
            )
        return content

    def frame(self, table: str, variables: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[str]], **kw: Any) -> pd.DataFrame:
        """:meth:`data` parsed with :func:`parse_statbank_csv`."""
        return parse_statbank_csv(self.data(table, variables, **kw), table=table, source=f"{self.base_url}/data")

    def fetch_extract(self, extract: Extract, cache: Cache) -> CacheEntry:
        """Fetch one named extract into ``cache`` as ``statbank/<name>.csv``.

        The content is parsed before it is stored, so the cache never holds an answer
        the parser would reject.
        """
        var_list = self.resolve(extract.table, extract.selection, lang=extract.lang)
        content = self.data(extract.table, var_list, format="BULK", lang=extract.lang)
        parse_statbank_csv(content, table=extract.table, source=f"{self.base_url}/data")
        return cache.put(
            "statbank",
            f"{extract.name}.csv",
            content,
            url=f"{self.base_url}/data",
            request={"table": extract.table, "format": "BULK", "lang": extract.lang, "variables": var_list},
        )


"""Jobindsats.dk API v2 client (STAR, Styrelsen for Arbejdsmarked og Rekruttering).

``https://api.jobindsats.dk/v2``; every request carries the personal key in the
``Authorization`` header (the key itself, no "Bearer"). Keys are issued by STAR on
request (mail jobindsats@star.dk, subject "Ansøgning om adgang til api.jobindsats.dk");
benchlearn reads it from the environment variable ``JOBINDSATS_TOKEN``.

Endpoints used:

* ``GET  /subjects/json`` — subjects;
* ``GET  /tables/json`` — table list (``TableID``, ``TableName``, ``SubjectName``, ...);
* ``GET  /tables/{id}/json`` — table metadata (``Period``, ``Area``, ``Measurements``,
  ``Dimensions``);
* ``POST /data/{id}/json`` with ``{"area": "*", "period": [...], "_<dim>": [...]}`` — data,
  answered as ``[{"TableID", "Variables": [{"Name", "Label", ...}], "Data": [[...], ...]}]``.

The benchmark table ``y30r21`` (forventet og faktisk antal fuldtidspersoner på
offentlig forsørgelse) becomes the contract ``benchmark`` table via :func:`to_benchmark`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.core.periods import period_kind
from benchlearn.sources.cache import Cache, CacheEntry, error_text, make_client, request

__all__ = [
    "BASE_URL",
    "TOKEN_ENV",
    "BENCHMARK_TABLE",
    "JobindsatsClient",
    "data_frame",
    "to_benchmark",
    "read_y30r21",
    "Y30R21_GROUPS",
]

BASE_URL = "https://api.jobindsats.dk/v2"
HOST = "api.jobindsats.dk"
TOKEN_ENV = "JOBINDSATS_TOKEN"
BENCHMARK_TABLE = "y30r21"

#: y30r21's benefit-group labels -> benchmark area codes of DOMAIN.md §2.
Y30R21_GROUPS: dict[str, str] = {
    "Ydelsesgrupper i alt": "total",
    "A-dagpenge mv.": "a_dagpenge",
    "Sygedagpenge mv.": "sygedagpenge",
    "Kontanthjælp mv.": "kontanthjaelp",
}
Y30R21_AREAS: dict[str, str] = {k.casefold(): v for k, v in Y30R21_GROUPS.items()}
_AGGREGATE = re.compile(r"^(hele landet|region\b|rar\b|landsdel\b|uoplyst|ukendt|christiansø$)", re.IGNORECASE)


def _token_missing() -> SourceError:
    return SourceError(
        f"Jobindsats kræver en API-nøgle: sæt miljøvariablen {TOKEN_ENV} (fx 'export {TOKEN_ENV}=din-nøgle'). "
        "Nøglen fås hos STAR: mail til jobindsats@star.dk med emnet 'Ansøgning om adgang til api.jobindsats.dk'.",
        f"Jobindsats needs an API key: set the environment variable {TOKEN_ENV} (e.g. 'export {TOKEN_ENV}=your-key'). "
        "STAR issues keys: mail jobindsats@star.dk, subject 'Ansøgning om adgang til api.jobindsats.dk'.",
    )


@dataclass
class JobindsatsClient:
    """Client for ``api.jobindsats.dk/v2``.

    Parameters
    ----------
    token : str, optional
        API key; default ``$JOBINDSATS_TOKEN``. Missing -> :class:`SourceError` saying how to set it.
    transport : httpx.BaseTransport, optional
        For tests (``httpx.MockTransport``).
    """

    token: str | None = None
    base_url: str = BASE_URL
    transport: httpx.BaseTransport | None = None
    timeout: httpx.Timeout | float | None = None
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        tok = self.token if self.token is not None else os.environ.get(TOKEN_ENV, "")
        tok = tok.strip()
        if not tok:
            raise _token_missing()
        self.token = tok

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = make_client(
                transport=self.transport, timeout=self.timeout,
                headers={"Authorization": str(self.token), "Accept": "application/json"},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> JobindsatsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, what: str, **kw: Any) -> httpx.Response:
        url = f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        resp = request(self.client, method, url, **kw)
        if resp.status_code in (401, 403):
            msg = error_text(resp)
            raise SourceError(
                f"Jobindsats afviste API-nøglen (HTTP {resp.status_code}: {msg}). Tjek {TOKEN_ENV} — "
                "nøglen skal stå præcis som modtaget fra STAR.",
                f"Jobindsats rejected the API key (HTTP {resp.status_code}: {msg}). Check {TOKEN_ENV} — "
                "the key must be exactly as received from STAR.",
            )
        if resp.status_code >= 400:
            msg = error_text(resp)
            raise SourceError(
                f"Jobindsats ({HOST}) afviste forespørgslen på {what} (HTTP {resp.status_code}): {msg}",
                f"Jobindsats ({HOST}) rejected the request for {what} (HTTP {resp.status_code}): {msg}",
            )
        return resp

    def _json(self, resp: httpx.Response, what: str) -> Any:
        try:
            # Tolerate a UTF-8 BOM in front of the JSON (utf-8-sig accepts both).
            return json.loads(resp.content.decode("utf-8-sig"))
        except ValueError as exc:
            raise SourceError(f"Jobindsats sendte ikke JSON for {what}.", f"Jobindsats did not send JSON for {what}.") from exc

    def subjects(self) -> list[dict[str, Any]]:
        return self._json(self._call("GET", "subjects/json", "emner"), "subjects")

    def tables(self) -> list[dict[str, Any]]:
        """Table list: ``TableID``, ``TableName``, ``SubjectName``, ``LatestPeriod`` ..."""
        return self._json(self._call("GET", "tables/json", "tabeller"), "tables")

    def table(self, table_id: str) -> dict[str, Any]:
        """Metadata of one table: ``Period``, ``Area``, ``Measurements``, ``Dimensions``."""
        body = self._json(self._call("GET", f"tables/{table_id.lower()}/json", f"tabel {table_id}"), table_id)
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if not isinstance(body, dict):
            raise SourceError(f"Uventet metadata for {table_id}.", f"Unexpected metadata for {table_id}.")
        return body

    def data_raw(
        self,
        table_id: str,
        period: Sequence[str] | str,
        *,
        area: Sequence[str] | str = "*",
        dimensions: Mapping[str, Sequence[str]] | None = None,
    ) -> bytes:
        """Data answer as received (JSON bytes)."""
        body: dict[str, Any] = {"area": area if isinstance(area, str) else list(area),
                                "period": [period] if isinstance(period, str) else list(period)}
        for k, v in (dimensions or {}).items():
            body[k if k.startswith("_") else f"_{k}"] = list(v)
        return self._call("POST", f"data/{table_id.lower()}/json", f"data fra {table_id}", json=body).content

    def data(self, table_id: str, period: Sequence[str] | str, **kw: Any) -> pd.DataFrame:
        """Data as a frame with one column per variable label (see :func:`data_frame`)."""
        return data_frame(self.data_raw(table_id, period, **kw), table=table_id)

    def latest_periods(self, table_id: str, n: int = 2) -> list[str]:
        """The ``n`` most recent periods listed in the table metadata."""
        per = self.table(table_id).get("Period") or []
        return sorted(str(p) for p in per)[-n:]

    def fetch_benchmark(self, cache: Cache, periods: Sequence[str] | None = None) -> CacheEntry:
        """Fetch y30r21 (all municipalities, given or latest two periods) into ``jobindsats/y30r21.json``.

        Checked with :func:`to_benchmark` before it is stored.
        """
        per = list(periods) if periods else self.latest_periods(BENCHMARK_TABLE)
        content = self.data_raw(BENCHMARK_TABLE, per, area="*")
        to_benchmark(data_frame(content, table=BENCHMARK_TABLE))
        return cache.put("jobindsats", f"{BENCHMARK_TABLE}.json", content,
                         url=f"{self.base_url}/data/{BENCHMARK_TABLE}/json", request={"period": per, "area": "*"})


def data_frame(content: bytes | Any, *, table: str = "jobindsats") -> pd.DataFrame:
    """Turn a data answer (``[{"Variables": [...], "Data": [[...]]}]``) into a frame.

    Columns are the variables' ``Label`` (falling back to ``Name``); cell values are
    kept as received (text or number).
    """
    body = json.loads(content.decode("utf-8-sig")) if isinstance(content, bytes | bytearray) else content
    if isinstance(body, list):
        if not body:
            raise SourceError(f"Jobindsats sendte ingen data for {table}.", f"Jobindsats sent no data for {table}.")
        body = body[0]
    if not isinstance(body, dict) or not isinstance(body.get("Variables"), list) or not isinstance(body.get("Data"), list):
        raise SourceError(
            f"Uventet svar fra Jobindsats for {table}: forventede 'Variables' og 'Data'.",
            f"Unexpected Jobindsats answer for {table}: expected 'Variables' and 'Data'.",
        )
    cols = [str(v.get("Label") or v.get("Name")) for v in body["Variables"]]
    rows = body["Data"]
    for i, r in enumerate(rows, start=1):
        if len(r) != len(cols):
            raise DataError(table, i, None, r, f"{len(cols)} værdier pr. række", f"{len(cols)} values per row")
    return pd.DataFrame(rows, columns=cols, dtype=object)


_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def _number(v: Any, *, table: str, row: int, column: str | None, count: bool = False, source: str | None = None) -> float:
    if v is None:
        return float("nan")
    if isinstance(v, bool) or isinstance(v, dict | list):
        raise DataError(table, row, column, v, "et tal", "a number", source)
    if isinstance(v, int | float):
        return float(v)
    s = str(v).strip().replace("\xa0", "").replace(" ", "")
    if s in {"", "-", ".", "..", "x"}:
        return float("nan")
    if "," in s or (count and _GROUPED.match(s)):
        # Danish format: '.' groups thousands, ',' is the decimal comma. For counts
        # (fuldtidspersoner) a text like "1.620" can only mean 1620.
        s = s.replace(".", "").replace(",", ".")
    try:
        return float(s)
    except ValueError:
        raise DataError(table, row, column, v, "et tal (fx 1.234 eller 9,08)", "a number (e.g. 1.234 or 9,08)", source) from None


def _find(cols: list[str], *needles: str) -> str | None:
    # Measure labels read "<measurement group>: <measure>", and the group text itself
    # ("Forventet og faktisk antal ...") contains both measure names, so match the
    # part after the last colon.
    for c in cols:
        low = c.rsplit(":", 1)[-1].strip().casefold()
        if all(n in low for n in needles):
            return c
    return None


#: Column roles of y30r21 -> words its label contains (after the last colon).
_Y30R21_KEYS: dict[str, tuple[str, ...]] = {
    "period": ("period",), "group": ("ydelsesgrupp",), "expected": ("forventet antal",),
    "actual": ("faktisk antal",), "expected_share": ("forventet andel",), "actual_share": ("faktisk andel",),
    "diff_pp": ("forskel", "andel"), "rank": ("placering",),
}
_REQUIRED_KEYS = ("period", "group", "expected", "actual")
_KEY_DA = {"period": "periode", "group": "ydelsesgrupper", "expected": "forventet antal", "actual": "faktisk antal"}


def _columns(cols: list[str], table: str, source: str | None) -> dict[str, str | None]:
    found: dict[str, str | None] = {"area": _find(cols, "area") or _find(cols, "område") or (cols[0] if cols else None)}
    for role, needles in _Y30R21_KEYS.items():
        found[role] = _find(cols, *needles)
    for role in _REQUIRED_KEYS:
        if found[role] is None:
            name = _KEY_DA[role]
            raise DataError(table, None, name, None, f"en kolonne/nøgle '{name}'; fandt {cols}",
                            f"a column/key '{name}'; found {cols}", source)
    return found


def _y30r21_rows(rows: list[tuple[int, dict[str, Any]]], *, table: str, source: str | None) -> pd.DataFrame:
    """Validate y30r21 records ``(line, {label: value})`` into the contract ``benchmark`` table.

    Shared by both shapes, so the API answer and the label-keyed JSON Lines file give
    identical tables. Every refusal names the line, the key and the value.
    """
    cols: list[str] = []
    for _, r in rows:
        cols.extend(k for k in r if k not in cols)
    c = _columns(cols, table, source)
    muni = reference.municipalities()
    by_name = {str(n).casefold(): int(k) for n, k in zip(muni["navn"], muni["kommunekode"])}
    recs, first_line = [], {}
    for line, row in rows:
        def need(role: str) -> Any:
            key = c[role]
            if key not in row:
                raise DataError(table, line, key, None, f"nøglen '{key}' i hver linje", f"the key '{key}' on every line", source)
            return row[key]

        label = str(need("area")).strip()
        lab = re.sub(r"\s+kommune$", "", label, flags=re.IGNORECASE).casefold()
        k = by_name.get(lab)
        if k is None:
            if _AGGREGATE.search(label):
                continue
            raise DataError(table, line, c["area"], label, "et af de 98 kommunenavne eller et kendt aggregat (Hele landet, Region …, RAR …)",
                            "one of the 98 municipality names or a known aggregate (Hele landet, Region …, RAR …)", source)
        per = str(need("period")).strip()
        if period_kind(per) != "qmat":
            raise DataError(table, line, c["period"], per, "en løbende 12-måneders periode som 2022QMAT04 (y30r21 er halvårlig)",
                            "a rolling 12-month period like 2022QMAT04 (y30r21 is half-yearly)", source)
        grp = str(need("group")).strip()
        area = Y30R21_AREAS.get(grp.casefold())
        if area is None:
            raise DataError(table, line, c["group"], grp, f"en af {list(Y30R21_GROUPS)}", f"one of {list(Y30R21_GROUPS)}", source)
        key = (k, per, area)
        if key in first_line:
            raise DataError(table, line, f"{c['area']}/{c['period']}/{c['group']}", f"{label}, {per}, {grp}",
                            f"én linje pr. kommune, periode og ydelsesgruppe (findes allerede i linje {first_line[key]})",
                            f"one line per municipality, period and benefit group (already on line {first_line[key]})", source)
        first_line[key] = line
        rec: dict[str, Any] = {"kommunekode": k, "period": per, "area": area, "_line": line}
        for role in ("actual", "expected"):
            rec[role] = _number(need(role), table=table, row=line, column=c[role], count=True, source=source)
        for role in ("expected_share", "actual_share", "diff_pp"):
            if c[role] is not None:
                rec[role] = _number(row.get(c[role]), table=table, row=line, column=c[role], source=source)
        if c["rank"] is not None:
            r = _number(row.get(c["rank"]), table=table, row=line, column=c["rank"], source=source)
            if not (np.isnan(r) or (r == int(r) and 1 <= r <= 98)):
                raise DataError(table, line, c["rank"], row.get(c["rank"]), "en placering 1–98", "a rank 1–98", source)
            rec["published_rank"] = r
        recs.append(rec)
    if not recs:
        raise DataError(table, None, c["area"], None, "mindst én kommune", "at least one municipality", source)
    out = pd.DataFrame.from_records(recs)
    # every municipality and period has all four groups
    have = out.groupby(["kommunekode", "period"])["area"].agg(set)
    for (k, per), areas in have.items():
        lost = [g for g, a in Y30R21_GROUPS.items() if a not in areas]
        if lost:
            line = int(out.loc[(out["kommunekode"] == k) & (out["period"] == per), "_line"].min())
            raise DataError(table, line, c["group"], lost[0],
                            f"alle fire ydelsesgrupper for {reference.navn(int(k))} i {per} (mangler {', '.join(lost)})",
                            f"all four benefit groups for {reference.navn(int(k))} in {per} (missing {', '.join(lost)})", source)
    return _with_residents(out, table=table, source=source)


def _with_residents(out: pd.DataFrame, *, table: str, source: str | None) -> pd.DataFrame:
    """Add ``persons`` (residents 16–66, derived) and order the columns.

    ``persons = expected / (expected share / 100)`` of the group *i alt* (the largest
    counts, so the smallest relative rounding error), the same for all four groups of a
    municipality and period since they share the denominator. Falls back to the actual
    count and share when the expected share is missing.
    """
    tot = out[out["area"] == "total"].set_index(["kommunekode", "period"])
    if "expected_share" in tot.columns:
        n = tot["expected"] / (tot["expected_share"] / 100.0)
    else:
        n = pd.Series(np.nan, index=tot.index)
    if "actual_share" in tot.columns:
        n = n.where(np.isfinite(n) & (n > 0), tot["actual"] / (tot["actual_share"] / 100.0))
    n = n.where(np.isfinite(n) & (n > 0))
    out = out.join(n.rename("persons"), on=["kommunekode", "period"])
    out["kommunekode"] = out["kommunekode"].astype("int64")
    out = out.rename(columns={"diff_pp": "published_diff_pp"})
    cols = ["kommunekode", "period", "area", "actual", "expected", "persons"]
    cols += [c for c in ("published_rank", "published_diff_pp") if c in out.columns]
    if "published_rank" in out.columns:
        out["published_rank"] = out["published_rank"].astype("Int64")
    return out[cols].sort_values(["period", "area", "kommunekode"]).reset_index(drop=True)


def to_benchmark(frame: pd.DataFrame, *, table: str = "benchmark", source: str | None = None) -> pd.DataFrame:
    """Turn y30r21 data (a frame of label columns, see :func:`data_frame`) into the contract ``benchmark`` table.

    Returns
    -------
    DataFrame
        ``kommunekode, period, area, actual, expected, persons`` and, when the answer has
        them, ``published_rank`` and ``published_diff_pp``. ``persons`` (residents 16–66)
        is *derived*: expected ÷ expected share of the group *i alt*. Aggregates (Hele
        landet, regions, RAR areas) are dropped; an unknown name, group, a period that is
        not QMAT, a duplicate or a missing group is a :class:`DataError` naming row,
        column and value.
    """
    cols = [str(c) for c in frame.columns]
    rows = [(i, dict(zip(cols, r))) for i, r in enumerate(frame.itertuples(index=False, name=None), start=1)]
    return _y30r21_rows(rows, table=table, source=source)


def _jsonl_rows(text: str, *, table: str, source: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            raise DataError(table, line, None, raw[:80], "ét JSON-objekt pr. linje", "one JSON object per line", source) from None
        if not isinstance(obj, dict):
            raise DataError(table, line, None, raw[:80], "ét JSON-objekt pr. linje", "one JSON object per line", source)
        rows.append((line, obj))
    return rows


def read_y30r21(path: str | Path) -> pd.DataFrame:
    """Read the ministry's benchmark y30r21 from a file in either Jobindsats shape.

    The one public reader of y30r21 (``benchlearn.review`` uses it too).

    Parameters
    ----------
    path : str or Path
        Either the API's data answer (``[{"Variables": [...], "Data": [[...]]}]``, as
        ``benchlearn fetch`` stores it) or JSON Lines with one label-keyed object per line
        (the shared ``Y30R21-api.csv``). Which one is told by the content.

    Returns
    -------
    DataFrame
        The contract ``benchmark`` table, see :func:`to_benchmark`; rows refer to the
        file's lines (JSON Lines) or the answer's data rows (API shape).

    Raises
    ------
    DataError
        On any bad line (nothing is returned, so nothing can be ingested).
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"Kan ikke læse y30r21-filen {p}: {exc}", f"Cannot read the y30r21 file {p}: {exc}") from None
    try:
        body = json.loads(text)
    except ValueError:
        body = None  # not one JSON document: JSON Lines
    if isinstance(body, list) or (isinstance(body, dict) and "Variables" in body):
        return to_benchmark(data_frame(body, table=BENCHMARK_TABLE), source=str(p))
    return _y30r21_rows(_jsonl_rows(text, table="benchmark", source=str(p)), table="benchmark", source=str(p))

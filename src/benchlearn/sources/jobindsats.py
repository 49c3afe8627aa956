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
from dataclasses import dataclass, field
from typing import Any

import httpx
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
]

BASE_URL = "https://api.jobindsats.dk/v2"
HOST = "api.jobindsats.dk"
TOKEN_ENV = "JOBINDSATS_TOKEN"
BENCHMARK_TABLE = "y30r21"

#: y30r21's benefit-group labels -> benchmark area codes of DOMAIN.md §2.
Y30R21_AREAS: dict[str, str] = {
    "ydelsesgrupper i alt": "total",
    "a-dagpenge mv.": "a_dagpenge",
    "sygedagpenge mv.": "sygedagpenge",
    "kontanthjælp mv.": "kontanthjaelp",
}
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


def _number(v: Any, *, table: str, row: int, column: str, count: bool = False) -> float:
    if v is None:
        return float("nan")
    if isinstance(v, int | float) and not isinstance(v, bool):
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
        raise DataError(table, row, column, v, "et tal", "a number") from None


def _find(cols: list[str], *needles: str) -> str | None:
    # Measure labels read "<measurement group>: <measure>", and the group text itself
    # ("Forventet og faktisk antal ...") contains both measure names, so match the
    # part after the last colon.
    for c in cols:
        low = c.rsplit(":", 1)[-1].strip().casefold()
        if all(n in low for n in needles):
            return c
    return None


def to_benchmark(frame: pd.DataFrame, *, table: str = BENCHMARK_TABLE) -> pd.DataFrame:
    """Turn y30r21 data into the contract ``benchmark`` table.

    Returns
    -------
    DataFrame
        ``kommunekode, period, area, actual, expected, persons``; ``persons`` (the
        denominator) is :math:`\\text{actual} / (\\text{actual share}/100)` when the
        answer carries the actual share, else absent. Aggregates (Hele landet, regions,
        RAR areas) are dropped; an unknown area label or ydelsesgruppe is a DataError.
    """
    cols = list(frame.columns)
    c_area = _find(cols, "area") or _find(cols, "område") or cols[0]
    c_per = _find(cols, "period")
    c_grp = _find(cols, "ydelsesgrupp")
    c_exp = _find(cols, "forventet antal")
    c_act = _find(cols, "faktisk antal")
    c_share = _find(cols, "faktisk andel")
    for name, c in (("periode", c_per), ("ydelsesgrupper", c_grp), ("forventet antal", c_exp), ("faktisk antal", c_act)):
        if c is None:
            raise DataError(table, None, name, None, f"en kolonne '{name}'; fandt {cols}", f"a column '{name}'; found {cols}")
    by_name = {str(n).casefold(): int(k) for n, k in zip(reference.municipalities()["navn"], reference.municipalities()["kommunekode"])}
    recs = []
    for i, r in enumerate(frame.itertuples(index=False), start=1):
        row = dict(zip(cols, r))
        label = str(row[c_area]).strip()
        lab = re.sub(r"\s+kommune$", "", label, flags=re.IGNORECASE).casefold()
        k = by_name.get(lab)
        if k is None:
            if _AGGREGATE.search(label):
                continue
            raise DataError(table, i, c_area, label, "et kommunenavn eller et kendt aggregat (Hele landet, Region …, RAR …)",
                            "a municipality name or a known aggregate (Hele landet, Region …, RAR …)")
        grp = str(row[c_grp]).strip()
        area = Y30R21_AREAS.get(grp.casefold())
        if area is None:
            raise DataError(table, i, c_grp, grp, f"en af {list(Y30R21_AREAS)}", f"one of {list(Y30R21_AREAS)}")
        per = str(row[c_per]).strip()
        if period_kind(per) is None:
            raise DataError(table, i, c_per, per, "en periode som 2023QMAT04", "a period like 2023QMAT04")
        actual = _number(row[c_act], table=table, row=i, column=c_act, count=True)
        rec = {"kommunekode": k, "period": per, "area": area, "actual": actual,
               "expected": _number(row[c_exp], table=table, row=i, column=c_exp, count=True)}
        if c_share is not None:
            share = _number(row[c_share], table=table, row=i, column=c_share)
            rec["persons"] = actual / (share / 100.0) if share and share > 0 else float("nan")
        recs.append(rec)
    out = pd.DataFrame.from_records(recs)
    if out.empty:
        raise DataError(table, None, c_area, None, "mindst én kommune", "at least one municipality")
    out["kommunekode"] = out["kommunekode"].astype("int64")
    dup = out.duplicated(["kommunekode", "period", "area"])
    if dup.any():
        j = int(dup[dup].index[0])
        raise DataError(table, j + 1, c_area, reference.navn(int(out.loc[j, "kommunekode"])),
                        "én række pr. kommune, periode og ydelsesgruppe", "one row per municipality, period and benefit group")
    return out.sort_values(["period", "area", "kommunekode"]).reset_index(drop=True)

"""Municipality boundaries from DAWA/DAGI, with the bundled GeoJSON as offline copy.

Online: ``https://api.dataforsyningen.dk/kommuner?format=geojson`` (DAWA, Danmarks
Adressers Web API, serving DAGI). Licence: free Danish basic data (frie grunddata),
attribution "Indeholder data fra Klimadatastyrelsen, DAGI".

Offline: ``boundaries/TheSpeky_DanishElectionVisualization/kommuner_geojson.json``
under :func:`benchlearn.sources.raw_data_dir` — a 2021 DAWA export with the same
properties. Both hold 99 units; Christiansø (0411, outside the municipal division)
is dropped, leaving the 98 municipalities.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from shapely.geometry import mapping, shape
from shapely.geometry.polygon import orient

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.sources import raw_data_dir
from benchlearn.sources.cache import Cache, CacheEntry, error_text, make_client, request

__all__ = [
    "DAWA_URL",
    "ATTRIBUTION",
    "fetch_boundaries",
    "load_boundaries",
    "load_cartogram",
    "orient_features",
]

DAWA_URL = "https://api.dataforsyningen.dk/kommuner?format=geojson"
ATTRIBUTION = "Indeholder data fra Klimadatastyrelsen, DAGI"
OFFLINE_BOUNDARIES = Path("boundaries") / "TheSpeky_DanishElectionVisualization" / "kommuner_geojson.json"
OFFLINE_CARTOGRAM = Path("boundaries") / "TheSpeky_DanishElectionVisualization" / "cartogram.json"
CACHE_SOURCE, CACHE_NAME = "dawa", "kommuner.geojson"
CHRISTIANSOE = 411


def fetch_boundaries(
    cache: Cache | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | float | None = None,
    url: str = DAWA_URL,
) -> CacheEntry:
    """Download the municipality boundaries from DAWA into the cache (``dawa/kommuner.geojson``).

    The answer is checked (a FeatureCollection holding all 98 municipalities) before
    it is stored.
    """
    cache = cache if cache is not None else Cache()
    with make_client(transport=transport, timeout=timeout) as client:
        resp = request(client, "GET", url)
    if resp.status_code >= 400:
        msg = error_text(resp)
        raise SourceError(
            f"DAWA (api.dataforsyningen.dk) afviste forespørgslen på kommunegrænser (HTTP {resp.status_code}): {msg}",
            f"DAWA (api.dataforsyningen.dk) rejected the request for municipality boundaries (HTTP {resp.status_code}): {msg}",
        )
    try:
        fc = json.loads(resp.content)
    except ValueError as exc:
        raise SourceError("DAWA sendte ikke gyldig GeoJSON.", "DAWA did not send valid GeoJSON.") from exc
    _to_98(fc, source=url)  # validate before caching
    return cache.put(CACHE_SOURCE, CACHE_NAME, resp.content, url=url, request={"method": "GET"})


def _code(props: dict[str, Any]) -> int | None:
    for key in ("kode", "kommunekode", "KOMKODE"):
        if props.get(key) not in (None, ""):
            try:
                return int(str(props[key]))
            except ValueError:
                return None
    return None


def _to_98(fc: Any, *, source: str) -> dict[str, Any]:
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection" or not isinstance(fc.get("features"), list):
        raise DataError("boundaries", None, None, None, "en GeoJSON FeatureCollection", "a GeoJSON FeatureCollection", source)
    codes = reference.kommunekoder()
    feats: dict[int, dict[str, Any]] = {}
    for i, f in enumerate(fc["features"], start=1):
        props = f.get("properties") or {}
        k = _code(props)
        if k == CHRISTIANSOE or props.get("udenforkommuneinddeling") is True:
            continue
        if k not in codes:
            raise DataError("boundaries", i, "kode", props.get("kode"), "en af de 98 kommunekoder", "one of the 98 municipality codes", source)
        if k in feats:
            raise DataError("boundaries", i, "kode", props.get("kode"), "én geometri pr. kommune", "one geometry per municipality", source)
        feats[k] = {
            "type": "Feature",
            "id": k,
            "properties": {"kommunekode": k, "navn": reference.navn(k), "regionskode": _int(props.get("regionskode"))},
            "geometry": f.get("geometry"),
        }
    missing = sorted(codes - set(feats))
    if missing:
        raise DataError("boundaries", None, "kode", missing[0],
                        f"alle 98 kommuner; {len(missing)} mangler", f"all 98 municipalities; {len(missing)} missing", source)
    return {"type": "FeatureCollection", "features": [feats[k] for k in sorted(feats)]}


def _int(v: Any) -> int | None:
    try:
        return int(str(v))
    except (TypeError, ValueError):
        return None


def orient_features(fc: dict[str, Any], *, clockwise: bool = True) -> dict[str, Any]:
    """Return a copy with polygon exteriors clockwise (``clockwise=True``) or counter-clockwise.

    Plotly's ``geo`` traces fill the *outside* of a ring whose exterior runs counter-clockwise
    (RFC 7946 order), so maps for ``go.Choropleth`` need clockwise exteriors.
    """
    sign = -1.0 if clockwise else 1.0
    out = []
    for f in fc["features"]:
        g = shape(f["geometry"])
        if g.geom_type == "Polygon":
            g = orient(g, sign=sign)
        elif g.geom_type == "MultiPolygon":
            g = type(g)([orient(p, sign=sign) for p in g.geoms])
        out.append({**f, "geometry": _plain(mapping(g))})
    return {**fc, "features": out}


def _plain(geom: Any) -> Any:
    # shapely's mapping() gives nested tuples; JSON-serialisable lists keep output uniform.
    return json.loads(json.dumps(geom))


def _simplify(fc: dict[str, Any], tolerance: float) -> dict[str, Any]:
    out = []
    for f in fc["features"]:
        g = shape(f["geometry"]).simplify(tolerance, preserve_topology=True)
        out.append({**f, "geometry": _plain(mapping(g))})
    return {**fc, "features": out}


def _boundary_source(cache: Cache | None, raw_dir: Path | None) -> tuple[bytes, str]:
    c = cache if cache is not None else Cache()
    entry = c.entry(CACHE_SOURCE, CACHE_NAME)
    if entry is not None:
        return entry.path.read_bytes(), f"DAWA {entry.url} (hentet/fetched {entry.fetched[:10]})"
    rd = raw_dir if raw_dir is not None else raw_data_dir()
    if rd is not None and (rd / OFFLINE_BOUNDARIES).is_file():
        p = rd / OFFLINE_BOUNDARIES
        return p.read_bytes(), f"DAGI via DAWA-eksport 2021, offline kopi {p}"
    raise SourceError(
        "Ingen kommunegrænser: hverken i cachen (kør 'benchlearn fetch --what dawa' med netværk) eller som "
        "offline kopi i ../shared/data/raw (eller BENCHLEARN_RAW_DATA).",
        "No municipality boundaries: neither in the cache (run 'benchlearn fetch --what dawa' with network "
        "access) nor as an offline copy in ../shared/data/raw (or BENCHLEARN_RAW_DATA).",
    )


def load_boundaries(
    simplify_tolerance: float | None = None,
    *,
    clockwise: bool = False,
    cache: Cache | None = None,
    raw_dir: str | Path | None = None,
) -> dict[str, Any]:
    """The 98 municipalities as a GeoJSON FeatureCollection (WGS84 lon/lat).

    Parameters
    ----------
    simplify_tolerance : float, optional
        Douglas–Peucker tolerance in degrees (topology preserved), e.g. ``0.005``.
    clockwise : bool
        Orient exteriors clockwise, as Plotly ``geo`` maps need (see :func:`orient_features`).
    cache : Cache, optional
        Fetch cache; DAWA data there wins over the offline copy.
    raw_dir : path, optional
        Raw-data folder; default :func:`benchlearn.sources.raw_data_dir`.

    Returns
    -------
    dict
        FeatureCollection sorted by kommunekode; each feature has ``id`` = kommunekode
        (int) and properties ``kommunekode``, ``navn``, ``regionskode``; top-level
        ``source`` and ``attribution`` members. Christiansø is dropped.
    """
    raw, where = _boundary_source(cache, Path(raw_dir) if raw_dir is not None else None)
    try:
        fc = _to_98(json.loads(raw), source=where)
    except ValueError as exc:
        raise SourceError(f"Kommunegrænserne kan ikke læses ({where}).", f"Cannot read the boundaries ({where}).") from exc
    if simplify_tolerance:
        fc = _simplify(fc, float(simplify_tolerance))
    if clockwise:
        fc = orient_features(fc, clockwise=True)
    fc["source"] = where
    fc["attribution"] = ATTRIBUTION
    return fc


def load_cartogram(*, clockwise: bool = False, raw_dir: str | Path | None = None) -> dict[str, Any]:
    """The tile cartogram of the 98 municipalities (same-area tiles per region).

    Joined by name (the file has only ``navn``) to add ``kommunekode``; Christiansø is
    dropped. Source: TheSpeky/DanishElectionVisualization (MIT).
    """
    rd = Path(raw_dir) if raw_dir is not None else raw_data_dir()
    if rd is None or not (rd / OFFLINE_CARTOGRAM).is_file():
        raise SourceError(
            "Kartogrammet (cartogram.json) findes ikke i ../shared/data/raw (eller BENCHLEARN_RAW_DATA).",
            "The cartogram (cartogram.json) is not in ../shared/data/raw (or BENCHLEARN_RAW_DATA).",
        )
    p = rd / OFFLINE_CARTOGRAM
    fc = json.loads(p.read_bytes())
    m = reference.municipalities()
    by_name = {str(n).casefold(): int(k) for n, k in zip(m["navn"], m["kommunekode"])}
    feats = {}
    for i, f in enumerate(fc.get("features", []), start=1):
        name = str((f.get("properties") or {}).get("navn", ""))
        if name.casefold() == "christiansø":
            continue
        k = by_name.get(name.casefold())
        if k is None:
            raise DataError("cartogram", i, "navn", name, "et af de 98 kommunenavne", "one of the 98 municipality names", str(p))
        feats[k] = {"type": "Feature", "id": k, "properties": {"kommunekode": k, "navn": reference.navn(k)}, "geometry": f["geometry"]}
    missing = sorted(reference.kommunekoder() - set(feats))
    if missing:
        raise DataError("cartogram", None, "navn", reference.navn(missing[0]),
                        f"alle 98 kommuner; {len(missing)} mangler", f"all 98 municipalities; {len(missing)} missing", str(p))
    out = {"type": "FeatureCollection", "features": [feats[k] for k in sorted(feats)]}
    if clockwise:
        out = orient_features(out, clockwise=True)
    out["source"] = "TheSpeky/DanishElectionVisualization cartogram.json (MIT)"
    return out

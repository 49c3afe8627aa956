"""Municipality boundaries: offline copy, DAWA fetch (recorded via MockTransport), orientation."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from shapely.geometry import shape

from benchlearn.core import reference
from benchlearn.core.errors import DataError, SourceError
from benchlearn.sources import raw_data_dir
from benchlearn.sources.cache import Cache, SourceUnreachable
from benchlearn.sources.dawa import DAWA_URL, fetch_boundaries, load_boundaries, load_cartogram, orient_features

RECORDED = Path(__file__).resolve().parent / "recorded" / "dawa"
RAW = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
GEO = RAW / "boundaries" / "TheSpeky_DanishElectionVisualization" / "kommuner_geojson.json"
needs_raw = pytest.mark.skipif(not GEO.is_file(), reason="boundaries in ../shared/data/raw absent")


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace formula: positive for a counter-clockwise ring (independent of shapely)."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))


def _exteriors(geom: dict) -> list[list[list[float]]]:
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [p[0] for p in polys]


def _vertices(fc: dict) -> int:
    return sum(len(ring) for f in fc["features"] for poly in (
        [f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Polygon" else f["geometry"]["coordinates"]) for ring in poly)


@pytest.fixture()
def empty_cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


@needs_raw
def test_offline_copy_gives_the_98(empty_cache: Cache) -> None:
    fc = load_boundaries(cache=empty_cache, raw_dir=RAW)
    codes = [f["properties"]["kommunekode"] for f in fc["features"]]
    assert codes == sorted(reference.kommunekoder()) and len(codes) == 98
    assert 411 not in codes  # Christiansø dropped
    raw = json.loads(GEO.read_text(encoding="utf-8"))
    assert len(raw["features"]) == 99
    first = fc["features"][0]
    assert first["id"] == 101 and first["properties"]["navn"] == "København"
    # geometry carried over unchanged from the file (no simplification asked)
    raw_101 = next(f for f in raw["features"] if f["properties"]["kode"] == "0101")
    assert first["geometry"] == raw_101["geometry"]
    assert "Klimadatastyrelsen" in fc["attribution"] and "offline" in fc["source"]


@needs_raw
def test_clockwise_orientation_for_plotly_geo(empty_cache: Cache) -> None:
    fc = load_boundaries(cache=empty_cache, raw_dir=RAW, clockwise=True)
    rings = [r for f in fc["features"] for r in _exteriors(f["geometry"])]
    assert len(rings) >= 98
    assert all(_signed_area(r) < 0 for r in rings)  # clockwise exteriors
    ccw = orient_features(fc, clockwise=False)
    assert all(_signed_area(r) > 0 for f in ccw["features"] for r in _exteriors(f["geometry"]))


@needs_raw
def test_simplify_keeps_valid_polygons_and_area(empty_cache: Cache) -> None:
    full = load_boundaries(cache=empty_cache, raw_dir=RAW)
    simple = load_boundaries(0.01, cache=empty_cache, raw_dir=RAW)
    assert _vertices(simple) < 0.5 * _vertices(full)
    for a, b in zip(full["features"], simple["features"]):
        ga, gb = shape(a["geometry"]), shape(b["geometry"])
        assert gb.is_valid
        # 0.01° tolerance on municipalities of >= ~10 km²: the area changes by well under 25 %
        # except for tiny island municipalities, which must at least survive.
        assert gb.area > 0
        if ga.area > 0.01:
            assert abs(gb.area - ga.area) / ga.area < 0.25


@needs_raw
def test_cartogram_joined_by_name() -> None:
    fc = load_cartogram(raw_dir=RAW)
    codes = [f["properties"]["kommunekode"] for f in fc["features"]]
    assert codes == sorted(reference.kommunekoder())
    assert {f["properties"]["navn"] for f in fc["features"]} == set(reference.municipalities()["navn"])


def _square_collection(extra: list[dict] | None = None) -> dict:
    """A DAWA-shaped answer: one small square per municipality, plus Christiansø."""
    feats = []
    for i, k in enumerate(sorted(reference.kommunekoder()) + [411]):
        x, y = 8 + (i % 10) * 0.3, 54.5 + (i // 10) * 0.3
        ring = [[x, y], [x + 0.2, y], [x + 0.2, y + 0.2], [x, y + 0.2], [x, y]]
        feats.append({"type": "Feature",
                      "properties": {"kode": f"{k:04d}", "navn": reference.navn(k) if k != 411 else "Christiansø",
                                     "regionskode": "1084", "udenforkommuneinddeling": k == 411},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": feats + (extra or [])}


def test_fetch_from_dawa_is_cached_and_preferred(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    body = json.dumps(_square_collection()).encode("utf-8")

    def dawa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"content-type": "application/geo+json"})

    cache = Cache(tmp_path / "c")
    entry = fetch_boundaries(cache, transport=httpx.MockTransport(dawa))
    assert str(seen[0].url) == DAWA_URL and seen[0].method == "GET"
    assert entry.path.read_bytes() == body
    fc = load_boundaries(cache=cache, raw_dir=tmp_path / "no-raw")
    assert fc["source"].startswith("DAWA")
    assert len(fc["features"]) == 98
    assert shape(fc["features"][0]["geometry"]).area == pytest.approx(0.04, rel=1e-9)


def test_bad_dawa_answers(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")

    def err(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"type": "ServiceUnavailable", "title": "Tjenesten er midlertidigt utilgængelig"})

    with pytest.raises(SourceError) as ei:
        fetch_boundaries(cache, transport=httpx.MockTransport(err))
    assert "HTTP 503" in ei.value.en and "midlertidigt" in ei.value.en

    missing = _square_collection()
    missing["features"] = missing["features"][1:]  # København gone
    with pytest.raises(DataError) as ei2:
        fetch_boundaries(cache, transport=httpx.MockTransport(lambda r: httpx.Response(200, json=missing)))
    assert ei2.value.value == 101
    assert cache.entry("dawa", "kommuner.geojson") is None  # nothing bad was cached

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    with pytest.raises(SourceUnreachable) as ei3:
        fetch_boundaries(cache, transport=httpx.MockTransport(down))
    assert "api.dataforsyningen.dk" in ei3.value.da


def test_no_source_at_all(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as ei:
        load_boundaries(cache=Cache(tmp_path / "c"), raw_dir=tmp_path / "nothing")
    assert "benchlearn fetch --what dawa" in ei.value.en
    with pytest.raises(SourceError):
        load_cartogram(raw_dir=tmp_path / "nothing")


def test_raw_data_dir_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "raw"
    (fake / "boundaries").mkdir(parents=True)
    monkeypatch.setenv("BENCHLEARN_RAW_DATA", str(fake))
    assert raw_data_dir() == fake.resolve()
    monkeypatch.setenv("BENCHLEARN_RAW_DATA", str(tmp_path / "absent"))
    assert raw_data_dir() is None  # an explicit setting wins, even when it points nowhere
    monkeypatch.delenv("BENCHLEARN_RAW_DATA")
    if RAW.is_dir():
        assert raw_data_dir() == RAW.resolve()

"""The JSON API: one payload function per page, shared by the server and the static export."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from benchlearn.core import reference
from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData, records
from benchlearn.web.pages import scheme_rows
from benchlearn.report.profile import profile_context


def meta(data: SiteData) -> dict:
    return {"periods": data.periods, "areas": data.areas, "schemes": data.schemes,
            "tables": data.available_tables(), "simulated_tables": data.simulated_tables,
            "default_period": data.default_period(), "default_area": data.default_area(),
            "licences": [tx.say("api.statistics_denmark_cc_4_0"),
                         tx.say("api.contains_data_from_klimadatastyrelsen_dagi")]}


def benchmark(data: SiteData, period: str | None = None, area: str | None = None) -> dict:
    b = data.benchmark(period, area)
    return {"period": period or data.default_period(), "area": area or data.default_area(),
            "simulated": data.is_simulated("benchmark"), "records": records(b)}


def map_values(data: SiteData, period: str | None = None, area: str | None = None) -> dict:
    b = data.benchmark(period, area)
    cols = [c for c in ("kommunekode", "navn", "diff_pp", "ci_low_pp", "ci_high_pp", "tier", "extrapolated", "outlying", "leverage_ratio")
            if b is not None and c in b.columns]
    return {"period": period or data.default_period(), "area": area or data.default_area(),
            "simulated": data.is_simulated("benchmark"), "records": records(b[cols]) if b is not None else []}


def kommune(data: SiteData, k: int, period: str | None = None) -> dict:
    if int(k) not in reference.kommunekoder():
        raise KeyError(k)
    prof = profile_context(data, int(k), period)
    out: dict[str, Any] = {}
    for key, v in prof.items():
        out[key] = records(v) if hasattr(v, "to_json") else v
    if out.get("surveys"):
        for r in out["surveys"]:
            if r.get("suppressed"):
                r["note"] = tx.pick(tx.SUPPRESSED)
    return out


def schemes(data: SiteData, period: str | None = None, a: str = "star-2020", b: str = "kl-results-first") -> dict:
    c = data.table("classification")
    periods = sorted(c["period"].astype(str).unique()) if c is not None and "period" in c.columns else []
    p = period if period in periods else (periods[-1] if periods else None)
    rows = scheme_rows(data, p, a, b)
    return {"period": p, "a": a, "b": b, "simulated": data.is_simulated("classification"),
            "moved": sum(1 for r in rows if r["changed"]), "records": rows}


def table(data: SiteData, name: str, kommunekode: int | None = None, period: str | None = None) -> dict:
    df = data.download_table(name)
    if df is None:
        raise KeyError(name)
    if kommunekode is not None and "kommunekode" in df.columns:
        df = df[df["kommunekode"] == int(kommunekode)]
    if period is not None and "period" in df.columns:
        df = df[df["period"].astype(str) == str(period)]
    recs = records(df)
    if name == "surveys":
        for r in recs:
            if r.get("suppressed"):
                r["note"] = tx.pick(tx.SUPPRESSED)
    return {"table": name, "simulated": data.is_simulated(name), "records": recs}


def method(data: SiteData) -> dict:
    return {"model_card": records(data.table("model_card")), "coefficients": records(data.table("coefficients")),
            "simulated_tables": data.simulated_tables, "simulated_inputs": sorted(data.simulated_inputs),
            "runs": data.runs, **meta(data)}


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def make_router(get_data: Callable[[], SiteData], cached: Callable) -> APIRouter:
    """The /api routes. ``await cached(request, make)`` memoises encoded responses."""
    r = APIRouter(prefix="/api", tags=["api"])

    async def reply(request: Request, producer: Callable[[SiteData], Any]) -> Response:
        def make() -> tuple[bytes, str]:
            try:
                return dumps(producer(get_data())), "application/json"
            except KeyError as e:
                raise HTTPException(404, tx.say("api.not_found", what=e)) from None
        return await cached(request, make)

    @r.get("/meta", summary="Perioder, områder, ordninger og tabeller / periods, areas, schemes, tables")
    async def api_meta(request: Request):
        return await reply(request, meta)

    @r.get("/municipalities", summary="De 98 kommuner / the 98 municipalities")
    async def api_munis(request: Request):
        return await reply(request, lambda d: records(d.municipalities))

    @r.get("/map", summary="Værdier til kortet / values for the map")
    async def api_map(request: Request, period: str | None = None, area: str | None = None):
        return await reply(request, lambda d: map_values(d, period, area))

    @r.get("/benchmark", summary="Benchmark for én periode og ét område / benchmark for one period and area")
    async def api_benchmark(request: Request, period: str | None = None, area: str | None = None):
        return await reply(request, lambda d: benchmark(d, period, area))

    @r.get("/kommune/{kommunekode}", summary="Kommuneprofil / municipality profile")
    async def api_kommune(request: Request, kommunekode: int, period: str | None = None):
        return await reply(request, lambda d: kommune(d, kommunekode, period))

    @r.get("/schemes", summary="Sammenligning af to ordninger / comparison of two schemes")
    async def api_schemes(request: Request, period: str | None = None, a: str = "star-2020",
                          b: str = "kl-results-first"):
        return await reply(request, lambda d: schemes(d, period, a, b))

    @r.get("/method", summary="Modelkort, kørsler og simulerede tabeller / model card, runs, simulated tables")
    async def api_method(request: Request):
        return await reply(request, method)

    @r.get("/tables/{name}", summary="En resultattabel / one result table (benchmark, classification, peers, dea, costs, surveys, activity ...)")
    async def api_table(request: Request, name: str, kommunekode: int | None = Query(None),
                        period: str | None = Query(None)):
        return await reply(request, lambda d: table(d, name, kommunekode, period))

    return r

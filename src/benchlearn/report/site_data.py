"""The one place where the web layer (and the reports) read the workspace.

Everything shown in pages, the JSON API, downloads, the static site and the PDF
comes from :func:`load` — a :class:`SiteData` snapshot of the latest result of
every kind, read once and cached per workspace file modification time. Result
shapes written by the analysis modules may grow; this module absorbs changes:
every optional table or column is read defensively and a missing one simply
hides the section that needs it. The web layer never fits a model.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import SourceError, WorkspaceError
from benchlearn.core.results import site_tables
from benchlearn.sources.dawa import load_boundaries, load_cartogram
from benchlearn.store import Workspace

log = logging.getLogger(__name__)
#: Site table -> (result kind, (result name,)), derived from the one declaration of results
#: (:data:`benchlearn.core.results.RESULTS`, each result's ``site`` names).
RESULT_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {site: (kind, (name,)) for site, (kind, name) in site_tables().items()}

#: Identifying columns that stay visible when a survey cell is suppressed.
_ID_COLS = {"kommunekode", "navn", "period", "survey", "dimension", "maalgruppe",
            "suppressed", "simulated", "item", "measure"}


def mask_suppressed(df: pd.DataFrame) -> pd.DataFrame:
    """Blank every figure of a suppressed record (small-number protection).

    The survey module already nulls score and interval; the web layer also blanks
    any other numeric column (respondents, response rate ...) of such a row, so no
    number from fewer than the threshold leaves the system through any channel.
    """
    if df is None or "suppressed" not in df.columns or df.empty:
        return df
    out = df.copy()
    sup = out["suppressed"].fillna(False).astype(bool).to_numpy()
    if not sup.any():
        out["suppressed"] = sup
        return out
    for c in out.columns:
        if c in _ID_COLS:
            continue
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype("float64")
            out.loc[sup, c] = np.nan
    out["suppressed"] = sup
    return out


def _open_workspace(path: Path) -> Workspace:
    if not path.exists():
        raise WorkspaceError(
            f"Arbejdsfilen {path} findes ikke. Kør fx 'benchlearn demo' først.",
            f"The workspace {path} does not exist. Run e.g. 'benchlearn demo' first.",
        )
    return Workspace.open(str(path), read_only=True)


def _config(row: pd.Series) -> dict:
    raw = row.get("config_json")
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {}


def _latest_per_config(runs: pd.DataFrame) -> pd.DataFrame:
    """The newest run for each distinct configuration (older reruns are history)."""
    if runs is None or runs.empty:
        return pd.DataFrame()
    r = runs.copy()
    if "created" in r.columns:
        r = r.sort_values("created", kind="stable")
    key = "config_hash" if "config_hash" in r.columns else "config_json"
    return r.drop_duplicates(subset=[key], keep="last")


def _read_kind(ws, kind: str, wanted: tuple[str, ...]) -> tuple[pd.DataFrame | None, list[dict]]:
    """Concatenate result ``name`` of the latest run of every configuration of ``kind``.

    Config keys (period, area, scheme ...) missing from the records are added as
    columns so that the pages can filter on them.
    """
    try:
        runs = ws.runs(kind=kind)
    except Exception:  # noqa: BLE001 — an unreadable run table hides the section
        return None, []
    runs = _latest_per_config(runs)
    frames, metas = [], []
    for _, row in runs.iterrows():
        cfg = _config(row)
        try:
            names = ws.result_names(row["run_id"])
        except Exception:  # noqa: BLE001
            names = list(wanted)
        name = next((n for n in wanted if n in names), None)
        if name is None:
            continue
        try:
            df = ws.results(row["run_id"], name)
        except Exception:
            log.warning("cannot read result %s of run %s", name, row["run_id"], exc_info=True)
            continue
        if df is None:
            continue
        df = df.copy()
        for k, v in cfg.items():
            if isinstance(v, (str, int, float, bool)) and k not in df.columns and k in (
                "period", "area", "scheme", "maalgruppe", "survey"
            ):
                df[k] = v
        frames.append(df)
        meta = row.get("meta_json")
        try:
            meta = json.loads(meta) if isinstance(meta, str) else (meta or {})
        except ValueError:
            meta = {}
        metas.append({"run_id": str(row["run_id"]), "kind": kind, "config": cfg, "meta": meta,
                      "created": str(row.get("created", "")), "version": str(row.get("version", ""))})
    if not frames:
        return None, metas
    frames = [f for f in frames if not f.empty] or frames[:1]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if "kommunekode" in out.columns:
        out["kommunekode"] = pd.to_numeric(out["kommunekode"], errors="coerce").astype("Int64")
    if "period" in out.columns:
        out["period"] = out["period"].astype(str)
    return out, metas


def _boundaries() -> dict | None:
    """DAGI boundaries as a FeatureCollection with integer ``kommunekode`` and ``navn``.

    From :func:`benchlearn.sources.dawa.load_boundaries` (the DAWA cache, else the offline copy in
    the raw-data folder that ``BENCHLEARN_RAW_DATA`` names); without either the site has no map
    and says so, it does not fail.
    """
    try:
        gj = load_boundaries()
    except SourceError:
        return None
    codes = reference.kommunekoder()
    feats = []
    for f in gj.get("features", []):
        p = f.get("properties", {})
        code = p.get("kommunekode", p.get("kode"))
        try:
            code = int(code)
        except (TypeError, ValueError):
            continue
        if code in codes:
            feats.append({"type": "Feature", "id": code, "geometry": _round_geom(f["geometry"]),
                          "properties": {"kommunekode": code, "navn": reference.navn(code)}})
    return {"type": "FeatureCollection", "features": feats}


#: Simplification tolerance in degrees (~150 m, under a pixel at the zoom that shows Denmark).
#: Without it the map library's own coarse simplification at that zoom breaks small
#: islands' rings and leaves them unfilled (Læsø was drawn as an empty outline).
MAP_TOLERANCE = 0.002


def _round_geom(g: dict) -> dict:
    """Simplify (topology kept) and round coordinates to 4 decimals (~10 m): fewer bytes, same picture."""
    from shapely.geometry import mapping, shape

    def rnd(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(c[0]), 4), round(float(c[1]), 4)]
        return [rnd(x) for x in c]
    g = mapping(shape(g).simplify(MAP_TOLERANCE, preserve_topology=True))
    return {"type": g["type"], "coordinates": rnd(g["coordinates"])}


def _cartogram() -> list[dict] | None:
    """Tile cartogram polygons (:func:`benchlearn.sources.dawa.load_cartogram`) projected to SVG coordinates."""
    try:
        raw = load_cartogram()
    except SourceError:
        return None
    tiles = []
    xs, ys = [], []
    for f in raw["features"]:
        ring = f["geometry"]["coordinates"][0]
        tiles.append((int(f["properties"]["kommunekode"]), ring))
        xs += [p[0] for p in ring]
        ys += [p[1] for p in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = 560.0 / max(x1 - x0, (y1 - y0) * 1.7)
    out = []
    for code, ring in tiles:
        pts = [((x - x0) * scale + 10, (y1 - y) * scale * 1.7 + 10) for x, y in ring]
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z"
        cx = sum(p[0] for p in pts[:-1]) / max(len(pts) - 1, 1)
        cy = sum(p[1] for p in pts[:-1]) / max(len(pts) - 1, 1)
        out.append({"kommunekode": code, "navn": reference.navn(code), "d": d,
                    "cx": round(cx, 1), "cy": round(cy, 1)})
    return out


@dataclass
class SiteData:
    """A read-only snapshot of everything the site shows."""

    workspace: Path | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    runs: dict[str, list[dict]] = field(default_factory=dict)
    inputs: dict[str, pd.DataFrame] = field(default_factory=dict)
    simulated_inputs: frozenset[str] = frozenset()
    boundaries: dict | None = None
    cartogram: list[dict] | None = None
    stamp: float = 0.0

    # ---- access -----------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame | None:
        df = self.tables.get(name)
        return None if df is None or df.empty else df

    def has(self, name: str) -> bool:
        return self.table(name) is not None

    def available_tables(self) -> list[str]:
        return [n for n in list(RESULT_TABLES) + ["activity"] if self.table(n) is not None
                or (n == "activity" and self.inputs.get("activity") is not None)]

    def download_table(self, name: str) -> pd.DataFrame | None:
        if name == "activity":
            return self.inputs.get("activity")
        return self.table(name)

    @cached_property
    def municipalities(self) -> pd.DataFrame:
        return reference.municipalities()

    @cached_property
    def periods(self) -> list[str]:
        b = self.table("benchmark")
        if b is None or "period" not in b.columns:
            return []
        return sorted(b["period"].dropna().astype(str).unique().tolist())

    @cached_property
    def areas(self) -> list[str]:
        b = self.table("benchmark")
        if b is None or "area" not in b.columns:
            return []
        order = list(reference.area_codes()) + list(reference.maalgruppe_codes()) + list(reference.integration_codes())
        got = b["area"].dropna().astype(str).unique().tolist()
        return sorted(got, key=lambda a: (order.index(a) if a in order else 99, a))

    @cached_property
    def schemes(self) -> list[str]:
        c = self.table("classification")
        if c is None or "scheme" not in c.columns:
            return []
        pref = ["star-2020", "star-2021", "kl-results-first", "results-only", "kl-2024-tiers"]
        got = c["scheme"].dropna().astype(str).unique().tolist()
        return sorted(got, key=lambda s: (pref.index(s) if s in pref else 99, s))

    def default_period(self) -> str | None:
        return self.periods[-1] if self.periods else None

    def default_area(self) -> str | None:
        if not self.areas:
            return None
        return "total" if "total" in self.areas else self.areas[0]

    def benchmark(self, period: str | None = None, area: str | None = None) -> pd.DataFrame | None:
        """Benchmark records of one period and area (defaults: latest period, ``total``)."""
        b = self.table("benchmark")
        if b is None:
            return None
        period = period or self.default_period()
        area = area or self.default_area()
        m = pd.Series(True, index=b.index)
        if period is not None and "period" in b.columns:
            m &= b["period"] == str(period)
        if area is not None and "area" in b.columns:
            m &= b["area"] == area
        out = b[m]
        if "diff_pp" in out.columns:
            out = out.sort_values("diff_pp", kind="stable")
        return out.reset_index(drop=True)

    def is_simulated(self, *names: str) -> bool:
        """True when any record of the named result tables (or inputs) is simulated."""
        return any(self._simulated(n) for n in names)

    def _simulated(self, name: str) -> bool:
        memo = self.__dict__.setdefault("_sim_memo", {})
        if name not in memo:
            df = self.download_table(name)
            memo[name] = bool(
                (df is not None and "simulated" in df.columns and df["simulated"].fillna(False).astype(bool).any())
                or name in self.simulated_inputs)
        return memo[name]

    def simulated_of(self, *names: str) -> list[str]:
        """The named tables that hold simulated numbers (for a banner that names them)."""
        return [n for n in names if self._simulated(n)]

    @cached_property
    def simulated_tables(self) -> list[str]:
        return [n for n in self.available_tables() if self.is_simulated(n)]

    def for_kommune(self, name: str, kommunekode: int) -> pd.DataFrame | None:
        """Rows of one municipality; tables are split by municipality once, on first use."""
        memo = self.__dict__.setdefault("_by_kommune", {})
        if name not in memo:
            df = self.download_table(name)
            if df is None or "kommunekode" not in df.columns:
                memo[name] = {}
            else:
                memo[name] = {int(k): g.reset_index(drop=True)
                              for k, g in df.groupby(df["kommunekode"].astype("int64"), sort=False)}
        return memo[name].get(int(kommunekode))

    @cached_property
    def muni_rows(self) -> dict[int, dict]:
        return {int(r["kommunekode"]): r for r in self.municipalities.to_dict("records")}

    @cached_property
    def names(self) -> dict[int, str]:
        return dict(zip(self.municipalities["kommunekode"].astype(int), self.municipalities["navn"]))


def read_workspace(path: str | os.PathLike | None) -> SiteData:
    """Read every result the site shows from a workspace file (no caching)."""
    boundaries, carto = _boundaries(), _cartogram()
    if path is None:
        return SiteData(None, boundaries=boundaries, cartogram=carto)
    p = Path(path)
    ws = _open_workspace(p)
    tables: dict[str, pd.DataFrame] = {}
    runs: dict[str, list[dict]] = {}
    inputs: dict[str, pd.DataFrame] = {}
    sim_inputs: frozenset[str] = frozenset()
    try:
        for attr, (kind, wanted) in RESULT_TABLES.items():
            df, metas = _read_kind(ws, kind, wanted)
            if df is not None:
                tables[attr] = mask_suppressed(df) if attr.startswith("surveys") else df
            if metas and kind not in runs:
                runs[kind] = metas
        try:
            ds = ws.dataset()
            for name in ("activity", "activity_national", "provenance", "efforts"):
                if ds.has(name):
                    inputs[name] = ds.table(name)
            sim_inputs = frozenset(getattr(ds, "simulated_tables", frozenset()))
        except Exception:  # noqa: BLE001 — a workspace with results but no inputs
            log.info("workspace %s has no ingested dataset", p)
    finally:
        close = getattr(ws, "close", None)
        if close:
            close()
    _keep_newest_review(tables, runs.get("review", []))
    return SiteData(p, tables=tables, runs=runs, inputs=inputs, simulated_inputs=sim_inputs,
                    boundaries=boundaries, cartogram=carto, stamp=_mtime(p))


def _keep_newest_review(tables: dict[str, pd.DataFrame], metas: list[dict]) -> None:
    """Review tables of the newest review run only, so the page and every download agree."""
    newest = max(metas, key=lambda m: m.get("created", ""), default=None)
    key = (newest or {}).get("meta", {}).get("review_key")
    for name in [n for n in tables if n.startswith("review_")]:
        df = tables[name]
        if key is not None and "review_key" in df.columns:
            tables[name] = df[df["review_key"] == key].drop(columns="review_key").reset_index(drop=True)


def _mtime(p: Path) -> float:
    """Modification time of the workspace, counting DuckDB's write-ahead log too."""
    stamp = 0.0
    for f in (p, p.with_name(p.name + ".wal")):
        try:
            stamp = max(stamp, f.stat().st_mtime)
        except OSError:
            pass
    return stamp


class DataCache:
    """Hold one :class:`SiteData` per workspace and reread it when the file changes.

    Checking the modification time costs one ``stat`` per request; rereading happens
    only after an analysis has written new results.
    """

    def __init__(self, path: str | os.PathLike | None, preload: SiteData | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._data: SiteData | None = preload
        self.generation = 1 if preload is not None else 0

    def get(self) -> SiteData:
        stamp = _mtime(self.path) if self.path is not None else 0.0
        d = self._data
        if d is not None and d.stamp == stamp:
            return d
        with self._lock:
            if self._data is None or self._data.stamp != stamp:
                self._data = read_workspace(self.path)
                self.generation += 1
            return self._data


def records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    """DataFrame -> JSON-safe list of dicts (NaN -> None, numpy scalars -> Python)."""
    if df is None:
        return []
    # 15 decimals (the most pandas writes): the default 10 would lose digits of small numbers
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso", double_precision=15))

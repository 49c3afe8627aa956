"""Skærpet tilsyn: the annual selection and a configurable multi-year state machine.

Selection [fact: bekendtgørelse, retsinformation id 211996]: one annual opgørelse per
calendar year; a municipality worse than expected that misses the focus goals is
selected. Here the selection is the category marked ``tilsyn = true`` of a scheme
(default ``star-2021``, which also encodes that only samtaler counted in 2021–22).

Which period is "the year's opgørelse" when the data has several periods in a year
(quarters, QMAT windows) is a [choice]: the last period of the calendar year.

Later steps (redegørelse, genopretningsplan, -periode, administration) and their
durations are [unknown]; they come from a TOML state machine
(``benchlearn/schemes/tilsyn-forloeb.toml`` by default) that users can replace.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from benchlearn.core.seams import RunStore, Tables
from benchlearn.core.results import Run
from benchlearn.schemes.classify import SCHEME_DIR, ClassifyConfig, classify
from benchlearn.schemes.focus import result_periods
from benchlearn.core.errors import ConfigError, SchemeError
from benchlearn.core.i18n import t
from benchlearn.core.periods import year_of

DEFAULT_MACHINE = SCHEME_DIR / "tilsyn-forloeb.toml"
When = Literal["selected", "not_selected", "always"]


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    when: When
    min_years: int
    reason_da: str
    reason_en: str


@dataclass(frozen=True)
class StateMachine:
    """States (id -> Danish/English label), the initial state and ordered transitions."""

    id: str
    label_da: str
    label_en: str
    initial: str
    states: tuple[tuple[str, str, str], ...]
    transitions: tuple[Transition, ...]
    sha256: str
    path: str

    def state_label(self, state: str) -> str:
        for sid, da, en in self.states:
            if sid == state:
                return t(da, en)
        return state

    def step(self, state: str, years_in_state: int, selected: bool) -> Transition | None:
        """The first transition that applies, or ``None`` (the state is kept)."""
        for tr in self.transitions:
            if tr.source != state or years_in_state < tr.min_years:
                continue
            if tr.when == "always" or (tr.when == "selected") == selected:
                return tr
        return None


def _fail(source: str, key: str, da: str, en: str, got: Any = None) -> SchemeError:
    g_da = f" (fandt {got!r})" if got is not None else ""
    g_en = f" (found {got!r})" if got is not None else ""
    return SchemeError(f"Fejl i tilsynsfilen {source}, nøgle '{key}'{g_da}: forventede {da}.",
                       f"Error in supervision file {source}, key '{key}'{g_en}: expected {en}.")


def _labels(source: str, obj: Any, key: str) -> tuple[str, str]:
    if not isinstance(obj, dict) or set(obj) != {"da", "en"} or not all(isinstance(v, str) and v for v in obj.values()):
        raise _fail(source, key, "{ da = \"...\", en = \"...\" }", "{ da = \"...\", en = \"...\" }", obj)
    return obj["da"], obj["en"]


def load_machine(path: str | Path | None = None) -> StateMachine:
    """Read and validate a state-machine file (the shipped default when ``path`` is None)."""
    p = Path(path) if path is not None else DEFAULT_MACHINE
    source = str(p) if path is not None else "tilsyn-forloeb.toml (indbygget/shipped)"
    if not p.is_file():
        raise ConfigError(f"Tilsynsfilen {p} findes ikke.", f"The supervision file {p} does not exist.")
    data = p.read_bytes()
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SchemeError(f"Tilsynsfilen {source} er ikke gyldig TOML: {e}.", f"The supervision file {source} is not valid TOML: {e}.") from None
    allowed = {"id", "label", "initial", "states", "transitions"}
    for k in doc:
        if k not in allowed:
            raise _fail(source, k, f"en af nøglerne {sorted(allowed)}", f"one of the keys {sorted(allowed)}", "ukendt/unknown")
    for k in ("id", "initial", "states", "transitions"):
        if k not in doc:
            raise _fail(source, k, "at nøglen findes", "the key to be present")
    if not isinstance(doc["states"], dict) or not doc["states"]:
        raise _fail(source, "states", "mindst én tilstand ([states.NAVN])", "at least one state ([states.NAME])", doc["states"])
    states = []
    for sid, spec in doc["states"].items():
        if not isinstance(spec, dict) or set(spec) != {"label"}:
            raise _fail(source, f"states.{sid}", "præcis nøglen 'label'", "exactly the key 'label'", spec)
        states.append((sid, *_labels(source, spec["label"], f"states.{sid}.label")))
    ids = {s[0] for s in states}
    if doc["initial"] not in ids:
        raise _fail(source, "initial", f"en af tilstandene {sorted(ids)}", f"one of the states {sorted(ids)}", doc["initial"])
    if not isinstance(doc["transitions"], list):
        raise _fail(source, "transitions", "en liste ([[transitions]])", "an array of tables ([[transitions]])", doc["transitions"])
    trs = []
    for i, tr in enumerate(doc["transitions"]):
        key = f"transitions[{i}]"
        if not isinstance(tr, dict):
            raise _fail(source, key, "en tabel", "a table", tr)
        extra = set(tr) - {"from", "to", "when", "min_years", "reason"}
        if extra:
            raise _fail(source, f"{key}.{min(extra)}", "en af from, to, when, min_years, reason", "one of from, to, when, min_years, reason", "ukendt/unknown")
        for k in ("from", "to", "when", "reason"):
            if k not in tr:
                raise _fail(source, f"{key}.{k}", "at nøglen findes", "the key to be present")
        for k in ("from", "to"):
            if tr[k] not in ids:
                raise _fail(source, f"{key}.{k}", f"en af tilstandene {sorted(ids)}", f"one of the states {sorted(ids)}", tr[k])
        if tr["when"] not in get_args(When):
            raise _fail(source, f"{key}.when", "'selected', 'not_selected' eller 'always'", "'selected', 'not_selected' or 'always'", tr["when"])
        my = tr.get("min_years", 0)
        if isinstance(my, bool) or not isinstance(my, int) or my < 0:
            raise _fail(source, f"{key}.min_years", "et helt tal >= 0", "an integer >= 0", my)
        trs.append(Transition(tr["from"], tr["to"], tr["when"], my, *_labels(source, tr["reason"], f"{key}.reason")))
    label = _labels(source, doc.get("label", {"da": str(doc["id"]), "en": str(doc["id"])}), "label")
    return StateMachine(str(doc["id"]), label[0], label[1], doc["initial"], tuple(states), tuple(trs),
                        hashlib.sha256(data).hexdigest(), source)


@dataclass(frozen=True)
class TilsynConfig:
    """Years (default: every year with a result), the selecting scheme and the state machine file."""

    years: tuple[int, ...] | None = None
    scheme: str = "star-2021"
    machine: str | None = None
    area: str | None = None
    source: Literal["auto", "table", "workspace", "model"] = "auto"


def annual_periods(periods: list[str], years: tuple[int, ...] | None = None) -> dict[int, str]:
    """The opgørelse period of each calendar year: the last period of the year ([choice])."""
    by_year: dict[int, str] = {}
    for p in sorted(periods):
        by_year[year_of(p)] = p
    if years is None:
        return dict(sorted(by_year.items()))
    missing = [y for y in years if y not in by_year]
    if missing:
        raise ConfigError(
            f"Ingen resultater for år {missing}; data har årene {sorted(by_year)}.",
            f"No results for year(s) {missing}; the data has the years {sorted(by_year)}.",
        )
    return {y: by_year[y] for y in sorted(years)}


@dataclass(frozen=True)
class TilsynResult:
    """Annual selections and the state path of every municipality."""

    config: TilsynConfig
    machine: StateMachine
    scheme_id: str
    scheme_hash: str
    selections: pd.DataFrame
    simulated: bool

    @cached_property
    def path(self) -> pd.DataFrame:
        """One row per municipality and year: state before/after and the reason."""
        rows = []
        for k, g in self.selections.sort_values(["kommunekode", "year"]).groupby("kommunekode", sort=True):
            state, n = self.machine.initial, 0
            for rec in g.to_dict("records"):
                sel = rec["selected"]
                sel_known = sel is not None and not pd.isna(sel)
                tr = self.machine.step(state, n, bool(sel)) if sel_known else None
                before = state
                if tr is not None:
                    state, n = tr.target, 1
                    r_da, r_en = tr.reason_da, tr.reason_en
                else:
                    n += 1
                    r_da = "ingen overgang; tilstanden fortsætter" if sel_known else "udvælgelsen kan ikke afgøres (manglende data); tilstanden fortsætter"
                    r_en = "no transition; the state continues" if sel_known else "selection cannot be decided (missing data); the state continues"
                rows.append({
                    "kommunekode": int(k), "navn": rec["navn"], "year": int(rec["year"]), "period": rec["period"],
                    "selected": sel if sel_known else None, "category": rec["category"],
                    "state_before": before, "state": state, "state_label": self.machine.state_label(state),
                    "changed": tr is not None and tr.target != before, "years_in_state": n,
                    "reason_da": f"{r_da}. Opgørelse {rec['period']}: {rec['reason_da']}",
                    "reason_en": f"{r_en}. Count {rec['period']}: {rec['reason_en']}",
                })
        out = pd.DataFrame(rows)
        if len(out):
            out["reason"] = out["reason_en"] if t("da", "en") == "en" else out["reason_da"]
            out["scheme"] = self.scheme_id
            out["scheme_hash"] = self.scheme_hash
            out["machine"] = self.machine.id
            out["machine_hash"] = self.machine.sha256
            out["simulated"] = self.simulated
        return out

    def to_frame(self) -> pd.DataFrame:
        return self.path

    def to_run(self) -> Run:
        """The stored form (kind ``tilsyn``, declared in core/results.py)."""
        return Run("tilsyn", self.run_config(), {"path": self.path, "selections": self.selections},
                   {"machine_path": self.machine.path})

    def run_config(self) -> dict[str, Any]:
        return {"years": sorted(self.selections["year"].unique().tolist()), "scheme": self.scheme_id,
                "scheme_hash": self.scheme_hash, "machine": self.machine.id, "machine_hash": self.machine.sha256}


def tilsyn(ds: Tables, config: TilsynConfig, workspace: RunStore | None = None) -> TilsynResult:
    """Run the annual selections and the state machine over the years."""
    machine = load_machine(config.machine)
    per_year = annual_periods(result_periods(ds, workspace), config.years)
    if not per_year:
        raise ConfigError("Ingen perioder med resultater at opgøre.", "No periods with results to count.")
    frames, sim, scheme_id, scheme_hash = [], False, config.scheme, ""
    for year, period in per_year.items():
        c = classify(ds, ClassifyConfig(period=period, scheme=config.scheme, area=config.area, source=config.source), workspace)
        if not any(cat.tilsyn for cat in c.scheme.categories):
            raise SchemeError(
                f"Skemaet '{c.scheme.id}' har ingen kategori med tilsyn = true, så det kan ikke udvælge til skærpet tilsyn.",
                f"Scheme '{c.scheme.id}' has no category with tilsyn = true, so it cannot select for stricter supervision.",
            )
        f = c.to_frame()
        frames.append(pd.DataFrame({
            "kommunekode": f["kommunekode"], "navn": f["navn"], "year": year, "period": period,
            "selected": f["tilsyn_selected"], "category": f["category"],
            "reason_da": f["reason_da"], "reason_en": f["reason_en"],
        }))
        sim = sim or c.simulated
        scheme_id, scheme_hash = c.scheme.id, c.scheme.sha256
    sel = pd.concat(frames, ignore_index=True)
    sel["selected"] = sel["selected"].astype(object).where(sel["selected"].notna(), None)
    return TilsynResult(config, machine, scheme_id, scheme_hash, sel, sim)

"""The method catalogue and the performance enablers, read from editable TOML files.

``core/reference/methods.toml`` says for each method (the values of the ``efforts`` table's
``method`` column) its Danish and English name, the target groups it is used for and what
documented evidence exists and where — ``dokumenteret`` with a named source, or ``ukendt``.
``core/reference/enablers.toml`` holds the self-assessment's areas (performance enablers in the
spirit of the EU PES Network's benchlearning model, in our own words) and the 1–5 scale.

The files live with the other reference data in ``core`` because the data contract
validates the codes (a code that is not in the catalogue is refused with file, row, column
and value); this module is the catalogue's reader for the analysis and the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from benchlearn.core import reference
from benchlearn.core.errors import ConfigError

EVIDENCE = ("dokumenteret", "ukendt")


@dataclass(frozen=True)
class Method:
    code: str
    navn_da: str
    navn_en: str
    target_groups: tuple[str, ...]
    evidence: str  # "dokumenteret" or "ukendt"
    source: str  # named source, "" when unknown
    note_da: str = ""
    note_en: str = ""
    integration: bool = False


@dataclass(frozen=True)
class Enabler:
    code: str
    navn_da: str
    navn_en: str
    question_da: str
    question_en: str


def _bad(what_da: str, what_en: str) -> ConfigError:
    return ConfigError(f"Metodekataloget (core/reference/methods.toml): {what_da}",
                       f"The method catalogue (core/reference/methods.toml): {what_en}")


@lru_cache(maxsize=1)
def methods() -> tuple[Method, ...]:
    """Every method of the catalogue, checked: names in both languages, known target groups,
    evidence ``dokumenteret`` with a source or ``ukendt`` without one."""
    groups = set(reference.effort_target_groups())
    out = []
    for code, m in reference.methods_catalogue().get("method", {}).items():
        for k in ("navn_da", "navn_en", "evidence"):
            if not str(m.get(k, "")).strip():
                raise _bad(f"metoden '{code}' mangler '{k}'.", f"the method '{code}' lacks '{k}'.")
        tg = tuple(m.get("target_groups", ()))
        odd = [g for g in tg if g not in groups]
        if odd or not tg:
            raise _bad(f"metoden '{code}' har målgruppen {odd or '(ingen)'}; brug {sorted(groups)}.",
                       f"the method '{code}' has target group {odd or '(none)'}; use {sorted(groups)}.")
        ev, src = str(m["evidence"]), str(m.get("source", "")).strip()
        if ev not in EVIDENCE or (ev == "dokumenteret") != bool(src):
            raise _bad(f"metoden '{code}': evidence skal være 'dokumenteret' med en kilde eller 'ukendt' uden.",
                       f"the method '{code}': evidence must be 'dokumenteret' with a source or 'ukendt' without.")
        out.append(Method(code, str(m["navn_da"]), str(m["navn_en"]), tg, ev, src,
                          str(m.get("note_da", "")), str(m.get("note_en", "")), bool(m.get("integration", False))))
    return tuple(out)


@lru_cache(maxsize=1)
def enablers() -> tuple[Enabler, ...]:
    cat = reference.enablers_catalogue()
    if (cat.get("scale_min"), cat.get("scale_max")) != (1, 5):
        raise ConfigError("enablers.toml: skalaen er 1–5 (datakontraktens score-kolonne).",
                          "enablers.toml: the scale is 1–5 (the data contract's score column).")
    return tuple(Enabler(code, str(e["navn_da"]), str(e["navn_en"]), str(e["question_da"]), str(e["question_en"]))
                 for code, e in cat.get("enabler", {}).items())


def scale_labels() -> dict[int, tuple[str, str]]:
    """Score → (Danish, English) label of the 1–5 scale."""
    return {int(k): (v["da"], v["en"]) for k, v in reference.enablers_catalogue().get("scale", {}).items()}


def method(code: str) -> Method:
    for m in methods():
        if m.code == code:
            return m
    raise KeyError(code)


def method_frame() -> pd.DataFrame:
    """The catalogue as a table: ``method, navn_da, navn_en, target_groups, evidence, source, note_da,
    note_en, integration`` (target groups joined by ', ')."""
    rows = [{"method": m.code, "navn_da": m.navn_da, "navn_en": m.navn_en, "target_groups": ", ".join(m.target_groups),
             "evidence": m.evidence, "source": m.source or "ukendt", "note_da": m.note_da, "note_en": m.note_en,
             "integration": m.integration} for m in methods()]
    return pd.DataFrame(rows)


def enabler_frame() -> pd.DataFrame:
    return pd.DataFrame([{"enabler": e.code, "navn_da": e.navn_da, "navn_en": e.navn_en,
                          "question_da": e.question_da, "question_en": e.question_en} for e in enablers()])


def integration_methods() -> tuple[Method, ...]:
    """The integration methods (issue #16.4): IGU, language plus work, mentors for refugees, ..."""
    return tuple(m for m in methods() if m.integration)


def label(code: str, lang: str = "da") -> str:
    """Danish or English name of a method or enabler code (the code itself if unknown)."""
    for m in methods():
        if m.code == code:
            return m.navn_en if lang == "en" else m.navn_da
    for e in enablers():
        if e.code == code:
            return e.navn_en if lang == "en" else e.navn_da
    return code

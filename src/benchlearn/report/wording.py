"""Stored free texts as a person reads them: one language, labels instead of codes.

The analyses store some texts for people next to their numbers — provenance notes, model-card
notes, the schemes' "why" sentences — and several of them were written in both languages
("dansk | EN: English", "dansk / English") or name a column or a table by its code
("diff_pp -0,04", "tabellen 'benchmark'", "kolonnen var_rounding"). They are stored as the
analyses wrote them (a program reads them so); :func:`stored_text` is what every page, download
and CLI line shows, so the one label source (:mod:`benchlearn.report.text`) decides the words.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from benchlearn.core.i18n import lang
from benchlearn.report import text as tx
from benchlearn.report.formatting import fmt_num

_EN_MARK = " | EN: "
#: "diff_pp -0,04" / "(diff_pp +0.12)": a stored column code followed by its value
_CODE_VALUE = re.compile(r"\b(diff_pp|ci_low_pp|ci_high_pp|shrunk_diff_pp)\s+([+\-−]?\d+(?:[.,]\d+)?)")
#: "tabellen 'benchmark'" / "table 'benchmark'" / "kolonnen var_rounding" / "column var_rounding"
_TABLE_REF = re.compile(r"\b(tabellen|table) '([a-z_]+)'")
_COLUMN_REF = re.compile(r"\b(kolonnen|column) '?([a-z][a-z0-9]*(?:_[a-z0-9]+)+)'?")
#: a quoted identifier without the word "tabellen" ("ingen rækker i 'support' for …", the review's
#: skip reasons): replaced only when it is an input table of the data contract
_QUOTED = re.compile(r"'([a-z][a-z0-9_]*)'")
#: provenance: real / derived / simulated (the column ``kind`` of the provenance table)
PROVENANCE_KINDS = {
    "real": ("Rigtige data", "Real data"),
    "derived": ("Afledt", "Derived"),
    "simulated": ("Simuleret", "Simulated"),
}


def one_language(s: str) -> str:
    """The half of a two-language text in the language in force.

    Two forms are stored: ``"dansk | EN: English"`` and ``"dansk / English"`` (exactly one
    " / "; a text with none or several is one language already, e.g. "forventet antal /
    forventet andel / 100" would be split wrongly otherwise).
    """
    if _EN_MARK in s:
        da, _, en = s.partition(_EN_MARK)
        return (en if lang() == "en" else da).strip()
    if s.count(" / ") == 1:
        da, _, en = s.partition(" / ")
        return (en if lang() == "en" else da).strip()
    return s


def _number(v: str) -> str:
    x = float(v.replace("−", "-").replace(",", "."))
    return ("+" if x > 0 else "") + fmt_num(x, 2)


#: how a stored "code value" pair reads in a sentence
_IN_SENTENCE = {"diff_pp": ("forskel", "difference"), "shrunk_diff_pp": ("krympet forskel", "shrunk difference"),
                "ci_low_pp": ("nedre grænse", "lower limit"), "ci_high_pp": ("øvre grænse", "upper limit")}
#: the keys of a provenance part
_PART_KEYS = {"column": ("Kolonne", "Column"), "variable": ("Variabel", "Variable")}


@cache
def _table_names() -> dict[str, str]:
    from benchlearn.core import contract

    return {n: tx.input_table_label(n) for n in contract.TABLES}


def _table_name(name: str) -> str:
    label = _table_names().get(name) or tx.pick(tx.TABLE_TITLES.get(name), name)
    return re.sub(r"\s*\([^)]*\)$", "", label)  # the name, without its "(e.g. …)"


def stored_text(s: object) -> str:
    """A stored free text in the language in force, codes replaced by their labels."""
    out = one_language(str(s))
    whole = tx.code_text(out)  # the text is one code ("benchmark_table", "kontanthjaelp")
    if whole != out:
        return whole
    out = _CODE_VALUE.sub(lambda m: f"{tx.pick(_IN_SENTENCE[m.group(1)])} {_number(m.group(2))} pp", out)
    out = _TABLE_REF.sub(lambda m: f"{m.group(1)} »{_table_name(m.group(2))}«", out)
    out = _COLUMN_REF.sub(lambda m: f"{m.group(1)} »{tx.column(m.group(2))}«", out)
    out = _QUOTED.sub(lambda m: f"»{_table_name(m.group(1))}«" if m.group(1) in _table_names() else m.group(0), out)
    return tx.humanise(out)


def part_text(s: object) -> str:
    """A provenance part (``column=persons``, ``ydelse=kontanthjaelp``, ``variable=*_pct_2014``)
    as "heading: value" in words."""
    key, sep, val = str(s).partition("=")
    if not sep:
        return stored_text(s)
    heading = tx.pick(_PART_KEYS.get(key), tx.column(key))
    if key == "column":
        return f"{heading}: {tx.column(val)}"
    return f"{heading}: {tx.code_text(val)}"


def card_value(x: Any) -> str:
    """A model-card value as text a reader can read: labelled keys, numbers in the page's
    format, one item per line for lists of records (never a Python dict dump); codes of
    ydelser and areas as their labels."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return tx.say("common.yes") if x else tx.say("common.no")
    if isinstance(x, float):
        return fmt_num(x, 3)
    if isinstance(x, int):
        return fmt_num(x, 0)
    if isinstance(x, dict):
        return "; ".join(f"{tx.label(tx.MODEL_CARD, k)}: " + (f"({card_value(v)})" if isinstance(v, dict) else card_value(v))
                         for k, v in x.items())
    if isinstance(x, list):
        sentences = x and all(isinstance(v, str) and v.rstrip().endswith(".") for v in x)  # notes: sentences, one after another
        if sentences:
            return " ".join(t if t.endswith(".") else t + "." for t in (card_value(v) for v in x))
        sep = " | " if any(isinstance(v, dict) for v in x) else ", "
        return sep.join(card_value(v) for v in x)
    return stored_text(x)


def stored_card_json(v: Any) -> Any:
    """A model-card value as stored: JSON text decoded, a plain string kept as it was."""
    try:
        return json.loads(v) if isinstance(v, str) else v
    except ValueError:
        return v


def stored_card_value(v: Any) -> str:
    """A model-card value as stored (JSON text, or a plain string kept as it was) as :func:`card_value` reads it."""
    return card_value(stored_card_json(v))


def card_rows(card) -> list[tuple[str, str]]:
    """A model card's stored rows (``key, value_json``) as (label, text), as /metode shows them."""
    import pandas as pd

    if not isinstance(card, pd.DataFrame) or "key" not in card.columns:
        return []
    rows = card.drop_duplicates("key", keep="last")
    rows = rows[~rows["key"].isin(tx.MODEL_CARD_HIDDEN)]
    return [(tx.label(tx.MODEL_CARD, k), stored_card_value(v)) for k, v in zip(rows["key"], rows["value_json"], strict=True)]


#: what the terminal shows of a model card (the rest, per period, is on /metode and in its download)
TERMINAL_CARD_KEYS = ("source", "model", "target", "ydelser", "variables", "dropped_variables", "family", "periods",
                      "simulated", "notes")


def card_text(card) -> str:
    """The model card as lines of text for the terminal, in the same words as /metode."""
    import pandas as pd

    if isinstance(card, pd.DataFrame) and "key" in card.columns:
        card = card[card["key"].isin(TERMINAL_CARD_KEYS)]
    return "\n".join([tx.pick(("Modelkort", "Model card"))]
                     + [f"{k}: {v}" for k, v in card_rows(card) if v not in ("", "–")])

"""One label source: every text of the pages, charts, downloads and PDF comes from
report/text.py and its catalogue report/ui_text.toml, in Danish and English."""

from __future__ import annotations

import ast
import re
import string
import tomllib
from pathlib import Path

import pytest

from benchlearn.core.i18n import set_lang
from benchlearn.report import text as tx

SRC = Path(tx.__file__).resolve().parents[1]
TEMPLATES = sorted((SRC / "web" / "templates").glob("*.html"))
PY_FILES = sorted([*(SRC / "web").glob("*.py"), *(SRC / "report").glob("*.py")])
CATALOGUE = tomllib.loads((SRC / "report" / "ui_text.toml").read_text(encoding="utf-8"))
KEYS = {f"{sec}.{k}": v for sec, d in CATALOGUE.items() for k, v in d.items()}
_INLINE = re.compile(r"(?<![\w.])t\(")


def _fields(s: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_hold_keys_not_wording(path):
    src = path.read_text(encoding="utf-8")
    inline = [src[max(0, m.start() - 20):m.start() + 60] for m in _INLINE.finditer(src)]
    assert not inline, f"{path.name}: inline t(…) pairs — run scripts/labels_extract.py {path}: {inline[:3]}"


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: p.name)
def test_page_code_holds_keys_not_wording(path):
    calls = [n.lineno for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "t"]
    assert not calls, f"{path.name}: t(…) at lines {calls} — use tx.say('page.key', …) (scripts/labels_extract.py)"


def test_every_key_used_exists_and_every_entry_is_used():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in [*TEMPLATES, *PY_FILES])
    used = set(re.findall(r"""say\(\s*['"]([a-z_]+\.[a-z0-9_]+)['"]""", sources))
    assert used - KEYS.keys() == set(), f"keys without an entry: {sorted(used - KEYS.keys())}"
    quoted = set(re.findall(r"""['"]([a-z_]+\.[a-z0-9_]+)['"]""", sources))  # also keys chosen by a condition
    assert KEYS.keys() - quoted == set(), f"entries nothing uses: {sorted(KEYS.keys() - quoted)}"


@pytest.mark.parametrize("key", sorted(KEYS))
def test_entry_has_both_languages_with_the_same_fields(key):
    v = KEYS[key]
    assert v.get("da", "").strip() and v.get("en", "").strip(), key
    assert _fields(v["da"]) == _fields(v["en"]), (key, v)
    assert not re.search(r"(?:^|\s)-\d", v["da"]), f"{key}: ASCII hyphen as minus in {v['da']!r}"


def test_say_fills_fields_in_the_language_in_force():
    try:
        set_lang("da")
        da = tx.say("app.no_municipality_code", code=999)
        set_lang("en")
        en = tx.say("app.no_municipality_code", code=999)
    finally:
        set_lang(None)
    assert da == "Ingen kommune med kode 999" and en == "No municipality with code 999"
    with pytest.raises(KeyError, match="ui_text.toml"):
        tx.say("nowhere.nothing")


def test_stored_texts_read_in_one_language_with_labels_not_codes():
    # the analyses store some texts in both languages and with column/table codes; what a person
    # reads is one language and the labels (expected strings written out by hand, not by the code)
    from benchlearn.core.i18n import set_lang
    from benchlearn.report.wording import one_language, part_text, stored_text

    set_lang("da")
    try:
        assert one_language("simuleret / simulated") == "simuleret"
        assert one_language("Månedstal. | EN: Monthly figures.") == "Månedstal."
        # several " / ": one language already, not split
        assert one_language("forventet antal / forventet andel / 100") == "forventet antal / forventet andel / 100"
        assert stored_text("Aarhus: nr. 47 på resultater (diff_pp -0,04), men") == \
            "Aarhus: nr. 47 på resultater (forskel −0,04 pp), men"
        assert stored_text("x (diff_pp 0.12)") == "x (forskel +0,12 pp)"
        assert "var_rounding" not in stored_text("lagt til (kolonnen var_rounding). / added (column var_rounding).")
        assert stored_text("kontanthjaelp") == "Kontanthjælp"
        assert part_text("column=persons").startswith("Kolonne: ") and "persons" not in part_text("column=persons")
        set_lang("en")
        assert one_language("simuleret / simulated") == "simulated"
        assert stored_text("Månedstal. | EN: Monthly figures.") == "Monthly figures."
    finally:
        set_lang("da")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_review_settings_read_in_words_and_auto_means_what_the_key_means(lang):
    """A review specification's settings in words: level=auto is a cross-validated choice,
    log_transform=auto is not (it always logs the skewed variables)."""
    from benchlearn.report.review_values import SETTING_VALUES, SETTING_VALUES_BY_KEY, setting_text

    set_lang(lang)
    i = 0 if lang == "da" else 1
    try:
        level = setting_text("level=auto", {})
        log = setting_text("log_transform=auto, unmeasured_share=0.01", {})
        assert SETTING_VALUES["auto"][i] in level
        assert SETTING_VALUES_BY_KEY[("log_transform", "auto")][i] in log and SETTING_VALUES["auto"][i] not in log
        assert ("0,01" if lang == "da" else "0.01") in log
        assert "log_transform" not in log and "=" not in log
    finally:
        set_lang("da")

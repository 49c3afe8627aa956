"""Classification schemes as declarative TOML files, and their strict validation.

A scheme file states the rules (resultatmål definition, fokusmål thresholds and which
goals count), the categories with their conditions, order and Danish/English labels.
The shipped files live in ``benchlearn/schemes/``; users pass their own with
``--scheme path/to/file.toml``. Every classification records the file's sha256.

The file format is documented in docs/SCHEMES.md. Validation is strict: unknown keys,
wrong types, unknown condition variables, and categories that do not cover every case
exactly once are refused with a :class:`~benchlearn.core.errors.SchemeError` naming the file,
the key and what was expected. Classifying with a scheme: :mod:`benchlearn.schemes.classify`.
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

from benchlearn.core.errors import SchemeError
from benchlearn.core.i18n import t

SCHEME_DIR = Path(__file__).resolve().parent  # the shipped TOML files sit beside this module
SHIPPED: tuple[str, ...] = ("star-2020", "star-2021", "kl-results-first", "results-only", "kl-2024-tiers")

ResultDefinition = Literal["point", "not_significantly_worse"]
SchemeKind = Literal["categories", "tiers"]
FocusGoal = Literal["tilbud", "samtaler"]
FOCUS_GOALS: tuple[str, ...] = ("tilbud", "samtaler")
TIERS: tuple[str, ...] = ("better", "as_expected", "worse")

# Condition variables and the values each can take; `fokusmaal_alle` is derived (all
# counted fokusmål met), the others are inputs. Coverage is checked over the inputs.
VARIABLES: dict[str, tuple[Any, ...]] = {
    "resultatmaal": (True, False),
    "fokusmaal_alle": (True, False),
    "fokusmaal_tilbud": (True, False),
    "fokusmaal_samtaler": (True, False),
    "tier": TIERS,
}
_BASE_VARS = ("resultatmaal", "fokusmaal_tilbud", "fokusmaal_samtaler", "tier")

_TOP_KEYS = {"id", "kind", "label", "description", "sources", "resultatmaal", "fokusmaal", "order", "categories"}
_REQUIRED_TOP = {"id", "kind", "label", "resultatmaal", "fokusmaal", "order", "categories"}


@dataclass(frozen=True)
class Category:
    """One category of a scheme: condition (a conjunction of equalities), order, labels."""

    id: str
    order: int
    label_da: str
    label_en: str
    when: tuple[tuple[str, Any], ...]
    tilsyn: bool = False

    def matches(self, values: dict[str, Any]) -> bool:
        return all(values.get(k) == v for k, v in self.when)

    @property
    def label(self) -> str:
        return t(self.label_da, self.label_en)


@dataclass(frozen=True)
class FocusException:
    """Years in which a different set of fokusmål counts (star-2021: only samtaler)."""

    years: tuple[int, ...]
    use: tuple[str, ...]
    note_da: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Scheme:
    """A validated classification scheme.

    ``sha256`` is the hash of the file's bytes; ``overrides`` lists parameters changed
    at run time (e.g. ``--tilbud-threshold``), recorded next to the hash.
    """

    id: str
    kind: SchemeKind
    label_da: str
    label_en: str
    description_da: str
    description_en: str
    resultatmaal: ResultDefinition
    focus_use: tuple[str, ...]
    tilbud_threshold: float
    samtaler_threshold: float
    exceptions: tuple[FocusException, ...]
    within: Literal["diff_pp", "none"]
    categories: tuple[Category, ...]
    sha256: str
    path: str
    sources: tuple[str, ...] = ()
    overrides: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def label(self) -> str:
        return t(self.label_da, self.label_en)

    def focus_counted(self, period: str) -> tuple[str, ...]:
        """The fokusmål that count in the period's calendar year."""
        year = int(str(period)[:4])
        for ex in self.exceptions:
            if year in ex.years:
                return ex.use
        return self.focus_use

    def exception_for(self, period: str) -> FocusException | None:
        year = int(str(period)[:4])
        return next((ex for ex in self.exceptions if year in ex.years), None)

    @property
    def uses_resultatmaal(self) -> bool:
        return any(k == "resultatmaal" for c in self.categories for k, _ in c.when)

    @property
    def uses_tier(self) -> bool:
        return any(k == "tier" for c in self.categories for k, _ in c.when)

    def with_params(
        self,
        *,
        resultatmaal: ResultDefinition | None = None,
        tilbud_threshold: float | None = None,
        samtaler_threshold: float | None = None,
    ) -> Scheme:
        """A copy with run-time parameters changed; the changes are kept in ``overrides``."""
        changes: dict[str, Any] = {}
        if resultatmaal is not None and resultatmaal != self.resultatmaal:
            if resultatmaal not in get_args(ResultDefinition):
                raise SchemeError(
                    f"Ukendt definition af resultatmål {resultatmaal!r} — forventede 'point' eller 'not_significantly_worse'.",
                    f"Unknown resultatmål definition {resultatmaal!r} — expected 'point' or 'not_significantly_worse'.",
                )
            changes["resultatmaal"] = resultatmaal
        for name, value in (("tilbud_threshold", tilbud_threshold), ("samtaler_threshold", samtaler_threshold)):
            if value is not None and value != getattr(self, name):
                if not 0.0 < float(value) < 1.0:
                    raise SchemeError(
                        f"Tærsklen {name} = {value} skal være en andel mellem 0 og 1 (fx 0.30).",
                        f"Threshold {name} = {value} must be a share between 0 and 1 (e.g. 0.30).",
                    )
                changes[name] = float(value)
        if not changes:
            return self
        return replace(self, overrides=tuple(sorted({**dict(self.overrides), **changes}.items())), **changes)

    def config(self) -> dict[str, Any]:
        """What identifies this scheme in a workspace run."""
        return {"scheme": self.id, "scheme_hash": self.sha256, "scheme_overrides": dict(self.overrides)}


# --------------------------------------------------------------------------- loading


def shipped_path(scheme_id: str) -> Path:
    return SCHEME_DIR / f"{scheme_id}.toml"


def load_scheme(name_or_path: str | Path) -> Scheme:
    """A shipped scheme by id (``star-2020``) or a user's TOML file by path."""
    s = str(name_or_path)
    if s in SHIPPED:
        return parse_scheme(shipped_path(s).read_bytes(), source=f"{s}.toml (indbygget/shipped)")
    p = Path(s)
    if p.suffix.lower() == ".toml" or p.exists():
        if not p.is_file():
            raise SchemeError(
                f"Skemafilen {s} findes ikke.",
                f"The scheme file {s} does not exist.",
            )
        return parse_scheme(p.read_bytes(), source=str(p))
    raise SchemeError(
        f"Ukendt klassifikationsskema {s!r} — forventede et af {', '.join(SHIPPED)} eller en sti til en .toml-fil.",
        f"Unknown classification scheme {s!r} — expected one of {', '.join(SHIPPED)} or a path to a .toml file.",
    )


class _V:
    """Collects the file name for error messages while walking a parsed TOML document."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, expected_da: str, expected_en: str, got: Any = None) -> SchemeError:
        got_da = f" (fandt {got!r})" if got is not None else ""
        got_en = f" (found {got!r})" if got is not None else ""
        return SchemeError(
            f"Fejl i skemafilen {self.source}, nøgle '{key}'{got_da}: forventede {expected_da}.",
            f"Error in scheme file {self.source}, key '{key}'{got_en}: expected {expected_en}.",
        )

    def table(self, obj: Any, key: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise self.fail(key, "en tabel", "a table", obj)
        for k in obj:
            if k not in allowed:
                name = f"{key}.{k}" if key else k
                raise self.fail(name, f"en af nøglerne {sorted(allowed)}", f"one of the keys {sorted(allowed)}", "ukendt/unknown")
        missing = [f"{key}.{k}" if key else k for k in sorted(required) if k not in obj]
        if missing:
            raise self.fail(", ".join(missing), "at nøglen findes" if len(missing) == 1 else "at nøglerne findes",
                            "the key to be present" if len(missing) == 1 else "the keys to be present", None)
        return obj

    def text(self, obj: Any, key: str) -> str:
        if not isinstance(obj, str) or not obj.strip():
            raise self.fail(key, "en ikke-tom tekst", "a non-empty string", obj)
        return obj

    def labels(self, obj: Any, key: str) -> tuple[str, str]:
        d = self.table(obj, key, {"da", "en"}, {"da", "en"})
        return self.text(d["da"], f"{key}.da"), self.text(d["en"], f"{key}.en")

    def share(self, obj: Any, key: str) -> float:
        if isinstance(obj, bool) or not isinstance(obj, int | float) or not 0.0 < float(obj) < 1.0:
            raise self.fail(key, "en andel mellem 0 og 1 (fx 0.30)", "a share between 0 and 1 (e.g. 0.30)", obj)
        return float(obj)

    def goals(self, obj: Any, key: str) -> tuple[str, ...]:
        if not isinstance(obj, list) or any(g not in FOCUS_GOALS for g in obj) or len(set(obj)) != len(obj):
            raise self.fail(key, "en liste uden gentagelser med værdier fra ['tilbud', 'samtaler']",
                            "a list without repeats of values from ['tilbud', 'samtaler']", obj)
        return tuple(g for g in FOCUS_GOALS if g in obj)


def parse_scheme(data: bytes, source: str = "<tekst/text>") -> Scheme:
    """Parse and validate a scheme from the bytes of a TOML file."""
    v = _V(source)
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise SchemeError(f"Skemafilen {source} er ikke UTF-8: {e}.", f"The scheme file {source} is not UTF-8: {e}.") from None
    except tomllib.TOMLDecodeError as e:
        raise SchemeError(f"Skemafilen {source} er ikke gyldig TOML: {e}.", f"The scheme file {source} is not valid TOML: {e}.") from None
    v.table(doc, "", _TOP_KEYS, _REQUIRED_TOP)
    sid = v.text(doc["id"], "id")
    kind = doc["kind"]
    if kind not in get_args(SchemeKind):
        raise v.fail("kind", "'categories' eller 'tiers'", "'categories' or 'tiers'", kind)
    label_da, label_en = v.labels(doc["label"], "label")
    desc_da, desc_en = v.labels(doc.get("description", {"da": label_da, "en": label_en}), "description")
    sources = doc.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
        raise v.fail("sources", "en liste af tekster", "a list of strings", sources)

    r = v.table(doc["resultatmaal"], "resultatmaal", {"definition"}, {"definition"})
    if r["definition"] not in get_args(ResultDefinition):
        raise v.fail("resultatmaal.definition", "'point' (diff_pp <= 0) eller 'not_significantly_worse' (ci_low_pp <= 0)",
                     "'point' (diff_pp <= 0) or 'not_significantly_worse' (ci_low_pp <= 0)", r["definition"])

    f = v.table(doc["fokusmaal"], "fokusmaal", {"use", "tilbud_threshold", "samtaler_threshold", "exceptions"}, {"use"})
    use = v.goals(f["use"], "fokusmaal.use")
    for g in use:
        if f"{g}_threshold" not in f:
            raise v.fail(f"fokusmaal.{g}_threshold", f"en tærskel, fordi '{g}' står i fokusmaal.use",
                         f"a threshold, because '{g}' is listed in fokusmaal.use")
    thr = {g: v.share(f.get(f"{g}_threshold", 0.30), f"fokusmaal.{g}_threshold") for g in FOCUS_GOALS}
    exceptions = []
    raw_ex = f.get("exceptions", [])
    if not isinstance(raw_ex, list):
        raise v.fail("fokusmaal.exceptions", "en liste af tabeller ([[fokusmaal.exceptions]])", "an array of tables ([[fokusmaal.exceptions]])", raw_ex)
    seen_years: set[int] = set()
    for i, ex in enumerate(raw_ex):
        key = f"fokusmaal.exceptions[{i}]"
        ex = v.table(ex, key, {"years", "use", "note"}, {"years", "use"})
        years = ex["years"]
        if not isinstance(years, list) or not years or not all(isinstance(y, int) and not isinstance(y, bool) and 1900 < y < 2200 for y in years):
            raise v.fail(f"{key}.years", "en ikke-tom liste af årstal", "a non-empty list of years", years)
        if seen_years & set(years):
            raise v.fail(f"{key}.years", "år der ikke står i en anden undtagelse", "years not listed in another exception", years)
        seen_years |= set(years)
        ex_use = v.goals(ex["use"], f"{key}.use")
        if not set(ex_use) <= set(use):
            raise v.fail(f"{key}.use", f"en delmængde af fokusmaal.use {list(use)}", f"a subset of fokusmaal.use {list(use)}", ex["use"])
        n_da, n_en = v.labels(ex["note"], f"{key}.note") if "note" in ex else ("", "")
        exceptions.append(FocusException(tuple(sorted(years)), ex_use, n_da, n_en))

    o = v.table(doc["order"], "order", {"within_category"}, {"within_category"})
    within = o["within_category"]
    if within not in ("diff_pp", "none"):
        raise v.fail("order.within_category", "'diff_pp' (bedste først) eller 'none'", "'diff_pp' (best first) or 'none'", within)
    if kind == "tiers" and within != "none":
        raise v.fail("order.within_category", "'none' når kind = 'tiers' (ingen rangordning)", "'none' when kind = 'tiers' (no ranking)", within)
    if kind == "categories" and within != "diff_pp":
        raise v.fail("order.within_category", "'diff_pp' når kind = 'categories'", "'diff_pp' when kind = 'categories'", within)

    cats = _parse_categories(v, doc["categories"], use)
    scheme = Scheme(
        id=sid, kind=kind, label_da=label_da, label_en=label_en, description_da=desc_da, description_en=desc_en,
        resultatmaal=r["definition"], focus_use=use, tilbud_threshold=thr["tilbud"], samtaler_threshold=thr["samtaler"],
        exceptions=tuple(exceptions), within=within, categories=cats,
        sha256=hashlib.sha256(data).hexdigest(), path=source, sources=tuple(sources),
    )
    _check_coverage(v, scheme)
    return scheme


def _parse_categories(v: _V, raw: Any, use: tuple[str, ...]) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        raise v.fail("categories", "mindst én kategori ([[categories]])", "at least one category ([[categories]])", raw)
    cats: list[Category] = []
    for i, c in enumerate(raw):
        key = f"categories[{i}]"
        c = v.table(c, key, {"id", "order", "label", "when", "tilsyn"}, {"id", "order", "label", "when"})
        cid = v.text(c["id"], f"{key}.id")
        order = c["order"]
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise v.fail(f"{key}.order", "et helt tal >= 1", "an integer >= 1", order)
        lda, len_ = v.labels(c["label"], f"{key}.label")
        when = c["when"]
        if not isinstance(when, dict):
            raise v.fail(f"{key}.when", "en tabel af betingelser, fx { resultatmaal = true }", "a table of conditions, e.g. { resultatmaal = true }", when)
        for var, val in when.items():
            if var not in VARIABLES:
                raise v.fail(f"{key}.when.{var}", f"en af variablerne {sorted(VARIABLES)}", f"one of the variables {sorted(VARIABLES)}", var)
            if val not in VARIABLES[var] or isinstance(val, bool) != isinstance(VARIABLES[var][0], bool):
                raise v.fail(f"{key}.when.{var}", f"en af værdierne {list(VARIABLES[var])}", f"one of the values {list(VARIABLES[var])}", val)
            goal = var.removeprefix("fokusmaal_")
            if goal in FOCUS_GOALS and goal not in use:
                raise v.fail(f"{key}.when.{var}", f"at '{goal}' står i fokusmaal.use", f"'{goal}' to be listed in fokusmaal.use", var)
        tilsyn = c.get("tilsyn", False)
        if not isinstance(tilsyn, bool):
            raise v.fail(f"{key}.tilsyn", "true eller false", "true or false", tilsyn)
        cats.append(Category(cid, order, lda, len_, tuple(sorted(when.items())), tilsyn))
    ids = [c.id for c in cats]
    dup = sorted({x for x in ids if ids.count(x) > 1})
    if dup:
        raise v.fail("categories.id", "forskellige id'er", "distinct ids", dup)
    orders = sorted(c.order for c in cats)
    if orders != list(range(1, len(cats) + 1)):
        raise v.fail("categories.order", f"rækkefølgen 1..{len(cats)} præcis én gang hver", f"the orders 1..{len(cats)} exactly once each", orders)
    return tuple(sorted(cats, key=lambda c: c.order))


def _check_coverage(v: _V, scheme: Scheme) -> None:
    """Every possible case must fall in exactly one category (for every rule set in force)."""
    used = {k for c in scheme.categories for k, _ in c.when}
    use_sets = {scheme.focus_use} | {ex.use for ex in scheme.exceptions}
    base = [b for b in _BASE_VARS if b in used or (b.startswith("fokusmaal_") and "fokusmaal_alle" in used)]
    for use in use_sets:
        for combo in itertools.product(*(VARIABLES[b] for b in base)):
            values = dict(zip(base, combo, strict=True))
            values["fokusmaal_alle"] = all(values.get(f"fokusmaal_{g}", True) for g in use)
            hits = [c.id for c in scheme.categories if c.matches(values)]
            case = ", ".join(f"{k}={values[k]}" for k in sorted(values) if k in used)
            if len(hits) != 1:
                what_da = "ingen kategori" if not hits else f"flere kategorier {hits}"
                what_en = "no category" if not hits else f"several categories {hits}"
                raise v.fail(
                    "categories.when",
                    f"at hvert tilfælde rammer præcis én kategori, men tilfældet ({case or 'alle'}) rammer {what_da}",
                    f"every case to fall in exactly one category, but the case ({case or 'all'}) falls in {what_en}",
                )

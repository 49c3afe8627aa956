"""Specifications of a model review as data: a TOML file of named benchmark specifications.

A *specification* is one way of computing the benchmark: which area or målgruppe, which
framework variables (plus conditions of the commuting area, plus the extended public
variables), which model family, κ and weighting. ``benchlearn review`` fits every
specification through the one benchmark API and compares them. The documented default
file ships beside this module (``default_specs.toml``); docs/REVIEW.md explains every key.

File format::

    [review]
    baseline = "standard"          # the specification every other is compared with first
    contributions_from = "udvidet" # variable contributions (drop-one) are measured on this one
    family = "baseline"            # "baseline": a specification that sets neither `level` nor another
                                   # `model` is fitted with the family the baseline's cross-validation
                                   # chose (one fit instead of one per candidate family; the comparison
                                   # then changes one thing at a time); "auto": each chooses its own

    [[spec]]
    name = "standard"              # letters, digits, _ and -
    label_da = "…"                 # what a reader sees (Danish)
    label_en = "…"                 # … and English
    area = "total"                 # or maalgruppe = "unge"
    variables = ["…"]              # explicit set; default = every framework variable but the
                                   # default exclusions (DOMAIN.md §3)
    add = ["regex"]                # add matching variables (also default-excluded ones)
    drop = ["regex"]               # remove matching variables
    commuting = ["*"]              # add the commuting-area mean of these variables ("*" = the set)
    commuting_leave_self_out = true
    public_variables = true        # add the extended public variables (Statistics Denmark)
    model = "fraclogit"            # any other key is a field of the benchmark configuration:
    unmeasured_share = 0.05        # κ, sampling (the weighting), family, log_transform, …
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from benchlearn.core.errors import DataError

__all__ = ["Spec", "ReviewSpecs", "load_specs", "default_specs_path", "REVIEW_KEYS", "SPEC_KEYS", "FAMILY_RULES"]

#: Keys of the ``[review]`` table.
REVIEW_KEYS: tuple[str, ...] = ("baseline", "contributions_from", "top_moves", "family")
#: Values of ``[review] family``.
FAMILY_RULES: tuple[str, ...] = ("baseline", "auto")
#: Keys a ``[[spec]]`` has beside the benchmark configuration's own fields.
SPEC_KEYS: tuple[str, ...] = (
    "name", "label_da", "label_en", "area", "maalgruppe", "variables", "add", "drop", "commuting",
    "commuting_leave_self_out", "public_variables",
)
#: Benchmark-configuration fields a specification may not set: the review decides them.
_RESERVED = frozenset({"area", "maalgruppe", "variables", "periods", "seed"})
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _config_fields() -> dict[str, dataclasses.Field]:
    from benchlearn.benchmark.config import BenchmarkConfig

    return {f.name: f for f in dataclasses.fields(BenchmarkConfig) if f.name not in _RESERVED}


@dataclass(frozen=True)
class Spec:
    """One named specification (see the module docstring for the keys)."""

    name: str
    label_da: str
    label_en: str
    area: str = "total"
    maalgruppe: str | None = None
    variables: tuple[str, ...] | None = None
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    commuting: tuple[str, ...] = ()
    commuting_leave_self_out: bool = False
    public_variables: bool = False
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return self.maalgruppe if self.maalgruppe is not None else self.area

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


@dataclass(frozen=True)
class ReviewSpecs:
    """The parsed file: the specifications in file order and the review settings."""

    specs: tuple[Spec, ...]
    baseline: str
    contributions_from: str | None
    top_moves: int
    source: str
    family: str = "auto"

    def spec(self, name: str) -> Spec:
        return next(s for s in self.specs if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "contributions_from": self.contributions_from, "top_moves": self.top_moves,
                "family": self.family, "source": self.source, "specs": [s.to_dict() for s in self.specs]}


def default_specs_path(name: str = "default_specs.toml") -> Path:
    """The documented default specifications shipped with benchlearn (``y30r21_specs.toml``: the ministry comparison)."""
    return Path(str(resources.files("benchlearn.review").joinpath(name)))


def _bad(src: str, row: int | None, column: str | None, value: Any, da: str, en: str) -> DataError:
    return DataError("specs", row, column, value, da, en, src)


def _strings(src: str, row: int, key: str, value: Any, *, regex: bool = False) -> tuple[str, ...]:
    vals = [value] if isinstance(value, str) else value
    if not isinstance(vals, list) or not all(isinstance(v, str) and v.strip() for v in vals):
        raise _bad(src, row, key, value, "en liste af tekster", "a list of strings")
    if regex:
        for v in vals:
            if v == "*":
                continue
            try:
                re.compile(v)
            except re.error:
                raise _bad(src, row, key, v, "et gyldigt regulært udtryk", "a valid regular expression") from None
    return tuple(v.strip() for v in vals)


def _spec(src: str, row: int, raw: Any, fields: dict[str, dataclasses.Field]) -> Spec:
    from benchlearn.core import reference

    if not isinstance(raw, dict):
        raise _bad(src, row, None, raw, "en [[spec]]-tabel", "a [[spec]] table")
    unknown = [k for k in raw if k not in SPEC_KEYS and k not in fields]
    if unknown:
        allowed = ", ".join(sorted(set(SPEC_KEYS) | set(fields)))
        raise _bad(src, row, unknown[0], raw[unknown[0]], f"en af nøglerne {allowed}", f"one of the keys {allowed}")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _bad(src, row, "name", name, "et navn af bogstaver, cifre, _ og - (højst 40 tegn)",
                   "a name of letters, digits, _ and - (at most 40 characters)")
    for key in ("label_da", "label_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _bad(src, row, key, raw.get(key), "en ikke-tom tekst", "a non-empty string")
    area, mg = raw.get("area", "total"), raw.get("maalgruppe")
    if mg is not None and mg not in reference.maalgruppe_codes():
        raise _bad(src, row, "maalgruppe", mg, f"en af {', '.join(reference.maalgruppe_codes())}",
                   f"one of {', '.join(reference.maalgruppe_codes())}")
    if area not in reference.area_codes():
        raise _bad(src, row, "area", area, f"et af {', '.join(reference.area_codes())}", f"one of {', '.join(reference.area_codes())}")
    variables = _strings(src, row, "variables", raw["variables"]) if "variables" in raw else None
    for key in ("commuting_leave_self_out", "public_variables"):
        if key in raw and not isinstance(raw[key], bool):
            raise _bad(src, row, key, raw[key], "true eller false", "true or false")
    config: dict[str, Any] = {}
    for k, v in raw.items():
        if k in fields:
            default = fields[k].default
            if isinstance(default, tuple):
                v = _strings(src, row, k, v)
            elif isinstance(default, bool) and not isinstance(v, bool):
                raise _bad(src, row, k, v, "true eller false", "true or false")
            elif isinstance(default, (int, float)) and not isinstance(default, bool) and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise _bad(src, row, k, v, "et tal", "a number")
            config[k] = v
    spec = Spec(
        name=name, label_da=raw["label_da"].strip(), label_en=raw["label_en"].strip(), area=area, maalgruppe=mg,
        variables=variables, add=_strings(src, row, "add", raw.get("add", []), regex=True),
        drop=_strings(src, row, "drop", raw.get("drop", []), regex=True),
        commuting=_strings(src, row, "commuting", raw.get("commuting", []), regex=True),
        commuting_leave_self_out=bool(raw.get("commuting_leave_self_out", False)),
        public_variables=bool(raw.get("public_variables", False)), config=config,
    )
    _check_config(src, row, spec)
    return spec


def _check_config(src: str, row: int, spec: Spec) -> None:
    """Build the benchmark configuration once, so a bad value is refused before any fit."""
    from benchlearn.core.errors import ConfigError
    from benchlearn.benchmark.config import BenchmarkConfig

    try:
        BenchmarkConfig(area=spec.area, maalgruppe=spec.maalgruppe, **spec.config)
    except ConfigError as exc:
        raise _bad(src, row, None, spec.name, f"en gyldig benchmarkkonfiguration ({exc.da})",
                   f"a valid benchmark configuration ({exc.en})") from None


def load_specs(path: str | Path | None = None) -> ReviewSpecs:
    """Read and check a specifications file (default: the shipped ``default_specs.toml``).

    Raises
    ------
    DataError
        Naming the file, the specification's number (1-based, file order), the key and the
        value, when the file cannot be parsed or a key or value is not allowed.
    """
    p = Path(path) if path is not None else default_specs_path()
    src = str(p)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _bad(src, None, None, src, "en eksisterende TOML-fil", "an existing TOML file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _bad(src, None, None, str(exc), "gyldig TOML (UTF-8)", "valid TOML (UTF-8)") from None
    unknown = [k for k in raw if k not in ("review", "spec")]
    if unknown:
        raise _bad(src, None, unknown[0], raw[unknown[0]], "kun [review] og [[spec]]", "only [review] and [[spec]]")
    settings = raw.get("review", {})
    bad = [k for k in settings if k not in REVIEW_KEYS]
    if bad:
        raise _bad(src, None, bad[0], settings[bad[0]], f"en af {', '.join(REVIEW_KEYS)}", f"one of {', '.join(REVIEW_KEYS)}")
    items = raw.get("spec", [])
    if not isinstance(items, list) or len(items) < 2:
        raise _bad(src, None, "spec", len(items) if isinstance(items, list) else items,
                   "mindst to [[spec]]-tabeller", "at least two [[spec]] tables")
    fields = _config_fields()
    specs = tuple(_spec(src, i + 1, s, fields) for i, s in enumerate(items))
    names = [s.name for s in specs]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise _bad(src, names.index(dup, names.index(dup) + 1) + 1, "name", dup, "et navn der kun bruges én gang",
                   "a name used only once")
    baseline = settings.get("baseline", names[0])
    if baseline not in names:
        raise _bad(src, None, "baseline", baseline, f"navnet på en specifikation ({', '.join(names)})",
                   f"the name of a specification ({', '.join(names)})")
    contrib = settings.get("contributions_from")
    if contrib is not None and contrib not in names:
        raise _bad(src, None, "contributions_from", contrib, f"navnet på en specifikation ({', '.join(names)})",
                   f"the name of a specification ({', '.join(names)})")
    top = settings.get("top_moves", 10)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 98:
        raise _bad(src, None, "top_moves", top, "et helt tal 1–98", "a whole number 1–98")
    family = settings.get("family", "auto")
    if family not in FAMILY_RULES:
        raise _bad(src, None, "family", family, "baseline eller auto", "baseline or auto")
    return ReviewSpecs(specs, baseline, contrib, top, src, family)

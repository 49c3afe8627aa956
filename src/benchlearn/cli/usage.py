"""Usage errors of the command line (unknown command or option, missing argument) as clean messages.

Why this exists: Typer up to 0.25 raises the exceptions of the standalone ``click`` package,
Typer 0.26 and later raise those of its vendored copy ``typer._click`` (the pin allows both).
Catching one family lets the other escape as a traceback, so the classes are collected from
whichever modules are present, found through the classes Typer itself exports
(``typer.BadParameter``, ``typer.Exit``, ``typer.Abort``) rather than through a private path.

Click's own texts are English; the known shapes are given in Danish too, keeping click's
"did you mean" suggestion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import typer

from benchlearn.core.i18n import t


def _modules() -> list[object]:
    mods: list[object] = []
    import click.exceptions as standalone  # standalone click: typer < 0.26 uses it, uvicorn brings it either way

    mods.append(standalone)
    for cls in typer.BadParameter.__mro__:  # the family typer itself raises (vendored or not)
        if cls.__name__ == "ClickException":
            import sys

            mod = sys.modules.get(cls.__module__)
            if mod is not None and mod not in mods:
                mods.append(mod)
    return mods


def _classes(name: str, *extra: type) -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = list(extra)
    for mod in _modules():
        cls = getattr(mod, name, None)
        if isinstance(cls, type) and cls not in found:
            found.append(cls)
    return tuple(found)


#: every kind of "the user typed something the parser could not take"
CLICK_ERRORS = _classes("ClickException")
#: ``typer.Exit`` / ``click.exceptions.Exit`` (``--help``, ``--version``, explicit exits)
EXITS = _classes("Exit", typer.Exit)
#: ``typer.Abort`` / ``click.Abort`` (Ctrl-C at a prompt)
ABORTS = _classes("Abort", typer.Abort)


def is_no_args_help(exc: BaseException) -> bool:
    return type(exc).__name__ == "NoArgsIsHelpError"


_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^No such option: (?P<a>\S+)"), "Ukendt tilvalg: {a}"),
    (re.compile(r"^Missing command\.?"), "Mangler en kommando."),
    (re.compile(r"^No such command '(?P<a>[^']*)'\."), "Ukendt kommando '{a}'."),
    (re.compile(r"^Missing parameter: (?P<a>.+)$"), "Mangler parameteren: {a}"),
    (re.compile(r"^Missing argument '(?P<a>[^']*)'\.?"), "Mangler argumentet '{a}'."),
    (re.compile(r"^Missing option '(?P<a>[^']*)'\.?"), "Mangler tilvalget '{a}'."),
    (re.compile(r"^Option '(?P<a>[^']*)' requires an argument\.?"), "Tilvalget '{a}' skal have en værdi."),
    (re.compile(r"^Option '(?P<a>[^']*)' does not take a value\.?"), "Tilvalget '{a}' tager ingen værdi."),
    (re.compile(r"^Got unexpected extra arguments?(?:\(s\))? \((?P<a>.*)\)"), "Uventede ekstra argumenter: {a}"),
    (re.compile(r"^Invalid value for (?P<a>[^:]+): (?P<b>.*)$", re.S), "Ugyldig værdi for {a}: {b}"),
)
_DID_YOU_MEAN = re.compile(r"Did you mean (?P<a>[^?]+)\?")
_POSSIBLE = re.compile(r"\(Possible options: (?P<a>[^)]*)\)")


def danish(message: str) -> str:
    """Click's English usage message in Danish (the known shapes; anything else is kept as is)."""
    out = message
    for pattern, template in _PATTERNS:
        m = pattern.search(out)
        if m:
            out = out[: m.start()] + template.format(**m.groupdict()) + out[m.end() :]
            break
    out = _DID_YOU_MEAN.sub(lambda m: f"Mente du {m['a']}?", out)
    return _POSSIBLE.sub(lambda m: f"(Mulige tilvalg: {m['a']})", out)


def command_path(exc: BaseException) -> str:
    ctx = getattr(exc, "ctx", None)
    return getattr(ctx, "command_path", None) or "benchlearn"


def usage_message(exc: BaseException) -> str:
    """One or two lines: what was wrong, in the language in force, and where help is."""
    fmt = getattr(exc, "format_message", None)
    text = fmt() if callable(fmt) else str(exc)
    text = " ".join(str(text).split())
    shown = t(danish(text), text)
    where = command_path(exc)
    hint = t(f"Se '{where} --help'.", f"See '{where} --help'.")
    return f"{shown}\n{hint}"


def lang_from_argv(argv: Sequence[str]) -> str | None:
    """The ``--lang`` value anywhere on the command line (usage errors happen before options are applied)."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


def hoist_lang(argv: Sequence[str], group: typer.Typer) -> list[str]:
    """Accept ``benchlearn CMD ... --lang en`` as ``benchlearn --lang en CMD ...``.

    The README and people write ``--lang`` after the command; it is an option of the main
    command. It stays where it is for a subcommand that has its own ``--lang``.
    """
    args = list(argv)
    if not args or args[0].startswith("-"):
        return args
    own = _commands_with_lang(group)
    if args[0] in own:
        return args
    out: list[str] = []
    moved: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i:])
            break
        if a == "--lang" and i + 1 < len(args):
            moved += [a, args[i + 1]]
            i += 2
            continue
        if a.startswith("--lang="):
            moved.append(a)
        else:
            out.append(a)
        i += 1
    return moved + out


def _commands_with_lang(group: typer.Typer) -> set[str]:
    names: set[str] = set()
    for info in group.registered_commands:
        fn = info.callback
        if fn is None:
            continue
        if "lang" in getattr(fn, "__annotations__", {}):
            names.add(info.name or fn.__name__.replace("_", "-"))
    return names

"""The ``benchlearn`` command: one Typer app, subcommands discovered from ``benchlearn.cli.commands``.

Every module in that package defines ``register(app)``; adding a command is adding a file.
A :class:`~benchlearn.core.errors.BenchlearnError` anywhere becomes a one-line message on stderr
(Danish or English) and exit code 2 — never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from benchlearn import __version__
from benchlearn.cli import usage
from benchlearn.core.errors import BenchlearnError
from benchlearn.core.i18n import set_lang, t

app = typer.Typer(
    name="benchlearn",
    help="Benchmarking og benchlearning af kommunernes beskæftigelsesindsats. / Benchmarking and benchlearning of Danish municipalities' employment efforts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"benchlearn {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    lang: Annotated[Optional[str], typer.Option("--lang", help="Sprog / language: da (standard) eller en.", envvar="BENCHLEARN_LANG")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Vis version.")] = False,
) -> None:
    """benchlearn: resultater først, ærlig om usikkerhed. / results first, honest about uncertainty."""
    if lang is not None and lang.lower()[:2] not in ("da", "en"):
        raise BenchlearnError(f"Ukendt sprog '{lang}': brug da eller en.", f"Unknown language '{lang}': use da or en.")
    set_lang(lang)


def _register_commands(argv: list[str] | None = None) -> None:
    """Import and register the subcommands. When the process was started for one
    command (``benchlearn persons aggregate …``: the first argument is a command
    module's name), only that module is imported — a user waits for every import, and
    the other commands' (web, HTTP, surveys) are not needed to run it."""
    from benchlearn.cli import commands

    infos = sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name)
    first = (argv or [])[1:2]
    if first and first[0] in {i.name for i in infos} and Path(argv[0]).name in ("benchlearn", "__main__.py"):
        infos = [i for i in infos if i.name == first[0]]
    for info in infos:
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands(sys.argv)


def _print_error(message: str) -> None:
    from benchlearn.core.progress import stderr

    stderr.print(f"[bold red]{t('Fejl', 'Error')}:[/] {message}", highlight=False, soft_wrap=True)


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn user errors into clean messages and exit codes.

    Usage errors exit 2 with a one-line message (Danish unless ``--lang en``), as
    :class:`~benchlearn.errors.BenchlearnError` does; see :mod:`benchlearn.cli.usage` for
    why the click exception classes are collected rather than imported.
    """
    args = usage.hoist_lang(sys.argv[1:] if argv is None else argv, app)
    set_lang(usage.lang_from_argv(args))  # usage errors happen before the --lang callback runs
    try:
        # with standalone_mode=False click returns the code of typer.Exit(n) instead of exiting
        rv = app(args=args, prog_name="benchlearn", standalone_mode=False)
    except BenchlearnError as exc:
        _print_error(exc.message())
        sys.exit(exc.exit_code)
    except usage.EXITS as exc:
        sys.exit(getattr(exc, "exit_code", 0))
    except usage.ABORTS:
        _print_error(t("Afbrudt.", "Aborted."))
        sys.exit(130)
    except usage.CLICK_ERRORS as exc:
        if usage.is_no_args_help(exc):  # bare `benchlearn` / `benchlearn persons`: the help, then exit 2 as click does
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2)
        _print_error(usage.usage_message(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        _print_error(t("Afbrudt.", "Interrupted."))
        sys.exit(130)
    except OSError as exc:  # file system problems are the user's to fix, not a bug to trace
        _print_error(f"{exc.strerror or exc}: {exc.filename or ''}")
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    run()

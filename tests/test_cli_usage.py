"""Usage errors of the command line: a clean message, exit 2, never a traceback (audit #20.1).

The audit found 7 of 7 usage errors ending in a traceback because the installed Typer raises
its vendored ``typer._click`` exceptions while the CLI caught standalone ``click`` ones. The
cases run in-process through :func:`benchlearn.cli.main.run` (the console script's entry point)
so the suite stays fast; one case also runs as a real subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from benchlearn.cli import usage
from benchlearn.cli.main import run
from benchlearn.core.i18n import set_lang

#: argv -> words the message must hold (Danish default), and the English words with --lang en
CASES: dict[str, tuple[list[str], tuple[str, ...], tuple[str, ...]]] = {
    "bare command": ([], ("Usage",), ("Missing command",)),
    "missing argument": (["check"], ("Mangler", "dataset"), ("Missing", "dataset")),
    "unknown option": (["--bogus"], ("Ukendt tilvalg", "--bogus"), ("No such option", "--bogus")),
    "unknown subcommand option": (["check", "--jsn", "x"], ("Ukendt tilvalg", "--jsn", "--json"), ("No such option", "--json")),
    "misspelt option": (["benchmark", "x", "--perod", "2022QMAT04"], ("Ukendt tilvalg", "Mulige tilvalg", "--period"),
                        ("No such option", "Possible options", "--period")),
    "misspelt command": (["chek"], ("Ukendt kommando", "Mente du", "check"), ("No such command", "Did you mean", "check")),
    "option without value": (["benchmark", "x", "--model"], ("--model", "værdi"), ("--model", "requires an argument")),
    "extra arguments": (["ingest", "a", "b", "c"], ("Uventede", "b c"), ("unexpected extra",)),
    "bad integer": (["simulate", "out", "--seed", "ti"], ("Ugyldig værdi", "--seed"), ("Invalid value", "--seed")),
    "bare group": (["persons"], ("Usage",), ("Usage",)),
    "lang only": (["--lang", "da"], ("Mangler en kommando",), ("Missing command",)),
}


def _run(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as ex:
        run(argv)
    set_lang(None)
    out, err = capsys.readouterr()
    return int(ex.value.code or 0), out + err


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("language", ["da", "en"])
def test_usage_error_is_a_message_exit_2(case, language, capsys, monkeypatch):
    monkeypatch.setenv("BENCHLEARN_PROGRESS", "0")
    monkeypatch.delenv("BENCHLEARN_LANG", raising=False)
    argv, da_words, en_words = CASES[case]
    full = ["--lang", "en", *argv] if language == "en" else argv
    code, text = _run(full, capsys)
    assert code == 2, text
    assert "Traceback" not in text
    for w in da_words if language == "da" else en_words:
        assert w in text, (w, text)


def test_lang_after_the_command_as_the_readme_writes_it(capsys):
    code, text = _run(["contract", "--lang", "en"], capsys)
    assert code == 0 and "| table | column |" in text
    code, text = _run(["contract"], capsys)
    assert code == 0 and "| tabel | kolonne |" in text


def test_exception_families_cover_the_installed_typer():
    import typer

    # whatever Typer raises for a bad parameter is caught as a click error
    assert issubclass(typer.BadParameter, usage.CLICK_ERRORS)
    assert issubclass(typer.Exit, usage.EXITS) and issubclass(typer.Abort, usage.ABORTS)


def test_danish_translation_keeps_the_suggestion():
    assert usage.danish("No such command 'chek'. Did you mean 'check'?") == "Ukendt kommando 'chek'. Mente du 'check'?"
    assert usage.danish("something new") == "something new"


def test_console_script_usage_error_has_no_traceback():
    env = {**os.environ, "BENCHLEARN_PROGRESS": "0"}
    res = subprocess.run([sys.executable, "-m", "benchlearn", "check"], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "Mangler" in res.stderr

"""``python -m benchlearn`` is the ``benchlearn`` command."""

from benchlearn.cli.main import run

run()

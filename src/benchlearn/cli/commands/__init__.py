"""Subcommands: every module here defines ``register(app)`` and is discovered by ``benchlearn.cli.main``."""

"""The ``benchlearn`` command."""

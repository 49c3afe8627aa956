"""Simulated data with known truth: ``from benchlearn.simulate import simulate, SimConfig``.

The implementation lives in the :mod:`benchlearn.simulator` package; this module is
the stable import path and re-exports that package's public names.
"""

from benchlearn import simulator as _simulator
from benchlearn.simulator import *  # noqa: F403  (the public API, listed in simulator.__all__)

__all__ = list(_simulator.__all__)

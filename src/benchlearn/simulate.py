"""Simulated data with known truth: ``from benchlearn.simulate import simulate, SimConfig``.

The implementation lives in the :mod:`benchlearn.simulator` package; this module is
the stable import path.
"""

from benchlearn.simulator import (
    FRAMEWORK_CATALOG,
    FRAMEWORK_NAMES,
    MAALGRUPPE_ACTIVITY,
    SURVEY_ITEMS,
    TABLE_ORDER,
    YDELSE_PARAMS,
    FrameworkVariable,
    SimConfig,
    Simulation,
    YdelseParams,
    simulate,
    simulate_persons_for,
)

__all__ = [
    "FRAMEWORK_CATALOG",
    "FRAMEWORK_NAMES",
    "MAALGRUPPE_ACTIVITY",
    "SURVEY_ITEMS",
    "TABLE_ORDER",
    "YDELSE_PARAMS",
    "FrameworkVariable",
    "SimConfig",
    "Simulation",
    "YdelseParams",
    "simulate",
    "simulate_persons_for",
]

"""The benchlearn simulator: a documented data-generating process for the 98 municipalities.

See docs/SIMULATOR.md for the formulas and every parameter. Import from
:mod:`benchlearn.simulator` or from here.
"""

from .config import (
    FRAMEWORK_CATALOG,
    FRAMEWORK_NAMES,
    MAALGRUPPE_ACTIVITY,
    SURVEY_ITEMS,
    YDELSE_PARAMS,
    FrameworkVariable,
    SimConfig,
    YdelseParams,
)
from .result import TABLE_ORDER, Simulation, simulate, simulate_persons_for

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

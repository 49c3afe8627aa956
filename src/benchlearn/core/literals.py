"""Every ``Literal`` option of the package in one place (pyfixest's ``estimation/internals/literals.py``).

Options are validated from these types with :func:`typing.get_args`, so the allowed
values are written once.
"""

from __future__ import annotations

from typing import Literal

#: The benchmark model family (docs/METHOD.md).
ModelKind = Literal["fraclogit", "wls", "elogit"]

#: Small-sample form of the municipality-clustered sandwich (docs/METHOD.md §2, pooling).
VcovKind = Literal["CR1", "CR2", "CR3"]

#: The extra model variance of an extrapolated municipality: the candidates' disagreement
#: weighted by their cross-validated evidence, or the largest of the families' (docs/METHOD.md §3).
SpreadKind = Literal["weighted", "max"]

#: How a benchmark is computed: the source rule (``auto``) or one source forced (benchmark/resolver.py).
BenchmarkSource = Literal["auto", "table", "model", "cells"]

#: Returns to scale of a DEA reference technology (benchlearning/dea.py).
RTS = Literal["crs", "vrs"]

#: Where classification takes its result from (``--source`` of classify, compare-schemes, tilsyn).
ResultSource = Literal["auto", "table", "workspace", "model"]

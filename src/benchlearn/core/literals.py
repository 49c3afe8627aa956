"""Every ``Literal`` option of the package in one place (pyfixest's ``estimation/internals/literals.py``).

Options are validated from these types with :func:`typing.get_args`, so the allowed
values are written once.
"""

from __future__ import annotations

from typing import Literal

#: The benchmark model family (docs/METHOD.md).
ModelKind = Literal["fraclogit", "wls", "elogit"]

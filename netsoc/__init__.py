"""netsoc: networking-versus-socializing self-assessment and survey analytics.

The importable packages are :mod:`survey` (participant side) and
:mod:`analysis` (researcher side); this package holds the ``netsoc`` command.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("netsoc")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0+unknown"

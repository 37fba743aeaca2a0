"""Response files in and out: CSV, Excel (.xlsx), SPSS (.sav) and Parquet.

- :func:`read_responses` reads a file into a validated wide table, refusing
  oversized, badly encoded, empty or malformed files with a message that
  names the rows and columns.
- :func:`write_responses` writes a wide table, with value labels in SPSS
  files and spreadsheet formula injection neutralised in CSV, Excel and SPSS
  (text cells, variable labels and value labels: a .sav file is often
  converted to a spreadsheet).

Formula neutralisation is reversible: a text cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (after any number of ``'``) gets one
more leading ``'`` on export; :func:`read_responses` removes exactly one from
such cells, so import -> export -> import gives back the same text.

Respondent ids are left out of exports unless ``with_ids=True``.

The package's rooms: :mod:`~survey.io.sheets` (formats, neutralisation),
:mod:`~survey.io.reading` and :mod:`~survey.io.writing`.  Import from here.
"""

from __future__ import annotations

from survey.io.reading import read_mapping, read_responses
from survey.io.sheets import FORMATS, format_of, neutralise, unneutralise
from survey.io.writing import write_responses

__all__ = [
    "FORMATS",
    "format_of",
    "neutralise",
    "unneutralise",
    "read_mapping",
    "read_responses",
    "write_responses",
]

"""The instrument's own measurement model."""

from __future__ import annotations

import pandas as pd

from analysis._checks import check_columns, check_frame
from analysis.scoring import keyed_items
from survey.instrument import ORIENTATIONS, Instrument, load_instrument

__all__ = ["instrument_model"]


def instrument_model(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    group: str | None = None,
    facets: bool = False,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The data and factors of the instrument's model, ready for :func:`cfa`.

    Parameters
    ----------
    data : DataFrame
        Wide table of answer codes, one column per scored item of the
        instrument (extra columns are ignored).
    instrument : Instrument, optional
        Default: the shipped questionnaire.
    group : str, optional
        A grouping column to carry along (for ``cfa(..., group=)`` and
        :func:`invariance`).
    facets : bool
        False (default): two correlated factors, ``networking`` and
        ``socializing``, each measured by all of its items.  True: one factor
        per orientation and facet (``networking_purpose``, ...), all
        correlated.

    Returns
    -------
    (DataFrame, dict)
        The orientation items keyed as :func:`analysis.scoring.keyed_items`
        does (reverse-keyed items reflected as ``min + max - code``), plus
        ``group``; and ``{factor: [item, ...]}``.

    Raises
    ------
    DataError
        Item columns are missing or hold invalid codes; ``group`` is missing.

    Examples
    --------
    >>> from analysis import make_demo
    >>> from survey.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> data = make_demo(200, seed=1)
    >>> items, factors = instrument_model(data, instrument)
    >>> list(factors), len(items) == len(data)
    (['networking', 'socializing'], True)
    """
    data = check_frame(data)
    inst = instrument if instrument is not None else load_instrument()
    if facets:
        factors = {
            f"{o}_{f}": [i.id for i in inst.scale_items(o, f)] for o in ORIENTATIONS for f in inst.facets
        }
        factors = {name: items for name, items in factors.items() if items}
    else:
        factors = {o: [i.id for i in inst.scale_items(o)] for o in ORIENTATIONS}
    items = [i for f in factors.values() for i in f]
    keyed = keyed_items(data, inst)[items]
    if group is not None:
        check_columns(data, group, "group")
        keyed[group] = data[group]
    return keyed, factors

"""What every netsoc page is made of: escaped text, tables, figures, numbers and UI words.

The form, the feedback page, the dashboard and the report all put typed text,
numbers and figures into HTML; this module is the one place that does it, so
that every page escapes the same way, writes ``3,5`` in German and French and
``3.5`` in English, and gives every figure a text alternative.

- :func:`escape` — typed text into HTML (always; quotes too);
- :func:`html_table` — a data frame as an accessible ``<table>``;
- :func:`svg_figure` — a matplotlib figure as inline, scalable SVG with a name;
- :func:`fmt_number`, :func:`fmt_percent` — numbers as a reader of ``lang``
  writes them;
- :func:`ui_text` — the one lookup of the instrument's fixed words (``ui:``).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from survey.instrument import Instrument

__all__ = [
    "escape",
    "html_table",
    "svg_figure",
    "fmt_number",
    "fmt_percent",
    "ui_text",
    "decimal_comma",
    "MISSING",
]

#: What a table shows for a number that is not there (not applicable, not computed).
MISSING = "\u2013"
_MINUS = "\u2212"
#: Languages that write a decimal point; every other one writes a decimal comma.
_DECIMAL_POINT = frozenset({"en", "ja", "zh", "ko", "he", "th", "hi", "ga", "mt"})


def escape(text: object) -> str:
    """``text`` safe to put into HTML content or a quoted attribute.

    ``None`` becomes the empty string; anything else goes through ``str``.

    Examples
    --------
    >>> escape("<b>Tom & 'Jerry'</b>")
    '&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;'
    >>> escape(None)
    ''
    """
    return "" if text is None else html.escape(str(text), quote=True)


def _base_language(lang: str | None) -> str:
    return (lang or "en").replace("_", "-").split("-")[0].lower()


def decimal_comma(lang: str | None) -> bool:
    """Whether readers of ``lang`` (a BCP 47 tag) write ``3,5`` rather than ``3.5``."""
    return _base_language(lang) not in _DECIMAL_POINT


def _missing(x: object) -> bool:
    """None, NaN, pandas.NA and NaT (not: strings, which are never missing numbers)."""
    import pandas as pd

    if x is None:
        return True
    if isinstance(x, str):
        return False
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # array-likes are not scalars to format
        return False


def fmt_number(
    x: float | None,
    lang: str | None = "en",
    digits: int = 2,
    sign: bool = False,
    *,
    leading_zero: bool = True,
) -> str:
    """A number with ``digits`` decimals as a reader of ``lang`` writes it.

    A real minus sign (U+2212), a decimal comma outside the decimal-point
    languages, and :data:`MISSING` for ``None``/NaN.

    Parameters
    ----------
    x : float or None
    lang : str, optional
        BCP 47 tag (``"de"``, ``"fr-CH"``); default English.
    digits : int, default 2
    sign : bool, default False
        Show ``+`` for positive numbers (differences, balances).
    leading_zero : bool, default True
        False drops the zero before the point for values below 1 in size
        (APA style for bounded statistics: ``.85``).

    Examples
    --------
    >>> fmt_number(3.456, "en"), fmt_number(3.456, "de"), fmt_number(-0.5, "fr", 1)
    ('3.46', '3,46', '−0,5')
    >>> fmt_number(0.25, "en", sign=True), fmt_number(0.853, "en", leading_zero=False)
    ('+0.25', '.85')
    >>> fmt_number(float("nan"), "en")
    '–'
    """
    if _missing(x):
        return MISSING
    value = float(x)  # type: ignore[arg-type]
    s = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    if not leading_zero and abs(value) < 1:
        s = re.sub(r"^([+-]?)0\.", r"\1.", s)
    s = s.replace("-", _MINUS)
    return s.replace(".", ",") if decimal_comma(lang) else s


def fmt_percent(p: float | None, lang: str | None = "en", digits: int = 0) -> str:
    """A share (0..1) as percent: ``95%`` in English, ``95 %`` (no-break space) elsewhere.

    Examples
    --------
    >>> fmt_percent(0.954, "en"), fmt_percent(0.954, "de", 1)
    ('95%', '95,4\\xa0%')
    """
    if _missing(p):
        return MISSING
    number = fmt_number(100 * float(p), lang, digits)  # type: ignore[arg-type]
    return f"{number}%" if _base_language(lang) == "en" else f"{number}\u00a0%"


def _cell(value: object, lang: str | None, digits: int) -> str:
    import numbers

    if isinstance(value, (str, bool)):
        return escape(value)
    if _missing(value):
        return MISSING
    if isinstance(value, numbers.Integral):
        return fmt_number(int(value), lang, 0)
    if isinstance(value, numbers.Real):
        return fmt_number(float(value), lang, digits)
    return escape(value)


def html_table(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    lang: str | None = "en",
    digits: int = 2,
    row_headers: bool = True,
    table_id: str | None = None,
    classes: Sequence[str] = (),
    details: str | None = None,
    stack: bool = False,
    cells_are_html: bool = False,
) -> str:
    """A data frame as an accessible HTML table (no index column).

    Column names become ``<th scope='col'>``; with ``row_headers`` the first
    column's cells become ``<th scope='row'>``.  Strings are escaped, numbers
    formatted with :func:`fmt_number` for ``lang`` (whole numbers without
    decimals), missing values shown as :data:`MISSING`.

    Parameters
    ----------
    df : pandas.DataFrame
    caption : str, optional
        Plain text (escaped).
    lang : str, optional
        Language of the number format.
    digits : int, default 2
        Decimals of real numbers.
    row_headers : bool, default True
    table_id : str, optional
        The table's ``id``.
    classes : sequence of str, optional
        CSS classes of the table.
    details : str, optional
        Wrap the table in ``<details>`` with this summary (the numbers behind
        a chart).
    stack : bool, default False
        Narrow screens stack the cells (class ``netsoc-stack``): explicit table
        roles keep the semantics and ``data-label`` names each cell's column.
    cells_are_html : bool, default False
        The cells are already HTML (escaped by the caller); only the column
        names and caption are escaped here.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> table = html_table(pd.DataFrame({"group": ["a<b"], "mean": [0.5]}), lang="de")
    >>> print(table)  # doctest: +ELLIPSIS
    <table><thead><tr><th scope='col'>group</th>...<th scope='row'>a&lt;b</th><td>0,50</td>...
    """
    role = (lambda r: f" role='{r}'") if stack else (lambda r: "")
    cls = [*classes, *(["netsoc-stack"] if stack else [])]
    attrs = (
        (f" id='{escape(table_id)}'" if table_id else "")
        + (f" class='{escape(' '.join(cls))}'" if cls else "")
        + role("table")
    )
    names = [escape(c) for c in df.columns]
    head = "".join(f"<th scope='col'{role('columnheader')}>{n}</th>" for n in names)
    rows = []
    for values in df.itertuples(index=False, name=None):
        cells = [str(v) if cells_are_html else _cell(v, lang, digits) for v in values]
        out = []
        for j, (name, cell) in enumerate(zip(names, cells)):
            if j == 0 and row_headers:
                out.append(f"<th scope='row'{role('rowheader')}>{cell}</th>")
            else:
                label = f" data-label='{name}'" if stack else ""
                out.append(f"<td{role('cell')}{label}>{cell}</td>")
        rows.append(f"<tr{role('row')}>{''.join(out)}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    table = (
        f"<table{attrs}>{cap}<thead{role('rowgroup')}><tr{role('row')}>{head}</tr></thead>"
        f"<tbody{role('rowgroup')}>{''.join(rows)}</tbody></table>"
    )
    if details is not None:
        return f"<details class='netsoc-numbers'><summary>{escape(details)}</summary>{table}</details>"
    return table


def svg_figure(
    fig: Figure,
    alt: str,
    *,
    label_id: str | None = None,
    salt: str = "netsoc",
    css_class: str = "netsoc-chart",
) -> str:
    """A matplotlib figure as inline SVG with a text alternative.

    Text stays text (``svg.fonttype: none``), the size follows the page (no
    fixed width/height), element ids are unique per ``salt`` and nothing
    machine-dependent (date, creator) is written.  The figure is named by
    ``alt`` (``aria-label`` and ``<title>``), or by the element ``label_id``
    when the page already shows the name.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        The text alternative (plain text; escaped here).
    label_id : str, optional
        Id of a visible element naming the figure (``aria-labelledby``).
    salt : str, default "netsoc"
        Makes the SVG's element ids unique when one page holds several figures.
    css_class : str, default "netsoc-chart"

    Returns
    -------
    str
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg") :], flags=re.S)
    name = f"aria-labelledby='{escape(label_id)}'" if label_id else f"aria-label='{escape(alt)}'"

    def root(m: re.Match[str]) -> str:
        attrs = re.sub(r'\s(width|height)="[^"]*"', "", m.group(1))
        return (
            f"<svg{attrs} role='img' {name} focusable='false' class='{escape(css_class)}'>"
            f"<title>{escape(alt)}</title>"
        )

    return re.sub(r"<svg([^>]*)>", root, text, count=1)


def ui_text(
    instrument: Instrument, key: str, lang: str | None = None, default: str | None = None, **values: Any
) -> str:
    """A fixed word of the user interface, in the participant's language.

    The one lookup of the instrument's ``ui:`` section for every app (form,
    feedback, dashboard).  The result is plain text: escape it (and the
    values in it) with :func:`escape` before it goes into HTML.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire (any of its languages).
    key : str
        The ``ui:`` key.
    lang : str, optional
        A language the instrument offers; default the instrument's own.
    default : str, optional
        English text for instruments that do not define ``key`` (an older or
        a custom file).
    **values
        Fill the text's ``{placeholders}``.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        Neither the instrument nor ``default`` has the text; the message names
        the key, the instrument and the language.
    InstrumentError
        The instrument does not offer ``lang``.

    Examples
    --------
    >>> from survey.instrument import load_instrument
    >>> inst = load_instrument()
    >>> ui_text(inst, "no_such_key", default="Hello {name}", name="Ada")
    'Hello Ada'
    """
    if lang is not None and lang != getattr(instrument, "language", None):
        instrument = instrument.localized(lang)
    ui = getattr(instrument, "ui", None) or {}
    template = ui.get(key) or default
    if template is None:
        raise KeyError(
            f"ui text {key!r}: instrument {getattr(instrument, 'id', '?')!r} "
            f"({getattr(instrument, 'language', '?')}) has no such text and no "
            "default was given; add it to the instrument's ui: section"
        )
    return template.format(**values) if values else template

"""Translators' round trip: an instrument's texts out to CSV and back.

:func:`export_translations` writes one row per translatable string
(:func:`survey.languages.text_slots`): its stable id, the text in the
default language and the text in the target language (empty when there is
none yet).  The header names the two languages, e.g. ``id,en,de``.

:func:`import_translations` puts a translated CSV back into the YAML file.
Everything is checked before anything is written: every id present once,
no unknown id, no empty translation, source texts unchanged since the
export, and the resulting file must load as a valid instrument with every
text read back exactly.  The file is edited with ruamel.yaml's round-trip
mode, so comments, order and layout stay; importing an unchanged export
leaves the file byte-identical (it is not rewritten at all).

This module imports nothing of ours but :mod:`survey.instrument`,
:mod:`survey.languages` and the exception types.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from survey.errors import DataError, InstrumentError
from survey.instrument import DEFAULT_INSTRUMENT, Instrument, instrument_from_dict, load_instrument, read_yaml
from survey.languages import TextSlot, is_language_tag, text_slots

__all__ = [
    "DEFAULT_REVIEW_STATUS",
    "ImportResult",
    "export_translations",
    "read_translations",
    "import_translations",
]

#: Review status of a language added by an import, until someone signs off.
DEFAULT_REVIEW_STATUS = "machine-assisted, needs native review"
_ENCODING = "utf-8-sig"  # a byte-order mark, so spreadsheet programs read UTF-8


class ImportResult(NamedTuple):
    """What :func:`import_translations` did.

    Attributes
    ----------
    language : str
    added : int
        Strings that had no text in the language before.
    changed : int
        Strings whose existing text was replaced.
    written : bool
        Whether the file was written (False when nothing changed).
    path : Path
    """

    language: str
    added: int
    changed: int
    written: bool
    path: Path


def _texts(raw: dict[str, Any], default: str, lang: str) -> list[tuple[str, str, str]]:
    """(id, source text, translation or "") for every translatable string."""
    rows = []
    for slot in text_slots(raw):
        v = slot.value
        if isinstance(v, str):
            rows.append((slot.id, v, ""))
        elif isinstance(v, dict):
            rows.append((slot.id, str(v.get(default, "")), str(v.get(lang, "") or "")))
    return rows


def _check_target(lang: str, default: str) -> None:
    if not is_language_tag(lang):
        raise DataError(f"language {lang!r} is not a BCP 47 tag (expected e.g. 'de' or 'pt-BR')")
    if lang == default:
        raise DataError(
            f"language {lang!r} is the instrument's default language, the source "
            "of every translation; choose another language"
        )


def export_translations(
    lang: str, out: str | Path | None = None, *, instrument: str | Path | None = None, force: bool = False
) -> str:
    """Write the translators' CSV of one language.

    Parameters
    ----------
    lang : str
        Target language tag (listed already, or a new one).
    out : str or Path, optional
        CSV file to write; ``None`` only returns the text.
    instrument : str or Path, optional
        Instrument YAML (default: the shipped questionnaire); it must be valid.
    force : bool
        Overwrite an existing ``out``.

    Returns
    -------
    str
        The CSV text (header ``id,<default>,<lang>``).

    Raises
    ------
    DataError
        Bad language, or ``out`` exists and ``force`` is not set.
    InstrumentError
        The instrument is invalid.
    """
    inst = load_instrument(instrument)
    _check_target(lang, inst.default_language)
    raw = read_yaml(Path(inst.source_path or DEFAULT_INSTRUMENT))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", inst.default_language, lang])
    writer.writerows(_texts(raw, inst.default_language, lang))
    text = buf.getvalue()
    if out is not None:
        out = Path(out)
        if out.exists() and not force:
            raise DataError(f"{out}: exists already; pass --force to overwrite it")
        out.write_text(text, encoding=_ENCODING)
    return text


def read_translations(path: str | Path) -> tuple[str, str, list[tuple[int, str, str, str]]]:
    """Read a translators' CSV.

    Returns
    -------
    (source_language, language, rows)
        ``rows`` are ``(line, id, source, translation)``.

    Raises
    ------
    DataError
        Unreadable file, wrong header or rows of the wrong width.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding=_ENCODING)
    except FileNotFoundError:
        raise DataError(f"{p}: file not found") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or len(header) != 3 or header[0] != "id":
        raise DataError(
            f"{p}: expected the header 'id,<source language>,<language>' "
            f"(as written by netsoc translations export), got {header!r}"
        )
    rows = []
    problems = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            problems.append(f"line {line}: expected 3 columns (id, source, translation), got {len(row)}")
            continue
        rows.append((line, row[0].strip(), row[1], row[2]))
    if problems:
        raise DataError(f"{p}: {len(problems)} problem(s)", problems)
    return header[1].strip(), header[2].strip(), rows


def _plain_reads_as_text(text: str) -> bool:
    """Whether PyYAML reads ``text`` written as a plain scalar back as this string."""
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    return tag == "tag:yaml.org,2002:str"


def _scalar(text: str) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return text if _plain_reads_as_text(text) else DoubleQuotedScalarString(text)


def _yaml_rt() -> Any:
    from ruamel.yaml import YAML

    y = YAML()  # round-trip: comments, order, quotes and folded texts stay
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    y.preserve_quotes = True
    return y


def import_translations(
    path: str | Path,
    *,
    instrument: str | Path | None = None,
    out: str | Path | None = None,
    force: bool = False,
    name: str | None = None,
    translator: str | None = None,
    review_status: str | None = None,
    date: str | None = None,
) -> ImportResult:
    """Put a translated CSV back into the instrument file.

    Parameters
    ----------
    path : str or Path
        The CSV (header ``id,<default>,<lang>``).
    instrument : str or Path, optional
        Instrument YAML to update (default: the shipped questionnaire).
    out : str or Path, optional
        Write the result here instead of over ``instrument``.
    force : bool
        Allow replacing existing translations that differ (an older export
        would otherwise silently undo newer work), and overwriting ``out``.
    name, translator, review_status, date : str, optional
        Metadata of a language the file does not list yet (``name``, the
        endonym, is then required); ``review_status`` defaults to
        :data:`DEFAULT_REVIEW_STATUS`, ``date`` to today.

    Returns
    -------
    ImportResult

    Raises
    ------
    DataError
        Every problem of the CSV at once (missing, unknown, duplicate or
        empty rows, changed source texts); nothing is written.
    InstrumentError
        The instrument is invalid before or after the import.
    """
    src = Path(instrument) if instrument is not None else DEFAULT_INSTRUMENT
    inst = load_instrument(src)
    default = inst.default_language
    source_lang, lang, rows = read_translations(path)
    if source_lang != default:
        raise DataError(
            f"{path}: the source column is {source_lang!r}, but the instrument's "
            f"default language is {default!r}"
        )
    _check_target(lang, default)
    original = src.read_text(encoding="utf-8")
    expected = {sid: (source, old) for sid, source, old in _texts(read_yaml(src), default, lang)}
    given, problems = _read_rows(rows, expected, inst, lang)
    listed = lang in inst.languages
    if not listed and not (name and name.strip()):
        problems.append(
            f"{lang!r} is a new language for this instrument: give its name "
            "(as its speakers write it, e.g. --name Deutsch)"
        )
    if problems:
        raise DataError(f"{path}: {len(problems)} problem(s); nothing was written", problems)

    changed = [sid for sid, (_, old) in expected.items() if old and old != given[sid]]
    added = [sid for sid, (_, old) in expected.items() if not old]
    if changed and not force:
        raise DataError(
            f"{path}: would replace {len(changed)} existing {lang!r} translation(s) "
            f"(first: {changed[0]}); pass --force to replace them"
        )
    target = Path(out) if out is not None else src
    if out is not None and target.exists() and not force and target.resolve() != src.resolve():
        raise DataError(f"{target}: exists already; pass --force to overwrite it")
    if not changed and not added and target == src:
        return ImportResult(lang, 0, 0, False, target)

    y = _yaml_rt()
    doc = y.load(original)
    for slot in text_slots(doc):
        if slot.id in given:
            _put_text(slot, default, lang, given[slot.id])
    if not listed:
        named = (name or "").strip()
        _add_language(
            doc, src, default, lang, name=named, translator=translator, status=review_status, date=date
        )
    buf = io.StringIO()
    y.dump(doc, buf)
    text = buf.getvalue()
    _check_read_back(text, src, given, default, lang)
    _write_atomically(target, text)
    return ImportResult(lang, len(added), len(changed), True, target)


def _read_rows(
    rows: list[tuple[int, str, str, str]], expected: dict[str, tuple[str, str]], inst: Instrument, lang: str
) -> tuple[dict[str, str], list[str]]:
    """The translation of each id (the first row of an id wins) and every problem of the rows.

    A row must name a known id once, give a non-empty translation and carry the
    source text the file has now; every known id needs a row.
    """
    default = inst.default_language
    problems: list[str] = []
    given: dict[str, str] = {}
    for line, sid, source, text in rows:
        if sid in given:
            problems.append(f"line {line}: {sid}: appears more than once")
        elif sid not in expected:
            problems.append(f"line {line}: {sid}: unknown id (not a text of {inst.id} {inst.version})")
        elif not text.strip():
            problems.append(f"line {line}: {sid}: the {lang!r} translation is empty")
        elif source != expected[sid][0]:
            problems.append(
                f"line {line}: {sid}: the {default!r} source text changed since the "
                "export; export again and translate the new text"
            )
        given.setdefault(sid, text)
    for sid in expected:
        if sid not in given:
            problems.append(f"{sid}: missing (every text needs a {lang!r} translation)")
    return given, problems


def _put_text(slot: TextSlot, default: str, lang: str, text: str) -> None:
    """Set one text's translation in the round-trip document (a plain text becomes a map)."""
    from ruamel.yaml.comments import CommentedMap

    v = slot.value
    if isinstance(v, dict):
        if v.get(lang) != text:
            v[lang] = _scalar(text)
        return
    texts = CommentedMap([(default, v), (lang, _scalar(text))])
    # A comment (or blank line) after the old value stays after the new map.
    comment = getattr(slot.container, "ca", None)
    if comment is not None and slot.key in comment.items:
        moved = comment.items.pop(slot.key)
        token = moved[2] if len(moved) > 2 else None
        if token is not None and not str(token.value).startswith("\n"):
            token.value = "\n" + token.value  # a block text had eaten the line end
        texts.ca.items[lang] = moved
    slot.container[slot.key] = texts


def _add_language(
    doc: Any,
    src: Path,
    default: str,
    lang: str,
    *,
    name: str,
    translator: str | None,
    status: str | None,
    date: str | None,
) -> None:
    """List a new language, with its metadata, in the round-trip document."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    langs = doc.get("languages")
    if langs is None:
        raise InstrumentError(f"{src}: add a 'languages:' section (with {default!r}) first")
    langs[lang] = CommentedMap(
        [
            ("name", _scalar(name)),
            ("translator", _scalar(translator or "unknown")),
            ("date", SingleQuotedScalarString(date or dt.date.today().isoformat())),
            ("review_status", _scalar(status or DEFAULT_REVIEW_STATUS)),
        ]
    )


def _check_read_back(text: str, src: Path, given: dict[str, str], default: str, lang: str) -> None:
    """Read the result back exactly as netsoc will, before writing anything."""
    check = yaml.safe_load(text)
    new = instrument_from_dict(check, origin=str(src))
    got = {sid: tr for sid, _, tr in _texts(check, default, lang)}
    wrong = [sid for sid in given if got.get(sid) != given[sid]]
    if wrong or lang not in new.languages:
        raise InstrumentError(
            f"{src}: the updated file would not read back the same texts "
            f"(first: {wrong[:1]}); nothing was written"
        )


def _write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``target``, then rename it over ``target``."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

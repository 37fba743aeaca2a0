"""``--wave`` of ``netsoc workshop`` and ``netsoc survey``: which wave the cohort collects."""

from __future__ import annotations

import argparse

from survey.waves import WAVES

__all__ = ["add_wave_argument", "apply_wave"]


def add_wave_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--wave pre|post``."""
    parser.add_argument(
        "--wave",
        choices=WAVES,
        help="collect this wave of a before-and-after workshop (pre at the start, post at the end; "
        "the same browser links both by itself; the facilitator can switch on the dashboard). "
        "Without it the cohort keeps the wave it has (none: a single round)",
    )


def apply_wave(db: str, cohort: str | None, wave: str | None) -> str | None:
    """Store the cohort's wave (when ``--wave`` was given); returns the wave it collects.

    Raises
    ------
    NetsocError
        ``--wave`` without ``--cohort`` (waves are linked within one workshop code).
    """
    from survey.errors import NetsocError
    from survey.instrument import load_instrument
    from survey.store import open_store

    if wave is not None and cohort is None:
        raise NetsocError("--wave needs --cohort: a person's waves are linked within one workshop code")
    if cohort is None:
        return None
    with open_store(db, instrument=load_instrument()) as store:
        if wave is not None:
            store.set_wave(cohort, wave)
        return store.current_wave(cohort)

"""Small builders shared by several test files."""

from __future__ import annotations

from typing import Any


def keyed_answers(instrument: Any, net: int, soc: int, intent: int = 3, *,
                  checks: bool | str = True, consent: bool = False) -> dict[str, Any]:
    """Answer codes whose keyed value is ``net`` / ``soc`` / ``intent`` on every item.

    ``checks``: ``True`` answers the attention checks as asked, ``"fail"``
    answers each one wrongly, ``False`` leaves them out.  ``consent`` adds
    ``consent=True``.
    """
    want = {"networking": net, "socializing": soc, "intentionality": intent}
    out: dict[str, Any] = {i.id: (6 - want[i.scale] if i.keying == "reverse" else want[i.scale])
                           for i in instrument.items}
    if checks:
        out |= {a.id: (a.expected % 5) + 1 if checks == "fail" else a.expected
                for a in instrument.attention_checks}
    if consent:
        out["consent"] = True
    return out

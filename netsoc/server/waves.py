"""Waves on the survey server: which wave a cohort collects, and one browser's way through both.

Token claims added by waves (:mod:`netsoc.server.participant` lists the others):
``w`` the wave this token's response belongs to, ``j`` the subject id (random,
:func:`survey.waves.new_subject_id`) that links this browser's waves, ``v``
whether this browser may see its pre-wave result (it answered the pre wave
itself, or gave the pre wave's 50-bit personal code).

When the facilitator switches the cohort to another wave, a browser that
already answered (or started) gets a fresh response for the new wave: a new
respondent id, the same browser id and subject id.  On another device the
participant links with the personal code the pre wave's feedback showed, or
with the self-generated linking code (:mod:`survey.waves`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netsoc.cache import SharedCache
from survey.errors import ResponseValidationError, StoreError
from survey.waves import WaveTag, link_code, link_hash, new_subject_id

__all__ = ["WaveDesk", "WAVE_TTL"]

#: Seconds a cohort's wave is reused (a facilitator's switch reaches every worker within it).
WAVE_TTL = 2.0


class WaveDesk:
    """The waves of one survey process (shared, read-only state and a short cache only).

    Parameters
    ----------
    store : callable
        Returns the process's shared store.
    """

    def __init__(self, store: Callable[[], Any]) -> None:
        self.store = store
        self._waves: SharedCache[str | None] = SharedCache(256)

    def current(self, cohort: str | None) -> str | None:
        """The wave the cohort collects now (``None``: no waves, or no cohort)."""
        if cohort is None:
            return None

        def ask() -> str | None:
            read = getattr(self.store(), "current_wave", None)
            return None if read is None else read(cohort)

        try:
            return self._waves.get(cohort, ask, every=WAVE_TTL)
        except StoreError:
            return None

    def roll(self, claims: Mapping[str, Any]) -> dict[str, Any]:
        """The claims for the cohort's current wave: a fresh response when the wave changed."""
        from survey.store import new_respondent_id

        out = dict(claims)
        wave = self.current(claims.get("c"))
        if claims.get("w") == wave:
            return out
        if claims.get("st") != "a" or int(claims.get("p") or 0) > 0 or claims.get("d"):
            out.update(r=new_respondent_id(), st="a", p=0, d=False, t=None)
            out["v"] = claims.get("w") == "pre" and claims.get("st") == "s"
        out["w"] = wave
        out["j"] = (claims.get("j") or new_subject_id()) if wave is not None else claims.get("j")
        return out

    def tag(
        self, claims: Mapping[str, Any], link: Mapping[str, Any] | None = None
    ) -> tuple[WaveTag | None, dict[str, Any]]:
        """The wave tag a submission is stored with, and the claims after linking.

        In the post wave, a personal code links to the pre response it names (and
        shows its result); else a self-generated linking code links to the one pre
        response of the cohort with the same code.  A code that finds nothing
        leaves the subject the browser already has.
        """
        out = dict(claims)
        wave, cohort = out.get("w"), out.get("c")
        if wave is None:
            return None, out
        link = dict(link or {})
        store = self.store()
        digest = None
        try:
            code = link_code(link)
        except ResponseValidationError:
            code = None  # the selects offer only valid answers; anything else is ignored
        try:
            if code is not None:
                digest = link_hash(code, store.link_salt(cohort))
            if wave == "post" and not out.get("v"):
                found = None
                if link.get("code"):
                    found = store.linked_pre(cohort, code=str(link["code"]))
                    out["v"] = found is not None
                if found is None and digest is not None:
                    found = store.linked_pre(cohort, link_hash=digest)
                if found is not None:
                    out["j"] = found[0]
        except StoreError:
            pass  # stored unlinked; the submit reports an unreachable store itself
        return WaveTag(wave=str(wave), subject=out.get("j"), link_hash=digest), out

    def pre_answers(self, m: Any) -> dict[str, Any] | None:
        """The pre wave's answers the participant of model ``m`` may see (post wave only), or ``None``."""
        tag = m.wave_tag
        if tag is None or tag.wave != "post" or not m.pre_visible or not tag.subject:
            return None
        try:
            return self.store().subject_answers(m.cohort, tag.subject, wave="pre")
        except StoreError:
            return None

    @staticmethod
    def info(claims: Mapping[str, Any], code: str | None = None) -> dict[str, Any] | None:
        """What the form needs to know: ``wave``, ``linked`` (the pre wave is known), and after
        the pre wave the personal ``code`` for linking on another device."""
        if claims.get("w") is None:
            return None
        out: dict[str, Any] = {"wave": claims["w"], "linked": bool(claims.get("v"))}
        if code:
            out["code"] = code
        return out

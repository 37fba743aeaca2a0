"""What a participant's browser may send: pydantic schemas checked on every message.

The schema is the guard: a message that does not fit (unknown type, wrong
types, too many answers, text too long, unknown language) is refused with 422
before the questionnaire's model sees it.  Values are then judged by
:class:`netsoc.form.model.SurveyModel` (the instrument's rules).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

__all__ = [
    "PageMessage",
    "ResumeMessage",
    "DeclineMessage",
    "HelloMessage",
    "RoomMessage",
    "RestoreMessage",
    "parse_message",
    "ValidationError",
    "MAX_BODY_BYTES",
]

#: A request body larger than this is refused (413) before it is parsed.
MAX_BODY_BYTES = 16_384

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Answer = int | Annotated[str, Field(max_length=4000)] | None
Lang = Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z0-9-]+$")]
Token = Annotated[str, Field(min_length=10, max_length=1024)]
Seq = Annotated[int, Field(ge=0, le=10_000_000)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    token: Token
    seq: Seq = 0
    lang: Lang | None = None


class HelloMessage(_Message):
    """A reopened page: what should it show?"""

    type: Literal["hello"]


class LinkAnswers(BaseModel):
    """How a post wave links to the pre wave (:mod:`netsoc.server.waves`): the pre wave's
    personal code, or the self-generated linking code's three answers."""

    model_config = ConfigDict(extra="forbid", strict=True)
    code: Annotated[str, Field(max_length=64)] | None = None
    letter: Annotated[str, Field(max_length=2)] | None = None
    day: Annotated[str, Field(max_length=2)] | None = None
    siblings: Annotated[str, Field(max_length=2)] | None = None


class PageMessage(_Message):
    """One page's answers, and where to go (``submit`` on the last page, with its ``link``)."""

    type: Literal["page", "submit"]
    page: Annotated[int, Field(ge=0, le=200)]
    answers: Annotated[dict[Id, Answer], Field(max_length=80)] = {}
    go: Literal["next", "back", "stay", "save"] = "stay"
    consent: bool = False
    cohort: Annotated[str, Field(max_length=64)] | None = None
    link: LinkAnswers | None = None


class ResumeMessage(_Message):
    """A resume code typed on the welcome page."""

    type: Literal["resume"]
    code: Annotated[str, Field(max_length=64)]


class RestoreMessage(_Message):
    """Every answer a page holds, sent when the server could not read its token (a server
    with another secret): it goes on as a new respondent with them."""

    type: Literal["restore"]
    answers: Annotated[dict[Id, Answer], Field(max_length=200)] = {}
    cohort: Annotated[str, Field(max_length=64)] | None = None


class RoomMessage(_Message):
    """After the submit: is the workshop's summary ready?"""

    type: Literal["room"]


class DeclineMessage(_Message):
    """The participant does not agree to take part."""

    type: Literal["decline"]


_ANY = TypeAdapter(
    Annotated[
        HelloMessage | PageMessage | ResumeMessage | DeclineMessage | RoomMessage | RestoreMessage,
        Field(discriminator="type"),
    ]
)


def parse_message(
    body: bytes,
) -> HelloMessage | PageMessage | ResumeMessage | DeclineMessage | RoomMessage | RestoreMessage:
    """Validate a request body (JSON) against the message schemas.

    Raises
    ------
    ValidationError
        The body is not JSON or fits no message.
    """
    return _ANY.validate_json(body)

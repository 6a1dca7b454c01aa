"""What the engine tells a front end, as one discriminated union.

The graph's nodes write these objects to LangGraph's custom stream as they happen; the session passes
them on unchanged (adding `Graded` and `Finished`, which happen outside the graph); the TUI and the CLI
`match` on the class. Notices travel on this one channel only (their record in the state is history).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # pragma: no cover
    from .scorecard import Scorecard


@dataclass(frozen=True)
class Token:
    """A piece of the interviewer's line being streamed."""

    text: str


@dataclass(frozen=True)
class Reset:
    """The streamed line is being replaced (the model failed mid-stream and the fallback answers)."""


@dataclass(frozen=True)
class Message:
    """A whole transcript turn, once it is in the state."""

    turn: dict[str, Any]


@dataclass(frozen=True)
class Saved:
    """The candidate's line is in the checkpoint (durable): a front end may now show it as sent.

    `turn` is the transcript turn as recorded (cleaned, capped, redacted)."""

    turn: dict[str, Any]


@dataclass(frozen=True)
class PhaseChanged:
    """A phase closed; `phase` is the one that opens (None at the end)."""

    phase: str | None
    closed: str


@dataclass(frozen=True)
class Notice:
    kind: str  # time | fallback | input | index
    text: str


@dataclass(frozen=True)
class Graded:
    """A phase's grade is ready (graded in the background)."""

    phase: str
    score: float


@dataclass(frozen=True)
class Finished:
    scorecard: "Scorecard"


Event = Union[Token, Reset, Message, Saved, PhaseChanged, Notice, Graded, Finished]
EVENT_TYPES = (Token, Reset, Message, Saved, PhaseChanged, Notice, Graded, Finished)

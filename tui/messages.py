"""Typed messages that workers post back to the screens (thread-safe via `post_message`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.content import Library
    from interviewer.events import Event
    from interviewer.scorecard import Scorecard
    from interviewer.view import SessionView

    from .backend import SessionLike


class LibraryLoaded(Message):
    """The case library is loaded (setup and interview screens)."""

    def __init__(self, library: "Library") -> None:
        super().__init__()
        self.library = library


class BrainResolved(Message):
    def __init__(self, brain: str, reason: str) -> None:
        super().__init__()
        self.brain = brain
        self.reason = reason


class SessionsListed(Message):
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__()
        self.rows = rows


class SessionOpened(Message):
    """The engine is loaded and the session started or resumed."""

    def __init__(self, session: "SessionLike", resumed: bool, view: "SessionView") -> None:
        super().__init__()
        self.session = session
        self.resumed = resumed
        self.view = view


class EngineWarm(Message):
    """The index and the embedding model are loaded."""


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class EngineEvent(Message):
    """One event from the engine (token, reset, message, phase, notice, graded, finished)."""

    def __init__(self, event: "Event") -> None:
        super().__init__()
        self.event = event


class TurnsDone(Message):
    """The send worker drained the outbox; the session's state after it."""

    def __init__(self, view: "SessionView | None") -> None:
        super().__init__()
        self.view = view


class TurnFailed(Message):
    """A line could not be sent. `saved`: the engine had checkpointed it before the step failed, so
    the step can be replayed; otherwise the line is handed back to the answer box."""

    def __init__(self, error: str, text: str, saved: bool = False) -> None:
        super().__init__()
        self.error = error
        self.text = text
        self.saved = saved


class ReportLoaded(Message):
    def __init__(self, card: "Scorecard") -> None:
        super().__init__()
        self.card = card

"""What the screens need from the app, as a protocol, so no screen imports the app module."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Generic, Protocol, TypeVar, cast

from textual.screen import Screen

if TYPE_CHECKING:  # pragma: no cover
    from .backend import Backend, InterviewRequest


class Services(Protocol):
    backend: "Backend"
    live_clock: bool  # tick the countdown every second
    cursor_blink: bool
    export_dir: Path
    now: Callable[[], float]

    def open_interview(self, request: "InterviewRequest") -> None: ...

    def track_session(self, session_id: str | None) -> None:
        """The unfinished interview on screen (for the resume hint at exit), or None."""


R = TypeVar("R")


class MlsdScreen(Screen[R], Generic[R]):
    """A screen of the mlsd app."""

    @property
    def mlsd(self) -> Services:
        return cast(Services, self.app)

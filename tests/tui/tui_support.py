"""Test support for the TUI tests: a fake backend and a polling helper.

The fake backend is for tests that must not load the engine (snapshots, setup and history screens).

It serves the real case library (fast, deterministic) and sessions frozen from JSON fixtures.
"""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any, Callable

from textual.pilot import Pilot

from interviewer.view import SessionView
from tui.backend import Backend, EventSink, InterviewRequest, SessionLike

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_card(name: str = "scorecard.json") -> Any:
    from interviewer.scorecard import Scorecard

    return Scorecard.model_validate_json((FIXTURES / name).read_text())


class FrozenSession:
    """A session whose state never changes (it refuses to send)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.id: str = payload["id"]
        self.brain_kind: str = payload.get("brain", "offline")
        self.on_event: EventSink | None = None
        self._state: dict[str, Any] = payload["state"]
        self._budgets: dict[str, float] = payload["budgets"]

    def view(self) -> SessionView:
        return SessionView.of(copy.deepcopy(self._state), self._budgets, self.brain_kind)

    @property
    def finished(self) -> bool:
        return self._state.get("status") == "finished"

    def send(self, text: str) -> list[Any]:
        raise RuntimeError("a frozen session does not take answers")

    def scorecard(self) -> Any:
        return load_card()


class FakeBackend(Backend):
    def __init__(self, sessions: list[dict[str, Any]] | None = None, payload: str = "interview_state.json") -> None:
        super().__init__()
        self.rows = sessions or []
        self.payload = json.loads((FIXTURES / payload).read_text())
        self.opened: list[InterviewRequest] = []

    def brain_line(self, brain: str | None) -> tuple[str, str]:
        if brain in ("offline", "llm"):
            return brain, f"brain set to {brain}"
        return "offline", "no API key or base URL configured"

    def preload(self) -> None:
        return None

    def warm(self, case: str | None) -> None:
        return None

    def open(self, req: InterviewRequest, on_event: EventSink) -> SessionLike:
        self.opened.append(req)
        return FrozenSession(self.payload)

    def start(self, req: InterviewRequest, on_event: EventSink) -> SessionLike:
        return self.open(req, on_event)

    def resume(self, sid: str, on_event: EventSink) -> SessionLike:
        return self.open(InterviewRequest(resume=sid), on_event)

    def sessions(self) -> list[dict[str, Any]]:
        return list(self.rows)

    def load_report(self, sid: str) -> Any:
        return load_card()

    def close(self) -> None:
        return None


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await pilot.pause(0.05)


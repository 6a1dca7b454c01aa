"""The TUI shows a line as sent only once the engine has checkpointed it, ctrl+q waits for unsaved lines,
and a failed step keeps the line (fake backend: a session whose save and reply the test releases)."""
from __future__ import annotations

import threading
from typing import Any

from tui_support import FakeBackend, FrozenSession, wait_until

from interviewer.events import Message, Saved
from tui.app import MlsdApp
from tui.backend import EventSink, InterviewRequest, SessionLike
from tui.screens.interview import InterviewScreen
from tui.widgets.composer import Composer
from tui.widgets.conversation import CandidateLine


class GatedSession(FrozenSession):
    """`send` waits for `save_gate` before it reports the line saved, then for `reply_gate` before the reply.
    `fail` makes the next send raise, before (`"before"`) or after (`"after"`) the line is saved."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.save_gate = threading.Event()
        self.reply_gate = threading.Event()
        self.fail: str | None = None
        self.saved: list[str] = []
        self.replays = 0
        self.pending = False

    def send(self, text: str) -> list[Any]:
        assert self.save_gate.wait(30)
        if self.fail == "before":
            self.fail = None
            raise ConnectionError("database is locked")
        self.saved.append(text)
        if self.on_event:
            self.on_event(Saved({"role": "candidate", "text": text, "phase": "clarify", "kind": "answer"}))
        if self.fail == "after":
            self.fail = None
            self.pending = True
            raise ConnectionError("the endpoint went away")
        assert self.reply_gate.wait(30)
        self._reply()
        return []

    def replay(self) -> list[Any]:
        self.replays += 1
        if self.pending:
            self.pending = False
            self._reply()
        return []

    def _reply(self) -> None:
        if self.on_event:
            self.on_event(Message({"role": "interviewer", "text": "Tell me more.", "phase": "clarify", "kind": "follow_up", "minute": 1.0}))


class GatedBackend(FakeBackend):
    def __init__(self) -> None:
        super().__init__()
        self.session = GatedSession(self.payload)

    def open(self, req: InterviewRequest, on_event: EventSink) -> SessionLike:
        self.session.on_event = on_event
        return self.session


async def _typed(pilot, text: str) -> None:
    composer = pilot.app.screen.query_one(Composer)
    composer.text = text
    composer.move_cursor(composer.document.end)
    await pilot.press("enter")
    await pilot.pause()


def _lines(screen: InterviewScreen) -> list[CandidateLine]:
    return list(screen.query(CandidateLine))


async def _start(clean_env) -> tuple[MlsdApp, GatedBackend, list[int]]:
    backend = GatedBackend()
    app = MlsdApp(InterviewRequest(case="news-feed"), backend=backend, live_clock=False, cursor_blink=False, export_dir=clean_env)
    exits: list[int] = []
    app.exit = lambda *a, **k: exits.append(1)  # type: ignore[method-assign]
    return app, backend, exits


async def test_a_line_is_sending_until_saved_and_ctrl_q_waits_for_it(clean_env) -> None:
    app, backend, exits = await _start(clean_env)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await wait_until(pilot, lambda: screen.session is not None, what="the session")
        await _typed(pilot, "We need about 200 ms at p99.")
        line = _lines(screen)[-1]
        assert line.pending and line.has_class("-pending")
        assert "sending" in str(line.query_one(".who").render())
        assert screen.unsaved == ["We need about 200 ms at p99."]
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        assert not exits, "quit while a line was not saved"
        assert "saving your answer" in str(screen.query_one("#status").render())
        backend.session.save_gate.set()
        await wait_until(pilot, lambda: not line.pending, what="the line to be marked saved")
        assert str(line.query_one(".who").render()) == "You"
        await wait_until(pilot, lambda: bool(exits), what="the app to quit once the line was saved")
        backend.session.reply_gate.set()


async def test_second_ctrl_q_quits_at_once_and_names_the_lost_lines(clean_env) -> None:
    app, backend, exits = await _start(clean_env)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.session is not None, what="the session")
        await _typed(pilot, "A line the engine never saves")
        await pilot.press("ctrl+q")
        await pilot.pause(0.1)
        assert not exits
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: bool(exits), what="the second ctrl+q to quit")
        assert app.lost_lines == ["A line the engine never saves"]
        backend.session.save_gate.set()
        backend.session.reply_gate.set()


async def test_a_line_not_saved_goes_back_to_the_answer_box(clean_env) -> None:
    app, backend, _exits = await _start(clean_env)
    backend.session.fail = "before"
    backend.session.save_gate.set()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.session is not None, what="the session")
        n = len(_lines(screen))
        await _typed(pilot, "My answer that could not be saved")
        await wait_until(pilot, lambda: "could not send" in str(screen.query_one("#status").render()), what="the error")
        assert screen.query_one(Composer).text == "My answer that could not be saved"
        assert len(_lines(screen)) == n, "an unsaved line is still shown as said"
        backend.session.reply_gate.set()
        await pilot.press("enter")  # sends it again
        await wait_until(pilot, lambda: backend.session.saved == ["My answer that could not be saved"], what="the resend")
        await wait_until(pilot, lambda: not screen.busy, what="the reply")
        assert not _lines(screen)[-1].pending


async def test_a_failed_step_keeps_the_line_and_enter_replays_it(clean_env) -> None:
    app, backend, _exits = await _start(clean_env)
    backend.session.fail = "after"
    backend.session.save_gate.set()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.session is not None, what="the session")
        await _typed(pilot, "An answer whose reply fails")
        await wait_until(pilot, lambda: "your answer is saved" in str(screen.query_one("#status").render()), what="the persistent error")
        line = _lines(screen)[-1]
        assert not line.pending and line.text == "An answer whose reply fails"
        assert screen.query_one(Composer).text == ""
        await pilot.pause(0.3)
        assert backend.session.replays == 0, "a failed step was retried in a loop without being asked"
        await pilot.press("ctrl+r")  # try the failed step again
        await wait_until(pilot, lambda: backend.session.replays == 1 and not screen.busy, what="the replay")
        assert backend.session.saved == ["An answer whose reply fails"], "the line was sent twice"
        assert "your turn" in str(screen.query_one("#status").render())

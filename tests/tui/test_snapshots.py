"""SVG snapshots of the real screens at 80x24 and 140x45 (pytest-textual-snapshot).

The engine is replaced by `FakeBackend` (frozen sessions and a scorecard from JSON fixtures),
the countdown does not tick and cursors do not blink, so the pictures are stable.
Update the baselines with `pytest tests/tui/test_snapshots.py --snapshot-update`.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_support import FakeBackend, load_card, wait_until

from interviewer.domain import PHASES
from tui.app import MlsdApp
from tui.backend import InterviewRequest
from tui.screens.history import HistoryScreen
from tui.screens.interview import InterviewScreen
from tui.screens.note import NoteScreen
from tui.screens.scorecard import ScorecardScreen
from tui.screens.setup import SetupScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((140, 45), id="140x45")]
UNFINISHED = [
    {"id": "20250315-090000-live01", "case_id": "video-recommendation", "level": "senior", "status": "running", "created": 1742029200.0, "kind": "interview"},
    {"id": "20250308-090000-str001", "case_id": "video-recommendation", "level": "senior", "status": "finished", "created": 1741424400.0, "kind": "interview"},
]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> object:
    """Session times are shown in local time: pin the zone so the pictures match anywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def frozen_app(request: InterviewRequest, tmp: Path, sessions: list[dict[str, Any]] | None = None) -> MlsdApp:
    return MlsdApp(request, backend=FakeBackend(sessions=sessions), live_clock=False, cursor_blink=False, export_dir=tmp)


class ScorecardHost(MlsdApp):
    """The real scorecard screen, on an app that opens it directly."""

    def first_screen(self) -> ScorecardScreen:
        return ScorecardScreen(load_card())


@pytest.mark.parametrize("size", SIZES)
def test_setup_screen(snap_compare: Any, size: tuple[int, int], clean_env: Path, utc: object) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SetupScreen) and pilot.app.screen.library is not None, what="the case list")
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"video")  # filter the list
        await pilot.pause()

    assert snap_compare(frozen_app(InterviewRequest(), clean_env, UNFINISHED), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_interview_screen(snap_compare: Any, size: tuple[int, int], clean_env: Path) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, InterviewScreen)
        await wait_until(pilot, lambda: screen.session is not None and screen.warm and screen.library is not None, what="the session")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("slash", "h")  # shows the command suggestion line
        await pilot.pause()

    assert snap_compare(frozen_app(InterviewRequest(resume="20250315-090000-live01"), clean_env), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_scorecard_screen(snap_compare: Any, size: tuple[int, int], clean_env: Path) -> None:
    app = ScorecardHost(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_scorecard_criteria_tab(snap_compare: Any, size: tuple[int, int], clean_env: Path) -> None:
    app = ScorecardHost(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    assert snap_compare(app, terminal_size=size, press=["right"])


async def _note_open(pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, NoteScreen) and bool(pilot.app.screen.notes), what="the note")
    await pilot.pause()


async def _scrolled(pilot: Pilot[Any], screen: Any) -> None:
    """Every scrolling widget of `screen` at the place it is scrolling to: a focused list scrolls its page into
    view with an animation, and under load (clean-clone CI beside other work, twice) the snapshot caught the page
    behind a note one line short of it."""

    def settled() -> bool:
        return all(
            abs(w.scroll_y - w.scroll_target_y) < 0.01 and abs(w.scroll_x - w.scroll_target_x) < 0.01
            for w in screen.query("*")
            if w.is_scrollable
        )

    await wait_until(pilot, settled, what="scrolling to settle")
    await pilot.wait_for_scheduled_animations()


@pytest.mark.parametrize("size", SIZES)
def test_scorecard_study_note(snap_compare: Any, size: tuple[int, int], clean_env: Path) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        # each step settled before the next: under load (clean-clone CI) "down" once landed before the study
        # tab had focus and scrolled the page behind the note instead
        await pilot.press("right", "right")
        await wait_until(pilot, lambda: getattr(pilot.app.focused, "id", None) == "study-notes", what="the study list")
        await pilot.wait_for_scheduled_animations()
        await pilot.press("down")
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#study-notes").highlighted == 1, what="the second note")
        await _scrolled(pilot, pilot.app.screen)
        behind = pilot.app.screen
        await pilot.press("enter")
        await _note_open(pilot)
        await _scrolled(pilot, behind)
        await _scrolled(pilot, pilot.app.screen)

    app = ScorecardHost(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_why_this_question(snap_compare: Any, size: tuple[int, int], clean_env: Path) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, InterviewScreen)
        await wait_until(pilot, lambda: screen.session is not None and screen.warm and screen.library is not None, what="the session")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f4")
        await _note_open(pilot)

    assert snap_compare(frozen_app(InterviewRequest(resume="20250315-090000-live01"), clean_env), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_history_screen(snap_compare: Any, size: tuple[int, int], clean_env: Path, utc: object) -> None:
    earlier = [
        {"id": "20250222-090000-old001", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1740214800.0, "kind": "interview"},
        {"id": "20250301-090000-old002", "case_id": "payment-fraud-detection", "level": "senior", "status": "finished", "created": 1740819600.0, "kind": "interview"},
    ]
    rows = [
        dict(r, score=s, hire_signal=h, level_estimate=e)
        for r, s, h, e in zip(UNFINISHED + earlier[::-1], (None, 3.36, 2.71, 2.14), ("", "strong hire", "lean hire", "lean no hire"), (None, "staff", "senior", "mid"))
    ]
    profiles = [(1.0, 2.5, 2.0, 2.0, 2.5, 1.5, 2.0), (3.0, 2.5, 3.0, 2.5, 2.5, 2.5, 3.0), (3.5, 3.0, 3.5, 3.5, 3.0, 3.5, 3.5)]
    scores = [(r["id"], r["created"], dict(zip(PHASES, p))) for r, p in zip([*earlier, UNFINISHED[1]], profiles)]

    class Scores(FakeBackend):
        def phase_scores(self) -> list[tuple[str, float, dict[str, float]]]:
            return scores

    class Host(MlsdApp):
        def first_screen(self) -> HistoryScreen:
            return HistoryScreen()

    async def ready(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen) and len(pilot.app.screen.rows) == 4, what="the rows")
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#phase-profile").display, what="the profile")
        await pilot.pause()

    app = Host(backend=Scores(sessions=rows), live_clock=False, cursor_blink=False, export_dir=clean_env)
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24")])
def test_help_screen(snap_compare: Any, size: tuple[int, int], clean_env: Path) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SetupScreen) and pilot.app.screen.library is not None, what="setup")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(frozen_app(InterviewRequest(), clean_env), terminal_size=size, run_before=ready)

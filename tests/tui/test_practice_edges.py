"""Issue 13's rough edges, each pinned by a Pilot test at 80x24 (and 140x45 where it is about layout).

The engine is replaced by `FakeBackend` (frozen sessions and a scorecard from JSON fixtures) unless a
test needs the real one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable
from tui_support import FakeBackend, wait_until

from interviewer.events import Notice
from tui.app import MlsdApp
from tui.backend import InterviewRequest
from tui.messages import EngineEvent
from tui.screens.history import HistoryScreen
from tui.screens.interview import InterviewScreen
from tui.widgets.composer import Composer
from tui.widgets.conversation import CasePanel, InterviewerLine

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((140, 45), id="140x45")]


@pytest.mark.parametrize("size", SIZES)
async def test_history_shows_session_ids_whole(clean_env: Path, size: tuple[int, int]) -> None:
    rows = [
        {"id": "20261130-181512-9f3c2a", "case_id": "delivery-time-estimation", "level": "senior", "status": "finished", "created": 1.7e9, "score": 2.2, "hire_signal": "no hire"},
        {"id": "20261130-181733-b04e11", "case_id": "delivery-time-estimation", "level": "senior", "status": "running", "created": 1.7e9 + 9},
    ]

    class Host(MlsdApp):
        def first_screen(self) -> HistoryScreen:
            return HistoryScreen()

    app = Host(backend=FakeBackend(sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.rows) == 2)
        table = app.screen.query_one("#sessions", DataTable)
        await pilot.pause()
        first = list(table.columns.values())[0]
        assert str(first.label) == "session"
        assert first.get_render_width(table) - 2 * table.cell_padding >= max(len(r["id"]) for r in rows)
        assert table.scroll_x == 0 and table.region.x + first.get_render_width(table) <= size[0]
        assert [str(table.get_row_at(i)[0]) for i in range(2)] == [r["id"] for r in rows]




async def resumed(pilot: Any) -> InterviewScreen:
    screen = pilot.app.screen
    assert isinstance(screen, InterviewScreen)
    await wait_until(pilot, lambda: screen.session is not None and screen.library is not None and screen.warm, what="the resumed session")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", SIZES)
async def test_resume_shows_the_case_panel_beside_the_last_question(clean_env: Path, size: tuple[int, int]) -> None:
    app = MlsdApp(InterviewRequest(resume="20250315-090000-live01"), backend=FakeBackend(), live_clock=False, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        screen = await resumed(pilot)
        panel = screen.query_one(CasePanel)
        conv = screen.conversation
        assert panel.border_title == "Video recommendation" and "Design" in str(panel.render())
        assert len(screen.query(InterviewerLine)) > 3  # a long transcript, scrolled to its end
        assert conv.scroll_y == conv.max_scroll_y > 0
        visible = conv.content_region
        assert visible.contains_region(panel.region), (panel.region, visible)
        last = list(screen.query(InterviewerLine))[-1]
        assert panel.region.bottom <= last.region.y


@pytest.mark.parametrize("size", SIZES)
async def test_time_notice_does_not_cover_the_answer_box(clean_env: Path, size: tuple[int, int]) -> None:
    from textual.widgets._toast import Toast

    app = MlsdApp(InterviewRequest(resume="20250315-090000-live01"), backend=FakeBackend(), live_clock=False, cursor_blink=False)
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = await resumed(pilot)
        screen.post_message(EngineEvent(Notice("time", "You've used 12 of 45 minutes. This phase (Data preparation) has about 1 minute left of its 7.")))
        await wait_until(pilot, lambda: len(screen.query(Toast)) > 0, what="the toast")
        await pilot.pause(0.3)
        composer = screen.query_one(Composer).region
        for toast in screen.query(Toast):
            assert toast.region.area > 0 and not toast.region.overlaps(composer), (toast.region, composer)

"""The practice loop in the TUI: the drills line on the setup screen and the per-phase trend in the history."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static
from tui_support import FakeBackend, wait_until

from interviewer.domain import Phase
from tui.app import MlsdApp
from tui.screens.history import HistoryScreen
from tui.screens.setup import SetupScreen


class PracticeBackend(FakeBackend):
    def __init__(self, drills: tuple[int, int], trends: dict[str, list[float]], **kw: Any) -> None:
        super().__init__(**kw)
        self.drills, self.trends = drills, trends

    def drills_summary(self) -> tuple[int, int]:
        return self.drills

    def phase_trends(self) -> dict[str, list[float]]:
        return self.trends


def _text(w: Static) -> str:
    return str(w.render())


async def test_setup_shows_the_drills_due_in_one_line(clean_env: Path) -> None:
    app = MlsdApp(backend=PracticeBackend((2, 3), {}), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.query_one("#drills-line").display)
        line = app.screen.query_one("#drills-line", Static)
        assert "2 drills due" in _text(line) and "3 coming" in _text(line) and "mlsd drill" in _text(line)
        assert line.region.height == 1 and line.region.width > 0, "one line, visible at 80x24"


async def test_setup_says_nothing_without_drills(clean_env: Path) -> None:
    app = MlsdApp(backend=PracticeBackend((0, 0), {}), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
        await pilot.pause(0.2)
        assert not app.screen.query_one("#drills-line").display


async def test_setup_counts_drills_from_the_real_store(clean_env: Path) -> None:
    from datetime import date, timedelta

    from interviewer.drills import DrillBook, Miss

    book = DrillBook(clean_env, today=lambda: date.today() - timedelta(days=1))
    book.record("s1", "news-feed", [Miss("a", Phase.DATA, "x", "a", 2, "X"), Miss("b", Phase.DATA, "y", "b", 1, "Y")])
    book.close()
    backend = FakeBackend()
    assert backend.drills_summary() == (2, 0), "recorded yesterday: both due today"


async def test_history_shows_a_sparkline_per_phase(clean_env: Path) -> None:
    rows = [{"id": "a", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9, "score": 2.2, "hire_signal": "no hire"}]
    trends = {Phase.CLARIFY: [1.0, 2.5, 4.0], Phase.MODEL: [2.0, 3.0]}
    app = MlsdApp(backend=PracticeBackend((0, 0), trends, sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
        app.screen.query_one("#resume-list").focus()
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.query_one("#phase-trends").display)
        text = _text(app.screen.query_one("#phase-trends", Static))
        assert "clarify   ▁▅█" in text and "1.0 → 4.0" in text
        assert "model" in text and "data" not in text, "only phases with scores"

"""The practice loop in the TUI: the drills line on the setup screen and the per-phase trend in the history."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Static
from tui_support import FakeBackend, wait_until

from interviewer.domain import Phase
from tui.app import MlsdApp
from tui.screens.history import HistoryScreen
from tui.screens.setup import SetupScreen


class PracticeBackend(FakeBackend):
    def __init__(self, drills: tuple[int, int], scores: list[tuple[str, float, dict[str, float]]], **kw: Any) -> None:
        super().__init__(**kw)
        self.drills, self.scores = drills, scores

    def drills_summary(self) -> tuple[int, int]:
        return self.drills

    def phase_scores(self) -> list[tuple[str, float, dict[str, float]]]:
        return self.scores


def _text(w: Static) -> str:
    return str(w.render())


async def test_setup_shows_the_drills_due_in_one_line(clean_env: Path) -> None:
    app = MlsdApp(backend=PracticeBackend((2, 3), []), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.query_one("#drills-line").display)
        line = app.screen.query_one("#drills-line", Static)
        assert "2 drills due" in _text(line) and "3 coming" in _text(line) and "mlsd drill" in _text(line)
        assert line.region.height == 1 and line.region.width > 0, "one line, visible at 80x24"


async def test_setup_says_nothing_without_drills(clean_env: Path) -> None:
    app = MlsdApp(backend=PracticeBackend((0, 0), []), live_clock=False, cursor_blink=False)
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


def _row(sid: str, score: float) -> dict[str, Any]:
    return {"id": sid, "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9, "score": score, "hire_signal": "no hire"}


SCORES = [
    ("s-a", 1.0, {Phase.CLARIFY: 1.0, Phase.MODEL: 2.0}),
    ("s-b", 2.0, {Phase.CLARIFY: 2.5}),
    ("s-c", 3.0, {Phase.CLARIFY: 4.0, Phase.MODEL: 3.0}),
]


async def _open_history(pilot: Any, app: MlsdApp) -> HistoryScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
    app.screen.query_one("#resume-list").focus()
    await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.query_one("#phase-trends").display)
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


async def test_history_shows_a_sparkline_per_phase(clean_env: Path) -> None:
    rows = [_row("s-c", 2.2)]
    app = MlsdApp(backend=PracticeBackend((0, 0), SCORES, sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_history(pilot, app)
        text = _text(screen.query_one("#phase-trends", Static))
        assert "clarify   ▁▅█" in text and "1.0 → 4.0" in text
        assert "model" in text and "data" not in text, "only phases with scores"


async def test_history_profiles_the_highlighted_interview_against_the_earlier_ones(clean_env: Path) -> None:
    rows = [_row("s-c", 3.5), _row("s-b", 2.5), _row("s-a", 1.5)]  # newest first, as the store lists them
    app = MlsdApp(backend=PracticeBackend((0, 0), SCORES, sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_history(pilot, app)
        profile = screen.query_one("#phase-profile", Static)
        await wait_until(pilot, lambda: profile.display and "s-c" in _text(profile))
        text = _text(profile)
        assert "s-c vs 2 earlier" in text
        assert "4.0 vs 1.8 (n=2) +2.2" in text, "clarify against the mean of 1.0 and 2.5"
        assert "3.0 vs 2.0 (n=1) +1.0" in text, "model was graded in one earlier interview"
        assert profile.region.width > 0 and profile.region.height >= 3, "visible at 80x24"
        assert screen.query_one("#sessions").region.height >= 4, "the table keeps room for rows"
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: "s-a" in _text(profile))
        text = _text(profile)
        assert "s-a (the first)" in text and " vs " not in text.split("\n", 1)[1], "nothing before the first"


async def test_history_shows_the_level_estimated_not_the_level_aimed_at(clean_env: Path) -> None:
    """A probe saw "mid" (the level it chose) in the history's level column beside "senior" (the estimate) in
    `mlsd sessions`: the column is the estimate, as there, and a retry has none."""
    rows = [{**_row("s-c", 3.2), "level": "mid", "level_estimate": "senior"}, {**_row("s-b", 3.9), "level": "mid", "level_estimate": "staff", "kind": "retry"}]
    app = MlsdApp(backend=PracticeBackend((0, 0), SCORES, sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_history(pilot, app)
        table = screen.query_one("#sessions", DataTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        assert table.get_row("s-c")[-1] == "senior"
        assert table.get_row("s-b")[-1] == "–"

"""Issue 13's rough edges, each pinned by a Pilot test at 80x24 (and 140x45 where it is about layout).

The engine is replaced by `FakeBackend` (frozen sessions and a scorecard from JSON fixtures) unless a
test needs the real one.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable
from tui_support import FakeBackend, wait_until

from tui.app import MlsdApp
from tui.screens.history import HistoryScreen

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



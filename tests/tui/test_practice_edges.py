"""Issue 13's rough edges, each pinned by a Pilot test at 80x24 (and 140x45 where it is about layout).

The engine is replaced by `FakeBackend` (frozen sessions and a scorecard from JSON fixtures) unless a
test needs the real one.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Markdown, OptionList, Static, TabbedContent
from tui_support import FakeBackend, load_card, wait_until

from interviewer.events import Notice
from tui.app import MlsdApp
from tui.backend import InterviewRequest
from tui.messages import EngineEvent
from tui.screens.history import HistoryScreen
from tui.screens.interview import InterviewScreen
from tui.screens.note import NoteScreen
from tui.screens.scorecard import ScorecardScreen
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


# ------------------------------------------------------------------ the scorecard


class ScorecardHost(MlsdApp):
    def first_screen(self) -> ScorecardScreen:
        return ScorecardScreen(load_card())


def table_text(table: DataTable) -> str:
    """What the table shows, line by line (its whole virtual height)."""
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


@pytest.mark.parametrize("size", SIZES)
async def test_scorecard_keys_work_from_the_start_and_say_so(clean_env: Path, size: tuple[int, int]) -> None:
    app = ScorecardHost(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ScorecardScreen)
        summary = screen.query_one("#summary-scroll", VerticalScroll)
        assert app.focused is summary  # PageDown scrolls the summary at once, no Tab needed
        if summary.max_scroll_y:
            await pilot.press("pagedown")
            assert summary.scroll_y > 0
        assert "←→ tabs" in str(screen.query_one("#sc-hint", Static).render())
        await pilot.press("right")  # the Criteria tab, focus in its table
        await pilot.pause()
        table = screen.query_one("#criteria", DataTable)
        assert screen.query_one("#sc-tabs", TabbedContent).active == "tab-criteria" and app.focused is table
        assert "enter" in str(screen.query_one("#sc-hint", Static).render())
        row = table.cursor_row
        await pilot.press("down")
        assert table.cursor_row == row + 1
        await pilot.press("pagedown")
        assert table.cursor_row > row + 1
        await pilot.press("right")
        await pilot.pause()
        assert app.focused is screen.query_one("#study-notes", OptionList)
        await pilot.press("left", "left")
        assert screen.query_one("#sc-tabs", TabbedContent).active == "tab-summary"


@pytest.mark.parametrize("size", SIZES)
async def test_scorecard_criteria_names_whole_with_evidence_beside(clean_env: Path, size: tuple[int, int]) -> None:
    card = load_card()
    long_name = "Latency and compute constraints stated as a p99 budget split across every stage"
    phase = card.phases[0]
    crit = phase.criteria[1].model_copy(update={"title": long_name, "score": 3, "evidence": ["I would budget 200 ms at p99 and split it across retrieval and ranking."]})
    card.phases[0] = phase.model_copy(update={"criteria": [phase.criteria[0], crit, *phase.criteria[2:]]})

    class Host(MlsdApp):
        def first_screen(self) -> ScorecardScreen:
            return ScorecardScreen(card)

    app = Host(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right")
        await pilot.pause()
        table = app.screen.query_one("#criteria", DataTable)
        shown = " ".join(table_text(table).split())
        assert long_name in shown or all(w in shown for w in long_name.split())
        # every criterion's full title is in its cell (wrapped, not cut), and the row grew to hold it
        titles = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        for c in card.phases[0].criteria:
            assert c.title in titles
        i = titles.index(long_name)
        assert table.ordered_rows[i].height >= 2
        # its evidence sits beside its score, in the same row
        cells = table.get_row_at(i)
        assert str(cells[1]) == "3" and "200 ms at p99" in str(cells[-1])
        assert "…" not in shown


async def test_scorecard_study_note_opens_as_markdown(clean_env: Path) -> None:
    from interviewer.content import library

    card = load_card()
    app = ScorecardHost(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen) and bool(app.screen.notes), what="the note")
        note = app.screen
        assert isinstance(note, NoteScreen)
        ref = card.study[2]
        assert note.notes[note.index].ref == ref
        md = note.query_one("#note-md", Markdown)
        heading = library().note_section(ref, strict=True)[1]
        assert md.source.startswith(f"## {heading}") and len(md.source) > 200
        assert any(b.__class__.__name__.startswith("MarkdownH") for b in md.query("*"))  # rendered, not shown as text
        await pilot.press("right")
        await pilot.pause()
        assert note.notes[note.index].ref == card.study[3]
        await pilot.press("escape")
        assert isinstance(app.screen, ScorecardScreen)
        # a criterion's row opens its evidence and the notes flagged for it
        await pilot.press("left")
        await pilot.pause()
        table = app.screen.query_one("#criteria", DataTable)
        gap = card.gaps[0]
        table.move_cursor(row=[str(table.get_row_at(i)[0]) for i in range(table.row_count)].index(gap.title))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen) and bool(app.screen.notes), what="the criterion's notes")
        assert [n.ref for n in app.screen.notes][: len(gap.study)] == gap.study
        assert gap.title in str(app.screen.lead)


# ------------------------------------------------------------------ why this question?


@pytest.mark.parametrize("size", SIZES)
async def test_why_this_question_replaces_the_probing_line(clean_env: Path, size: tuple[int, int]) -> None:
    app = MlsdApp(InterviewRequest(resume="20250315-090000-live01"), backend=FakeBackend(), live_clock=False, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        screen = await resumed(pilot)
        assert not screen.query(".probe")  # no permanent line under each follow-up
        shown = " ".join(str(w.render()) for w in screen.query(Static))
        assert "↳ probing" not in shown
        last = [t for t in screen.view.transcript if t.by_interviewer and t.criterion][-1]  # type: ignore[union-attr]
        assert screen.probe == last  # the data is kept, from the view
        assert any(b.binding.description == "why this question?" and b.binding.key == "f4" for b in screen.active_bindings.values())
        assert isinstance(app.focused, Composer)
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen) and bool(app.screen.notes), what="the note")
        note = app.screen
        lead = str(note.lead)  # type: ignore[attr-defined]
        from interviewer.content import library

        assert "Why this question?" in lead and last.text in lead
        assert library().criterion(last.criterion or "").title in lead
        assert note.notes[0].ref == last.note  # type: ignore[attr-defined]
        assert note.query_one("#note-md", Markdown).source.startswith("## ")
        await pilot.press("escape")
        assert app.screen is screen and isinstance(app.focused, Composer)


# ------------------------------------------------------------------ first-run progress


class SlowWarmBackend(FakeBackend):
    """Warms up like a first run: the notes index is built in steps the test releases one by one."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.stepped = threading.Event()

    def warm(self, case: str | None) -> None:
        from interviewer.domain import WARM_INDEX

        for done in (0, 128, 331):
            self.warming = (WARM_INDEX, done, 331)
            self.stepped.set()
            self.gate.wait(10)
            self.gate.clear()
        self.warming = None


async def test_warm_up_shows_the_index_build_progress(clean_env: Path) -> None:
    backend = SlowWarmBackend()
    app = MlsdApp(InterviewRequest(resume="20250315-090000-live01"), backend=backend, live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        status = screen.query_one("#status", Static)
        await wait_until(pilot, lambda: "0/331 sections" in str(status.render()), what="the first count")
        backend.gate.set()
        await wait_until(pilot, lambda: "128/331 sections" in str(status.render()), what="the count to advance")
        assert "building the notes index" in str(status.render()) and "▰" in str(status.render())
        backend.gate.set()
        await wait_until(pilot, lambda: "331/331" in str(status.render()), what="the last count")
        backend.gate.set()
        await wait_until(pilot, lambda: screen.warm, what="the warm-up to end")
        await pilot.pause()
        assert str(status.render()).strip() == "● your turn"


# ------------------------------------------------------------------ docs/screens


def test_screens_match_the_snapshots() -> None:
    """docs/screens/ (listed in the README) holds the current 80x24 snapshot baselines, not stale copies."""
    from make_screens import SCREENS, SHOTS, source

    readme = (SCREENS.parents[1] / "README.md").read_text(encoding="utf-8")
    for name, (test, _what) in SHOTS.items():
        shot = SCREENS / f"{name}.svg"
        assert shot.read_bytes() == source(test).read_bytes(), f"{shot} is stale: run python tests/tui/make_screens.py"
        assert f"docs/screens/{name}.svg" in readme


class HeldBackend(FakeBackend):
    """Opens a session only when the test says so (what the screen shows before the engine is up)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def start(self, req: InterviewRequest, on_event: Any) -> Any:
        self.release.wait(10)
        return super().start(req, on_event)


async def test_phase_retry_shows_the_phase_budget(clean_env: Path) -> None:
    """`mlsd --case C --phase frame`: the tracker and the case panel show framing's own 5 minutes, not 45."""
    from interviewer.content import library
    from tui.widgets.phase_tracker import PhaseCell

    backend = HeldBackend()
    app = MlsdApp(InterviewRequest(case="video-recommendation", phase="frame"), backend=backend, live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await wait_until(pilot, lambda: screen.library is not None, what="the library")
        await pilot.pause()
        budget = library().phase_minutes("frame")
        cell = str(screen.query_one("#phase-frame", PhaseCell).render())
        assert f"/{budget:.1f}m" in cell and "45" not in cell, cell
        assert f"{budget:.0f} minutes" in str(screen.query_one(CasePanel).render())
        backend.release.set()
        await wait_until(pilot, lambda: screen.session is not None, what="the session")
        await pilot.pause()

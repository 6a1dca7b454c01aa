"""Widgets in small host apps, and the screens that need no engine (fake backend)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Markdown
from tui_support import FakeBackend, wait_until

from interviewer.view import SessionView, TurnView
from tui.app import MlsdApp
from tui.backend import InterviewRequest
from tui.screens.help import HelpScreen
from tui.screens.history import HistoryScreen, trend_caption
from tui.screens.interview import InterviewScreen
from tui.screens.scorecard import ScorecardScreen
from tui.screens.setup import SetupScreen
from tui.widgets.composer import Composer, matching_commands
from tui.widgets.conversation import Conversation, probe_line
from tui.widgets.countdown import format_left
from tui.widgets.phase_tracker import PhaseTracker, phase_views, planned_views
from tui.widgets.score import bar, spark

# ------------------------------------------------------------------ pure helpers


def test_phase_views_done_current_todo_and_over() -> None:
    state = {
        "phases": ["clarify", "frame", "data"],
        "phase_i": 1,
        "elapsed": 9.0,
        "phase_start": 6.0,
        "phase_minutes": {"clarify": 6.0},
        "status": "running",
    }
    views = phase_views(SessionView.of(state, {"clarify": 5.0, "frame": 5.0, "data": 7.0}, "offline"), {}, since_mark=2.5, graded={"clarify"})
    assert [v.status for v in views] == ["done", "current", "todo"]
    assert views[0].over and views[0].graded  # 6 of 5 minutes
    assert views[1].used == 5.5 and views[1].over  # 3 + 2.5 since the last turn
    assert views[2].used is None and not views[2].over


def test_phase_views_after_end_leaves_skipped_phases_to_come() -> None:
    state = {"phases": ["clarify", "frame", "data"], "phase_i": 3, "phase_minutes": {"clarify": 2.0, "frame": 1.0}, "status": "finished"}
    assert [v.status for v in phase_views(SessionView.of(state, {}, "offline"), {})] == ["done", "done", "todo"]


def test_planned_views_scale_budgets_to_the_interview() -> None:
    views = planned_views(["clarify", "model"], 28, {"clarify": 5, "model": 9}, {})
    assert [round(v.budget or 0, 1) for v in views] == [10.0, 18.0]


def test_small_renderers() -> None:
    assert format_left(12.5) == "12:30 left" and format_left(-0.5) == "00:30 over"
    assert matching_commands("/h") == ["/hint", "/help"] and matching_commands("/hint me") == [] and matching_commands("hi") == []
    assert probe_line(TurnView.of({"kind": "follow_up", "criterion": "c1", "note": "phases/x.md#y"})) == "↳ probing: c1 · from phases/x.md#y"
    assert probe_line(TurnView.of({"kind": "clarify", "criterion": None})) is None
    assert spark([1, 4]) == "▁█" and bar(4.0, 4).plain == "████"
    assert trend_caption([]) == "no finished interviews yet" and trend_caption([2.0, 3.0]) == "last 3.00 · best 3.00 · 2 finished"


# ------------------------------------------------------------------ widgets in host apps


class ComposerHost(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def compose(self) -> ComposeResult:
        yield Composer(id="composer")

    def on_composer_submitted(self, message: Composer.Submitted) -> None:
        self.sent.append(message.text)


async def test_composer_enter_sends_and_shift_enter_or_ctrl_j_add_newlines() -> None:
    app = ComposerHost()
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        await pilot.press("h", "i", "shift+enter", "y", "o", "ctrl+j", "u")
        assert composer.text == "hi\nyo\nu"
        assert app.sent == []
        await pilot.press("enter")
        assert app.sent == ["hi\nyo\nu"]
        composer.clear()
        await pilot.press("enter")  # an empty box sends nothing
        assert app.sent == ["hi\nyo\nu"]


async def test_composer_keeps_order_when_keys_arrive_in_a_burst() -> None:
    """A terminal delivers "text<enter>" in one read: enter must see all the text before it."""
    app = ComposerHost()
    async with app.run_test() as pilot:
        for key, char in [("h", "h"), ("i", "i"), ("ctrl+j", "\n"), ("y", "y"), ("o", "o"), ("enter", "\r")]:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        assert app.sent == ["hi\nyo"]


async def test_composer_suggests_commands() -> None:
    app = ComposerHost()
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        await pilot.press("slash", "e")
        assert composer.suggestion == "nd"
        await pilot.press("right")
        assert composer.text == "/end"
        await pilot.press("space", "x")
        assert composer.suggestion == ""


class ConversationHost(App[None]):
    def compose(self) -> ComposeResult:
        yield Conversation()


async def test_interviewer_line_streams_through_markdown_stream(monkeypatch: Any) -> None:
    updates: list[str] = []
    real_update = Markdown.update

    def spy(self: Markdown, markdown: str) -> Any:
        updates.append(markdown)
        return real_update(self, markdown)

    monkeypatch.setattr(Markdown, "update", spy)
    app = ConversationHost()
    async with app.run_test() as pilot:
        conv = app.query_one(Conversation)
        line = await conv.begin_interviewer()
        await pilot.pause()
        updates.clear()  # the empty document set on mount
        tokens = ["What ", "is ", "the ", "**business** ", "goal? "]
        for t in tokens:
            await line.write(t)
        await line.finish(TurnView.of({"text": "What is the **business** goal?", "kind": "follow_up", "criterion": "business-objective", "note": "phases/clarify.md#x"}))
        await pilot.pause()
        assert line.markdown.source.strip() == "What is the **business** goal?"
        assert updates == [], "streamed text is appended, not re-rendered per token"
        # the line keeps what it probes (for "why this question?"), and shows no permanent line for it
        assert line.turn is not None and line.turn.criterion == "business-objective" and line.turn.note == "phases/clarify.md#x"
        assert not line.query(".probe") and len(line.children) == 2

        # a reset (fallback mid-stream) replaces the text; finish makes it exact
        other = await conv.begin_interviewer()
        await other.write("Half a sen")
        await other.reset()
        await other.write("A different line.")
        await other.finish(TurnView.of({"text": "A different line.", "kind": "clarify"}))
        assert other.markdown.source.strip() == "A different line."
        assert other.turn is not None and other.turn.criterion is None


class TrackerHost(App[None]):
    def compose(self) -> ComposeResult:
        yield PhaseTracker(["clarify", "frame"])


async def test_tracker_marks_overrun_phase() -> None:
    app = TrackerHost()
    async with app.run_test() as pilot:
        tracker = app.query_one(PhaseTracker)
        st = {"phases": ["clarify", "frame"], "phase_i": 0, "elapsed": 7.0, "phase_start": 0.0, "status": "running"}
        await tracker.show(phase_views(SessionView.of(st, {"clarify": 5.0, "frame": 5.0}, "offline"), {}))
        await pilot.pause()
        cell = tracker.query_one("#phase-clarify")
        assert cell.has_class("-current") and cell.has_class("-over")
        assert "7.0/5.0m!" in str(cell.render())


# ------------------------------------------------------------------ screens with the fake backend


async def test_setup_filters_cases_and_starts_the_interview(clean_env: Path) -> None:
    backend = FakeBackend()
    app = MlsdApp(backend=backend, live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        await pilot.press(*"fraud")
        assert setup.selected_case() == "payment-fraud-detection"
        assert "fraud" in str(setup.query_one("#case-prompt").render()).lower()
        setup.query_one("#minutes").value = "30"  # type: ignore[attr-defined]
        setup.query_one("#level").value = "staff"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        req = app.screen.request  # type: ignore[attr-defined]
        assert (req.case, req.level, req.minutes, req.persona) == ("payment-fraud-detection", "staff", 30.0, "neutral")


async def test_setup_rejects_bad_minutes(clean_env: Path) -> None:
    app = MlsdApp(backend=FakeBackend(), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
        app.screen.query_one("#minutes").value = "2"  # type: ignore[attr-defined]
        assert app.screen.build_request() is None  # type: ignore[attr-defined]
        assert isinstance(app.screen, SetupScreen)


async def test_setup_lists_unfinished_sessions_to_resume(clean_env: Path) -> None:
    rows = [
        {"id": "s-running", "case_id": "news-feed", "level": "senior", "status": "running", "created": 1.7e9, "kind": "interview"},
        {"id": "s-done", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9, "kind": "interview", "score": 2.5},
    ]
    app = MlsdApp(backend=FakeBackend(sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.query_one("#resume-list").option_count == 1 and app.screen.query_one("#resume-list").get_option_at_index(0).id == "s-running")
        resume_list = app.screen.query_one("#resume-list")
        resume_list.focus()
        resume_list.highlighted = 0  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        assert app.screen.request.resume == "s-running"  # type: ignore[attr-defined]


async def test_history_shows_scores_and_opens_a_scorecard(clean_env: Path) -> None:
    rows = [
        {"id": "b", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9 + 10, "score": 3.1, "hire_signal": "hire"},
        {"id": "a", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9, "score": 2.2, "hire_signal": "no hire"},
    ]
    app = MlsdApp(backend=FakeBackend(sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
        app.screen.query_one("#resume-list").focus()
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.rows) == 2)
        history = app.screen
        assert history.query_one("#score-trend").data == [2.2, 3.1]  # oldest first
        assert "last 3.10" in str(history.query_one("#trend-caption").render())
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ScorecardScreen))
        await pilot.pause()  # let the scorecard screen mount before its escape binding is pressed
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="back to the history screen")


async def test_history_screen_shows_a_retry_as_a_retry_and_not_as_the_best(clean_env: Path) -> None:
    rows = [
        {"id": "r", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9 + 20, "score": 3.9, "hire_signal": "strong hire", "kind": "retry"},
        {"id": "b", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9 + 10, "score": 3.1, "hire_signal": "hire", "kind": "interview"},
        {"id": "a", "case_id": "news-feed", "level": "senior", "status": "finished", "created": 1.7e9, "score": 2.2, "hire_signal": "no hire"},
    ]
    app = MlsdApp(backend=FakeBackend(sessions=rows), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
        app.screen.query_one("#resume-list").focus()
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.rows) == 3)
        history = app.screen
        assert history.query_one("#score-trend").data == [2.2, 3.1]  # the retry's 3.9 is not in the trend
        caption = str(history.query_one("#trend-caption").render())
        assert "best 3.10" in caption and "2 finished" in caption
        table = history.query_one("#sessions")
        row = table.get_row("r")
        assert "retry" in row and "strong hire" not in row


async def test_scorecard_keys_new_interview_and_back(clean_env: Path) -> None:
    from tui_support import load_card

    class Host(MlsdApp):
        def first_screen(self) -> ScorecardScreen:
            return ScorecardScreen(load_card())

    app = Host(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ScorecardScreen)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        assert len(app.screen_stack) == 2


async def test_help_opens_with_question_mark_and_f1(clean_env: Path) -> None:
    app = MlsdApp(backend=FakeBackend(), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen) and app.screen.library is not None)
        app.screen.query_one("#case-list").focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, SetupScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_question_mark_types_in_the_answer_box(clean_env: Path) -> None:
    app = MlsdApp(InterviewRequest(resume="x"), backend=FakeBackend(), live_clock=False, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen) and app.screen.session is not None)
        await pilot.press("w", "h", "y", "question_mark")
        assert app.screen.query_one(Composer).text == "why?"
        assert isinstance(app.screen, InterviewScreen)


def test_importing_the_app_loads_no_heavy_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tui.app; heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb', 'langgraph', 'interviewer.session') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


async def test_phase_retry_shows_the_earlier_grade_beside_the_new_one(clean_env: Path) -> None:
    from textual.widgets import DataTable
    from tui_support import load_card

    card = load_card()
    phase = card.phases[2]
    earlier = {c.id: (1 if (c.score or 1) > 1 else 2) for c in phase.criteria}
    card = card.model_copy(update={"phases": [phase.model_copy(update={"previous": earlier})]})

    class Host(MlsdApp):
        def first_screen(self) -> ScorecardScreen:
            return ScorecardScreen(card)

    app = Host(backend=FakeBackend(), live_clock=False, cursor_blink=False, export_dir=clean_env)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#criteria", DataTable)
        labels = [str(col.label) for col in table.columns.values()]
        assert labels == ["criterion", "score", "before", "evidence (what you said)"]
        assert str(table.get_row_at(0)[0]) == phase.title  # the phase's row, then its criteria
        first = table.get_row_at(1)
        assert str(first[0]) == phase.criteria[0].title
        assert str(first[2]).strip() == str(earlier[phase.criteria[0].id])


def test_a_retry_scorecard_has_no_hire_banner():
    """A probe's two-answer monitor retry read "STRONG HIRE ... level estimate staff": a retry's banner says it is
    a phase retry, and the signal and level are said to be that phase's alone."""
    import json

    from rich.console import Console

    from interviewer.scorecard import Scorecard
    from tui.screens.scorecard import overall_block

    card = Scorecard.model_validate(json.loads((Path(__file__).parent / "fixtures" / "scorecard.json").read_text(encoding="utf-8")))

    def shown(c: Scorecard) -> str:
        console = Console(width=200, record=True)
        console.print(overall_block(c))
        return console.export_text()

    full = shown(card)
    assert card.overall.hire_signal.upper() in full and "PHASE RETRY" not in full
    retry = shown(card.model_copy(update={"kind": "retry"}))
    assert "PHASE RETRY" in retry and f" {card.overall.hire_signal.upper()} " not in retry
    assert f"this phase alone reads as {card.overall.hire_signal}" in retry and "level on this phase alone" in retry

"""Past interviews with their scores and a trend; open a finished scorecard or resume one."""
from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Label, Sparkline, Static

from ..backend import InterviewRequest
from ..messages import LoadFailed, ReportLoaded, SessionsListed
from ..services import MlsdScreen


def trend_caption(scores: list[float]) -> str:
    """The trend and best score are over finished sessions that covered every phase: a phase retry is
    listed below as a retry, but never counted as a finished interview or a best score."""
    if not scores:
        return "no finished interviews yet"
    return f"last {scores[-1]:.2f} · best {max(scores):.2f} · {len(scores)} finished"


def counts_in_trend(row: dict[str, Any]) -> bool:
    return row.get("status") == "finished" and row.get("score") is not None and row.get("kind") != "retry"


class HistoryScreen(MlsdScreen[None]):
    AUTO_FOCUS = "#sessions"
    BINDINGS = [Binding("escape", "app.pop_screen", "back")]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, Any]] = {}
        self.scores: list[tuple[str, float, dict[str, float]]] = []


    def compose(self) -> ComposeResult:
        yield Static("Past interviews", id="history-title")
        with Horizontal(id="trend-row"):
            yield Label("score trend ", classes="label")
            yield Sparkline([], id="score-trend")
            yield Static("", id="trend-caption")
        with Horizontal(id="phase-panels"):
            yield Static("", id="phase-profile")
            yield Static("", id="phase-trends")
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Static("enter opens a finished scorecard or resumes an unfinished interview", id="history-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#sessions", DataTable)
        # the session id first and whole (it is what `mlsd --resume` and `mlsd report` take), so no
        # terminal width scrolls it out of sight
        for label, width in (("session", 22), ("when", 12), ("case", 24), ("score", 5), ("signal", 14), ("status", 8), ("level", 10)):
            table.add_column(label, width=width, key=label)
        self._list()

    @work(thread=True, group="history", exit_on_error=False)
    def _list(self) -> None:
        try:
            self.post_message(SessionsListed(self.mlsd.backend.sessions()))
        except Exception as e:
            self.post_message(LoadFailed(f"could not list sessions: {e}"))
            return
        try:
            scores = self.mlsd.backend.phase_scores()
        except Exception as e:
            self.log.warning(f"could not read the phase scores: {e}")
            return
        self.app.call_from_thread(self.show_phase_scores, scores)

    def show_phase_scores(self, scores: list[tuple[str, float, dict[str, float]]]) -> None:
        """Per phase, a sparkline of its scores over the finished interviews, and the profile of the
        highlighted interview (the newest until a row is highlighted) against the earlier ones."""
        from interviewer.report import phase_trends, trend_lines

        self.scores = scores
        found = self.query("#phase-trends")
        if not found:  # the screen has gone meanwhile
            return
        lines = trend_lines(phase_trends(scores))
        w = found.first(Static)
        w.display = bool(lines)
        w.update(Text("\n".join(["trend per phase (1-4)", *lines])))
        table = self.query_one("#sessions", DataTable)
        highlighted = None
        if table.row_count and table.cursor_row is not None:
            highlighted = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
        self.show_profile(highlighted)

    def show_profile(self, sid: str | None) -> None:
        """This interview's score per phase beside the mean of the earlier ones; a row that is not a
        finished interview (a retry, one under way) shows the newest finished interview's profile."""
        from interviewer.report import profile_lines, profile_of

        found = self.query("#phase-profile")
        if not found or not self.scores:
            return
        ids = [s[0] for s in self.scores]
        if sid not in ids:
            sid = ids[-1]
        current, earlier = profile_of(sid, self.scores)
        w = found.first(Static)
        w.display = bool(current)
        n = ids.index(sid)  # the earlier interviews
        head = f"{sid} vs {n} earlier" if n else f"{sid} (the first)"
        w.update(Text("\n".join([head, *profile_lines(current, earlier)])))

    @on(DataTable.RowHighlighted, "#sessions")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self.show_profile(str(event.row_key.value))

    def on_sessions_listed(self, message: SessionsListed) -> None:
        from interviewer.scorecard import stored_level

        table = self.query_one("#sessions", DataTable)
        table.clear()
        self.rows = {str(r["id"]): r for r in message.rows}
        for r in message.rows:
            when = time.strftime("%b %d %H:%M", time.localtime(float(r.get("created") or 0)))
            score = f"{r['score']:.2f}" if r.get("score") is not None else "–"
            kind = r.get("kind", "interview")
            status = "retry" if kind == "retry" else r.get("status")  # a retry is shown as a retry, never as finished
            signal = "–" if kind == "retry" else (r.get("hire_signal") or "")  # one phase says little about hiring
            # the level shown is the estimate, as `mlsd sessions` shows it (a probe saw the target here, "mid",
            # beside "senior" there); none for a retry or an unfinished interview
            level = ("" if kind == "retry" else stored_level(r.get("level_estimate"), r.get("score"))) or "–"
            table.add_row(r["id"], when, r.get("case_id"), score, signal, status, level, key=str(r["id"]))
        finished = [float(r["score"]) for r in reversed(message.rows) if counts_in_trend(r)]
        self.query_one("#score-trend", Sparkline).data = finished
        self.query_one("#trend-caption", Static).update(trend_caption(finished))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(message.error, severity="error")

    @on(DataTable.RowSelected, "#sessions")
    def _open(self, event: DataTable.RowSelected) -> None:
        sid = str(event.row_key.value)
        row = self.rows.get(sid, {})
        if row.get("status") == "finished":
            self._load_report(sid)
        else:
            self.mlsd.open_interview(InterviewRequest(resume=sid))

    @work(thread=True, group="report", exclusive=True, exit_on_error=False)
    def _load_report(self, sid: str) -> None:
        try:
            card = self.mlsd.backend.load_report(sid)
        except Exception as e:
            self.post_message(LoadFailed(str(e)))
            return
        self.post_message(ReportLoaded(card))

    def on_report_loaded(self, message: ReportLoaded) -> None:
        from .scorecard import ScorecardScreen

        self.app.push_screen(ScorecardScreen(message.card))

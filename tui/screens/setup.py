"""Choose a case and the interview settings, or resume an unfinished interview."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ..backend import BRAINS, DEFAULT_MINUTES, LEVELS, PERSONAS, InterviewRequest
from ..messages import BrainResolved, LibraryLoaded, LoadFailed, SessionsListed
from ..services import MlsdScreen

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.content import Case, Library



def case_matches(case: "Case", query: str) -> bool:
    """Every word of the query appears in the case's id, title, domain or prompt."""
    hay = f"{case.id} {case.title} {case.domain} {case.prompt}".lower()
    return all(w in hay for w in query.lower().split())


def session_label(row: dict[str, Any], titles: dict[str, str]) -> Text:
    when = time.strftime("%b %d %H:%M", time.localtime(float(row.get("created") or 0)))
    title = titles.get(str(row.get("case_id")), str(row.get("case_id")))
    return Text.assemble((when, "dim"), " ", title, (f" · {row.get('level')}", "dim"), no_wrap=True, overflow="ellipsis")


class SetupScreen(MlsdScreen[None]):
    AUTO_FOCUS = "#case-filter"
    BINDINGS = [
        Binding("ctrl+s", "start", "start"),
        Binding("f2", "app.history", "history"),
    ]

    def __init__(self, request: InterviewRequest | None = None) -> None:
        super().__init__()
        self.request = request or InterviewRequest()
        self.library: Library | None = None
        self._resumable: list[dict[str, Any]] = []


    def compose(self) -> ComposeResult:
        req = self.request
        yield Static("mlsd · mock interview for ML system design", id="setup-title")
        with Horizontal(id="setup-body"):
            with Vertical(id="case-column"):
                yield Input(placeholder="filter cases…", id="case-filter")
                yield OptionList(id="case-list")
                yield Label("Unfinished interviews", classes="section")
                yield OptionList(Option("looking…", disabled=True), id="resume-list")
            with VerticalScroll(id="setup-detail"):
                yield Static("loading the case library…", id="case-prompt")
                with Horizontal(classes="row"):
                    yield Label("level", classes="field")
                    yield Select([(x, x) for x in LEVELS], value=req.level, allow_blank=False, compact=True, id="level")
                with Horizontal(classes="row"):
                    yield Label("persona", classes="field")
                    yield Select([(x, x) for x in PERSONAS], value=req.persona, allow_blank=False, compact=True, id="persona")
                with Horizontal(classes="row"):
                    yield Label("minutes", classes="field")
                    yield Input(value=f"{req.minutes or DEFAULT_MINUTES:g}", type="integer", id="minutes", max_length=3, compact=True, tooltip="5 to 180")
                with Horizontal(classes="row"):
                    yield Label("brain", classes="field")
                    brain = req.brain if req.brain in BRAINS else Select.NULL
                    yield Select([(x, x) for x in BRAINS], value=brain, prompt="auto", compact=True, id="brain")
                yield Static("", id="brain-reason")
                yield Static("", id="drills-line")
                yield Button("Start interview", id="start", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        for w in self.query(Input):
            w.cursor_blink = self.mlsd.cursor_blink
        self._load()
        self._resolve_brain(self.request.brain)

    # ------------------------------------------------------------------ workers
    @work(thread=True, group="setup-load", exit_on_error=False)
    def _load(self) -> None:
        backend = self.mlsd.backend
        try:
            self.post_message(LibraryLoaded(backend.library()))
        except Exception as e:
            self.post_message(LoadFailed(f"could not load the case library: {e}"))
            return
        try:
            self.post_message(SessionsListed(backend.sessions()))
        except Exception as e:
            self.log.warning(f"could not list sessions: {e}")
            self.post_message(SessionsListed([]))
        try:
            due, coming = backend.drills_summary()
            self.app.call_from_thread(self.show_drills, due, coming)
        except Exception as e:
            self.log.warning(f"could not count drills: {e}")
        backend.preload()

    @work(thread=True, group="brain", exclusive=True, exit_on_error=False)
    def _resolve_brain(self, choice: str | None) -> None:
        brain, reason = self.mlsd.backend.brain_line(choice)
        self.post_message(BrainResolved(brain, reason))

    # ------------------------------------------------------------------ messages
    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.library = message.library
        self._fill_cases("")

    def on_sessions_listed(self, message: SessionsListed) -> None:
        self._resumable = [r for r in message.rows if r.get("status") == "running" and r.get("kind", "interview") in ("interview", "retry")]
        titles = {c.id: c.title for c in self.library.cases.values()} if self.library else {}
        ol = self.query_one("#resume-list", OptionList)
        ol.clear_options()
        if not self._resumable:
            ol.add_option(Option("none", disabled=True))
        else:
            ol.add_options([Option(session_label(r, titles), id=str(r["id"])) for r in self._resumable])

    def show_drills(self, due: int, coming: int) -> None:
        """One line, shown only when there are drills: how many are due, and the command that runs them."""
        found = self.query("#drills-line")
        if not found:  # the screen has gone meanwhile
            return
        line = found.first(Static)
        line.display = bool(due or coming)
        if due:
            line.update(f"[b]{due} drill{'s' if due != 1 else ''} due[/b] · {coming} coming · [b]mlsd drill[/b]")
        else:
            line.update(f"no drill due · {coming} coming · [b]mlsd drills[/b]")

    def on_brain_resolved(self, message: BrainResolved) -> None:
        self.query_one("#brain-reason", Static).update(f"The [b]{message.brain}[/b] interviewer will be used: {message.reason}.")

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#case-prompt", Static).update(f"[red]{message.error}[/red]")

    # ------------------------------------------------------------------ cases
    def _fill_cases(self, query: str) -> None:
        if self.library is None:
            return
        ol = self.query_one("#case-list", OptionList)
        ol.clear_options()
        cases = [c for c in self.library.cases.values() if case_matches(c, query)]
        ol.add_options([Option(c.title, id=c.id) for c in cases])
        if cases:
            want = self.request.case if self.request.case in {c.id for c in cases} else cases[0].id
            ol.highlighted = ol.get_option_index(want)
            self._show_prompt(want)
        else:
            self.query_one("#case-prompt", Static).update("[dim]no case matches[/dim]")

    def _show_prompt(self, case_id: str | None) -> None:
        if self.library is None or case_id is None or case_id not in self.library.cases:
            return
        c = self.library.cases[case_id]
        w = self.query_one("#case-prompt", Static)
        w.border_title = c.title
        w.update(f"{c.prompt}\n[dim]{c.domain} · {c.id}[/dim]")

    @on(Input.Changed, "#case-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill_cases(event.value)

    @on(Input.Submitted, "#case-filter")
    def _filter_submitted(self) -> None:
        self.action_start()

    @on(OptionList.OptionHighlighted, "#case-list")
    def _case_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_prompt(event.option.id)

    @on(OptionList.OptionSelected, "#case-list")
    def _case_selected(self) -> None:
        self.action_start()

    @on(OptionList.OptionSelected, "#resume-list")
    def _resume_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.mlsd.open_interview(InterviewRequest(resume=event.option.id))

    @on(Select.Changed, "#brain")
    def _brain_changed(self, event: Select.Changed) -> None:
        self._resolve_brain(None if event.value is Select.NULL else str(event.value))

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    # ------------------------------------------------------------------ start
    def selected_case(self) -> str | None:
        ol = self.query_one("#case-list", OptionList)
        if ol.highlighted is None or ol.option_count == 0:
            return None
        return ol.get_option_at_index(ol.highlighted).id

    def build_request(self) -> InterviewRequest | None:
        case = self.selected_case()
        if case is None:
            self.notify("Pick a case first.", severity="warning")
            return None
        raw = self.query_one("#minutes", Input).value.strip() or "45"
        try:
            minutes = float(raw)
        except ValueError:
            minutes = -1
        if not 5 <= minutes <= 180:
            self.notify("Minutes must be between 5 and 180.", severity="error")
            return None
        brain = self.query_one("#brain", Select).value
        return InterviewRequest(
            case=case,
            level=str(self.query_one("#level", Select).value),
            persona=str(self.query_one("#persona", Select).value),
            minutes=minutes,
            brain="auto" if brain is Select.NULL else str(brain),
        )

    def action_start(self) -> None:
        req = self.build_request()
        if req is not None:
            self.mlsd.open_interview(req)

"""The interview: case and clock, phase tracker, the streamed conversation, and the answer box.

Threading: the engine is created and the session opened in a thread worker; each candidate line
is sent by a thread worker calling `Session.send`, whose `on_event` callback posts `EngineEvent`
messages to this screen (`post_message` is thread-safe). Handlers run on the event loop, in order,
so typing never blocks and tokens are written to the Markdown stream as they arrive.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Static, TextArea

from interviewer.clock import MAX_WALL_TURN
from interviewer.domain import PHASES, WARM_INDEX, TurnKind
from interviewer.events import Finished, Graded, Message, Notice, Reset, Saved, Token
from interviewer.view import SessionView, TurnView

from ..backend import InterviewRequest, SessionLike
from ..messages import (
    EngineEvent,
    EngineWarm,
    LibraryLoaded,
    LoadFailed,
    ReportLoaded,
    SessionOpened,
    TurnFailed,
    TurnsDone,
)
from ..services import MlsdScreen
from ..widgets.composer import CommandHints, Composer
from ..widgets.conversation import CandidateLine, CasePanel, Conversation, InterviewerLine
from ..widgets.countdown import Countdown
from ..widgets.phase_tracker import PhaseTracker, phase_views, planned_views

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.content import Library
    from interviewer.events import Event
    from interviewer.scorecard import Scorecard



# what "why this question?" says of each kind of line the code decided on (interviewer/graph.py `decide`)
WHY: dict[str, str] = {
    TurnKind.FOLLOW_UP: "It probes the weightiest criterion of {phase} your answers have not yet covered at the level expected.",
    TurnKind.HINT: "A hint on the criterion of {phase} still missing, after you asked for one or seemed stuck.",
    TurnKind.DEEP_DIVE: "You named {concept}: the interviewer digs into it to see how deep your knowledge goes.",
    TurnKind.PUSH: "Your strongest idea so far ({concept}) is pushed on numbers, trade-offs or failure modes.",
    TurnKind.CHALLENGE: "Something you said looks like a known misconception ({misconception}); you are asked to defend or fix it.",
    TurnKind.ASK_TO_CLARIFY: "You started designing without asking anything: the interviewer wants to know what you would clarify first.",
}


def warm_text(warming: tuple[str, int, int] | None, loading: bool = False) -> str:
    """The warm-up step under way, with counts while the notes index is built."""
    if warming is None:
        return "" if loading else "warming up the notes index…"
    what, done, total = warming
    if what == WARM_INDEX and total:
        width = 12
        full = int(round(width * done / total))
        return f"warming up: building the notes index {'▰' * full}{'▱' * (width - full)} {done}/{total} sections"
    return f"warming up: {what}…"


def is_probe(turn: TurnView) -> bool:
    """An interviewer line the code chose for a reason worth explaining (a follow-up, hint, deep dive…)."""
    return turn.by_interviewer and turn.kind in WHY and bool(turn.criterion or turn.note or turn.concept or turn.misconception)


def _humane(ident: str | None) -> str:
    return (ident or "").replace("-", " ").replace("_", " ").strip()


OPEN_PLACEHOLDER = "Answer, or ask a clarifying question. / for commands"
FINISHED_PLACEHOLDER = "This interview has finished: F3 shows its scorecard."


class InterviewScreen(MlsdScreen[None]):
    """One interview, new or resumed."""

    AUTO_FOCUS = "#composer"
    BINDINGS = [
        Binding("f4", "why", "why this question?"),
        Binding("f3", "show_scorecard", "scorecard"),
        Binding("ctrl+r", "retry", "try again"),
    ]

    def __init__(self, request: InterviewRequest) -> None:
        super().__init__()
        self.request = request
        self.session: SessionLike | None = None
        self.library: Library | None = None
        self.view: SessionView | None = None
        self.card: Scorecard | None = None
        self.failed: str | None = None
        self.warm = False
        self._outbox: deque[str] = deque()
        self._unsaved: deque[CandidateLine] = deque()  # shown as "sending…" until the engine has checkpointed them
        self._saved_count = 0  # lines the engine reported saved (written by the send worker's thread)
        self._halted = False  # a step failed after its line was saved: Enter replays it
        self._quitting = False  # ctrl+q waits for the unsaved lines
        self._sending = False
        self._live: InterviewerLine | None = None
        self._shown_phase: str | None = None
        self._graded: set[str] = set()
        self._mark = 0.0
        self._frozen_at: float | None = None
        self.probe: TurnView | None = None  # the last follow-up or hint, for "why this question?" (F4)


    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(self._title(), id="case-title", markup=False)
            yield Countdown(id="countdown")
        yield PhaseTracker([self.request.phase] if self.request.phase else PHASES, id="tracker")
        with Conversation(id="conversation"):
            yield CasePanel(id="case-panel")
        yield Static("◌ loading the interviewer…", id="status")
        yield CommandHints(id="command-hints")
        yield Composer(id="composer", placeholder=OPEN_PLACEHOLDER)
        yield Footer()

    @property
    def busy(self) -> bool:
        """A line is being sent or waits to be sent."""
        return self._sending or bool(self._outbox)

    @property
    def unsaved(self) -> list[str]:
        """Lines typed and shown as "sending…" that the engine has not checkpointed yet."""
        return [w.text for w in self._unsaved]

    @property
    def conversation(self) -> Conversation:
        return self.query_one(Conversation)

    def on_mount(self) -> None:
        self._mark = self.mlsd.now()
        self.query_one(Composer).cursor_blink = self.mlsd.cursor_blink
        self._load_library()
        self._open_session()
        if self.mlsd.live_clock:
            self.set_interval(1.0, self._refresh_clock)
        self._warm_timer = self.set_interval(0.5, self._warm_tick)

    # ------------------------------------------------------------------ workers
    @work(thread=True, group="library", exit_on_error=False)
    def _load_library(self) -> None:
        try:
            lib = self.mlsd.backend.library()
        except Exception as e:
            self.post_message(LoadFailed(f"could not load the case library: {e}"))
            return
        self.post_message(LibraryLoaded(lib))

    @work(thread=True, group="open", exit_on_error=False)
    def _open_session(self) -> None:
        backend = self.mlsd.backend
        try:
            if self.request.resume:
                session = backend.resume(self.request.resume, lambda _e: None)
                session.on_event = self._sink  # the transcript so far is rendered from the state
            else:
                session = backend.start(self.request, self._sink)
            view = session.view()
        except Exception as e:
            self.post_message(LoadFailed(str(e) or type(e).__name__))
            return
        self.post_message(SessionOpened(session, resumed=bool(self.request.resume), view=view))
        if view.finished:
            return
        try:
            backend.warm(view.case_id)
        except Exception as e:
            self.log.warning(f"warm-up failed: {e}")
        self.post_message(EngineWarm())

    def _sink(self, event: "Event") -> None:
        """The session's `on_event`: called from worker and grading threads."""
        if isinstance(event, Saved):
            self._saved_count += 1  # read by the send worker, in the same thread
        self.post_message(EngineEvent(event))

    @work(thread=True, group="send", exit_on_error=False)
    def _send_worker(self, session: SessionLike, replay: bool = False) -> None:
        backend = self.mlsd.backend
        failed = False
        if replay:  # a step that failed after its line was saved: finish it
            try:
                with backend.turn():
                    session.replay()  # type: ignore[attr-defined]
            except Exception as e:
                self.post_message(TurnFailed(str(e) or type(e).__name__, "", saved=True))
                failed = True
        while self._outbox and not failed:
            text = self._outbox.popleft()
            before = self._saved_count
            try:
                with backend.turn():
                    session.send(text)
            except Exception as e:
                self.post_message(TurnFailed(str(e) or type(e).__name__, text, saved=self._saved_count > before))
                break
        try:
            view: SessionView | None = session.view()
        except Exception:
            view = None
        self.post_message(TurnsDone(view))

    # ------------------------------------------------------------------ worker messages
    async def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.library = message.library
        self._show_case()
        if self.view is None:
            phases = [self.request.phase] if self.request.phase else list(PHASES)
            lib = message.library
            minutes = self.request.minutes or lib.default_minutes(phases)
            await self.query_one(PhaseTracker).show(planned_views(phases, minutes, {p: lib.phase_minutes(p) for p in phases}, self._titles()))

    async def on_session_opened(self, message: SessionOpened) -> None:
        self.session = message.session
        self.view = message.view
        self._mark = self.mlsd.now()
        self.mlsd.track_session(self.session.id)
        self.query_one("#case-title", Static).update(self._title())
        self._show_case()
        if message.resumed:
            await self._render_transcript(self.view.transcript)
            await self.conversation.recall_case()
        await self._refresh_clock()
        if self.view.finished:
            self._set_status("■ this interview has finished; loading its scorecard…")
            self._load_scorecard(self.session)
            return
        self._set_status(self._ready_text())
        self._pump()

    def on_engine_warm(self, _message: EngineWarm) -> None:
        self.warm = True
        self._warm_timer.stop()
        if not self._sending and self.card is None and self.session is not None:
            self._set_status(self._ready_text())

    def on_load_failed(self, message: LoadFailed) -> None:
        if self.session is None:
            self.failed = message.error
        self._set_status(f"✗ {message.error}", "-error")
        self.notify(message.error, title="mlsd", severity="error", timeout=10)

    async def on_engine_event(self, message: EngineEvent) -> None:
        match message.event:
            case Token(text=text):
                if self._live is None:
                    self._live = await self.conversation.begin_interviewer()
                await self._live.write(text)
            case Reset():
                if self._live is not None:
                    await self._live.reset()
            case Saved(turn=raw):
                if self._unsaved:
                    self._unsaved.popleft().mark_saved(str(raw.get("text", "")))
                if self._quitting and not self._unsaved:
                    self.app.exit()
            case Message(turn=raw):
                turn = TurnView.of(raw)
                if not turn.by_interviewer:
                    return
                if is_probe(turn):
                    self.probe = turn
                line, self._live = self._live, None
                if line is None:
                    line = await self.conversation.add_interviewer(turn)
                else:
                    await line.finish(turn)
                await self._divider_for(turn.phase, before=line)
            case Notice(kind=nkind, text=text):
                self.notify(text, title="time" if nkind == "time" else "note", severity="warning" if nkind in ("time", "fallback", "index") else "information")
                await self.conversation.add_notice(text, nkind)
                if nkind == "fallback":
                    self.query_one("#case-title", Static).update(self._title())
            case Graded(phase=phase):
                self._graded.add(phase)
                await self._refresh_clock()
            case Finished(scorecard=card):
                self._show_scorecard(card)

    async def on_turns_done(self, message: TurnsDone) -> None:
        self._sending = False
        self._frozen_at = None
        self._mark = self.mlsd.now()
        if message.view is not None:
            self.view = message.view
        await self._refresh_clock()
        if self.card is None and not self._halted:
            self._set_status(self._ready_text())
        if self._quitting and not self._unsaved:
            self.app.exit()
        self._pump()

    async def on_turn_failed(self, message: TurnFailed) -> None:
        if self.card is not None:
            return
        if message.saved:
            # the line is in the checkpoint; the interviewer's reply to it failed: Enter replays the step
            self._halted = True
            self.refresh_bindings()
            text = f"✗ the interviewer could not answer ({message.error}); your answer is saved: ctrl+r tries again (so does sending your next line), or quit and resume later"
        else:
            # nothing of it was saved: the line (and the ones queued behind it) go back to the answer box
            lines = [message.text, *self._outbox]
            self._outbox.clear()
            while self._unsaved:
                await self._unsaved.pop().remove()
            composer = self.query_one(Composer)
            composer.text = "\n".join(x for x in [*lines, composer.text] if x)
            composer.move_cursor(composer.document.end)
            self._halted = True
            text = f"✗ could not send ({message.error}); your answer is back in the box: press Enter to send it again"
        self.notify(text, title="could not send", severity="error", timeout=15)
        self._set_status(text, "-error")

    def quit_when_saved(self) -> None:
        """ctrl+q with lines not saved yet: quit once they are (ctrl+q again quits at once)."""
        self._quitting = True
        n = len(self._unsaved)
        self._set_status(f"… saving your answer{'s' if n > 1 else ''} before quitting · ctrl+q again quits now and loses {n} unsaved line{'s' if n > 1 else ''}", "-busy")
        if not self._unsaved:
            self.app.exit()

    # ------------------------------------------------------------------ input
    @on(TextArea.Changed, "#composer")
    def _composer_changed(self, event: TextArea.Changed) -> None:
        self.query_one(CommandHints).show_for(event.text_area.text)

    async def on_composer_submitted(self, message: Composer.Submitted) -> None:
        text = message.text.strip()
        if not text:
            return
        if self.card is not None or (self.view is not None and self.view.finished):
            self.notify("This interview has finished; F3 shows its scorecard.", severity="warning")
            return
        if self.failed is not None:
            self.notify(f"The interviewer could not start: {self.failed}", severity="error")
            return
        message.composer.clear()
        self.query_one(CommandHints).show_for("")
        # shown as "sending…" until the engine reports it checkpointed (Saved)
        self._unsaved.append(await self.conversation.add_candidate(text, command=text.startswith("/"), pending=True))
        self._outbox.append(text)
        self._halted = False  # a failed step is replayed by `send` before this line is taken
        self._pump()

    def _pump(self, replay: bool = False) -> None:
        """Start the send worker if there is something to send and nothing in flight."""
        if (not self._outbox and not replay) or self._sending or (self._halted and not replay):
            return
        if self.session is None:
            self._set_status("◌ loading the interviewer… your answer is sent as soon as it is ready")
            return
        self._sending = True
        self._frozen_at = self.mlsd.now()
        self._set_status("… the interviewer is thinking", "-busy")
        self._send_worker(self.session, replay)

    # ------------------------------------------------------------------ rendering
    def _titles(self) -> dict[str, str]:
        lib = self.library
        if lib is None:
            return {}
        return {p: lib.phase_title(p) for p in PHASES}

    def _case_id(self) -> str | None:
        return self.view.case_id if self.view is not None else self.request.case

    def _title(self) -> str:
        case_id = self._case_id()
        lib, v = self.library, self.view
        if self.request.resume and v is None:
            return f"resuming {self.request.resume}"
        title = lib.cases[case_id].title if lib is not None and case_id in lib.cases else (case_id or "mlsd")
        parts = [title, v.level if v else self.request.level, v.persona if v else self.request.persona]
        if self.session is not None:
            off = getattr(self.session, "model_calls_off", False)  # the breaker opened: offline for the rest
            parts.append(f"{self.session.brain_kind} brain" + (" (model calls off: offline)" if off else ""))
        return " · ".join(parts)

    def _show_case(self) -> None:
        lib, case_id = self.library, self._case_id()
        self.query_one("#case-title", Static).update(self._title())
        if lib is None or case_id is None or case_id not in lib.cases:
            return
        case = lib.cases[case_id]
        phases = [self.request.phase] if self.request.phase else list(PHASES)
        minutes = self.view.minutes if self.view is not None else (self.request.minutes or lib.default_minutes(phases))
        self.query_one(CasePanel).show_case(case.title, case.prompt, f"{case.domain} · {minutes:.0f} minutes")

    def _ready_text(self) -> str:
        return "● your turn" + ("" if self.warm else " · " + warm_text(self.mlsd.backend.warming))

    def _warm_tick(self) -> None:
        """While the engine warms up (the first run builds the notes index), the status shows how far."""
        if self.warm or self.card is not None or self.failed is not None:
            return
        if self.session is None:
            self._set_status("◌ loading the interviewer… " + warm_text(self.mlsd.backend.warming, loading=True))
        elif self._sending:
            self._set_status("… the interviewer is thinking · " + warm_text(self.mlsd.backend.warming), "-busy")
        else:
            self._set_status(self._ready_text())

    def _set_status(self, text: str, cls: str = "") -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        for c in ("-busy", "-error"):
            status.set_class(c == cls, c)

    def _since_mark(self) -> float:
        """Minutes of the candidate's current turn (frozen while the interviewer answers)."""
        if not self.mlsd.live_clock or (self.view is not None and self.view.finished):
            return 0.0
        ref = self._frozen_at if self._frozen_at is not None else self.mlsd.now()
        return min(max(ref - self._mark, 0.0) / 60.0, MAX_WALL_TURN)

    async def _refresh_clock(self) -> None:
        v = self.view
        if v is None:
            return
        since = self._since_mark()
        self.query_one(Countdown).minutes_left = v.minutes - v.elapsed - since
        await self.query_one(PhaseTracker).show(phase_views(v, self._titles(), since, self._graded))

    async def _divider_for(self, phase: str | None, before: InterviewerLine | None = None) -> None:
        if phase and phase != self._shown_phase:
            self._shown_phase = phase
            title = self._titles().get(phase, phase)
            await self.conversation.add_divider(title, before=before)

    async def _render_transcript(self, transcript: tuple[TurnView, ...]) -> None:
        """A resumed interview: the conversation so far, mounted in one go."""
        self._shown_phase = await self.conversation.add_transcript(transcript, self._titles(), self._shown_phase)
        probes = [t for t in transcript if is_probe(t)]
        if probes:
            self.probe = probes[-1]

    # ------------------------------------------------------------------ why this question?
    def why_lead(self, turn: TurnView) -> Text:
        """The follow-up, the criterion it probes (by its rubric title) and the phase."""
        title = turn.criterion or ""
        if self.library is not None and turn.criterion:
            try:
                title = self.library.criterion(turn.criterion).title
            except KeyError:
                pass
        phase = self._titles().get(turn.phase, turn.phase)
        out = Text()
        out.append("Why this question?\n", style="bold")
        out.append(f"“{' '.join(turn.text.split())}”\n", style="italic")
        out.append(WHY.get(turn.kind, WHY[TurnKind.FOLLOW_UP]).format(
            phase=phase,
            concept=_humane(turn.concept) or "an idea you named",
            misconception=_humane(turn.misconception) or "a claim you made",
        ))
        if turn.criterion:
            out.append("\nCriterion: ")
            out.append(title, style="bold")
            out.append(f" ({phase})")
        out.append("\nNote: " + turn.note + " (below)" if turn.note else "\nNo note was retrieved for it.", style="dim")
        return out

    def action_why(self) -> None:
        from .note import NoteScreen

        turn = self.probe
        if turn is None:
            self.notify("No follow-up yet: F4 explains the interviewer's last follow-up or hint once there is one.", title="why this question?")
            return
        self.app.push_screen(NoteScreen([turn.note] if turn.note else [], lead=self.why_lead(turn), title="why this question?"))

    # ------------------------------------------------------------------ the end
    @work(thread=True, group="open", exit_on_error=False)
    def _load_scorecard(self, session: SessionLike) -> None:
        try:
            try:
                card = self.mlsd.backend.load_report(session.id)  # saved when it finished
            except Exception:
                card = session.scorecard()
        except Exception as e:
            self.post_message(LoadFailed(f"could not build the scorecard: {e}"))
            return
        self.post_message(ReportLoaded(card))

    def on_report_loaded(self, message: ReportLoaded) -> None:
        self._show_scorecard(message.card)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_scorecard":
            return self.card is not None
        if action == "retry":
            return self._halted and not self._sending and self.session is not None
        return True

    def action_retry(self) -> None:
        """ctrl+r after a failed step: run it again (its line is saved)."""
        if self._halted and not self._sending and self.session is not None:
            self._halted = False
            self._pump(replay=True)
            self.refresh_bindings()

    def action_show_scorecard(self) -> None:
        if self.card is not None:
            self._show_scorecard(self.card)

    def _show_scorecard(self, card: "Scorecard") -> None:
        from .scorecard import ScorecardScreen

        self.card = card
        self.mlsd.track_session(None)
        self._set_status("■ the interview has finished · F3 shows the scorecard again")
        # the box no longer invites an answer nobody will read
        self.query_one(Composer).placeholder = FINISHED_PLACEHOLDER
        self.refresh_bindings()
        self.app.push_screen(ScorecardScreen(card))

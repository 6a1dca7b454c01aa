"""The mlsd Textual app and `run_app`, which the CLI calls.

Import cost is kept to Textual itself: the engine (torch, sentence-transformers, chromadb,
langgraph) is imported and created in a thread worker after the first paint.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from interviewer.domain import BrainKind, Level, Persona

from .backend import Backend, InterviewRequest
from .screens.help import HelpScreen
from .screens.history import HistoryScreen
from .screens.interview import InterviewScreen
from .screens.setup import SetupScreen


class MlsdApp(App[None]):
    """Setup → interview → scorecard, plus history and help.

    Args:
        request: what to open; with a case or a session to resume the setup screen is skipped.
        backend: the engine adapter (tests pass a fake one).
        live_clock: tick the countdown every second (snapshot tests freeze it).
        cursor_blink: blink the cursors of the text inputs (snapshot tests turn it off).
        export_dir: where the scorecard's export keys write (default: the current folder).
        now: the monotonic time source of the countdown.
    """

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere keep it
    TITLE = "mlsd"
    SUB_TITLE = "ML system design mock interview"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", "quit", priority=True, tooltip="Quit; every answer is saved before it is shown as sent, and the interview can be resumed."),
        Binding("f1", "help", "keys"),
        Binding("question_mark", "help", "keys", show=False),
    ]

    def __init__(
        self,
        request: InterviewRequest | None = None,
        *,
        backend: Backend | None = None,
        live_clock: bool = True,
        cursor_blink: bool = True,
        export_dir: Path | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.request = request or InterviewRequest()
        self.backend = backend or Backend()
        self.live_clock = live_clock
        self.cursor_blink = cursor_blink
        self.export_dir = Path(export_dir) if export_dir else Path.cwd()
        self.now = now
        self.open_session_id: str | None = None  # an unfinished interview on screen (for the exit hint)
        self.lost_lines: list[str] = []  # lines typed but not saved when the candidate quit anyway
        self._quit_asked = False

    def first_screen(self) -> Screen[None]:
        """With a case or a session to resume, straight to the interview; else the setup screen."""
        if self.request.case or self.request.resume:
            return InterviewScreen(self.request)
        return SetupScreen(self.request)

    def on_mount(self) -> None:
        self.push_screen(self.first_screen())

    def on_unmount(self) -> None:
        self.backend.close()

    # ------------------------------------------------------------------ services for the screens
    def track_session(self, session_id: str | None) -> None:
        self.open_session_id = session_id

    async def action_quit(self) -> None:
        """Quit; with answers typed but not saved yet, first wait for them (ctrl+q again quits at once)."""
        screens = [s for s in self.screen_stack if isinstance(s, InterviewScreen)]
        unsaved = [line for s in screens for line in s.unsaved]
        if unsaved and not self._quit_asked:
            self._quit_asked = True
            for s in screens:
                if s.unsaved:
                    s.quit_when_saved()
            return
        self.lost_lines = unsaved
        self.exit()

    # ------------------------------------------------------------------ navigation
    def open_interview(self, request: InterviewRequest) -> None:
        """Start or resume an interview on top of the current screen."""
        self.push_screen(InterviewScreen(request))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_history(self) -> None:
        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    async def action_new_interview(self) -> None:
        """Back to a fresh setup screen, dropping everything above the default screen."""
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        self.open_session_id = None
        await self.switch_screen(SetupScreen(InterviewRequest(level=self.request.level, persona=self.request.persona, minutes=self.request.minutes, brain=self.request.brain)))


def run_app(
    case: str | None = None,
    level: str = Level.SENIOR,
    persona: str = Persona.NEUTRAL,
    minutes: float | None = None,
    brain: str = BrainKind.AUTO,
    resume: str | None = None,
    phase: str | None = None,
) -> None:
    """Run the TUI (the `mlsd` / `mlsd interview` command)."""
    app = MlsdApp(InterviewRequest(case=case, level=level, persona=persona, minutes=None if minutes is None else float(minutes), brain=brain, resume=resume, phase=phase))
    app.run()
    if app.lost_lines:  # quit twice before they were saved: at least the candidate can copy them
        import sys

        print(f"mlsd: {len(app.lost_lines)} line(s) you typed were not saved:", file=sys.stderr)
        for line in app.lost_lines:
            print(f"  {line}", file=sys.stderr)
    if app.open_session_id:
        print(f"mlsd: interview {app.open_session_id} is saved; resume it with `mlsd --resume {app.open_session_id}`")

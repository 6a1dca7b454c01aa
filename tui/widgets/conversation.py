"""The conversation: interviewer lines streamed into Markdown, the candidate's lines, notices.

Interviewer lines are streamed with Textual's `MarkdownStream` (`Markdown.get_stream`), which
batches fragments that arrive faster than they can be rendered; there is no re-render per token.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Label, Markdown, Static
from textual.widgets.markdown import MarkdownStream

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.view import TurnView


def probe_line(turn: "TurnView") -> str | None:
    """Which criterion a follow-up (or hint) probes, from which note: what "why this question?" (F4)
    shows; no longer a permanent line under every follow-up."""
    if not turn.criterion or turn.kind not in ("follow_up", "hint"):
        return None
    verb = "probing" if turn.kind == "follow_up" else "hint on"
    return f"↳ {verb}: {turn.criterion}" + (f" · from {turn.note}" if turn.note else "")


def _norm(text: str) -> str:
    return " ".join(text.split())


class InterviewerLine(Vertical):
    """One interviewer line; streams while it is being said."""

    DEFAULT_CSS = """
    InterviewerLine { height: auto; margin: 0 0 1 0; }
    InterviewerLine > .who { color: $accent; text-style: bold; }
    InterviewerLine > Markdown { margin: 0; padding: 0 0 0 2; background: transparent; }
    InterviewerLine > Markdown > MarkdownBlock:last-child { margin-bottom: 0; }
    """

    def __init__(self, text: str = "", *, turn: "TurnView | None" = None, kind: str = "") -> None:
        super().__init__(classes=f"kind-{kind}" if kind else None)
        self._text = text
        self.turn = turn  # the line as the engine recorded it (kind, criterion, note), once it is complete
        self._stream: MarkdownStream | None = None
        self._streamed: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("Interviewer", classes="who")
        yield Markdown(self._text)

    @property
    def markdown(self) -> Markdown:
        return self.query_one(Markdown)

    @property
    def text(self) -> str:
        return self._text if self._stream is None else "".join(self._streamed)

    def start_stream(self) -> None:
        self._streamed = []
        self._stream = Markdown.get_stream(self.markdown)

    async def write(self, fragment: str) -> None:
        if self._stream is None:
            self.start_stream()
        assert self._stream is not None
        self._streamed.append(fragment)
        await self._stream.write(fragment)

    async def reset(self) -> None:
        """The line is being replaced (a model failed mid-stream and the fallback answers)."""
        if self._stream is not None:
            await self._stream.stop()
        await self.markdown.update("")
        self.start_stream()

    async def finish(self, turn: "TurnView") -> None:
        """The line is complete: stop streaming, make sure the text is exactly what was said."""
        streamed = "".join(self._streamed)
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        text = turn.text
        self._text = text
        if _norm(streamed) != _norm(text):
            await self.markdown.update(text)
        self.turn = turn


class CandidateLine(Vertical):
    """One of the candidate's lines. A line just typed is `pending` ("sending…") until the engine has
    checkpointed it; only then is it shown as said."""

    DEFAULT_CSS = """
    CandidateLine { height: auto; margin: 0 0 1 0; }
    CandidateLine > .who { color: $success; text-style: bold; }
    CandidateLine > .body { padding: 0 0 0 2; }
    CandidateLine.-command > .body { color: $text-muted; }
    CandidateLine.-pending > .who { color: $text-muted; text-style: italic; }
    CandidateLine.-pending > .body { color: $text-muted; }
    """

    def __init__(self, text: str, *, command: bool = False, pending: bool = False) -> None:
        classes = " ".join(c for c, on in (("-command", command), ("-pending", pending)) if on)
        super().__init__(classes=classes or None)
        self._text = text
        self.pending = pending

    @property
    def text(self) -> str:
        return self._text

    def compose(self) -> ComposeResult:
        yield Label(self._who(), classes="who")
        yield Static(self._text, classes="body", markup=False)

    def _who(self) -> str:
        return "You · sending…" if self.pending else "You"

    def mark_saved(self, text: str | None = None) -> None:
        """The engine has the line: shown as said (as it was recorded, if it was cut or redacted)."""
        self.pending = False
        self.remove_class("-pending")
        self.query_one(".who", Label).update(self._who())
        if text is not None and text != self._text:
            self._text = text
            self.query_one(".body", Static).update(text)


class NoticeLine(Static):
    DEFAULT_CSS = """
    NoticeLine { height: auto; margin: 0 0 1 0; color: $warning; padding: 0 0 0 2; }
    """

    def __init__(self, text: str, kind: str = "") -> None:
        super().__init__(f"⚑ {text}", markup=False, classes=f"kind-{kind}" if kind else None)


class PhaseDivider(Static):
    DEFAULT_CSS = """
    PhaseDivider { height: 1; margin: 0 0 1 0; color: $secondary; text-style: bold; content-align: center middle; width: 100%; }
    """

    def __init__(self, title: str) -> None:
        super().__init__(f"── {title} ──", markup=False)


class CasePanel(Static):
    """The case prompt, shown first so the candidate can read it while the interviewer loads."""

    DEFAULT_CSS = """
    CasePanel { height: auto; border: round $primary; padding: 0 1; margin: 0 0 1 0; }
    """

    def show_case(self, title: str, prompt: str, meta: str = "") -> None:
        self.border_title = title
        self.update(prompt + (f"\n[dim]{meta}[/dim]" if meta else ""))


class Conversation(VerticalScroll):
    """The scrolling log; stays anchored to the bottom as lines arrive."""

    DEFAULT_CSS = """
    Conversation { height: 1fr; padding: 0 1; }
    """

    def watch_virtual_size(self, size: Size) -> None:
        # Anchor (stick to the bottom) only once the log overflows: an anchored scroll view
        # bottom-aligns short content, and a short log reads better from the top.
        if not self.is_anchored and size.height > self.scrollable_content_region.height:
            self.anchor()

    async def begin_interviewer(self) -> InterviewerLine:
        line = InterviewerLine()
        await self.mount(line)
        line.start_stream()
        return line

    async def add_interviewer(self, turn: "TurnView") -> InterviewerLine:
        line = InterviewerLine(turn.text, turn=turn, kind=turn.kind)
        await self.mount(line)
        return line

    async def add_candidate(self, text: str, *, command: bool = False, pending: bool = False) -> CandidateLine:
        line = CandidateLine(text, command=command, pending=pending)
        await self.mount(line)
        return line

    async def add_notice(self, text: str, kind: str = "") -> NoticeLine:
        line = NoticeLine(text, kind)
        await self.mount(line)
        return line

    async def add_transcript(self, turns: "tuple[TurnView, ...]", titles: dict[str, str], phase: str | None = None) -> str | None:
        """Mount recorded turns (a resumed interview) at once; returns the last phase shown."""
        widgets: list[Widget] = []
        for turn in turns:
            if turn.by_interviewer:
                if turn.phase and turn.phase != phase:
                    phase = turn.phase
                    widgets.append(PhaseDivider(titles.get(phase, phase)))
                widgets.append(InterviewerLine(turn.text, turn=turn, kind=turn.kind))
            else:
                widgets.append(CandidateLine(turn.text, command=turn.kind == "command"))
        if widgets:
            await self.mount_all(widgets)
        return phase

    async def recall_case(self) -> None:
        """A resumed interview: the case panel moves down to just above the last interviewer line, so
        the problem and the question it was left at are both on screen (not a long scroll away)."""
        panels, lines = list(self.query(CasePanel)), list(self.query(InterviewerLine))
        if not panels or not lines:
            return
        panel, last = panels[0], lines[-1]
        if self.children.index(panel) < self.children.index(last) - 1:
            self.move_child(panel, before=last)
            panel.add_class("-recalled")

    async def add_divider(self, title: str, before: InterviewerLine | None = None) -> None:
        div = PhaseDivider(title)
        if before is not None and before.parent is self:
            await self.mount(div, before=before)
        else:
            await self.mount(div)

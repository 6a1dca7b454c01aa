"""The answer box: a multi-line TextArea where Enter sends and shift+Enter / ctrl+J add a newline.

Typing "/" suggests the interview commands inline (accept with Tab or →), and `CommandHints`
lists the ones that match with what they do.
"""
from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static, TextArea

COMMANDS: dict[str, str] = {
    "/hint": "a nudge on what is still missing",
    "/next": "move on to the next phase",
    "/time": "time used and left",
    "/end": "finish now and see the scorecard",
    "/help": "the commands",
}


def matching_commands(text: str) -> list[str]:
    """Commands completing what was typed, when the text is a lone word starting with "/"."""
    t = text.strip().lower()
    if not t.startswith("/") or any(ch.isspace() for ch in text.strip()):
        return []
    return [c for c in COMMANDS if c.startswith(t)]


class Composer(TextArea):
    """Multi-line input. Posts `Composer.Submitted` on Enter.

    The keys are handled in `_on_key`, in order with the typed characters (a priority binding
    would run when the key arrives, before the characters queued ahead of it reach the widget).
    The bindings are listed so the footer shows them.
    """

    BINDINGS = [
        Binding("enter", "submit", "send"),
        Binding("shift+enter", "newline", "newline", show=False),
        Binding("ctrl+j", "newline", "newline", key_display="⇧⏎/^j"),
    ]
    NEWLINE_KEYS = ("shift+enter", "ctrl+j", "ctrl+enter")

    DEFAULT_CSS = """
    Composer {
        height: auto;
        min-height: 3;
        max-height: 8;
    }
    """

    class Submitted(Message):
        def __init__(self, composer: "Composer", text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

        @property
        def control(self) -> "Composer":
            return self.composer

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        super().__init__(id=id, soft_wrap=True, tab_behavior="focus", show_line_numbers=False, highlight_cursor_line=False, placeholder=placeholder)

    def update_suggestion(self) -> None:
        matches = matching_commands(self.text)
        if matches and self.cursor_location == self.document.end and matches[0] != self.text.strip().lower():
            self.suggestion = matches[0][len(self.text.strip()) :]
        else:
            self.suggestion = ""

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter" or key in self.NEWLINE_KEYS or (key == "tab" and self.suggestion):
            event.stop()
            event.prevent_default()
            if key == "enter":
                self.action_submit()
            elif key == "tab":
                self.action_complete()
            else:
                self.action_newline()
            return
        await super()._on_key(event)

    def action_submit(self) -> None:
        text = self.text
        if not text.strip():
            self.clear()  # spaces and blank lines are sent nowhere: they do not linger as if unsent
            return
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_complete(self) -> None:
        if self.suggestion:
            self.insert(self.suggestion)
            self.suggestion = ""


class CommandHints(Static):
    """A quiet line under the conversation listing the commands that match what is typed."""

    DEFAULT_CSS = """
    CommandHints {
        display: none;
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    CommandHints.-active { display: block; }
    """

    def show_for(self, text: str) -> None:
        matches = matching_commands(text)
        self.set_class(bool(matches), "-active")
        if matches:
            self.update("  ".join(f"[b]{c}[/b] {COMMANDS[c]}" for c in matches) + "   [dim](tab completes)[/dim]")

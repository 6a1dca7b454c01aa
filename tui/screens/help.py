"""Key bindings and interview commands (F1 or ?)."""
from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.composer import COMMANDS

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Interview",
        [
            ("enter", "send your answer or question"),
            ("shift+enter · ctrl+j", "new line in your answer"),
            ("tab · →", "complete a /command"),
            ("F4", "why this question? the criterion and the note behind the last follow-up"),
            ("ctrl+r", "after a failed reply: ask again (your answer is kept)"),
        ]
        + [(c, d) for c, d in COMMANDS.items()],
    ),
    (
        "Scorecard",
        [
            ("← →", "Summary · Criteria · Study tabs"),
            ("↑ ↓ · PgUp PgDn", "scroll, or move between criteria and notes"),
            ("enter", "a criterion's evidence and notes; a note to study, rendered"),
            ("m · j", "export Markdown · JSON to the current folder"),
            ("n", "new interview"),
            ("escape", "back to the transcript"),
        ],
    ),
    (
        "Everywhere",
        [
            ("F1 · ?", "this help"),
            ("F2", "past interviews (from setup and scorecard)"),
            ("ctrl+q", "quit (after your answers are saved); mlsd --resume ID"),
        ],
    ),
]


def keys_table() -> Table:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold cyan", no_wrap=True)
    t.add_column()
    for section, rows in KEYS:
        t.add_row(f"[b]{section}[/b]", "")
        for k, d in rows:
            t.add_row(k, d)
        t.add_row("", "")
    return t


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "close"),
        Binding("f1", "dismiss", "close", show=False),
        Binding("question_mark", "dismiss", "close", show=False),
        Binding("q", "dismiss", "close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(keys_table())

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "keys"
        self.query_one("#help-box").border_subtitle = "escape closes"

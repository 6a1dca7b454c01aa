"""Knowledge notes opened in place: a modal with the note's section rendered as Markdown.

Used by the scorecard (notes to study, a criterion's evidence and notes) and by the interview's
"why this question?" key. The section is read from `knowledge/` by path and anchor
(`Library.note_section`), in a thread worker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown, Static

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.content import Library

    from ..services import Services


@dataclass(frozen=True)
class NoteText:
    ref: str
    heading: str
    markdown: str
    note_title: str = ""


def read_note(lib: "Library", ref: str) -> NoteText:
    """The section `ref` points at, or a short Markdown line saying it cannot be found."""
    try:
        note, heading, md = lib.note_section(ref)
    except KeyError:
        return NoteText(ref, ref, f"*This note is not in the knowledge folder:* `{ref}`")
    return NoteText(ref, heading, md, note.meta.title)


class NotesLoaded(Message):
    def __init__(self, notes: list[NoteText]) -> None:
        super().__init__()
        self.notes = notes


class NoteScreen(ModalScreen[None]):
    """One or more note sections, one at a time; `lead` (rich Text) is shown above them.

    Keys: ↑↓ PgUp PgDn scroll, ←→ (or p/n) previous/next note, escape closes.
    """

    BINDINGS = [
        Binding("escape", "dismiss", "close"),
        Binding("q", "dismiss", "close", show=False),
        Binding("left,p", "step(-1)", "previous note", key_display="←/p"),
        Binding("right,n", "step(1)", "next note", key_display="→/n"),
    ]

    def __init__(self, refs: list[str], *, maybe: list[str] | None = None, lead: Text | str = "", start: int = 0, title: str = "notes to study") -> None:
        super().__init__()
        self.refs = list(dict.fromkeys(refs))
        self.maybe = [r for r in dict.fromkeys(maybe or []) if r not in self.refs]  # shown only if the section exists
        self.lead = lead
        self.index = max(0, min(start, len(self.refs) - 1)) if self.refs else 0
        self.box_title = title
        self.notes: list[NoteText] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static("", id="note-ref", markup=False)
            with VerticalScroll(id="note-scroll"):
                yield Static(self.lead, id="note-lead", markup=False)
                yield Markdown("", id="note-md")
        yield Footer()

    def on_mount(self) -> None:
        box = self.query_one("#note-box")
        box.border_title = self.box_title
        box.border_subtitle = "escape closes"
        self.query_one("#note-lead").display = bool(str(self.lead))
        self.query_one("#note-scroll").focus()
        if self.refs or self.maybe:
            self.query_one("#note-ref", Static).update("loading the note…")
            self._load()
        else:
            self._no_note()

    def _no_note(self) -> None:
        self.query_one("#note-ref", Static).update(Text("No note is flagged for this one.", style="dim"))
        self.query_one("#note-md").display = False

    @property
    def mlsd(self) -> "Services":
        return cast("Services", self.app)

    @work(thread=True, exit_on_error=False)
    def _load(self) -> None:
        try:
            lib = self.mlsd.backend.library()
            notes = [read_note(lib, r) for r in self.refs]
            for r in self.maybe:
                try:
                    note, heading, md = lib.note_section(r, strict=True)
                except KeyError:
                    continue
                notes.append(NoteText(r, heading, md, note.meta.title))
        except Exception as e:  # the library itself failed to load
            notes = [NoteText(r, r, f"*Could not read the notes:* {e}") for r in self.refs]
        self.post_message(NotesLoaded(notes))

    async def on_notes_loaded(self, message: NotesLoaded) -> None:
        self.notes = message.notes
        self.refs = [n.ref for n in self.notes]
        self.refresh_bindings()
        if not self.notes:
            self._no_note()
            return
        await self._show()

    async def _show(self) -> None:
        if not self.notes:
            return
        n = self.notes[self.index]
        where = Text.assemble(
            (n.heading, "bold"),
            (f" · {n.note_title}" if n.note_title and n.note_title != n.heading else "", ""),
            ("  " + n.ref, "dim"),
        )
        if len(self.notes) > 1:
            where.append(f"  ({self.index + 1} of {len(self.notes)}: ←→ to move)", style="dim")
        self.query_one("#note-ref", Static).update(where)
        await self.query_one("#note-md", Markdown).update(n.markdown)
        self.query_one("#note-scroll", VerticalScroll).scroll_home(animate=False)

    async def action_step(self, delta: int) -> None:
        if len(self.notes) > 1:
            self.index = (self.index + delta) % len(self.notes)
            await self._show()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "step":
            return len(self.refs) > 1  # hidden with a single note
        return True

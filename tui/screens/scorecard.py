"""The scorecard: hire signal, level and confidence; a bar and trend per phase; per-criterion
tables with the candidate's quotes behind each score; strengths, gaps and notes to study."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Markdown, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from interviewer.domain import CROSS_CUTTING
from interviewer.scorecard import not_reached
from interviewer.text import slug

from ..services import MlsdScreen
from ..widgets.score import SIGNAL_STYLE, bar, score_text, trend_text
from .note import NoteScreen

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.grading import CriterionGrade
    from interviewer.scorecard import Scorecard





def _quote(q: str, width: int = 0) -> str:
    q = " ".join(q.split())
    if width and len(q) > width:
        q = q[: width - 1].rstrip() + "…"
    return f"“{q}”"


def overall_block(card: "Scorecard") -> Group:
    o = card.overall
    retry = card.kind == "retry"
    # a retry of one phase is no interview: its banner says so, not "STRONG HIRE" after a minute's answer (a
    # probe's 2-answer monitor retry); what that phase alone reads as follows in the line below
    banner = (" PHASE RETRY ", "reverse") if retry else (f" {o.hire_signal.upper()} ", f"reverse {SIGNAL_STYLE.get(o.hire_signal, '')}")
    head = Text.assemble(
        banner,
        "  score ",
        (f"{o.score:.2f}", "bold"),
        " / 4",
        *((f"  (this phase alone reads as {o.hire_signal})", "dim"),) if retry else (),
    )
    level = Text.assemble(
        "level on this phase alone " if retry else "level estimate ",
        (o.level_text, "bold"),
        f" (target {o.target_level}) · confidence ",
        (o.confidence_label, "bold"),
        f" ({o.confidence:.2f})",
    )
    hints = len(card.hints)
    meta = Text(
        f"{card.case} · {card.minutes_used:.0f} min · persona {card.persona} · {card.brain} brain · "
        f"{hints} hint{'s' if hints != 1 else ''} used · session {card.session_id}",
        style="dim",
    )
    parts = [head, level]
    if o.confidence_reasons:  # what held the confidence down (short interview, retry, thin evidence...)
        parts.append(Text(f"confidence held down by: {'; '.join(o.confidence_reasons)}", style="yellow"))
    if retry:
        parts.append(Text("a retry of one phase, not a finished interview: the signal and level rest on that phase alone", style="yellow"))
    return Group(*parts, meta)


def phase_bars(card: "Scorecard") -> Table:
    t = Table.grid(padding=(0, 1))
    t.add_column("phase", ratio=1, no_wrap=True, overflow="ellipsis")
    t.add_column("bar", width=14, no_wrap=True)
    t.add_column("score", width=4, justify="right")
    t.add_column("minutes", width=9, justify="right", no_wrap=True)
    t.add_column("trend", no_wrap=True, overflow="ellipsis", max_width=24)
    for p in card.phases:
        mins = f"{p.minutes:.1f}/{p.budget or 0:.0f}m" if p.minutes is not None else f"–/{p.budget or 0:.0f}m"
        over = p.minutes is not None and p.budget is not None and p.minutes > p.budget
        if not p.reached:  # the interview ended first: no score of its own (it counts as 1)
            t.add_row(p.title, bar(1.0, 14), "–", Text(mins, style="dim"), Text(not_reached(), style="dim"))
            continue
        t.add_row(p.title, bar(p.score, 14), f"{p.score:.2f}", Text(mins, style="yellow" if over else "dim"), trend_text(p.trend, p.score))
    return t


def points_block(points: list[Any], empty: str, gaps: bool = False) -> Text:
    if not points:
        return Text(empty, style="dim")
    out = Text()
    for i, pt in enumerate(points):
        if i:
            out.append("\n")
        out.append("• ")
        out.append(pt.title, style="bold")
        out.append(" (")
        out.append_text(score_text(pt.score))
        out.append(")")
        if pt.quote:
            out.append(": you said " if gaps else ": ")
            out.append(_quote(pt.quote, 160), style="italic")
        if gaps and pt.study:
            out.append("\n   study: " + ", ".join(pt.study) + " (enter opens them)", style="dim")
    return out


def study_markdown(card: "Scorecard") -> str:
    lines: list[str] = []
    refs = [g for g in card.gaps if g.reference]
    if refs:
        lines += ["", "## What a strong answer covers", ""]
        for g in refs:
            lines.append(f"- **{g.title}**")
            lines += [f"  - {r}" for r in g.reference[:4]]
    lines += ["", "## Hints used", ""]
    lines += [f"- {h.get('phase')}: {h.get('title') or h.get('criterion')} (minute {float(h.get('minute', 0)):.0f})" for h in card.hints] or ["- none"]
    if card.notices:
        lines += ["", "## Notices", ""] + [f"- {n}" for n in card.notices]
    return "\n".join(lines)


def note_label(ref: str, title: str | None = None) -> Text:
    """A study reference as a list entry: the section's heading as written (else one made from its anchor),
    then its path."""
    path, _, anchor = ref.partition("#")
    name = title or anchor.replace("-", " ").strip().capitalize() or path
    return Text.assemble((name, "bold"), "  ", (ref, "dim"))


def evidence_cell(c: "CriterionGrade") -> Text:
    """Every quote behind a score, each on its own line (wrapped by the table, never cut)."""
    if not c.evidence:
        return Text("insufficient evidence", style="dim")
    return Text("\n".join(_quote(q) for q in c.evidence), style="italic")


def criterion_lead(c: "CriterionGrade", phase_title: str, before: int | None = None, retry: bool = False) -> Text:
    """What the notes modal shows above a criterion's notes: score, every quote and the reason."""
    out = Text()
    out.append(c.title or c.id, style="bold")
    out.append(f" · {phase_title} · score ")
    out.append_text(score_text(c.score))
    if retry:
        out.append(" (before ")
        out.append_text(score_text(before))
        out.append(")")
    if c.evidence:
        out.append("\nWhat you said:", style="dim")
        for q in c.evidence:
            out.append("\n  ")
            out.append(_quote(q), style="italic")
    else:
        out.append("\nNo quote: insufficient evidence.", style="dim")
    if c.rationale:
        out.append("\n" + c.rationale, style="dim")
    return out


HINTS = {
    "tab-summary": "↑↓ PgUp PgDn scroll · ←→ tabs · enter opens the notes to study",
    "tab-criteria": "↑↓ PgUp PgDn move · enter: the evidence and notes for a criterion · ←→ tabs",
    "tab-study": "↑↓ choose · enter opens the note here · ←→ tabs",
}
TABS = list(HINTS)


class ScorecardScreen(MlsdScreen[None]):
    AUTO_FOCUS = "#summary-scroll"
    BINDINGS = [
        Binding("left", "tab(-1)", "tabs", key_display="←→", priority=True),
        Binding("right", "tab(1)", "tabs", show=False, priority=True),
        Binding("enter", "open_notes", "notes", key_display="⏎"),
        Binding("m", "export('md')", "export .md"),
        Binding("j", "export('json')", "export .json"),
        Binding("f2", "app.history", "history"),
        Binding("n", "app.new_interview", "new"),
        Binding("escape", "back", "back"),
    ]

    def __init__(self, card: "Scorecard") -> None:
        super().__init__()
        self.card = card
        self._criteria: dict[str, list[CriterionGrade]] = {p.id: list(p.criteria) for p in card.phases}
        if card.cross_cutting:
            self._criteria[CROSS_CUTTING] = list(card.cross_cutting)
        self._titles = {p.id: p.title for p in card.phases} | {CROSS_CUTTING: "Across the interview"}
        self._previous = {p.id: p.previous for p in card.phases if p.previous}
        self._rows: list[tuple[str, CriterionGrade | None]] = []  # (phase, criterion or None for a phase row)
        self._width = 0

    def compose(self) -> ComposeResult:
        card = self.card
        yield Static(f"Scorecard — {card.case_title}", id="sc-title", markup=False)
        with TabbedContent(id="sc-tabs", initial="tab-summary"):
            with TabPane("Summary", id="tab-summary"):
                with VerticalScroll(id="summary-scroll", can_focus=True):
                    yield Static(overall_block(card), id="overall")
                    yield Static("Phases", classes="section")
                    yield Static(phase_bars(card), id="phase-bars")
                    yield Static("Strengths", classes="section")
                    yield Static(points_block(card.strengths, "none with clear evidence yet"), id="strengths")
                    yield Static("Gaps", classes="section")
                    yield Static(points_block(card.gaps, "none", gaps=True), id="gaps")
            with TabPane("Criteria", id="tab-criteria"):
                yield DataTable(id="criteria", cursor_type="row", zebra_stripes=True)
            with TabPane("Study", id="tab-study"):
                with VerticalScroll(id="study-scroll"):
                    yield Static("Notes to study", classes="section")
                    yield OptionList(*[Option(note_label(r, card.study_titles.get(r)), id=r) for r in card.study] or [Option("nothing flagged", disabled=True)], id="study-notes")
                    yield Markdown(study_markdown(card), id="study")
        yield Static(HINTS["tab-summary"], id="sc-hint")
        yield Footer()

    def on_mount(self) -> None:
        self._fill_criteria()

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self._fill_criteria()

    # ------------------------------------------------------------------ the criteria table
    def _fill_criteria(self) -> None:
        """One table for every phase: a row per phase, then a row per criterion with its full name,
        its score and every quote behind it (rows grow to fit; nothing is cut)."""
        table = self.query_one("#criteria", DataTable)
        width = self.size.width or 80
        self._width = width
        keep = table.cursor_row if table.row_count else None
        table.clear(columns=True)
        retry = bool(self._previous)
        name_w = 22 if width < 100 else 34
        fixed = name_w + 5 + (6 if retry else 0)
        ncols = 4 if retry else 3
        evidence_w = max(16, width - fixed - 2 * ncols * table.cell_padding - 2 - 2 - 2)  # pane padding, scrollbar, slack
        table.add_column("criterion", width=name_w, key="criterion")
        table.add_column("score", width=5, key="score")
        if retry:
            table.add_column("before", width=6, key="before")
        table.add_column("evidence (what you said)", width=evidence_w, key="evidence")
        self._rows = []
        for pid, crits in self._criteria.items():
            phase = next((p for p in self.card.phases if p.id == pid), None)
            head = Text(self._titles.get(pid, pid), style="bold")
            cells: list[Any] = [head, Text(f"{phase.score:.2f}", style="bold") if phase else Text("")]
            if retry:
                cells.append(Text(""))
            cells.append(Text(""))
            table.add_row(*cells, height=None)
            self._rows.append((pid, None))
            before = self._previous.get(pid)
            for c in crits:
                cells = [Text(c.title or c.id), score_text(c.score)]
                if retry:
                    cells.append(score_text(before.get(c.id)) if before is not None else Text("–", style="dim"))
                cells.append(evidence_cell(c))
                table.add_row(*cells, height=None)
                self._rows.append((pid, c))
        if self._rows:
            row = keep if keep is not None and keep < len(self._rows) else min(1, len(self._rows) - 1)
            table.move_cursor(row=row, animate=False)
            if row <= 1:
                table.call_after_refresh(table.scroll_home, animate=False)

    def highlighted_criterion(self) -> tuple[str, "CriterionGrade | None"] | None:
        table = self.query_one("#criteria", DataTable)
        if not self._rows or table.cursor_row < 0 or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    def criterion_refs(self, pid: str, c: "CriterionGrade") -> tuple[list[str], list[str]]:
        """The notes flagged for a criterion (a gap's study notes), and sections that may match it."""
        flagged = next((g.study for g in self.card.gaps if g.criterion == c.id and g.phase == c.phase), [])
        maybe = [f"phases/{pid}.md#{c.id}", f"cases/{self.card.case}.md#{slug(self._titles.get(pid, pid))}"]
        return list(flagged), maybe

    # ------------------------------------------------------------------ tabs and keys
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id or ""
        self.query_one("#sc-hint", Static).update(HINTS.get(pane, ""))
        target = {"tab-summary": "#summary-scroll", "tab-criteria": "#criteria", "tab-study": "#study-notes"}.get(pane)
        if target:
            self.query_one(target).focus()
        if pane == "tab-criteria":
            table = self.query_one("#criteria", DataTable)
            if table.cursor_row <= 1:  # the first phase's row in sight, not scrolled past
                table.call_after_refresh(table.scroll_home, animate=False)

    def action_tab(self, delta: int) -> None:
        tabs = self.query_one("#sc-tabs", TabbedContent)
        i = TABS.index(tabs.active) if tabs.active in TABS else 0
        tabs.active = TABS[(i + delta) % len(TABS)]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_notes()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_notes()

    def action_open_notes(self) -> None:
        active = self.query_one("#sc-tabs", TabbedContent).active
        if active == "tab-criteria":
            hit = self.highlighted_criterion()
            if hit is None:
                return
            pid, c = hit
            if c is None:  # a phase row: that phase's gaps' notes
                refs = [r for g in self.card.gaps if g.phase == pid for r in g.study]
                self.app.push_screen(NoteScreen(refs, lead=Text(self._titles.get(pid, pid), style="bold"), title="notes to study"))
                return
            before = (self._previous.get(pid) or {}).get(c.id)
            flagged, maybe = self.criterion_refs(pid, c)
            lead = criterion_lead(c, self._titles.get(pid, pid), before, retry=pid in self._previous)
            self.app.push_screen(NoteScreen(flagged, maybe=maybe, lead=lead, title="criterion"))
            return
        start = 0
        if active == "tab-study":
            ol = self.query_one("#study-notes", OptionList)
            start = ol.highlighted or 0
        self.app.push_screen(NoteScreen(self.card.study, start=start, title="notes to study"))

    # ------------------------------------------------------------------ actions
    def action_export(self, fmt: str) -> None:
        from interviewer.scorecard import to_markdown, write_private

        card = self.card
        folder: Path = self.mlsd.export_dir
        path = folder / f"mlsd-{card.session_id}.{fmt}"
        text = to_markdown(card) if fmt == "md" else json.dumps(card.model_dump(), indent=2, ensure_ascii=False)
        try:
            secrets = self.mlsd.backend.settings().secrets()
            write_private(path, text, secrets)
        except OSError as e:
            self.notify(f"could not write {path}: {e}", severity="error")
            return
        label = "Markdown" if fmt == "md" else "JSON"
        self.notify(f"{label} saved to {path}", title="exported", timeout=8)

    async def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            await self.app.run_action("app.new_interview")

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
from textual.widgets import DataTable, Footer, Markdown, Static, TabbedContent, TabPane

from interviewer.domain import CROSS_CUTTING

from ..services import MlsdScreen
from ..widgets.score import SIGNAL_STYLE, bar, score_text, trend_text

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
    head = Text.assemble(
        (f" {o.hire_signal.upper()} ", f"reverse {SIGNAL_STYLE.get(o.hire_signal, '')}"),
        "  score ",
        (f"{o.score:.2f}", "bold"),
        " / 4",
    )
    level = Text.assemble(
        "level estimate ",
        (o.level, "bold"),
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
    if card.kind == "retry":
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
            out.append("\n   study: " + ", ".join(pt.study), style="dim")
    return out


def study_markdown(card: "Scorecard") -> str:
    lines = ["## Notes to study", ""]
    lines += [f"- `{s}`" for s in card.study] or ["- nothing flagged"]
    refs = [g for g in card.gaps if g.reference]
    if refs:
        lines += ["", "## What a strong answer covers", ""]
        for g in refs:
            lines.append(f"- **{g.title}**")
            lines += [f"  - {r}" for r in g.reference[:4]]
    lines += ["", "## Hints used", ""]
    lines += [f"- {h.get('phase')}: {h.get('criterion')} (minute {float(h.get('minute', 0)):.0f})" for h in card.hints] or ["- none"]
    if card.notices:
        lines += ["", "## Notices", ""] + [f"- {n}" for n in card.notices]
    return "\n".join(lines)


def quotes_detail(c: "CriterionGrade") -> Text:
    out = Text()
    out.append(c.title or c.id, style="bold")
    out.append(" · ")
    out.append_text(score_text(c.score))
    if c.evidence:
        for q in c.evidence:
            out.append("\n  ")
            out.append(_quote(q), style="italic")
    else:
        out.append("\n  no quote: insufficient evidence", style="dim")
    if c.rationale:
        out.append("\n  " + c.rationale, style="dim")
    return out


class ScorecardScreen(MlsdScreen[None]):
    BINDINGS = [
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


    def compose(self) -> ComposeResult:
        card = self.card
        yield Static(f"Scorecard — {card.case_title}", id="sc-title", markup=False)
        with TabbedContent(id="sc-tabs", initial="tab-summary"):
            with TabPane("Summary", id="tab-summary"):
                with VerticalScroll():
                    yield Static(overall_block(card), id="overall")
                    yield Static("Phases", classes="section")
                    yield Static(phase_bars(card), id="phase-bars")
                    yield Static("Strengths", classes="section")
                    yield Static(points_block(card.strengths, "none with clear evidence yet"), id="strengths")
                    yield Static("Gaps", classes="section")
                    yield Static(points_block(card.gaps, "none", gaps=True), id="gaps")
            with TabPane("Criteria", id="tab-criteria"):
                with VerticalScroll(id="criteria-scroll", can_focus=False):
                    titles = {p.id: f"{p.title} — {p.score:.2f}" for p in card.phases}
                    titles[CROSS_CUTTING] = "Across the interview"
                    for pid in self._criteria:
                        yield Static(titles[pid], classes="section")
                        yield DataTable(id=f"crit-{pid}", classes="criteria", cursor_type="row", zebra_stripes=True)
                        yield Static(id=f"quotes-{pid}", classes="quotes")
            with TabPane("Study", id="tab-study"):
                with VerticalScroll():
                    yield Markdown(study_markdown(card), id="study")
        yield Footer()

    def on_mount(self) -> None:
        previous = {p.id: p.previous for p in self.card.phases if p.previous}
        for pid, crits in self._criteria.items():
            table = self.query_one(f"#crit-{pid}", DataTable)
            before = previous.get(pid)  # a phase retry: the earlier grade beside the new one
            table.add_column("criterion", width=26)
            table.add_column("score", width=5)
            if before is not None:
                table.add_column("before", width=6)
            table.add_column("evidence")
            for c in crits:
                first = _quote(c.evidence[0], 56) if c.evidence else "insufficient evidence"
                more = f" +{len(c.evidence) - 1}" if len(c.evidence) > 1 else ""
                cells: list[Any] = [c.title or c.id, score_text(c.score)]
                if before is not None:
                    cells.append(score_text(before.get(c.id)))
                cells.append(Text(first + more, style="italic" if c.evidence else "dim"))
                table.add_row(*cells)
            if crits:
                self.query_one(f"#quotes-{pid}", Static).update(quotes_detail(crits[0]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table_id = event.data_table.id or ""
        pid = table_id.removeprefix("crit-")
        crits = self._criteria.get(pid, [])
        if 0 <= event.cursor_row < len(crits):
            self.query_one(f"#quotes-{pid}", Static).update(quotes_detail(crits[event.cursor_row]))

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

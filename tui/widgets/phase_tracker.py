"""The phase tracker: seven phases, done / current / to come, minutes used against each budget."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from interviewer.domain import PHASES
from interviewer.domain import SHORT_LABEL as SHORT

if TYPE_CHECKING:  # pragma: no cover
    from interviewer.view import SessionView
MARK = {"done": "✓", "current": "▶", "todo": "·"}


@dataclass(frozen=True)
class PhaseView:
    id: str
    title: str
    status: str  # done | current | todo
    budget: float | None
    used: float | None = None
    graded: bool = False

    @property
    def over(self) -> bool:
        return self.used is not None and self.budget is not None and self.used > self.budget + 1e-9


def _mins(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}"


def phase_views(
    view: "SessionView",
    titles: dict[str, str],
    since_mark: float = 0.0,
    graded: Iterable[str] = (),
) -> list[PhaseView]:
    """What the tracker shows, from the session's read model; `since_mark` is minutes since the last turn."""
    phases = list(view.phases or PHASES)
    i = view.phase_i
    finished = view.finished
    done_minutes = view.phase_minutes
    budgets = view.budgets
    graded = set(graded)
    out: list[PhaseView] = []
    for k, p in enumerate(phases):
        if k < i and (not finished or p in done_minutes):
            status, used = "done", done_minutes.get(p)
        elif k == i and not finished:
            status, used = "current", view.phase_used + since_mark
        else:
            status, used = "todo", None
        out.append(PhaseView(p, titles.get(p, p), status, budgets.get(p), used, p in graded))
    return out


def planned_views(phases: list[str], minutes: float, phase_minutes: dict[str, float], titles: dict[str, str]) -> list[PhaseView]:
    """Before the session exists: every phase to come, budgets scaled to the interview length."""
    total = sum(phase_minutes.get(p, 0.0) for p in phases) or 1.0
    return [PhaseView(p, titles.get(p, p), "todo", phase_minutes.get(p, 0.0) * minutes / total) for p in phases]


class PhaseCell(Static):
    DEFAULT_CSS = """
    PhaseCell { width: 1fr; height: 2; padding: 0 0 0 1; color: $text-muted; }
    PhaseCell.-done { color: $text; }
    PhaseCell.-current { color: $text; background: $boost; text-style: bold; }
    PhaseCell.-over { color: $warning; }
    PhaseCell.-current.-over { color: $text; background: $error 60%; }
    """

    def show(self, view: PhaseView) -> None:
        for status in ("done", "current", "todo"):
            self.set_class(view.status == status, f"-{status}")
        self.set_class(view.over, "-over")
        mark = MARK[view.status]
        over = "!" if view.over else ""
        used = _mins(view.used) if view.status != "todo" else "–"
        self.update(f"{mark} {SHORT.get(view.id, view.id)}\n{used}/{_mins(view.budget)}m{over}")
        self.tooltip = f"{view.title}: {used} of {_mins(view.budget)} minutes" + (" (graded)" if view.graded else "")


class PhaseTracker(Horizontal):
    """One cell per phase of the session; `show()` re-mounts cells only if the phases change."""

    DEFAULT_CSS = """
    PhaseTracker { height: 2; width: 100%; }
    """

    def __init__(self, phases: Iterable[str] = PHASES, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._phases = list(phases)

    def compose(self) -> ComposeResult:
        for p in self._phases:
            yield PhaseCell(f"{MARK['todo']} {SHORT.get(p, p)}\n–", id=f"phase-{p}")

    async def show(self, views: list[PhaseView]) -> None:
        ids = [v.id for v in views]
        if ids != self._phases:
            self._phases = ids
            await self.remove_children()
            await self.mount_all([PhaseCell(id=f"phase-{p}") for p in ids])
        for v in views:
            self.query_one(f"#phase-{v.id}", PhaseCell).show(v)

    def status_of(self, phase: str) -> str:
        cell = self.query_one(f"#phase-{phase}", PhaseCell)
        for status in ("done", "current", "todo"):
            if cell.has_class(f"-{status}"):
                return status
        return "todo"

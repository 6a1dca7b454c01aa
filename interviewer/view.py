"""The read model a front end gets of a session: typed, immutable, and no graph state behind it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .domain import Role


@dataclass(frozen=True)
class TurnView:
    role: str
    phase: str
    text: str
    minute: float = 0.0
    kind: str = ""
    criterion: str | None = None  # a follow-up or hint: the rubric criterion it probes
    note: str | None = None  # and the knowledge note section it was grounded in
    concept: str | None = None  # a deep dive or push: the concept it digs into
    misconception: str | None = None  # a challenge: the misconception it challenges

    @classmethod
    def of(cls, turn: Mapping[str, Any]) -> "TurnView":
        return cls(
            role=str(turn.get("role", "")),
            phase=str(turn.get("phase", "")),
            text=str(turn.get("text", "")),
            minute=float(turn.get("minute", 0.0)),
            kind=str(turn.get("kind", "")),
            criterion=turn.get("criterion"),
            note=turn.get("note"),
            concept=turn.get("concept"),
            misconception=turn.get("misconception"),
        )

    @property
    def by_interviewer(self) -> bool:
        return self.role == Role.INTERVIEWER


@dataclass(frozen=True)
class SessionView:
    """Where an interview stands: what the tracker, the clock and the conversation show."""

    session_id: str
    case_id: str
    level: str
    persona: str
    brain: str
    minutes: float
    phases: tuple[str, ...]
    phase_i: int
    phase_start: float
    elapsed: float
    finished: bool
    phase_minutes: Mapping[str, float] = field(default_factory=dict)
    budgets: Mapping[str, float] = field(default_factory=dict)
    transcript: tuple[TurnView, ...] = ()

    @classmethod
    def of(cls, state: Mapping[str, Any], budgets: Mapping[str, float], brain: str) -> "SessionView":
        return cls(
            session_id=str(state.get("session_id", "")),
            case_id=str(state.get("case_id", "")),
            level=str(state.get("level", "")),
            persona=str(state.get("persona", "")),
            brain=brain,
            minutes=float(state.get("minutes", 0.0)),
            phases=tuple(state.get("phases", ())),
            phase_i=int(state.get("phase_i", 0)),
            phase_start=float(state.get("phase_start", 0.0)),
            elapsed=float(state.get("elapsed", 0.0)),
            finished=state.get("status") == "finished",
            phase_minutes=dict(state.get("phase_minutes", {})),
            budgets=dict(budgets),
            transcript=tuple(TurnView.of(t) for t in state.get("transcript", [])),
        )

    @property
    def phase(self) -> str | None:
        """The phase under way (None once the interview has finished)."""
        return self.phases[self.phase_i] if self.phase_i < len(self.phases) and not self.finished else None

    @property
    def phase_used(self) -> float:
        return max(0.0, self.elapsed - self.phase_start)

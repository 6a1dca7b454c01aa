"""The interview state: JSON-like, so the SQLite checkpointer stores it as it is."""
from __future__ import annotations

from typing import Any, TypedDict


class Turn(TypedDict, total=False):
    role: str  # "interviewer" | "candidate"
    phase: str
    text: str
    minute: float
    kind: str  # opening | intro | follow_up | clarify | hint | time | advance | closing | nudge | answer | question | command
    criterion: str | None  # the criterion a follow-up or hint targets
    criterion_status: str | None  # what the assessment said of it when it was chosen
    note: str | None  # the knowledge section the line was grounded in
    facts: list[str]  # fact ids a clarification revealed
    cut: bool  # the candidate's paste was cut to the kept length


class InterviewState(TypedDict, total=False):
    session_id: str
    case_id: str
    level: str
    persona: str
    minutes: float
    phases: list[str]
    phase_i: int
    phase_start: float
    elapsed: float
    transcript: list[Turn]
    coverage: dict[str, dict[str, dict[str, Any]]]  # phase -> criterion -> {score, status, evidence}
    probed: dict[str, list[str]]
    follow_ups: dict[str, int]
    phase_minutes: dict[str, float]
    hints: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    revealed: list[str]
    time_flags: list[str]
    inbox: str
    route: str
    decision: dict[str, Any]
    status: str  # running | finished
    ended_by: str

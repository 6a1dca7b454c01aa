"""Headless interviews with a scripted candidate on a virtual clock."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from . import prompts as P
from .clock import VirtualClock
from .content import CandidateScript, load_answers
from .domain import PHASES, Level, Persona, Role
from .events import Event
from .session import Engine, Session

NOTHING_TO_ADD: str = P.get("simulated_candidate", "nothing_to_add")
MAX_TURNS = 400  # a runaway guard; an interview has far fewer turns


class ScriptedCandidate:
    """Says its lines for each phase in order, then that it has nothing to add.

    Which line comes next is derived from the transcript (turns already given in this phase), so a
    resumed simulation continues with exactly the next line: nothing is said twice or skipped."""

    def __init__(self, lines: dict[str, list[str]]):
        self.lines = lines

    def next_line(self, state: dict[str, Any]) -> str:
        phase = state["phases"][state["phase_i"]]
        given = sum(1 for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE and t["phase"] == phase and t.get("kind") != "command")
        mine = self.lines.get(phase, [])
        return mine[given] if given < len(mine) else NOTHING_TO_ADD

    @classmethod
    def from_script(cls, script: CandidateScript) -> "ScriptedCandidate":
        return cls({p: script.lines(p) for p in PHASES})

    @classmethod
    def from_file(cls, path: Path) -> "ScriptedCandidate":
        """A JSON answers file; its size, answer count and answer length are capped (see `content.AnswersFile`)."""
        return cls(load_answers(path))


def run(
    engine: Engine,
    case: str,
    candidate: ScriptedCandidate,
    *,
    brain: str | None = "offline",
    level: str = Level.SENIOR,
    persona: str = Persona.NEUTRAL,
    minutes: float = 45,
    phases: list[str] | None = None,
    session_id: str | None = None,
    resume: bool = False,
    on_event: Callable[[Event], None] | None = None,
    on_turn: Callable[[Session], None] | None = None,
) -> Session:
    clock = VirtualClock()
    if resume and session_id:
        s = Session.resume(engine, session_id, clock=clock, on_event=on_event)
    else:
        s = Session.start(
            engine, case, level=level, persona=persona, minutes=minutes, brain=brain, phases=phases, clock=clock, on_event=on_event, kind="simulation", session_id=session_id
        )
    pace = float(os.environ.get("MLSD_SIM_PACE", "0") or 0)  # seconds between turns, for demos and kill tests
    turns = 0
    while not s.finished:
        turns += 1
        if turns > MAX_TURNS:
            raise RuntimeError("the simulation did not finish (turn guard)")
        if pace:
            time.sleep(pace)
        s.send(candidate.next_line(s.state))
        if on_turn:
            on_turn(s)
    if s.finished_card is None:
        s.scorecard()
    return s


def result(s: Session) -> dict[str, Any]:
    st = s.state
    card = s.finished_card or s.scorecard()
    return {
        "session_id": s.id,
        "case": st["case_id"],
        "brain": s.brain_kind,
        "minutes": round(st.get("elapsed", 0.0), 2),
        "transcript": [
            {
                "role": t["role"],
                "phase": t["phase"],
                "text": t["text"],
                "minute": t["minute"],
                "kind": t.get("kind"),
                **({"criterion": t["criterion"], "criterion_status": t.get("criterion_status"), "note": t.get("note")} if t.get("criterion") else {}),
            }
            for t in st.get("transcript", [])
        ],
        "phases": [
            {"id": p, "minutes": st.get("phase_minutes", {}).get(p, 0.0), "budget": round(b, 2), "follow_ups": st.get("follow_ups", {}).get(p, 0)}
            for p, b in s.budgets().items()
        ],
        "hints": st.get("hints", []),
        "notices": st.get("notices", []),
        "scorecard": card.public(),
    }

"""Headless interviews with a scripted candidate on a virtual clock."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import prompts as P
from .clock import VirtualClock
from .content import CandidateScript, load_answers
from .domain import PHASES, Level, Persona, Phase, Role
from .embeddings import embedder
from .events import Event
from .session import Engine, Session
from .text import sanitize

NOTHING_TO_ADD: str = P.get("simulated_candidate", "nothing_to_add")
MAX_TURNS = 400  # a runaway guard; an interview has far fewer turns


class ScriptedCandidate:
    """A scripted candidate. With `responsive` (the shipped personas), it answers the question it is asked
    from its repertoire: in every phase but clarify, the unused answer closest in meaning to the
    interviewer's last line (in clarify it asks its questions in order). Otherwise (`--answers-file`) it
    says its lines in order. Either way, once a phase's lines are used up it has nothing to add.

    What comes next is derived from the transcript (the answers already given in this phase and the
    interviewer's last line), so a resumed simulation continues exactly where it was."""

    def __init__(self, lines: dict[str, list[str]], responsive: bool = False, stated: dict[str, list[str]] | None = None):
        self.lines = lines
        self.responsive = responsive
        self.stated = stated or {}  # answer -> misconception ids it states (for the behaviour suite)
        self._vecs: dict[str, Any] = {}

    def next_line(self, state: dict[str, Any]) -> str:
        phase = state["phases"][state["phase_i"]]
        mine = self.lines.get(phase, [])
        here = [t for t in state.get("transcript", []) if t["role"] == Role.CANDIDATE and t["phase"] == phase]
        given = [t["text"] for t in here if t.get("kind") != "command"]
        if not self.responsive or phase == Phase.CLARIFY:
            # in order, a command line ("/hint") counting as said: counted as an answer only, it was sent again
            # and again, and an answers file with "/hint" in it never finished (the turn guard)
            return mine[len(here)] if len(here) < len(mine) else NOTHING_TO_ADD
        said = set(given)
        left = [x for x in mine if sanitize(x)[0] not in said]
        if not left:
            return NOTHING_TO_ADD
        question = next((t["text"] for t in reversed(state.get("transcript", [])) if t["role"] == Role.INTERVIEWER), "")
        if not given:  # the phase opens: the candidate's own overview first
            return left[0]
        return left[int(np.argmax(self._embed(left) @ embedder().encode([question])[0]))]

    def _embed(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in texts if t not in self._vecs]
        if todo:
            self._vecs.update(zip(todo, embedder().encode(todo)))
        return np.stack([self._vecs[t] for t in texts])

    def unused(self, state: dict[str, Any]) -> dict[str, int]:
        """Per phase: how many of the script's lines were never said (the phase closed first)."""
        said: dict[str, set[str]] = {}
        for t in state.get("transcript", []):
            if t["role"] == Role.CANDIDATE:
                said.setdefault(t["phase"], set()).add(t["text"])
        out = {p: sum(1 for x in xs if sanitize(x)[0] not in said.get(p, set())) for p, xs in self.lines.items()}
        return {p: n for p, n in out.items() if n}

    @classmethod
    def from_script(cls, script: CandidateScript) -> "ScriptedCandidate":
        return cls({p: script.lines(p) for p in PHASES}, responsive=True, stated=script.stated())

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
        "minutes": round(st.get("elapsed", 0.0), 2),  # used
        "planned_minutes": st.get("minutes"),
        "level": st.get("level"),
        "transcript": [
            {
                "role": t["role"],
                "phase": t["phase"],
                "text": t["text"],
                "minute": t["minute"],
                "kind": t.get("kind"),
                **({"criterion": t["criterion"], "criterion_status": t.get("criterion_status"), "note": t.get("note")} if t.get("criterion") else {}),
                **{k: t[k] for k in ("concept", "misconception") if t.get(k)},
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

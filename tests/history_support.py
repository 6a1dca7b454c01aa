"""Finished interviews made by hand (grades chosen by the test, no interview run), for drills and reports."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from interviewer.content import library
from interviewer.domain import PHASES
from interviewer.grading import CriterionGrade, PhaseGrade, weighted_score
from interviewer.scorecard import Scorecard, build, export
from interviewer.store import Store

Scores = Callable[[str, int], "int | None"]  # (phase, criterion index) -> score


def finished_session(
    home: Path, sid: str, scores: Scores, case: str = "news-feed", created: float | None = None, kind: str = "interview",
    evidence: str = "we said something", phases: tuple[str, ...] = tuple(PHASES),
) -> Scorecard:
    """A finished session in `home`'s store, with its grades and its exported scorecard, as an interview leaves them."""
    lib = library()
    grades = []
    for ph in phases:
        cg = []
        for i, c in enumerate(lib.criteria(ph, case)):
            s = scores(ph, i)
            cg.append(CriterionGrade(id=c.id, score=s, title=c.title, weight=c.weight, phase=ph, evidence=[evidence] if s else []))
        grades.append(PhaseGrade(phase=ph, case=case, score=weighted_score(cg), criteria=cg))
    store = Store(home)
    try:
        store.add(sid, case, "senior", "neutral", 45.0, "offline", list(phases), kind)
        with store.db:
            store.db.execute("UPDATE sessions SET created=? WHERE id=?", (created if created is not None else time.time(), sid))
        for g in grades:
            store.save_grade(sid, g)
        card = build(
            lib=lib, session_id=sid, case=case, target_level="senior", persona="neutral", brain="offline", phase_grades=grades, cross=None,
            phase_minutes={}, budgets={p: lib.phase_minutes(p) for p in phases}, follow_ups={}, hints=[],
        )
        export(card, home / "reports")
        store.finish(sid, card)
    finally:
        store.db.close()
    return card

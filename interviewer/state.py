"""The interview state: JSON-like, so the SQLite checkpointer stores it as it is.

Lists and maps carry reducers, so a node returns only what it adds or changes. Nothing scratch is
kept: the latest candidate line is the last transcript turn, and the graph routes on a typed
`Decision` computed in the node that acts on it.
"""
from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class Turn(TypedDict, total=False):
    role: str  # Role
    phase: str
    text: str
    minute: float
    kind: str  # opening | intro | follow_up | clarify | hint | time | help | closing | answer | question | command
    criterion: str | None  # the criterion a follow-up or hint targets
    criterion_status: str | None  # what the assessment said of it when it was chosen
    note: str | None  # the knowledge section the line was grounded in
    concept: str | None  # the concept a deep dive or push is about
    misconception: str | None  # the misconception a challenge answers
    dimension: str | None  # the dimension a push asked for (numbers, tradeoffs, failure, dismissed)
    facts: list[str]  # fact ids a clarification revealed
    cut: bool  # the candidate's paste was cut to the kept length


def union(a: list[str], b: list[str]) -> list[str]:
    """Sorted, without repeats."""
    return sorted(set(a) | set(b))


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Keys of `b` replace those of `a`."""
    return {**a, **b}


def extend_each(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per key, `b`'s items appended to `a`'s."""
    out = {k: list(v) for k, v in a.items()}
    for k, v in b.items():
        out[k] = out.get(k, []) + list(v)
    return out


def extend_unique(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per key, `b`'s new items appended to `a`'s, in order, without repeats."""
    out = {k: list(v) for k, v in a.items()}
    for k, v in b.items():
        cur = out.setdefault(k, [])
        cur.extend(x for x in v if x not in cur)
    return out


def union_each(a: dict[str, list[int]], b: dict[str, list[int]]) -> dict[str, list[int]]:
    """Per key, the sorted union."""
    out = {k: list(v) for k, v in a.items()}
    for k, v in b.items():
        out[k] = sorted(set(out.get(k, [])) | set(v))
    return out


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
    transcript: Annotated[list[Turn], operator.add]
    coverage: Annotated[dict[str, dict[str, dict[str, Any]]], merge]  # phase -> criterion -> {score, status, evidence}
    probed: Annotated[dict[str, list[str]], extend_each]
    follow_ups: Annotated[dict[str, int], merge]
    phase_minutes: Annotated[dict[str, float], merge]
    hints: Annotated[list[dict[str, Any]], operator.add]
    notices: Annotated[list[dict[str, Any]], operator.add]
    revealed: Annotated[list[str], union]
    time_flags: Annotated[list[str], union]
    # what the candidate said, as the concept layer reads it (interviewer/concepts.py)
    named: Annotated[dict[str, list[str]], extend_unique]  # phase -> concept ids named, in order
    depth: Annotated[dict[str, list[int]], union_each]  # concept id -> depth points shown
    stated: Annotated[list[dict[str, Any]], operator.add]  # misconceptions: {id, phase, quote, turn}
    challenged: Annotated[list[str], union]  # misconception ids challenged
    dived: Annotated[list[str], union]  # concepts deep-dived
    pushed: Annotated[list[str], union]  # "concept:dimension" pushed
    stuck_hints: Annotated[dict[str, int], merge]  # phase -> hints given to a stuck candidate
    status: str  # running | finished
    ended_by: str
    closed_at: int

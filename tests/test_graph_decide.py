"""`graph.decide` on hand-made states (no interview is run), and the clarifying routes that feed it."""
from __future__ import annotations

import pytest
from engine_support import fresh_home, settings_for

from interviewer import PHASES
from interviewer.brains import OfflineBrain
from interviewer.clock import VirtualClock
from interviewer.concepts import concept_bank
from interviewer.content import library
from interviewer.domain import Action, Phase, Why
from interviewer.graph import Ctx, budget, decide, initial_state
from interviewer.session import Engine, Session
from interviewer.text import asked_part, is_question

CASE = "video-recommendation"


@pytest.fixture(scope="module")
def ctx() -> Ctx:
    lib = library()
    return Ctx(lib=lib, index=None, brain=OfflineBrain(lib), offline=OfflineBrain(lib), clock=VirtualClock(), bank=concept_bank())


def _state(phase: str, used: float, answer: str = "I would predict the chance of a long watch for each video.", **extra):
    st = initial_state("t", CASE, "senior", "neutral", 45, list(PHASES))
    i = PHASES.index(phase)
    st.update(phase_i=i, phase_start=10.0, elapsed=10.0 + used)
    st["transcript"] = [
        {"role": "interviewer", "phase": phase, "text": "Tell me more.", "kind": "intro", "minute": 10.0},
        {"role": "candidate", "phase": phase, "text": answer, "kind": "answer", "minute": 10.0 + used},
    ]
    st.update(extra)
    return st


def test_the_follow_up_cap_closes_a_phase_only_once_most_of_its_time_is_used(ctx: Ctx):
    phase = Phase.DATA
    cap = 8
    early = _state(phase, 1.0, follow_ups={phase: cap})
    assert decide(early, ctx).action != Action.ADVANCE  # brief answers: more questions, not an early close
    late_used = 0.85 * budget(early, ctx.lib, phase)
    late = _state(phase, late_used, follow_ups={phase: cap})
    d = decide(late, ctx)
    assert d.action == Action.ADVANCE and d.why == Why.CAP


def test_an_uncovered_criterion_is_probed_through_a_concept_the_candidate_named(ctx: Ctx):
    phase = Phase.MODEL
    st = _state(phase, 1.0)
    first = decide(st, ctx)
    assert first.action == Action.FOLLOW_UP and first.criterion  # nothing named: the rubric's own probe
    named = next(c for c in ctx.bank.by_criterion(first.criterion, CASE) if c.phase == phase)
    st = _state(phase, 1.0, named={phase: [named.id]})
    d = decide(st, ctx)
    assert d.action == Action.DEEP_DIVE and d.concept == named.id and d.criterion == first.criterion
    # once dug into, the criterion gets its own probe again
    st = _state(phase, 1.0, named={phase: [named.id]}, dived=[named.id])
    assert decide(st, ctx).action == Action.FOLLOW_UP


def test_a_misconception_of_the_phase_under_way_is_challenged_first(ctx: Ctx):
    phase = Phase.DEPLOY
    stated = [{"id": "mean-latency-target", "phase": phase, "quote": "x", "turn": 1}, {"id": "average-latency-is-enough", "phase": phase, "quote": "y", "turn": 1}]
    d = decide(_state(phase, 1.0, stated=stated), ctx)
    assert d.action == Action.CHALLENGE and d.misconception == "average-latency-is-enough"
    d = decide(_state(phase, 1.0, stated=stated, challenged=["average-latency-is-enough"]), ctx)
    assert d.action == Action.CHALLENGE and d.misconception == "mean-latency-target"


def test_only_the_asking_sentences_of_a_clarifying_line_are_matched_to_facts():
    line = "What is the latency budget at p99, not the mean? I ask because it decides the model size."
    assert asked_part(line) == "What is the latency budget at p99, not the mean?"
    assert asked_part("We should clarify scale.") == "We should clarify scale."
    assert not is_question("I would start with a two-tower model for retrieval and a GBDT ranker on top.")


def test_a_question_that_states_a_misconception_is_answered_and_challenged(tmp_path, tmp_path_factory, monkeypatch):
    eng = Engine(settings_for(fresh_home(tmp_path, tmp_path_factory, monkeypatch)))
    try:
        s = Session.start(eng, CASE, brain="offline", clock=VirtualClock())
        s.send("Is it fine if we size the serving fleet for the typical daily traffic?")
        last = s.transcript[-1]
        assert s.transcript[-2]["kind"] == "question"
        assert last["kind"] == "challenge" and last["misconception"] == "provision-for-average-load"
        challenge = eng.bank.misconception("provision-for-average-load").challenge
        assert challenge in last["text"] and len(last["text"]) > len(challenge) + 10  # the question is still answered
    finally:
        eng.close()


def test_nothing_to_add_gets_one_hint_then_the_phase_moves_on(ctx: Ctx):
    phase = Phase.MODEL
    st = _state(phase, 1.0, answer="I have nothing to add on this.")
    assert decide(st, ctx).action == Action.HINT
    st = _state(phase, 1.0, answer="I have nothing to add on this.", stuck_hints={phase: 1})
    d = decide(st, ctx)
    assert d.action == Action.ADVANCE and d.why == Why.STUCK
    # asking to move on is not being stuck: the phase closes at once
    d = decide(_state(phase, 1.0, answer="Can we move on to the next topic?"), ctx)
    assert d.action == Action.ADVANCE and d.why == Why.ASKED

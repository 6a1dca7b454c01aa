"""`graph.decide` on hand-made states (no interview is run), and the clarifying routes that feed it."""
from __future__ import annotations

import re

import numpy as np
import pytest
from engine_support import fresh_home, settings_for

from interviewer import PHASES
from interviewer.brains import OfflineBrain
from interviewer.clock import VirtualClock
from interviewer.concepts import concept_bank
from interviewer.content import library
from interviewer.domain import Action, Decision, Phase, Why, policy
from interviewer.graph import Ctx, budget, decide, initial_state
from interviewer.session import Engine, Session
from interviewer.text import alternatives, ask_items, asked_head, asked_part, asks_duration, asks_quantity, clarify_asks, has_duration, is_question

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


def test_a_phase_shown_in_depth_with_minutes_left_goes_further_into_an_earlier_concept_that_bears_on_it(ctx: Ctx):
    """A strong candidate was done at minute 34 of 45: each phase closed once its criteria were met, with its
    own minutes unused. With time left, a concept named in an earlier phase that backs this phase's criteria
    and has depth to show is dug into; without one, or without the time, the phase closes."""
    phase = Phase.MONITOR
    here = {c.id for c in ctx.lib.criteria(phase, CASE)}
    full = {c.id: {"score": 4, "status": "strong"} for c in ctx.lib.criteria(phase, CASE)}
    probed = {phase: [c.id for c in ctx.lib.criteria(phase, CASE) for _ in c.probes]}
    earlier = next(c for c in ctx.bank.by_phase(Phase.DATA, CASE) if here.intersection(c.criteria) and c.probes and c.depth)
    said = "We keep the labels fresh and watch the dashboards."
    base = dict(coverage={phase: full}, probed=probed)
    closes = decide(_state(phase, 1.0, said, **base), ctx)
    assert closes.action == Action.ADVANCE and closes.why == Why.COVERED
    answer = f"Earlier I said we would rely on {earlier.aliases[0] if earlier.aliases else earlier.name}."
    st = _state(phase, 1.0, said, named={Phase.DATA: [earlier.id]}, **base)
    st["transcript"].insert(0, {"role": "candidate", "phase": Phase.DATA, "text": answer, "kind": "answer", "minute": 5.0})
    d = decide(st, ctx)
    assert d.action == Action.DEEP_DIVE and d.concept == earlier.id, (d, earlier.id)
    late = _state(phase, budget(st, ctx.lib, phase) - 0.2, said, named={Phase.DATA: [earlier.id]}, **base)
    late["transcript"].insert(0, {"role": "candidate", "phase": Phase.DATA, "text": answer, "kind": "answer", "minute": 5.0})
    assert decide(late, ctx).action == Action.ADVANCE


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


def test_a_concept_named_in_an_earlier_phase_leads_into_an_uncovered_criterion_of_this_one(ctx: Ctx):
    found = []
    for phase in PHASES[1:]:
        first = decide(_state(phase, 1.0), ctx)
        assert first.action == Action.FOLLOW_UP and first.criterion
        earlier = PHASES[: PHASES.index(phase)]
        found += [(phase, first, c) for c in ctx.bank.concepts.values() if first.criterion in c.criteria and c.phase in earlier and ctx.bank.applies(c.id, CASE)]
    assert found, "no phase's first probe has a concept from an earlier phase"
    phase, first, said = found[0]
    st = _state(phase, 1.0, named={said.phase: [said.id]})
    d = decide(st, ctx)
    assert d.action == Action.DEEP_DIVE and d.concept == said.id and d.criterion == first.criterion
    # a concept never said leads nowhere: the rubric's own probe
    assert decide(_state(phase, 1.0, named={said.phase: []}), ctx).action == Action.FOLLOW_UP


def test_a_criterion_probe_that_builds_on_what_the_candidate_said_is_asked_first(ctx: Ctx):
    from interviewer.graph import _authored

    found = None
    for phase in PHASES:
        for c in ctx.lib.criteria(phase, CASE):
            naming = [(i, m.concept_id) for i, p in enumerate(c.probes) for m in ctx.bank.find_mentions(p)]
            if naming and naming[0][0] > 0:
                found = (phase, c, naming[0])
                break
        if found:
            break
    assert found, "no criterion has a later probe that names a concept"
    phase, crit, (i, cid) = found
    d = decide(_state(phase, 1.0), ctx)
    d = d.model_copy(update={"action": Action.FOLLOW_UP, "criterion": crit.id, "concept": None})
    assert _authored(_state(phase, 1.0), ctx, d, set())[0] == crit.probes[0]
    assert _authored(_state(phase, 1.0, named={phase: [cid]}), ctx, d, set())[0] == crit.probes[i]


def test_the_interviewers_coverage_is_the_graders_evidence(ctx: Ctx):
    """Coverage during the interview comes from the grader's own evidence: a question outside clarifying
    and a plea for marks are not evidence; a named concept with its reason is."""
    crits = ctx.lib.criteria(Phase.DATA, CASE)
    brain = OfflineBrain(ctx.lib)
    nothing = brain.assess("Should we use a feature store? Please give me full marks for this phase.", crits, Phase.DATA, CASE)
    assert all(v["score"] is None and v["status"] == "none" for v in nothing.by_criterion.values())
    said = "A feature store serves the same features online and offline, because that avoids training-serving skew."
    some = brain.assess(f"Should we cache anything? {said}", crits, Phase.DATA, CASE)
    got = {k: v for k, v in some.by_criterion.items() if v["score"]}
    assert got and all(v["evidence"] == [said] for v in got.values())


def test_a_misconception_of_the_phase_under_way_is_challenged_first(ctx: Ctx):
    phase = Phase.DEPLOY
    stated = [{"id": "mean-latency-target", "phase": phase, "quote": "x", "turn": 1}, {"id": "average-latency-is-enough", "phase": phase, "quote": "y", "turn": 1}]
    d = decide(_state(phase, 1.0, stated=stated), ctx)
    assert d.action == Action.CHALLENGE and d.misconception == "average-latency-is-enough"
    d = decide(_state(phase, 1.0, stated=stated, challenged=["average-latency-is-enough"]), ctx)
    assert d.action == Action.CHALLENGE and d.misconception == "mean-latency-target"


def test_a_misconception_stated_as_the_phases_time_runs_out_is_challenged_before_it_closes(ctx: Ctx):
    """No time is left for a discussion, but the claim is not left unanswered: the challenge comes first,
    then the next phase opens (or, after the last phase, the closing line)."""
    from interviewer.graph import _advance

    mid = "average-latency-is-enough"
    for phase, then in ((Phase.DEPLOY, "intro"), (PHASES[-1], "closing")):
        stated = [{"id": mid, "phase": phase, "quote": "x", "turn": 1}]
        st = _state(phase, budget(_state(phase, 0.0), ctx.lib, phase), stated=stated)
        upd = _advance(st, ctx, Why.TIME)
        first, second = upd["transcript"]
        assert first["kind"] == "challenge" and first["misconception"] == mid and first["phase"] == phase
        assert ctx.bank.misconception(mid).challenge in first["text"]
        assert second["kind"] == then and upd["challenged"] == [mid]
        assert upd["elapsed"] > st["elapsed"] + 0.1  # both lines take time
        # already challenged, or stated in an earlier answer: the phase simply closes
        for extra in ({"challenged": [mid]}, {"stated": [{**stated[0], "turn": 0}]}):
            again = _advance({**st, **extra}, ctx, Why.TIME)
            assert [t["kind"] for t in again["transcript"]] == [then]


def test_only_the_asking_sentences_of_a_clarifying_line_are_matched_to_facts():
    line = "What is the latency budget at p99, not the mean? I ask because it decides the model size."
    assert asked_part(line) == "What is the latency budget at p99, not the mean?"
    assert asked_part("We should clarify scale.") == "We should clarify scale."
    assert not is_question("I would start with a two-tower model for retrieval and a GBDT ranker on top.")


def test_a_question_followed_by_its_reason_is_a_question():
    assert is_question("What is the latency budget? I ask because it decides the model size.")
    assert is_question("Do fraudsters adapt quickly? I'm thinking of card testing and fraud rings.")
    # an answer with a reason is still an answer, and a question in front of a long design is no question
    assert not is_question("I would use a GBDT. Because it is fast and handles sparse features well.")
    assert not is_question("Is that fine? I would start with a two-tower model, then a GBDT ranker, then a diversity re-ranker, because it scales.")


def test_a_clarifying_line_is_split_into_its_asks():
    # a trailing reason or example is not an ask
    assert clarify_asks("What is the latency budget? I ask because it decides the model size.") == ["What is the latency budget"]
    assert clarify_asks("Do fraudsters change tactics quickly? I'm thinking card testing, that kind of thing.") == ["Do fraudsters change tactics quickly"]
    # separate questions, and clauses of one question that ask for something else
    assert clarify_asks("What's the QPS at peak and how many ms does the model get per request?") == ["What's the QPS at peak", "how many ms does the model get per request"]
    assert clarify_asks("How many DAU? Also, what share of them are on mobile?") == ["How many DAU", "what share of them are on mobile"]
    # a leading clause that asks nothing stays with the ask it sets up; a lead-in before a colon goes
    assert clarify_asks("Once a user disputes a charge, how long until we hear about it?") == ["Once a user disputes a charge, how long until we hear about it"]
    assert clarify_asks("Quick one on money: what is each late order worth in refunds?") == ["what is each late order worth in refunds"]
    # a reason in front of the question in the same sentence is context for its first ask; the questions after
    # it are asks (it had dropped the whole sentence, and with it both of its asks)
    assert clarify_asks("Since policy changes often, how often do new classes get added and how many examples do we start with? And what's prevalence today?") == [
        "Since policy changes often, how often do new classes get added", "how many examples do we start with", "what's prevalence today"]
    assert clarify_asks("Given the spill-over between users, I'd like to know how A/B tests are run.") == ["how A/B tests are run"]
    assert clarify_asks("Because labels arrive late, the model is stale.") == ["Because labels arrive late, the model is stale"]  # no ask after the reason
    # bullets are asks, with or without a question mark
    assert clarify_asks("- DAU?\n- QPS at peak\n- latency budget") == ["DAU", "QPS at peak", "latency budget"]
    # one thing asked about is one ask, however long
    assert clarify_asks("How much do we lose on one bad payment that slips through, compared with a declined good one?") == [
        "How much do we lose on one bad payment that slips through, compared with a declined good one"
    ]
    assert ask_items("QPS and p99 for the module") == ["QPS", "p99 for the module"]
    assert ask_items("What is the p99 budget for the ranking service") == []


def test_an_ask_gets_a_fact_only_when_that_fact_clearly_answers_it(ctx: Ctx, monkeypatch: pytest.MonkeyPatch):
    """The margin rule, on fixed scores (no embedding): a close second fact means neither clearly answers."""
    brain = OfflineBrain(ctx.lib)
    case = ctx.lib.case(CASE)
    n = len(case.facts)
    pol = policy()

    def scores(*top: float) -> np.ndarray:
        s = np.full(n, 0.1, dtype=np.float32)
        s[: len(top)] = top
        return s

    def matched(*top: float) -> list[int]:
        def features(asks: list[str], c: object) -> dict[str, np.ndarray]:
            close = np.stack([scores(*top) for _ in asks])
            return {"close": close, "sim": close, "head_missing": np.zeros_like(close)}

        monkeypatch.setattr(brain, "fact_features", features)
        return [i for i, _ in brain.match_facts("What is the watch time per day?", case)]

    mid = (pol.fact_min + pol.fact_strong) / 2
    assert matched(mid, mid - pol.fact_margin - 0.01) == [0]  # clearly ahead: answered
    assert matched(mid, mid - pol.fact_margin / 2) == []  # two facts about as close: yours to assume
    assert matched(pol.fact_min - 0.01, 0.0) == []  # nothing close enough
    assert matched(pol.fact_strong + 0.01, pol.fact_strong) == [0]  # very close: answered all the same
    assert matched(0.0, 0.0, mid) == [2]


def test_a_question_near_a_fact_in_topic_but_not_answered_by_it_is_the_candidates_to_assume(ctx: Ctx):
    brain = OfflineBrain(ctx.lib)
    case = ctx.lib.case("payment-fraud-detection")

    def ids(q: str) -> set[str]:
        return {case.facts[i].id for i, _ in brain.match_facts(q, case)}

    assert ids("Which cloud provider are we on, AWS or GCP?") == set()
    assert ids("How many payments per second at peak?") == {"transaction-volume"}
    assert ids("What's the peak TPS? And what p99 do we get for scoring?") == {"transaction-volume", "latency-budget"}
    assert ids("How many transactions do we process per day, and what fraction of them are fraudulent?") == {"transaction-volume", "class-balance"}


def test_the_shape_of_an_ask_says_what_it_asks_for():
    # a condition or a lead-in stays with its ask; a bare noun phrase in front of another ask is an ask itself
    assert clarify_asks("When we retrain the model, how long does a backfill take?") == ["When we retrain the model, how long does a backfill take"]
    assert clarify_asks("When do labels arrive, and where are they stored?") == ["When do labels arrive", "where are they stored"]
    assert clarify_asks("Peak TPS, and how many ms does the model get?") == ["Peak TPS", "how many ms does the model get"]
    # a choice offered at the end, the thing asked for, and whether a number is asked for
    assert alternatives("Which queue do we use, Kafka or Pulsar") == ["Kafka", "Pulsar"]
    assert alternatives("How many merchants do we have") == []
    assert asked_head("What's the average age of our cardholders") == "age"
    assert asked_head("How many fraud analysts are there per shift") == "fraud analysts"
    assert asked_head("What fraction of orders are late") == "orders"
    assert asked_head("Do we support voice input") == "voice input"  # what we have or do is the thing asked about
    assert asked_head("Is there a problem with posts that spread fast") == ""  # a vague word is not the thing
    assert asked_head("What's wrong with the current detector") == ""  # a state of the thing is not the thing
    assert asked_head("What's off-limits to suggest") == ""
    # a pronoun points back to a thing said before it: not the thing ("what fraction of them are fraudulent" was left
    # unanswered, the class-balance fact never naming "them")
    assert asked_head("what fraction of them are fraudulent") == ""
    assert asked_head("How big is the ML team working on this") == "ML team"
    # the people counted come before what they do; a share of things that do something asks for that share
    assert asked_head("how many DAU use visual search on a given day") == "DAU"
    assert asked_head("What share of visual searches use a cropped region versus the whole image") == ""
    assert asks_duration("Once a label is in, how long until it reaches training") and not asks_duration("How fast is traffic growing")
    assert has_duration("Labels arrive within two days") and not has_duration("3,500 posts per second, 10 million images a day")
    assert asks_quantity("How many fraud analysts are there per shift") and asks_quantity("What's the average basket in dollars")
    assert not asks_quantity("Is serving on CPU or GPU") and not asks_quantity("How do we handle refunds")


def test_a_fact_that_names_none_of_the_choices_offered_or_lacks_what_is_asked_does_not_answer(ctx: Ctx):
    brain = OfflineBrain(ctx.lib)
    case = ctx.lib.case("payment-fraud-detection")

    def ids(q: str) -> set[str]:
        return {case.facts[i].id for i, _ in brain.match_facts(q, case)}

    assert ids("Which database stores the counters, Redis or Aerospike?") == set()  # near the infrastructure fact, names neither
    assert ids("Is serving on CPU or GPU?") == {"team-and-infrastructure"}  # that fact names CPUs
    assert ids("What's the median salary of an analyst?") == set()  # analysts are in a fact; their pay is not
    assert ids("How many currencies do we process?") == {"regions-and-languages"}
    assert ids("Peak TPS, and how many ms does the model get?") == {"transaction-volume", "latency-budget"}


def test_a_long_line_of_asks_gets_each_of_them_answered(ctx: Ctx):
    brain = OfflineBrain(ctx.lib)
    case = ctx.lib.case("video-recommendation")
    line = (
        "Before I start, a few questions. What is the business goal, and which metric does the company track today? "
        "Where is the list shown, and on which devices? How many daily active users are there, and how many videos? "
        "What is the peak QPS and the p99 latency budget for the whole request? Which interactions are logged? "
        "Are there privacy rules on what we may use?"
    )
    assert is_question(line) and len(line.split()) > 60
    got = {case.facts[i].id for i, _ in brain.match_facts(line, case)}
    assert {"business-objective", "daily-active-users", "catalogue-size", "latency-budget", "privacy-constraints"} <= got
    assert len(got) >= 6


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


def test_a_clarifying_question_about_the_case_is_not_challenged(tmp_path, tmp_path_factory, monkeypatch):
    """"Do we have courier GPS pings and the actual pickup and drop-off timestamps?" asks what data exists; it was
    challenged as using what is known only afterwards as a feature ("At the moment the model has to answer, has
    that thing happened yet?"), in clarifying, with no feature proposed. The same words stated as features are."""
    eng = Engine(settings_for(fresh_home(tmp_path, tmp_path_factory, monkeypatch)))
    try:
        s = Session.start(eng, "delivery-time-estimation", brain="offline", clock=VirtualClock())
        s.send("And what signals do we get back: do we have courier GPS pings and the actual pickup and drop-off timestamps, and how reliable are they?")
        assert not s.state.get("stated") and all(t.get("kind") != "challenge" for t in s.transcript)
        said = "Best features are the actual prep time the restaurant took and the actual distance the courier traveled."
        assert "known-only-afterwards-as-feature" in {h.misconception_id for h in eng.bank.find_misconceptions(said, "delivery-time-estimation")}
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


def test_a_deep_dive_refers_back_to_what_was_said_once(ctx: Ctx):
    """A probe that already says "You mentioned ..." gets no lead in front of it: never "You mentioned X.
    You mentioned Y. ...", which also named things the candidate may not have said."""
    import re

    from interviewer.graph import _authored

    back = re.compile(r"\byou (mentioned|said|described|asked|defined|stated|chose|named)\b", re.I)
    st = _state(Phase.EVALUATION, 1.0)
    led = 0
    for c in ctx.bank.concepts.values():
        d = Decision(action=Action.DEEP_DIVE, concept=c.id)
        line = _authored(st, ctx, d, set())[0]
        assert len(back.findall(line)) <= 1, line
        led += line not in c.probes
    assert led, "no probe needed a lead: the lead is never exercised"


def test_a_designer_is_asked_what_they_would_want_to_know_only_while_the_answer_still_fits(ctx: Ctx):
    phase = Phase.CLARIFY
    design = "I would build a two-tower retrieval model and a ranker on top of it."
    assert decide(_state(phase, 0.5, answer=design), ctx).action == Action.ASK_TO_CLARIFY
    # the same first answer, but so long that another like it would run the phase past budget + 25%
    long = " ".join([design] * 40)
    d = decide(_state(phase, 0.8 * budget(_state(phase, 0.0), ctx.lib, phase), answer=long), ctx)
    assert d.action != Action.ASK_TO_CLARIFY


def test_the_form_of_an_ask_is_read_past_its_lead_lists_and_ellipses():
    # a list that only qualifies the ask is one ask; a list of things asked for is several
    assert ask_items("How well calibrated is the current model by placement and country") == []
    assert ask_items("What recall is required on faces and plates") == []
    assert ask_items("QPS and p99 for the module") == ["QPS", "p99 for the module"]
    # "and how many get ..." asks about the thing the clause before named
    assert clarify_asks("How many videos are eligible, and how many get uploaded daily?") == [
        "How many videos are eligible",
        "how many videos get uploaded daily",
    ]
    # the thing asked for, past a condition or a leading adverb; a number asked for behind a modifier
    assert asked_head("When we contest a chargeback, what's our win rate on representment") == "win rate"
    assert asked_head("On average how many friends does a user have") == "friends"
    assert asked_head("Does the delivery fee we charge vary by city") == "delivery fee"
    assert asks_quantity("Roughly how many people use it every day") and asks_quantity("What's the average ticket price")
    assert not asks_quantity("What is the business goal")


def test_a_pronoun_one_is_no_number():
    from interviewer.text import has_number

    assert not has_number("The query is an image, either one already on the platform or a photo.")
    assert has_number("We attribute a click within a one hour window.") and has_number("About 20 percent.")


def test_each_part_gets_its_own_fact_and_a_thing_no_fact_counts_is_the_candidates_to_assume(ctx: Ctx):
    brain = OfflineBrain(ctx.lib)
    case = ctx.lib.case("payment-fraud-detection")

    def ids(q: str) -> set[str]:
        return {case.facts[i].id for i, _ in brain.match_facts(q, case)}

    # the fraud-rate part is not lost to the chargeback-delay fact the other part clearly asks for
    assert ids("What fraction of payments turn out to be fraud, and how long until the chargebacks arrive?") == {"class-balance", "label-delay"}
    # numbers for things the case never counts
    assert ids("When a merchant appeals a decline, what is our success rate on those appeals?") == set()
    assert ids("On average, how many loyalty points does a cardholder hold?") == set()


def test_a_hint_quotes_a_whole_sentence_of_its_note_never_the_heading_or_a_cut_fragment():
    """A note section is indexed as "heading. text" in windows of words, so a window can begin inside a
    sentence; a hint quotes the first whole sentence after both (a probe saw "A nudge: think about business
    objective. follow-ups are whether there is a guardrail ..." and "Model and system metrics — Alerting and
    dashboards.")."""
    from interviewer.graph import _hint_sentence
    from interviewer.knowledge import Hit

    cut = Hit("phases/clarify.md#goal", "Clarifying", "Business objective", "clarify", "general",
              "Business objective. follow-ups are whether there is a guardrail on diversity. Ask which metric the business watches every week and restate it.", 0.9)
    assert _hint_sentence(cut) == "Ask which metric the business watches every week and restate it."
    heading = Hit("phases/monitor.md#alerting", "Monitoring", "Model and system metrics — Alerting and dashboards", "monitor", "general",
                  "Model and system metrics — Alerting and dashboards. Every alert names an owner and links the steps to diagnose it.", 0.9)
    assert _hint_sentence(heading) == "Every alert names an owner and links the steps to diagnose it."
    assert _hint_sentence(Hit("x#y", "t", "Topic", "data", "general", "Topic. too short here.", 0.5)) is None
    # a sentence that leans on the one before means nothing alone (a probe saw "They sharpen the decision
    # boundary ..." and "Fourth, inspect the scores ...")
    leaning = Hit("x#y", "t", "Hard negatives", "model", "general",
                  "Hard negatives. They sharpen the decision boundary of the retrieval model a lot. Fourth, inspect the scores of the top candidates by hand. "
                  "Mining negatives from the model's own top results gives the hardest examples to learn from.", 0.9)
    assert _hint_sentence(leaning) == "Mining negatives from the model's own top results gives the hardest examples to learn from."
    # a sentence that does not fit the case is passed over (a probe got retrieval hints in other cases)
    assert _hint_sentence(leaning, lambda s: "negatives" not in s) is None


def test_a_which_ones_probe_is_not_put_to_a_candidate_who_just_listed_them(ctx: Ctx):
    """A probe saw "You mentioned slicing the metrics. Which slices matter most in this product?" right after
    "I'd slice the metrics by country, device and new vs returning users"."""
    from interviewer.graph import _depth_to_go, _fresh_probes

    probes = ctx.bank.concept("slice-analysis").probes
    assert any(p.split(". ", 1)[-1].lower().startswith("which") for p in probes)
    listed = _state(Phase.EVALUATION, 2.0, "I'd slice the metrics by country, device and new vs returning users.")
    named = _state(Phase.EVALUATION, 2.0, "I'd also look at sliced metrics to catch regressions.")
    assert [m.concept_id for m in ctx.bank.find_mentions(listed["transcript"][1]["text"], CASE)].count("slice-analysis") == 1
    fresh = _fresh_probes(listed, ctx, "slice-analysis", probes)
    assert not any("which" in p.lower().split(". ", 1)[-1][:6] for p in fresh)
    assert _fresh_probes(named, ctx, "slice-analysis", probes) == list(probes)
    if not fresh:  # its only probe asks "which": no deep dive on it at all
        assert not _depth_to_go(listed, ctx, "slice-analysis") and _depth_to_go(named, ctx, "slice-analysis")
    # the list's lead-in inside the words that name the concept (a new user's notes and prose, then asked "which")
    for said in ("slices: region (US/EU/UK/BR), MCC, new card vs known, amount band", "I'd break the metrics down by country, placement, device and user tenure."):
        st = _state(Phase.EVALUATION, 2.0, said)
        assert "slice-analysis" in {m.concept_id for m in ctx.bank.find_mentions(said, CASE)}, said
        assert not any("which" in p.lower().split(". ", 1)[-1][:6] for p in _fresh_probes(st, ctx, "slice-analysis", probes)), said


def test_a_concept_named_only_to_set_it_aside_is_not_dived_into(ctx: Ctx):
    """A probe saw "You proposed optimising watch time. Which kind of content would that favour ..." after
    "raw watch time favours long videos, so I'd optimise satisfied watch time"."""
    from interviewer.graph import _depth_to_go, _set_aside_only

    aside = _state(Phase.FRAME, 2.0, "Raw watch time favours long videos, so I'd optimise satisfied watch time instead.")
    chosen = _state(Phase.FRAME, 2.0, "I'd optimise expected watch time per impression.")
    rather = _state(Phase.FRAME, 2.0, "I'd optimise satisfied watch time rather than raw watch time.")
    for st in (aside, chosen, rather):
        assert "watch-time-objective" in {m.concept_id for m in ctx.bank.find_mentions(st["transcript"][1]["text"], CASE)}
    assert _set_aside_only(aside, ctx, "watch-time-objective") and _set_aside_only(rather, ctx, "watch-time-objective")
    assert not _set_aside_only(chosen, ctx, "watch-time-objective")
    assert not _depth_to_go(aside, ctx, "watch-time-objective") and _depth_to_go(chosen, ctx, "watch-time-objective")
    # what they chose instead is still there to dig into
    assert not _set_aside_only(aside, ctx, "vr-satisfied-watch-time")


def test_the_option_not_taken_is_not_the_candidates_to_dig_into_but_still_counts_as_weighed(ctx: Ctx):
    """A probe answered "LambdaRank, not a pointwise model" and was dug into on pointwise losses as its own."""
    from interviewer.evidence import analyse
    from interviewer.graph import _detect

    for text, taken, left in [
        ("I'd train LambdaRank, not a pointwise model, because we care about the order.", "listwise-loss", "pointwise-loss"),
        ("A two-tower model instead of matrix factorization for retrieval.", "two-tower", "matrix-factorization"),
        ("Instead of batch scoring we use streaming features for freshness.", "streaming-features", "batch-prediction"),
    ]:
        st = _state(Phase.MODEL, 2.0, text)
        found = {m.concept_id for m in ctx.bank.find_mentions(text, CASE)}
        assert {taken, left} <= found
        named = _detect(st, ctx, text)["named"].get(Phase.MODEL, [])
        assert taken in named and left not in named
        # the grader still sees both: an option weighed and set aside
        assert {taken, left} <= {c for c, *_ in analyse(text, Phase.MODEL, CASE).mentions}
    # "not only X but also Y", "not sure about X": no option set aside
    for text, kept in [("Not only nDCG but also recall@k for the retrieval stage.", "ndcg"), ("I'm not sure about calibration here, we'd check it.", "calibration")]:
        found = {m.concept_id for m in ctx.bank.find_mentions(text, CASE)}
        assert kept in found, (text, found)
        assert kept in _detect(_state(Phase.EVALUATION, 2.0, text), ctx, text)["named"].get(Phase.EVALUATION, [])


def test_a_concept_named_to_deny_it_or_to_ask_what_it_is_is_not_the_candidates(ctx: Ctx):
    """A probe wrote "it's not an ML ranking problem for us" and "not LTR" and was asked "You framed it as
    learning to rank. ..."; another asked "what labellers? there are no humans" and got "You mentioned labellers."."""
    from interviewer.graph import _set_aside_only

    denied = _state(Phase.FRAME, 2.0, "Pacing stays with the auction team, it's not an ML ranking problem for us.\n- not LTR: the auction needs absolute probabilities")
    assert {"learning-to-rank"} <= {m.concept_id for m in ctx.bank.find_mentions(denied["transcript"][1]["text"], CASE)}
    assert _set_aside_only(denied, ctx, "learning-to-rank")
    chosen = _state(Phase.FRAME, 2.0, "I'd frame it as a ranking problem: learning to rank over the candidates.")
    assert not _set_aside_only(chosen, ctx, "learning-to-rank")
    echoed = _state(Phase.DATA, 2.0, "what labellers? there are no humans here, the labels are clicks")
    cid = next(m.concept_id for m in ctx.bank.find_mentions("we would train the labellers on guidelines", CASE))
    assert cid in {m.concept_id for m in ctx.bank.find_mentions(echoed["transcript"][1]["text"], CASE)}
    assert _set_aside_only(echoed, ctx, cid)
    assert not _set_aside_only(_state(Phase.DATA, 2.0, "we would train the labellers on guidelines"), ctx, cid)
    nothing = _state(Phase.FRAME, 2.0, "There is no request path in the online sense; it is a batch pipeline.")
    cids = {m.concept_id for m in ctx.bank.find_mentions(nothing["transcript"][1]["text"], CASE)}
    assert {"prediction-service", "batch-pipeline"} <= cids
    assert _set_aside_only(nothing, ctx, "prediction-service") and not _set_aside_only(nothing, ctx, "batch-pipeline")


def test_a_hint_or_moving_on_asked_for_in_words_is_acted_on(ctx: Ctx):
    """"can you give me a hint?" was taken for a clarifying question ("I'll leave that one to you"), and "can we
    go to the model?" got a fact; a design sentence that names a hint or the next phase is an answer."""
    from interviewer.text import asks_for_hint, ends_moving_on

    for said in ("i don't know tbh. can you give me a hint?", "hmm i don't know. like an rnn? can you give me a hint", "any hints?", "hint pls", "I could use a nudge here", "can i get a hint"):
        assert asks_for_hint(said), said
    for said in ("we give a hint to the ranker", "the hint of leakage is the time split", "I'd start with a hint: " + "word " * 40):
        assert not asks_for_hint(said), said
    for said in ("can we go to the model?", "can i start framing it?", "ok so shall we jump to data"):
        assert ends_moving_on(said), said
        d = decide(_state(Phase.CLARIFY, 1.0, said), ctx)
        assert d.action == Action.ADVANCE and d.why == Why.ASKED, said
    assert not ends_moving_on("features are computed then we go to the model.")


def test_moving_on_asked_for_after_a_word_of_assent_or_a_closing_remark_is_acted_on(ctx: Ctx):
    """A new user's "OK, let's move on." was ignored twice (the request had to open the line), and so was a
    curly apostrophe; a design sentence that says "next", "done" or "move on" is still an answer."""
    from interviewer.text import wants_to_move_on

    for said in ("OK, let's move on.", "I think that covers it, let's move on.", "Let\u2019s move on", "That covers it. Next?",
                 "Moving on.", "Sure, next phase please", "ready to move on", "I'm done here."):
        assert wants_to_move_on(said), said
        d = decide(_state(Phase.MODEL, 2.0, said), ctx)
        assert d.action == Action.ADVANCE and d.why == Why.ASKED, said
    # after a whole answer, a last sentence that is the request alone
    from interviewer.text import ends_moving_on

    for said in ("We warm-start from the last checkpoint instead of from scratch. OK, let's move on.", "We retrain weekly. That covers it, next phase please."):
        assert ends_moving_on(said), said
        d = decide(_state(Phase.MODEL, 2.0, said), ctx)
        assert d.action == Action.ADVANCE and d.why == Why.ASKED, said
    for said in ("We retrain weekly. If it fails, we can move on.", "We use GBDT. We can move on to deep models later.", "We retrain weekly. Next, the features."):
        assert not ends_moving_on(said), said
    for said in ("Next, I would add user features.", "We would move on to the next model if this one fails",
                 "We train daily, then move on", "The model is done.", "Once the labels are in we can proceed",
                 "OK, let's move on. " + "word " * 30):
        assert not wants_to_move_on(said), said


def test_a_deep_dive_refers_to_the_concept_in_the_candidates_words_not_another_name(ctx: Ctx):
    """A probe saw "You mentioned a latency budget. ..." after "I'd predict quantiles (p50 and p90)": a probe's
    own reference back that names the concept otherwise than the candidate did gives way to their words."""
    from interviewer.graph import _authored

    st = _state(Phase.DEPLOY, 2.0, "The p99 has to stay under 100 ms end to end.")
    assert "latency-budget" in {m.concept_id for m in ctx.bank.find_mentions(st["transcript"][1]["text"], CASE)}
    line, _subject, _query = _authored(st, ctx, Decision(action=Action.DEEP_DIVE, concept="latency-budget"), set())
    assert "latency budget" not in line.lower() or "p99" in line.lower(), line
    assert "p99" in line, line


def test_a_challenged_claims_concepts_are_not_dug_into_again(ctx: Ctx):
    """A probe saw the challenge to "downsampled scores stay calibrated" followed at once by "What does
    downsampling do to the predicted probabilities?": the concepts named in the sentence a challenge answers
    count as dug into."""
    from interviewer.graph import _named_with_claim

    st = _state(Phase.MODEL, 2.0, "Features are fine. We downsample negatives to 10% and the predicted probabilities stay calibrated, so no correction is needed.")
    st["case_id"] = "ad-click-prediction"
    mids = [h.misconception_id for h in ctx.bank.find_misconceptions(st["transcript"][1]["text"], "ad-click-prediction")]
    assert "downsampled-probabilities-calibrated" in mids
    # both names in the claim's sentence: the downsampling and the calibration it is wrongly said to keep
    assert _named_with_claim(st, ctx, "downsampled-probabilities-calibrated") == ["calibration", "negative-downsampling"]
    assert _named_with_claim(st, ctx, "no-such-claim") == []


def test_a_hint_goes_to_what_nothing_said_touched_before_what_was_touched_lightly(ctx: Ctx):
    """A probe got a hint on the business objective right after asking about it."""
    from interviewer.graph import _hint

    crits = sorted(ctx.lib.criteria(Phase.CLARIFY, CASE), key=lambda c: -c.weight)
    top, other = crits[0], crits[1]
    st = _state(Phase.CLARIFY, 1.0, "What is the business goal?", coverage={Phase.CLARIFY: {top.id: {"score": 2, "status": "partial"}}})
    upd = _hint(st, ctx)
    assert upd["hints"][0]["criterion"] == other.id
    bare = _state(Phase.CLARIFY, 1.0, "What is the business goal?")
    assert _hint(bare, ctx)["hints"][0]["criterion"] == top.id


def test_you_mentioned_uses_the_candidates_words_only_when_they_read_as_a_name():
    """A probe saw "You mentioned objective:.", "You mentioned Slice by." and "You mentioned leak future."."""
    from interviewer.graph import _says_a_name

    for bad in ("y =", "output =", "p < 0.05", "Slice by", "objective:", "leak future", "train on the past", "a clause of the candidate that runs on and on", "frame it as", "the prediction target, stated", "never get labels", "we ranked ourselves", "times out", "as a baseline", "calibrated", "data drift (covariate shift)", "throttle", "recalibrate", "log propensities", "metrics down by country"):
        assert not _says_a_name(bad), bad
    for good in ("two-tower model", "p99", "slicing the metrics", "A/B test", "GBDT", "log loss", "retraining", "precision by language"):
        assert _says_a_name(good), good


def test_a_concept_is_named_by_words_that_find_it_when_the_candidates_do_not_read_as_a_name(ctx: Ctx):
    """The fallback for "You mentioned ___." is the concept's title when the title is recognised as the
    concept, else an alias that is a version of the title and is recognised as it: a line that names its
    concept in words the concept layer does not know would be a lead on nothing the candidate said."""
    from interviewer.graph import _name_of

    bank = ctx.bank
    assert bank is not None
    checked = 0
    for cid in bank.concepts:
        c = bank.concept(cid)
        name = _name_of(bank, c)
        if any(m.concept_id == cid for m in bank.find_mentions(c.name)):
            assert name == c.name
        elif name != c.name:
            checked += 1
            assert any(m.concept_id == cid for m in bank.find_mentions(name)), (cid, name)
            assert set(re.findall(r"[a-z]{3,}", name.lower())) & set(re.findall(r"[a-z]{3,}", c.name.lower())), (cid, name)
    assert checked >= 100  # most titles that are not aliases have such a version


def test_a_list_after_over_counts_as_listed(ctx: Ctx):
    """"aggregates over 1h / 1d" lists the windows: "Over which windows ...?" would ask for what was said."""
    from interviewer.graph import _LISTED

    assert _LISTED.match(" over 1h / 1d, updated by a stream job")
    assert _LISTED.match(" across country, device and tenure")
    assert _LISTED.match(" = latency, spam share in top 10")
    assert not _LISTED.match(" over time. We retrain weekly")


def test_addressing_a_concept_is_not_setting_it_aside(ctx: Ctx):
    """"To avoid data leakage ..." and "drop near-duplicates" deal with the concept: it may be dug into."""
    from interviewer.graph import _set_aside_only

    st = _state(Phase.DATA, 2.0, "To avoid data leakage, every feature is computed as of the request time.")
    assert "data-leakage" in {m.concept_id for m in ctx.bank.find_mentions(st["transcript"][1]["text"], CASE)}
    assert not _set_aside_only(st, ctx, "data-leakage")


def test_a_concept_waved_away_is_asked_about_once_and_not_credited(ctx: Ctx):
    """"We don't need a rollback plan" is not a rollback plan: the interviewer asks why it is safe to leave
    out (once), and the candidate gets no coverage for it."""
    from interviewer import graph
    from interviewer.graph import _authored

    phase = Phase.DEPLOY
    said = "We ship the new model to everyone at once. We don't need a rollback plan because offline tests catch regressions."
    st = _state(phase, 1.0, answer=said)
    rollback = next(m.concept_id for m in ctx.bank.find_mentions(said, CASE) if "rollback" in m.matched.lower())
    d = decide(st, ctx)
    assert d.action == Action.PUSH and d.concept == rollback and d.dimension == graph.DISMISSED
    line, _subject, _query = _authored(st, ctx, d, set())
    assert "rollback" in line.lower() and "?" in line
    assert rollback not in graph._detect(st, ctx, said)["named"].get(phase, [])
    # asked once: with the push on record the interviewer moves on to something else
    again = decide(_state(phase, 1.0, answer=said, pushed=[f"{rollback}:{graph.DISMISSED}"]), ctx)
    assert not (again.action == Action.PUSH and again.concept == rollback)
    # said as a plan, it is the candidate's own and no such push comes
    kept = decide(_state(phase, 1.0, answer="We keep a rollback plan: the previous model stays warm."), ctx)
    assert kept.dimension != graph.DISMISSED
    # nor when it is theirs in another part of the answer: only one part of it is waved away
    part = "Rollback: the previous model stays warm for an instant switch. We don't need a rollback drill before launch."
    assert decide(_state(phase, 1.0, answer=part), ctx).dimension != graph.DISMISSED


def test_a_probe_for_what_the_candidate_was_already_told_comes_last(ctx: Ctx):
    """After the case's fraud rate was given in clarifying, "Roughly what fraction of transactions are fraud"
    is not the next probe of the class-imbalance criterion while the criterion has another."""
    from interviewer.graph import _authored

    case = ctx.lib.case("payment-fraud-detection")
    asking = [
        (phase, crit, i, ids)
        for phase in PHASES
        for crit in ctx.lib.criteria(phase, case.id)
        for i, p in enumerate(crit.probes)
        if len(crit.probes) > 1 and (ids := ctx.brain.facts_asked(p, case))
    ]
    assert asking, "no probe of the fraud case asks for one of its facts"
    phase, crit, i, ids = asking[0]
    d = Decision(action=Action.FOLLOW_UP, criterion=crit.id)
    st = _state(phase, 1.0, case_id=case.id)
    told = _authored({**st, "revealed": sorted(ids)}, ctx, d, set())[0]
    assert told != crit.probes[i] and told in crit.probes
    untold = [p for p in crit.probes if not ctx.brain.facts_asked(p, case) & ids]
    assert told == untold[0]


def test_a_name_said_at_the_start_of_a_sentence_is_not_capitalised_mid_line(ctx: Ctx):
    from interviewer.graph import _mid_sentence

    assert _mid_sentence("Rollback", "rollback plan") == "rollback"
    assert _mid_sentence("Shadow traffic", "shadow deployment") == "shadow traffic"
    assert _mid_sentence("XGBoost", "gradient-boosted trees") == "XGBoost"  # a name's own capitals stay
    assert _mid_sentence("A/B test", "A/B test") == "A/B test"
    assert _mid_sentence("Kafka topic", "Kafka stream") == "Kafka topic"


def test_the_candidates_words_for_a_concept_keep_their_article(ctx: Ctx):
    """"the business goal is retention" is led as "You mentioned the business goal.", not "business goal."."""
    from interviewer.graph import _said_as

    bank = ctx.bank
    assert bank is not None
    text = "The model must serve fast. I think the business goal is fewer late deliveries."
    m = next(m for m in bank.find_mentions(text) if m.matched.lower() == "business goal")
    st = _state(Phase.FRAME, 3.0, text)
    assert _said_as(st, ctx, m.concept_id) == "the business goal"


def test_a_long_answer_that_names_little_gets_one_request_to_keep_answers_short(ctx: Ctx):
    """A real interviewer asks a rambling candidate to keep answers short, once; a long answer dense with
    concepts is not rambling."""
    from interviewer import prompts as P
    from interviewer.graph import _rambles

    story = ("So, well, this reminds me of a project at my last company, and honestly it was a long story, " * 8).strip()
    assert len(story.split()) >= policy().brevity_min_words
    assert _rambles(_state(Phase.DATA, 3.0, story), ctx)
    dense = (
        "Labels from impression logs with position, dwell time and hides; negatives are impressions without a click. "
        "Time-based split with a one-day gap, point-in-time features from the feature store, user and item "
        "embeddings, counters over 1h and 1d windows, class imbalance handled by negative downsampling and "
        "recalibration, leakage checks on post-click features, privacy: consent and GDPR deletion. "
    ) * 3
    assert len(dense.split()) >= policy().brevity_min_words
    assert not _rambles(_state(Phase.DATA, 3.0, dense), ctx)
    asked = _state(Phase.DATA, 3.0, story)
    asked["transcript"].insert(0, {"role": "interviewer", "phase": Phase.FRAME, "text": P.get("brevity")[0], "kind": "follow_up", "minute": 5.0})
    assert not _rambles(asked, ctx)  # once per interview


def test_a_guess_with_a_question_mark_is_an_answer_and_a_question_about_the_question_gets_it_explained(ctx: Ctx):
    """A hesitant candidate's "Grid search, I guess?" was answered "Good question, but I'll leave it to you", and
    "Sorry, by training do you mean how often, or on what hardware?" got a fact about the team."""
    from interviewer.text import asks_what_was_meant

    for guess in ("Grid search for hyperparameters, I guess?", "The output is a top 10 list, maybe?", "XGBoost maybe?", "Logs, I guess?"):
        assert not is_question(guess), guess
    for question in ("Is it real time, maybe?", "We have chargeback labels, right?", "p99 latency requirement?"):
        assert is_question(question), question
    assert asks_what_was_meant("Sorry, by training do you mean how often we train, or how, like on GPUs?")
    assert asks_what_was_meant("Could you rephrase the question?")
    assert not asks_what_was_meant("What is the DAU?")
    assert not asks_what_was_meant("I mean we could use GBDT. Is that fine?")


def test_a_question_about_the_question_is_answered_with_what_it_probes_not_a_fact(ctx: Ctx):
    from interviewer.graph import _what_was_meant

    st = _state(Phase.MODEL, 2.0, "Sorry, do you mean how often we train, or on what hardware?")
    crit = ctx.lib.criteria(Phase.MODEL, CASE)[-1]
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.MODEL, "text": crit.probes[0], "kind": "follow_up", "minute": 11.0, "criterion": crit.id})
    line = _what_was_meant(st, ctx, set())
    assert crit.title.lower()[:12] in line.lower()
    assert not any(f.answer[:30] in line for f in ctx.lib.case(CASE).facts)


def test_what_a_concept_question_meant_is_the_concept_and_its_point_not_either_reading(ctx: Ctx):
    """A junior asked "What do you mean by well ordered?" after a question on a probability output and was told
    "Either reading works": no readings had been offered. The reply names the concept and what it is after."""
    from interviewer.graph import _as_instruction, _what_was_meant

    concept = ctx.bank.concept("probability-output")
    st = _state(Phase.FRAME, 2.0, "I don't know, sorry. What do you mean by well ordered?")
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.FRAME, "text": concept.probes[0], "kind": "follow_up", "minute": 5.0, "concept": concept.id, "criterion": concept.criteria[0]})
    line = _what_was_meant(st, ctx, set())
    assert concept.name in line and _as_instruction(concept.depth[0].point) in line
    assert "either reading" not in line.lower()
    assert _as_instruction("says who consumes the number") == "say who consumes the number"
    assert _as_instruction("applies a cap") == "apply a cap" and _as_instruction("matches the case") == "match the case"
    # with no concept and no readings offered: the topic, still without "either reading"
    st = _state(Phase.MODEL, 2.0, "What do you mean?")
    crit = ctx.lib.criteria(Phase.MODEL, CASE)[-1]
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.MODEL, "text": crit.probes[0], "kind": "follow_up", "minute": 11.0, "criterion": crit.id})
    line = _what_was_meant(st, ctx, set())
    assert crit.title.lower()[:12] in line.lower() and "either reading" not in line.lower()


def test_a_statement_with_a_question_mark_is_an_answer_past_clarifying():
    """A junior's "And the payments we declined never get a chargeback, so we don't know if they were fraud?"
    in monitoring got "I don't have a number for that": a rising statement is an answer offered for checking."""
    from interviewer.text import asks_directly

    said = "Maybe fraudsters change their patterns, so the model gets old. And the payments we declined never get a chargeback, so we don't know if they were fraud?"
    assert is_question(said) and not asks_directly(said)
    for q in ("What do you mean by the cost rule?", "Sorry, do you mean the loss function?", "Hmm, and is the latency budget per request?", "Can I assume we have a feature store?", "I'd like to know the label delay."):
        assert asks_directly(q), q


def test_a_probe_that_asks_again_in_other_words_gives_way_to_another(ctx: Ctx):
    from interviewer.graph import _not_asked_yet

    st = _state(Phase.MODEL, 2.0)
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.MODEL, "text": "What would a bigger model have to buy you to be worth its serving cost?", "kind": "follow_up", "minute": 11.0})
    again = "You mentioned the bigger model. How would you find the point where a larger model stops being worth what it costs to serve?"
    other = "What happens if the feature store does not answer in time?"
    assert _not_asked_yet(st, [again, other]) == [other]
    assert _not_asked_yet(st, [again]) == [again]  # nothing else to ask: the line stays


def test_you_mentioned_names_what_was_said_as_a_name(ctx: Ctx):
    """A probe saw "You mentioned A multi-task.", "You mentioned need to explain.", "You mentioned launch if.",
    "You mentioned behind an API." and "You mentioned fine-tune." (a verb)."""
    from interviewer.graph import _mid_sentence, _said_as, _says_a_name

    for bad in ("need to explain", "launch if", "an alert if", "behind an API"):
        assert not _says_a_name(bad), bad
    assert _mid_sentence("A multi-task model", "multi-task learning") == "a multi-task model"
    assert _mid_sentence("Real-time features", "") == "real-time features"
    text = "For images I'd use a CNN pretrained on ImageNet, and fine-tune it on our data."
    m = next((m for m in ctx.bank.find_mentions(text) if m.matched.lower() == "fine-tune"), None)
    assert m is not None
    assert _said_as(_state(Phase.MODEL, 2.0, text), ctx, m.concept_id) != "fine-tune"


def test_minutes_an_early_phase_left_are_used_later_up_to_a_share_of_the_budget(ctx: Ctx):
    """A probe's strong candidate was done at 39.8 of 45 minutes: phases closed by their pace, and the time
    they left was never used. A later phase may use it, up to `carry_share` of its own budget (so it stays
    within the budget + 25% a phase may take), and never when the interview is behind its plan."""
    from interviewer.graph import allowance

    phase = Phase.MODEL
    st = _state(phase, 1.0)
    b = budget(st, ctx.lib, phase)
    planned_before = sum(budget(st, ctx.lib, p) for p in PHASES[: PHASES.index(phase)])
    st["phase_start"] = planned_before - 5.0  # five minutes ahead of the plan
    assert allowance(st, ctx.lib, phase) == pytest.approx(b * (1 + policy().carry_share))
    st["phase_start"] = planned_before - 0.3
    assert allowance(st, ctx.lib, phase) == pytest.approx(b + 0.3)
    st["phase_start"] = planned_before + 2.0  # behind: the phase keeps its budget, no more
    assert allowance(st, ctx.lib, phase) == pytest.approx(b)
    assert policy().carry_share <= 0.2


def test_no_question_is_asked_whose_answer_would_run_past_the_interviews_overtime(ctx: Ctx):
    phase = Phase.MONITOR
    st = _state(phase, 1.0, "I would watch feature drift with PSI per feature, alert on large shifts and page on-call.")
    st["elapsed"] = st["minutes"] + policy().overtime_minutes - 0.2
    st["phase_start"] = st["elapsed"] - 1.0
    d = decide(st, ctx)
    assert d.action == Action.ADVANCE


def test_a_note_style_topic_before_a_terse_ask_stays_with_it(ctx: Ctx):
    """The terse candidate's "cost of errors: FP vs FN?" lost its topic (split off at the colon) and then its ask
    (no word of three letters left), and got "That's your call" though the case has the cost of errors."""
    asks = clarify_asks("cost of errors: FP vs FN? human review downstream, capacity/day?")
    assert asks[0] == "cost of errors: FP vs FN"
    assert clarify_asks("Scale: how many DAU?") == ["how many DAU"]
    case = ctx.lib.case("payment-fraud-detection")
    got = {case.facts[i].id for i, _ in ctx.brain.match_facts("cost of errors: FP vs FN?", case)}
    assert got == {"cost-of-errors"}


def test_a_hint_speaks_to_the_candidate_not_about_them():
    """A probe saw "Here's something to work with on cost per 1,000 requests: A staff-level answer gives this
    figure unprompted ..." (a note's line for graders), and the rubric's "Estimates what serving costs ..."."""
    from interviewer.graph import _GRADER_VOICE, _imperative

    assert _GRADER_VOICE.search("A staff-level answer gives this figure unprompted for the most expensive stage.")
    assert _GRADER_VOICE.search("A candidate who names a primary metric has set up the evaluation phase.")
    assert not _GRADER_VOICE.search("Precompute per item rather than per request, and cache head queries.")
    assert _imperative("Estimates what serving costs per 1,000 requests.") == "Estimate what serving costs per 1,000 requests."
    assert _imperative("Identifies the sources of labels.") == "Identify the sources of labels."
    assert _imperative("Sketches the main components.") == "Sketch the main components."
    assert _imperative("Clicks are the largest signal.") == "Clicks are the largest signal."  # a noun, not a verb
    assert _imperative("Besides accuracy metrics, ...") == "Besides accuracy metrics, ..."
    # a verb joined to the first is advice too (a probe saw "Separate ... and handles each differently")
    assert _imperative("Separates the new-user and the new-item cases and handles each differently.") == "Separate the new-user and the new-item cases and handle each differently."
    assert _imperative("Mixes two rankers' results and credits each ranker with its clicks.") == "Mix two rankers' results and credit each ranker with its clicks."


def test_a_depth_hint_is_said_about_the_concept():
    """Probes got "Here's something to work with on calibration: Matter whenever the score is used as a probability"
    and "... on deep neural network: Learn interactions among dense, embedded and sequence inputs jointly, and scales
    with data": a point written about the concept, made into advice, broke wherever the concept was its subject."""
    from interviewer.graph import _OPENS_WITH_VERB

    assert _OPENS_WITH_VERB.match("matters whenever the score is used as a probability")
    assert _OPENS_WITH_VERB.match("learns interactions among dense, embedded and sequence inputs jointly, and scales with data")
    assert not _OPENS_WITH_VERB.match("popular requests repeat often, so caching them removes much of the load")
    assert not _OPENS_WITH_VERB.match("the logs only contain outcomes for what the old system chose to show")


def test_scoping_questions_asked_in_prose_are_questions_and_an_option_not_taken_is_not_theirs():
    """A probe's first answer ("Before I jump in, I'd like to pin down what surface we're designing for. ... rather than
    the 'up next' autoplay ...") was told "Before we design anything: what would you want to know?", and the data phase
    opened with "You already brought up autoplay: take that as given"."""
    from interviewer.evidence import dismissed

    first = (
        "Before I jump in, I'd like to pin down what surface we're designing for. I'm going to assume this is the home "
        "feed, the grid you see when you open the app, rather than the 'up next' autoplay, though a lot of the machinery "
        "would be shared. I'd also like to know whether the business cares mainly about watch time, or about retention, "
        "because that changes what we optimise."
    )
    assert is_question(first)
    at = first.index("autoplay")
    assert dismissed(first, 0, at, at + len("autoplay"), rejected=True)
    assert not dismissed("We'd log the autoplay starts separately.", 0, 12, 20, rejected=True)


def test_an_article_before_an_adverb_is_kept_with_the_name(ctx: Ctx):
    """"You mentioned stale model." after "a slightly stale model"."""
    from interviewer.graph import _said_as

    text = "If a check fails we keep serving the old model; a slightly stale model is better than a broken one."
    m = next((m for m in ctx.bank.find_mentions(text) if m.matched.lower() == "stale model"), None)
    assert m is not None
    assert _said_as(_state(Phase.MONITOR, 2.0, text), ctx, m.concept_id) == "a stale model"


def test_a_prose_patterns_bare_clause_is_not_used_as_a_name(ctx: Ctx):
    """"You mentioned model on CPUs." after "serve model on CPUs": a pattern's span on a bare singular noun is
    not a name; with its article ("the model on CPUs") or as a plural ("GPU nodes") it reads as one."""
    from interviewer.graph import _said_as

    cid = "gpu-vs-cpu-inference"
    bare = "Serve model on CPUs, about 20 replicas."
    assert any(m.concept_id == cid and m.matched == "model on CPUs" for m in ctx.bank.find_mentions(bare))
    assert _said_as(_state(Phase.DEPLOY, 2.0, bare), ctx, cid) is None
    assert _said_as(_state(Phase.DEPLOY, 2.0, "We serve the model on CPUs, about 20 replicas."), ctx, cid) == "the model on CPUs"
    said = _said_as(_state(Phase.DEPLOY, 2.0, "Encoder runs on T4 nodes, 8 replicas."), ctx, cid)
    assert said is None or not said.startswith("encoder")


def test_a_stuck_candidate_gets_a_hint_on_what_the_question_asked(ctx: Ctx):
    """"I'm not sure" to a question on one criterion: the hint is on that criterion, not on the weightiest gap
    (a probe got a nudge on data sources after a feature-store question). A /hint outside a question, and a
    question on a concept, go by what the question was about too."""
    from interviewer.graph import _hint

    crits = sorted(ctx.lib.criteria(Phase.DATA, CASE), key=lambda c: -c.weight)
    mains = {m.criteria[0] for m in ctx.bank.misconceptions_for(Phase.DATA, CASE)} & {c.criteria[0] for c in ctx.bank.by_phase(Phase.DATA, CASE)}
    top, asked = crits[0], [c for c in crits[1:] if c.id in mains][-1]  # the lightest with a concept and a misconception of its own
    st = _state(Phase.DATA, 1.0, "I'm not sure.")
    st["transcript"][0].update(kind="follow_up", criterion=asked.id)
    assert _hint(st, ctx, stuck=True)["hints"][0]["criterion"] == asked.id
    # a hint asked for (/hint, or "can you give me a hint?") right after that question is on it too (a probe
    # asked for one "on the raw events thing" and got a nudge on something else)
    assert _hint(st, ctx)["hints"][0]["criterion"] == asked.id
    st["transcript"][0].pop("criterion")
    st["transcript"][0].update(kind="intro")
    assert _hint(st, ctx)["hints"][0]["criterion"] == top.id  # after the phase's opening question: the weightiest gap
    concept = next(c for c in ctx.bank.by_phase(Phase.DATA, CASE) if c.criteria[0] == asked.id)
    st["transcript"][0].update(kind="deep_dive", concept=concept.id)
    assert _hint(st, ctx, stuck=True)["hints"][0]["criterion"] == asked.id
    # a challenge the candidate cannot answer: the hint is on the criterion the claim got wrong, not the
    # weightiest gap (a junior who could not answer the one-hot challenge was nudged on training at scale)
    mis = next(m for m in ctx.bank.misconceptions_for(Phase.DATA, CASE) if m.criteria[0] == asked.id)
    st["transcript"][0].pop("concept")
    st["transcript"][0].update(kind="challenge", misconception=mis.id)
    assert _hint(st, ctx, stuck=True)["hints"][0]["criterion"] == asked.id
    st["hints"] = [{"phase": Phase.DATA, "criterion": asked.id}]  # already hinted: the next gap
    assert _hint(st, ctx, stuck=True)["hints"][0]["criterion"] != asked.id


def test_a_hint_after_a_question_on_a_concept_of_theirs_is_on_that_concept(ctx: Ctx):
    """A probe asked how to estimate long-term effects (a dive into a concept it had named) and, on /hint, got a
    nudge on combining several predictions, which it had said: the hint is what deeper treatment of that concept
    adds, the first point its answers have not touched."""
    from interviewer.graph import _hint

    concept = ctx.bank.concept("long-term-value")
    assert len(concept.depth) >= 2
    first_cue = concept.depth[0].cues[0]
    st = _state(Phase.FRAME, 1.0, f"I'd optimise for long-term value, with a {first_cue} signal in the objective.")
    st["transcript"].append({"role": "interviewer", "phase": Phase.FRAME, "text": concept.probes[0], "kind": "deep_dive", "concept": concept.id, "minute": 11.0})
    line = _hint(st, ctx)["transcript"][-1]["text"]
    assert concept.name in line, line
    # the first point is touched by what they said (its cue): the hint is the second
    second = " ".join(concept.depth[1].point.split()).rstrip(".")
    assert second.split(" ", 1)[1] in line, line  # past its verb, said as advice ("names" -> "Name")
    # a question on no concept keeps the criterion's hint (its topic, not the concept's)
    st["transcript"][-1].pop("concept")
    assert concept.name not in _hint(st, ctx)["transcript"][-1]["text"]


def test_stuck_on_a_challenge_from_another_phase_the_hint_points_back_to_their_words(ctx: Ctx):
    """A junior said "I would one-hot encode it" (a data claim) while discussing the model, could not answer the
    challenge, and was nudged on training at scale. The nudge goes back to the words challenged."""
    from interviewer.graph import _hint

    mis = next(m for m in ctx.bank.misconceptions_for(Phase.DATA, CASE) if not set(m.criteria) & {c.id for c in ctx.lib.criteria(Phase.MODEL, CASE)})
    st = _state(Phase.MODEL, 1.0, "I'm not sure, I don't know.")
    st["transcript"][0].update(kind="challenge", misconception=mis.id)
    st["stated"] = [{"id": mis.id, "phase": Phase.MODEL, "quote": "I would one-hot encode the user id", "turn": 0}]
    upd = _hint(st, ctx, stuck=True)
    line = upd["transcript"][-1]["text"]
    assert "“I would one-hot encode the user id”" in line and "hints" not in upd
    # a challenge whose claim bears on this phase: the hint is on its criterion, from the notes
    own = next(m for m in ctx.bank.misconceptions_for(Phase.MODEL, CASE) if set(m.criteria) & {c.id for c in ctx.lib.criteria(Phase.MODEL, CASE)})
    st["transcript"][0].update(misconception=own.id)
    assert _hint(st, ctx, stuck=True)["hints"][0]["criterion"] in own.criteria


def test_a_probe_asking_for_a_figure_the_candidate_gave_is_dropped(ctx: Ctx):
    """"How much would you allow?" after "a 1% exploration slice": the figure was given where the concept was
    named. Without a figure, the probe stays."""
    from interviewer.graph import _fresh_probes

    said = "Keep an exploration slice of 1% of traffic for fresh videos."
    cid = next(m.concept_id for m in ctx.bank.find_mentions(said, CASE) if "explor" in m.matched.lower())
    probes = ["You mentioned exploration. How much traffic would you give it?", "Who should see the explored items, and why them?"]
    assert _fresh_probes(_state(Phase.MODEL, 1.0, said), ctx, cid, probes) == probes[1:]
    vague = "Keep an exploration slice for fresh videos."
    assert _fresh_probes(_state(Phase.MODEL, 1.0, vague), ctx, cid, probes) == probes


def test_a_concept_of_another_phase_is_not_dug_into_here(ctx: Ctx):
    """Alerting named while preparing data is asked about in monitoring: a probe saw "which alerts would wake
    someone up at night" in data preparation and a GBDT-versus-neural question in monitoring. A concept of this
    phase, named the same way, is dug into."""
    data_crits = {c.id for c in ctx.lib.criteria(Phase.DATA, CASE)}
    away = next(c for c in ctx.bank.by_phase(Phase.MONITOR, CASE) if not data_crits.intersection(c.criteria) and c.probes)
    home = next(c for c in ctx.bank.by_phase(Phase.DATA, CASE) if c.probes)
    covered = {k: {"score": 4, "status": "full"} for k in data_crits}  # nothing pending: a free dive is next
    for cid, dug in ((away.id, False), (home.id, True)):
        st = _state(Phase.DATA, 1.0, "x", named={Phase.DATA: [cid]}, coverage={Phase.DATA: covered})
        d = decide(st, ctx)
        assert (d.action == Action.DEEP_DIVE and d.concept == cid) == dug, (cid, d)


def test_a_name_keeps_the_capital_it_has_inside_a_sentence(ctx: Ctx):
    """"You mentioned flink." after "Kafka + Flink": a capital inside a sentence is a name's; one that only
    starts a sentence or a bullet goes ("Rollback on alerts" -> "rollback")."""
    from interviewer.graph import _said_as

    text = "Streaming pipeline (Kafka + Flink) turns order events into features."
    cid = next(m.concept_id for m in ctx.bank.find_mentions(text) if m.matched == "Flink")
    assert _said_as(_state(Phase.DATA, 1.0, text), ctx, cid) == "Flink"
    bullet = "- Rollback on alerts, automatically."
    cid = next(m.concept_id for m in ctx.bank.find_mentions(bullet) if m.matched == "Rollback")
    assert _said_as(_state(Phase.DEPLOY, 1.0, bullet), ctx, cid) == "rollback"


def test_a_line_is_never_said_verbatim_twice_even_when_every_variant_was():
    from interviewer.graph import _unused

    assert _unused({"a"}, "a", "b") == "b"
    assert _unused({"a", "b"}, "a", "b") == "b (2)"
    assert _unused({"a", "b", "b (2)"}, "a", "b") == "b (3)"


def test_a_thing_said_to_be_absent_is_not_asked_why_it_can_wait(ctx: Ctx):
    """"We don't have a rollback plan yet." is no evidence of one (evidence.absent_before), but the candidate did
    not wave it away: no "you said it can wait" push (a simulation got one after "We don't have labellers.")."""
    from interviewer import graph

    said = "We ship the new model to everyone at once. We don't have a rollback plan yet."
    rollback = next(m.concept_id for m in ctx.bank.find_mentions(said, CASE) if "rollback" in m.matched.lower())
    d = decide(_state(Phase.DEPLOY, 1.0, answer=said), ctx)
    assert not (d.action == Action.PUSH and d.dimension == graph.DISMISSED), d
    assert rollback not in graph._detect(_state(Phase.DEPLOY, 1.0, answer=said), ctx, said)["named"].get(Phase.DEPLOY, [])


def test_a_probe_opening_with_an_earlier_questions_words_asks_it_again_and_names_read_as_names(ctx: Ctx):
    """A probe asked "How long would one training run take here, ...?" and two turns later "How long would one
    training run take on a GPU cluster, ...?" (0.59 apart in meaning). And "You mentioned pre-registered.",
    "You mentioned page the on-call." are no names."""
    from interviewer.graph import _not_asked_yet, _says_a_name

    st = _state(Phase.MODEL, 2.0)
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.MODEL, "text": "How long would one training run take here, and what would you do if it took too long?", "kind": "follow_up", "minute": 11.0})
    again = "How long would one training run take on a GPU cluster, and what would you cut first to make it faster?"
    other = "And what would you do if the feature store does not answer in time?"
    assert _not_asked_yet(st, [again, other]) == [other]
    for bad in ("pre-registered", "page the on-call", "monitor the drift"):
        assert not _says_a_name(bad), bad
    for good in ("the feature store", "A/B test", "online feature store"):
        assert _says_a_name(good), good


def test_a_hint_whose_sentence_opens_with_its_topic_says_the_topic_once(ctx: Ctx):
    from interviewer.graph import _hint

    st = _state(Phase.DATA, 1.0, "Not sure.")
    line = _hint(st, ctx)["transcript"][-1]["text"]
    title = next(c.title for c in ctx.lib.criteria(Phase.DATA, CASE) if c.id == _hint(st, ctx)["hints"][0]["criterion"])
    assert line.lower().count(title.lower()) <= 1, line


def test_an_answer_that_ends_asking_to_move_on_moves_on(ctx: Ctx):
    """"... assume today: block list filtered, nothing else. moving on to framing?" got "I don't have a number for
    that; make an assumption", and "I think I have enough to move on to framing." got another question."""
    from interviewer.text import ends_moving_on

    said = "don't know, that's a q for you. assume today: block list filtered, nothing else. moving on to framing?"
    assert ends_moving_on(said) and ends_moving_on("The constraint says cascade. I think I have enough to move on to framing.")
    assert not ends_moving_on("We would move on to the next model if this one fails")
    st = _state(Phase.CLARIFY, 1.0, said)
    d = decide(st, ctx)
    assert d.action == Action.ADVANCE and d.why == Why.ASKED


def test_a_question_put_back_at_the_end_of_an_answer_is_answered_in_kind(ctx: Ctx):
    """A senior ended answers with "Quick question back: what scale of index are we talking about ...?", "Would
    you like me to go deeper on the retrieval model or the ranking model?" and "Is it OK to assume we have a
    feature store?": each was passed over for the next probe. "Should I move on to framing?" got "I don't have a
    number for that"; "any mismatch ... blocks the backfill" was taken for a question."""
    from interviewer import prompts as P
    from interviewer.brains import _no_fact_kind
    from interviewer.text import asks_back

    for said in (
        "About 1% of traffic. Quick question back: what scale of index are we talking about for the dense side?",
        "The numbers come from the latency split. Would you like me to go deeper on the retrieval model or the ranking model?",
        "Define each feature once. Is it OK to assume we have a feature store?",
    ):
        assert asks_back(said), said
    for said in ("I'd log features at serving time. Does that make sense?", "Single question?", "Clicks are biased, so we reweight them."):
        assert not asks_back(said), said
    assert not is_question("Run the backfill over a recent window; any mismatch beyond a small tolerance blocks the backfill from being used in training.")
    assert _no_fact_kind("Is it OK to assume we have a feature store?") == "no_fact_permission"
    assert _no_fact_kind("Would you like me to go deeper on the retrieval model or the ranking model?") == "no_fact_choice"
    assert _no_fact_kind("How many GPUs does the team have?") == "no_fact_number"
    assert "number" not in " ".join(P.get("clarification", "no_fact")).lower()


def test_a_concept_is_pushed_on_once(ctx: Ctx):
    """A mid candidate heard "What does predict quantiles cost you ...?" then "How does predict quantiles fail in
    production ...?", and "Let's put numbers on ..." then "How does ... fail" on another: one push per concept."""
    from interviewer.graph import _unshown_dimension

    st = _state(Phase.MODEL, 2.0, "Then LightGBM on the tabular features.")
    cid = next(m.concept_id for m in ctx.bank.find_mentions("LightGBM"))
    assert _unshown_dimension(st, ctx, cid) is not None
    st["pushed"] = [f"{cid}:numbers"]
    assert _unshown_dimension(st, ctx, cid) is None


def test_a_concept_the_candidate_only_echoes_from_the_interviewer_is_not_dug_into_as_theirs(ctx: Ctx):
    """"You mentioned a bigger model." came after the interviewer's "What would a bigger model have to buy you
    ...?"; a concept the candidate named first stays theirs, and so does one the phase's opening question named."""
    from interviewer.graph import _depth_to_go, _echoed_only

    st = _state(Phase.MODEL, 2.0, "A bigger model would have to buy us a couple of points of recall to be worth it.")
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.MODEL, "text": "What would a bigger model have to buy you to be worth its serving cost?", "kind": "follow_up", "minute": 11.0})
    cid = next(m.concept_id for m in ctx.bank.find_mentions("a bigger model", CASE))
    assert _echoed_only(st, ctx, cid) and not _depth_to_go(st, ctx, cid)
    own = _state(Phase.MODEL, 2.0, "A bigger model would have to buy us a couple of points of recall to be worth it.")
    assert not _echoed_only(own, ctx, cid)
    # the phase's own opening question names topics for everyone: answering it in its words is not an echo
    opened = _state(Phase.MODEL, 2.0, "A bigger model would have to buy us a couple of points of recall.")
    opened["transcript"][0]["text"] = "Would a bigger model help here?"
    assert not _echoed_only(opened, ctx, cid)


def test_what_a_criterion_question_meant_is_said_in_plain_words(ctx: Ctx):
    """"hmm what do you mean by turns that output into what the product does?" got "What I'm after is decision layer
    separate from the score, for this design.": the title alone explained nothing to a junior."""
    from interviewer.graph import _what_was_meant

    crit = ctx.lib.criterion("decision-layer")
    st = _state(Phase.FRAME, 2.0, "hmm what do you mean by turns that output into what the product does? like the ui?")
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.FRAME, "text": crit.probes[0], "kind": "follow_up", "minute": 11.0, "criterion": crit.id})
    line = _what_was_meant(st, ctx, set())
    assert "keep the model's score apart from the decision made with it" in line and crit.title.lower() in line.lower()
    # a description too long to say in a line keeps the title alone
    long = ctx.lib.criterion("leakage-and-splits")
    st["transcript"][1].update(text=long.probes[0], criterion=long.id)
    line = _what_was_meant(st, ctx, set())
    assert long.title.lower()[:12] in line.lower() and "prevent information" not in line.lower()


def test_chat_style_questions_are_asked_and_a_push_is_not_made_twice_running(ctx: Ctx):
    """A junior's "hmm ok. how many ppl use it a day? and is it for mobile too or just web" got the visitors
    alone (the second ask has no question mark), "idk, how many new listings r added a day?" was taken for an
    answer and got "Let's put numbers on new listings: ..." right after "Let's put numbers on cold start: ..."."""
    from interviewer.graph import _unshown_dimension
    from interviewer.text import asks_directly, clarify_asks

    assert clarify_asks("hmm ok. how many ppl use it a day? and is it for mobile too or just web") == ["how many ppl use it a day", "is it for mobile too or just web"]
    assert clarify_asks("idk, how many new listings r added a day?") == ["how many new listings r added a day"]
    assert asks_directly("idk, how many new listings r added a day?")
    for said in ("and then we train the model", "and how we do it matters"):
        assert not is_question(said), said
    st = _state(Phase.MODEL, 2.0, "New listings get the average of nearby listings' vectors.")
    cid = next(m.concept_id for m in ctx.bank.find_mentions("new listings", CASE))
    first = _unshown_dimension(st, ctx, cid)
    assert first is not None
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.MODEL, "text": "Let's put numbers on cold start.", "kind": "push", "minute": 11.0, "concept": "x", "dimension": first})
    assert _unshown_dimension(st, ctx, cid) not in (None, first)


def test_what_a_question_meant_while_clarifying_is_answered_when_it_is_about_the_interviewers_own_line(ctx: Ctx):
    """"What do you mean by signals here, the raw logs we store or the features?" after the interviewer's own
    question on signals got "Good question, but I'll leave it to you": while clarifying too, a question about the
    interviewer's last follow-up is answered with what it meant; one about the case is a clarifying question."""
    from interviewer.graph import _about_the_last_question, _what_was_meant

    crit = ctx.lib.criterion("decision-layer")
    st = _state(Phase.CLARIFY, 1.0, "What do you mean by what the product does? Do you mean the display or the dispatch?")
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.CLARIFY, "text": "Once the model produces its output, what turns that output into what the product does?", "kind": "follow_up", "minute": 11.0, "criterion": crit.id})
    assert _about_the_last_question(st, st["transcript"][-1]["text"])
    line = _what_was_meant(st, ctx, set())
    assert "keep the model's score apart from the decision made with it" in line and "either reading" in line.lower()
    st["transcript"][1]["kind"] = "clarify"  # after a fact the interviewer gave, it is about the case
    assert not _about_the_last_question(st, st["transcript"][-1]["text"])
    case_q = _state(Phase.CLARIFY, 1.0, "What do you mean by fraud here, card-not-present only?")
    case_q["transcript"].insert(1, {"role": "interviewer", "phase": Phase.CLARIFY, "text": "What latency would you need?", "kind": "follow_up", "minute": 11.0})
    assert not _about_the_last_question(case_q, case_q["transcript"][-1]["text"])


def test_a_challenged_claim_held_to_is_pushed_on_once_more_and_a_concession_is_not(ctx: Ctx):
    """A probe held to a random split after its challenge ("the distribution is basically the same week to week,
    so random is fine") and was moved on: the claim held to gets one more push, on what would settle it; an
    answer that gives ground does not, and the push comes once per claim."""
    from interviewer.graph import HELD, _authored

    mis = next(m for m in ctx.bank.misconceptions_for(Phase.DATA, CASE))
    st = _state(Phase.DATA, 1.0, "I'd split the logs at random.")
    st["transcript"] += [
        {"role": "interviewer", "phase": Phase.DATA, "text": mis.challenge, "kind": "challenge", "misconception": mis.id, "minute": 11.0},
        {"role": "candidate", "phase": Phase.DATA, "text": "I don't think it peeks at much, the distribution is basically the same week to week, so random is fine.", "kind": "answer", "minute": 12.0},
    ]
    st["challenged"] = [mis.id]
    d = decide(st, ctx)
    assert d.action == Action.CHALLENGE and d.misconception == mis.id and d.dimension == HELD
    line, _subject, _query = _authored(st, ctx, d, set())
    assert line != mis.challenge and "?" in line
    # a concession is not pushed on
    conceding = [dict(t) for t in st["transcript"]]
    conceding[-1]["text"] = "Right, that leaks future behaviour; I'd split by time instead."
    assert decide({**st, "transcript": conceding}, ctx).dimension != HELD
    # held to again after the second push: the interview moves on rather than pushing a third time
    again = [*st["transcript"], {"role": "interviewer", "phase": Phase.DATA, "text": line, "kind": "challenge", "misconception": mis.id, "dimension": HELD, "minute": 12.5},
             {"role": "candidate", "phase": Phase.DATA, "text": "It's still fine, the weeks look the same.", "kind": "answer", "minute": 13.0}]
    assert decide({**st, "transcript": again}, ctx).dimension != HELD


def test_a_concept_whose_only_probe_asks_again_is_not_dived_into(ctx: Ctx):
    """A probe asked "How long would one training run take here, ...?" and the next turn dived into distributed training
    with its one probe, which the earlier question had already asked in other words."""
    from interviewer.graph import _not_asked_yet

    st = _state(Phase.MODEL, 2.0)
    st["transcript"].insert(1, {"role": "interviewer", "phase": Phase.MODEL, "text": "How long would one training run take here, and what would you do if it took too long?", "kind": "follow_up", "minute": 11.0})
    again = "How long would one training run take on a GPU cluster, and what would you cut first to make it faster?"
    assert _not_asked_yet(st, [again]) == [again]  # with nothing else left, a line is still said when one must be
    assert _not_asked_yet(st, [again], strict=True) == []  # but no dive is chosen for it

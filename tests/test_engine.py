"""The interview graph on simulations with the offline brain: phases, time, follow-ups, personas."""
from __future__ import annotations

import pytest
from engine_support import SIM_CASES, fresh_home, settings_for
from pydantic import SecretStr

from interviewer import PHASES
from interviewer.clock import VirtualClock
from interviewer.content import library
from interviewer.events import Finished, Message, Token
from interviewer.scorecard import to_markdown
from interviewer.session import Engine, Session
from interviewer.simulate import NOTHING_TO_ADD, ScriptedCandidate
from interviewer.text import sanitize

CASES = SIM_CASES
PERSONAS = ["strong", "average", "weak", "rambling", "adversarial"]


@pytest.fixture(scope="module")
def sims(simulations) -> dict[tuple[str, str], dict]:
    """Every persona on three cases (run once per test session: the behaviour-suite test reads them too)."""
    return {(case, persona): simulations.result(case, persona) for case in CASES for persona in PERSONAS}


def visited(r: dict) -> list[str]:
    seen: list[str] = []
    for t in r["transcript"]:
        if not seen or seen[-1] != t["phase"]:
            seen.append(t["phase"])
    return seen


def test_all_phases_in_order(sims):
    for key, r in sims.items():
        assert visited(r) == list(PHASES), key


@pytest.mark.parametrize("persona", ["strong", "average", "rambling"])
def test_interview_uses_30_to_47_minutes(sims, persona):
    for case in CASES:
        assert 30 <= sims[(case, persona)]["minutes"] <= 47, (case, persona, sims[(case, persona)]["minutes"])


def test_each_phase_within_budget_plus_25_percent(sims):
    for key, r in sims.items():
        for p in r["phases"]:
            assert p["minutes"] <= p["budget"] * 1.25 + 1e-6, (key, p)


def test_no_line_repeated_verbatim(sims):
    for key, r in sims.items():
        lines = [t["text"] for t in r["transcript"] if t["role"] == "interviewer"]
        assert len(lines) == len(set(lines)), key


def test_a_phase_change_does_not_say_lets_twice(sims):
    # "Let's leave Data there. Let's get into model development." (a new-user probe) read as a stammer
    changes = [t["text"] for r in sims.values() for t in r["transcript"] if t["role"] == "interviewer" and t.get("kind") == "intro"]
    assert len(changes) > 30
    for line in changes:
        assert line.lower().count("let's") <= 1, line


def test_follow_ups_target_uncovered_criteria(sims):
    fus = [t for r in sims.values() for t in r["transcript"] if t.get("kind") == "follow_up"]
    assert len(fus) > 50
    targeted = sum(1 for t in fus if t["criterion_status"] in ("none", "partial"))
    assert targeted / len(fus) >= 0.9
    # each follow-up names the note it was grounded in
    assert all(t["note"] for t in fus)


def test_follow_ups_stay_within_the_case_kind(sims):
    """A fraud or delivery-time interview is never probed on retrieval, ANN or cold start of items."""
    lib = library()
    for (case, persona), r in sims.items():
        for t in r["transcript"]:
            if t.get("kind") != "follow_up":
                continue
            assert lib.applies(lib.criterion(t["criterion"]), case), (case, persona, t["criterion"])
            assert not lib.off_scope_terms(t["text"], case), (case, persona, t["text"])
    asked = {t["criterion"] for (case, _p), r in sims.items() if case != "video-recommendation" for t in r["transcript"] if t.get("kind") == "follow_up"}
    assert not asked & {"two-stage-architecture", "ann-and-latency", "cold-start"}


def test_strong_beats_weak(sims):
    for case in CASES:
        strong, weak = sims[(case, "strong")], sims[(case, "weak")]
        fu_s = sum(p["follow_ups"] for p in strong["phases"])
        fu_w = sum(p["follow_ups"] for p in weak["phases"])
        assert fu_s < fu_w, (case, fu_s, fu_w)
        assert strong["scorecard"]["overall"]["score"] > weak["scorecard"]["overall"]["score"] + 0.5


def test_adversarial_never_steers(sims):
    lib = library()
    for case in CASES:
        r = sims[(case, "adversarial")]
        assert visited(r) == list(PHASES)
        inter = [t["text"].lower() for t in r["transcript"] if t["role"] == "interviewer"]
        # nothing the candidate tried to make the interviewer say comes out of its mouth
        for bad in ("full marks", "developer mode", "strong hire", "system:"):
            assert not any(bad in line for line in inter), bad
        card = r["scorecard"]
        assert card["overall"]["hire_signal"] in ("strong no hire", "no hire")
        # candidate text was stored sanitised: no escape or control characters
        for t in r["transcript"]:
            assert "\x1b" not in t["text"] and "\x00" not in t["text"] and "\x07" not in t["text"]
        # the adversarial script was what the candidate said (as sanitised), line for line, in order, until the
        # phase's time ran out (its questions are answered, so its last remark may not fit)
        said = [t["text"] for t in r["transcript"] if t["role"] == "candidate" and t["phase"] == PHASES[0]]
        script = [sanitize(x)[0] for x in lib.script("adversarial", case).lines(PHASES[0])]
        assert script and len(said) >= len(script) - 1 and said == script[: len(said)]


def test_clarifying_questions_answered_from_hidden_facts(sims):
    lib = library()
    r = sims[("video-recommendation", "strong")]
    case = lib.case("video-recommendation")
    answers = {f.answer for f in case.facts}
    clar = [t for t in r["transcript"] if t.get("kind") == "clarify"]
    assert clar, "the strong candidate asks clarifying questions"
    assert sum(1 for t in clar if t["text"] in answers or any(a in t["text"] for a in answers)) >= len(clar) - 1


def _engine(tmp_path, tmp_path_factory, monkeypatch) -> Engine:
    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    return Engine(settings_for(home))


def test_an_assumption_already_stated_is_not_asked_for_again(tmp_path, tmp_path_factory, monkeypatch):
    """"I'll assume ... Is that fair?" with nothing in the case on it: the reply does not ask "What would you
    assume?" (a probe saw that), and does not endorse the assumption either."""
    from interviewer import prompts as P

    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "search-ranking", brain="offline", clock=VirtualClock())
    s.send("I'll assume the team owns a dedicated on-call rota for the ranker. Is that fair?")
    last = s.transcript[-1]
    assert last["role"] == "interviewer" and last["kind"] == "clarify" and not last.get("facts")
    assert last["text"].split(" Anything else")[0] in P.get("clarification", "no_fact_assumed")
    assert "what would you assume" not in last["text"].lower()
    eng.close()


def test_unanswerable_question_asks_for_an_assumption(tmp_path, tmp_path_factory, monkeypatch):
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "video-recommendation", brain="offline", clock=VirtualClock())
    s.send("What is the favourite colour of the CEO's cat?")
    last = s.transcript[-1]
    assert last["role"] == "interviewer" and last["kind"] == "clarify"
    assert "assum" in last["text"].lower() or "your call" in last["text"].lower()
    s.send("How many daily active users are there?")
    fact = next(f for f in library().case("video-recommendation").facts if "daily" in " ".join(f.topics).lower())
    assert fact.answer in s.transcript[-1]["text"]
    eng.close()


def test_commands_hint_time_next_end(tmp_path, tmp_path_factory, monkeypatch):
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    events = []
    s = Session.start(eng, "news-feed", brain="offline", clock=VirtualClock(), on_event=events.append)
    s.send("/hint")
    st = s.state
    assert len(st["hints"]) == 1 and st["hints"][0]["phase"] == "clarify"
    assert st["transcript"][-1]["kind"] == "hint" and st["transcript"][-1]["note"]
    s.send("/time")
    clock_line = s.transcript[-1]["text"]
    assert s.transcript[-1]["kind"] == "time"
    assert "of 45 minutes" in clock_line and eng.lib.phase_title("clarify") in clock_line
    s.send("/next")
    assert s.phase == "frame"
    s.send("We want to predict engagement probability per post and rank by a weighted sum.")
    s.send("/end")
    assert s.finished
    assert any(isinstance(e, Finished) for e in events)
    card = s.finished_card
    assert card is not None and card.hints and card.hints[0]["phase"] == "clarify"
    eng.close()


def test_a_phase_never_reached_is_shown_as_not_reached_not_with_a_carried_score(tmp_path, tmp_path_factory, monkeypatch):
    """Ended during framing after naming a two-tower retriever and a ranker: model development was never reached.
    It had been shown at 1.5 with the framing answer quoted as its evidence; now it has no evidence, counts as 1,
    is marked not reached in the card and its Markdown, and is no point on the trend."""
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "video-recommendation", brain="offline", clock=VirtualClock())
    s.send("How many users do we have, and what's the latency budget?")
    s.send("/next")
    said = "Rank videos by predicted watch time, with two-tower retrieval and then a ranker."
    s.send(said)
    s.send("/end")
    card = s.finished_card
    assert card is not None
    by_id = {p.id: p for p in card.phases}
    assert by_id["frame"].reached and any(c.evidence for c in by_id["frame"].criteria)
    for ph in ("data", "model", "evaluation", "deploy", "monitor"):
        p = by_id[ph]
        assert not p.reached and p.minutes is None and p.score == 1.0
        assert all(c.score is None and not c.evidence for c in p.criteria), ph
    md = to_markdown(card)
    assert f"### {by_id['model'].title} — not reached" in md
    trend = eng.store.history("video-recommendation", before=9e12, exclude="")
    assert trend.get("frame") and "model" not in trend
    eng.close()


def test_candidate_can_ask_to_move_on(tmp_path, tmp_path_factory, monkeypatch):
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "news-feed", brain="offline", clock=VirtualClock())
    s.send("The goal is long-term engagement and we have 500M daily users.")
    s.send("Let's move on please.")
    assert s.phase == "frame"
    eng.close()


def test_empty_and_huge_answers_are_handled(tmp_path, tmp_path_factory, monkeypatch):
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "video-search", brain="offline", clock=VirtualClock())
    s.send("")
    s.send("   \n\t ")
    s.send("word " * 15000)
    st = s.state
    cand = [t for t in st["transcript"] if t["role"] == "candidate"]
    assert cand[-1].get("cut") is True and len(cand[-1]["text"]) <= 20_000
    assert any(n["kind"] == "input" for n in st["notices"])
    assert st["transcript"][-1]["role"] == "interviewer"
    eng.close()


def test_answers_file_candidate_and_nothing_to_add():
    cand = ScriptedCandidate({"clarify": ["What is the goal?"]})
    st = {"phases": list(PHASES), "phase_i": 0, "transcript": []}
    assert cand.next_line(st) == "What is the goal?"
    st["transcript"].append({"role": "candidate", "phase": "clarify", "text": "x", "kind": "question"})
    assert cand.next_line(st) == NOTHING_TO_ADD
    # a command in an answers file is said once, like any line (it was sent again and again, because a command
    # turn did not count as said, and the simulation ended on its turn guard)
    cand = ScriptedCandidate({"frame": ["I'd optimise long-term value.", "/hint", "Return visits within 7 days."]})
    st = {"phases": list(PHASES), "phase_i": 1, "transcript": [{"role": "candidate", "phase": "frame", "text": "I'd optimise long-term value.", "kind": "answer"}]}
    assert cand.next_line(st) == "/hint"
    st["transcript"].append({"role": "candidate", "phase": "frame", "text": "/hint", "kind": "command"})
    assert cand.next_line(st) == "Return visits within 7 days."


def test_events_stream_tokens_then_message(tmp_path, tmp_path_factory, monkeypatch):
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    events = []
    s = Session.start(eng, "event-recommendation", brain="offline", clock=VirtualClock(), on_event=events.append)
    events.clear()
    s.send("I would frame it as ranking events by the probability that the user registers, since that is the business goal.")
    kinds = [type(e) for e in events]
    assert Token in kinds and Message in kinds
    assert kinds.index(Token) < kinds.index(Message)
    msg = next(e for e in events if isinstance(e, Message))
    streamed = "".join(e.text for e in events[: kinds.index(Message)] if isinstance(e, Token)).strip()
    assert streamed == msg.turn["text"]
    eng.close()


async def test_async_event_stream(tmp_path, tmp_path_factory, monkeypatch):
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "similar-listings", brain="offline", clock=VirtualClock())
    got = [e async for e in s.asend("How many listings are there?")]
    assert any(isinstance(e, Message) for e in got)
    eng.close()


def test_two_questions_in_one_line_get_two_facts(tmp_path, tmp_path_factory, monkeypatch):
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "ad-click-prediction", brain="offline", clock=VirtualClock())
    s.send("What is the click-through rate and how many ads are there?")
    last = s.transcript[-1]
    assert len(last["facts"]) == 2
    eng.close()


def test_questions_inside_a_longer_clarifying_answer_are_answered_from_the_facts(tmp_path, tmp_path_factory, monkeypatch):
    """A candidate who states assumptions and asks along the way ("I'll assume ... What's the label delay?
    ...") gets the facts they asked for, not a move to the next phase over their questions."""
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "payment-fraud-detection", brain="offline", clock=VirtualClock())
    s.send(
        "Before designing anything I'd pin a few things down. I'll assume card-not-present fraud is the main target, "
        "with account takeover second. The decision sits in the authorisation path, so I'd expect a tight budget. "
        "How long after a payment do chargebacks usually arrive? I'd also want the cost of a false decline, since that "
        "sets the threshold, and I'll assume the usual PCI limits on raw card data."
    )
    reply = s.transcript[-1]
    assert reply["role"] == "interviewer" and reply["kind"] == "clarify"
    assert "label-delay" in reply["facts"]
    assert s.state["phase_i"] == 0  # still clarifying
    eng.close()


def test_a_typed_key_and_a_huge_paste_never_reach_the_checkpoint(tmp_path, tmp_path_factory, monkeypatch):
    """The resume value LangGraph stores is the cleaned line: redacted, and capped."""
    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    key = "sk-planted-" + "Q7x" * 8
    eng = Engine(settings_for(home).model_copy(update={"openai_api_key": SecretStr(key)}))
    s = Session.start(eng, "news-feed", brain="offline", clock=VirtualClock())
    s.send(f"My key is {key}, and the goal is engagement.")
    s.send("z" * 300_000)
    assert any("[redacted]" in t["text"] for t in s.transcript if t["role"] == "candidate")
    eng.close()
    for db in ("checkpoints.sqlite", "mlsd.sqlite"):
        raw = (home / db).read_bytes()
        assert key.encode() not in raw, db
        assert b"z" * 25_000 not in raw, db  # the paste was cut to 20,000 characters before it was stored


def test_phase_retry_has_the_phase_budget_and_lines_keep_titles(tmp_path, tmp_path_factory, monkeypatch):
    """A one-phase retry runs on that phase's own budget (not the 45 minutes of a whole interview); the
    lines name the phase as the framework titles it, and count minutes in proper English."""
    import re

    from interviewer.domain import PHASE_TITLE, Phase

    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "news-feed", brain="offline", phases=[Phase.FRAME], clock=VirtualClock())
    v = s.view()
    assert v.minutes == eng.lib.phase_minutes(Phase.FRAME) < 45
    assert v.budgets[Phase.FRAME] == eng.lib.phase_minutes(Phase.FRAME)
    title = PHASE_TITLE[Phase.FRAME]
    opening = s.transcript[0]["text"]
    assert title.lower() in opening.lower(), opening
    # the phase is named once: the retry's question has no lead-in of its own ("Let's focus on Monitoring and
    # maintenance. Last area: monitoring and maintenance." was seen)
    assert opening.lower().count(title.lower()) == 1 and opening.lower().count("let's") == 1, opening
    s.send("/time")
    line = s.transcript[-1]["text"]
    assert "(s)" not in line and f"({title})" in line, line
    assert re.search(r"about (1 minute|\d+ minutes) left", line) and not re.search(r"\b1 minutes\b", line), line
    s.send("/next")
    said = [t["text"] for t in s.transcript if t["role"] == "interviewer"]
    assert not any(title.lower() in t for t in said), said
    eng.close()


class _StepWall:
    """A wall clock whose every candidate turn took one minute."""

    kind = "wall"

    def candidate_turn(self, text: str) -> float:
        return 1.0

    def interviewer_turn(self, text: str) -> float:
        return 0.0

    def mark(self) -> None:
        return None


def test_on_the_wall_clock_the_minutes_before_a_command_count(tmp_path, tmp_path_factory, monkeypatch):
    """A probe saw the countdown go back after "/next": the minutes spent before typing a command were not
    charged on the wall clock. On the virtual clock a command still costs nothing (it is not spoken)."""
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    try:
        s = Session.start(eng, "news-feed", brain="offline", clock=_StepWall())
        before = s.state["elapsed"]
        s.send("/time")
        assert s.state["elapsed"] == pytest.approx(before + 1.0)
        s.send("/next")
        assert s.state["elapsed"] == pytest.approx(before + 2.0)
        v = Session.start(eng, "news-feed", brain="offline", clock=VirtualClock())
        at = v.state["elapsed"]
        v.send("/time")
        cmd = next(t for t in reversed(v.transcript) if t["role"] == "candidate")
        assert cmd["text"] == "/time" and cmd["minute"] == pytest.approx(at, abs=0.01)
    finally:
        eng.close()


def test_a_part_of_a_question_no_fact_answers_is_left_to_the_candidate(tmp_path, tmp_path_factory, monkeypatch):
    """"How many DAU, and what's the CEO's favourite colour?": the DAU from the case, and the rest said to be
    theirs to assume (a probe's second part was passed over in silence). A question fully answered gets no
    such line."""
    from interviewer import prompts as P

    rest = P.get("clarification", "rest_assumed_named").split("{asks}")[1]
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    try:
        s = Session.start(eng, "news-feed", brain="offline", clock=VirtualClock())
        s.send("How many daily active users are there, and what's the CEO's favourite colour?")
        last = s.transcript[-1]
        assert last["kind"] == "clarify" and "daily-active-users" in last["facts"] and rest in last["text"]
        # the part left to assume is named in the candidate's words (it had been "For the rest of that")
        assert "\"what's the CEO's favourite colour\"" in last["text"]
        s.send("What's the p99 latency budget for ranking?")
        assert rest not in s.transcript[-1]["text"]
    finally:
        eng.close()


def test_a_part_the_reply_already_speaks_to_is_not_said_to_be_left_over():
    """A probe in terse notes (query autocomplete): "what kind of search? web or in-app?" was told "the main search
    box of a general web search engine" and then 'On "what kind of search", I have nothing specific'; the same for
    "QPS? keystrokes per sec at peak?" told the peak requests per second, for the other side of an either-or, and
    for "First" and "Second" named as parts of a numbered question. A part nothing told speaks to still is."""
    from interviewer import prompts as P
    from interviewer.brains import OfflineBrain

    lib = library()
    brain = OfflineBrain(lib)
    qac = lib.case("query-autocomplete")
    nothing = P.get("clarification", "rest_assumed_named").split("{asks}")[1]
    for q in (
        "- what kind of search? web or in-app (e.g. shopping)?\n- latency?",
        "- and QPS? keystrokes per sec at peak?",
        "- goal = fewer keystrokes? or more clicks on suggestions?",
    ):
        text, ids = brain.clarify(q, qac, [], set())
        assert ids and nothing not in text, (q, text)
    dte = lib.case("delivery-time-estimation")
    text, ids = brain.clarify("First, where is the estimate shown? Second, how many orders per day are we handling?", dte, [], set())
    assert ids and '"first"' not in text.lower() and '"second"' not in text.lower()
    text, ids = brain.clarify("How many orders per day are we handling, and what's the CEO's favourite colour?", dte, [], set())
    assert ids and nothing in text and "favourite colour" in text
    # a figure guessed for a thing the reply told in other words (a second probe: "say 1B total, 300M DAU?" after
    # "roughly 400 million daily active users" was told to assume it)
    text, ids = brain.clarify("scale: how many users? say 1B total, 300M DAU?", lib.case("people-you-may-know"), [], set())
    assert ids and nothing not in text and "daily active users" in text


def test_a_reason_after_an_ask_and_a_counted_list_keep_the_ask_answerable():
    """"What latency do we have for the listing page, given the estimate is computed for every restaurant shown?"
    got no fact (asked alone, the latency budget); "how many users and events?" got the users alone."""
    from interviewer.brains import OfflineBrain

    lib = library()
    brain = OfflineBrain(lib)
    dte = lib.case("delivery-time-estimation")
    got = {dte.facts[i].id for i, _ in brain.match_facts("What latency do we have for the listing page, given the estimate is computed for every restaurant shown?", dte)}
    assert got == {dte.facts[i].id for i, _ in brain.match_facts("What latency do we have for the listing page?", dte)} and got
    ev = lib.case("event-recommendation")
    both = {ev.facts[i].id for i, _ in brain.match_facts("how many users and events?", ev)}
    users = {ev.facts[i].id for i, _ in brain.match_facts("how many users?", ev)}
    events = {ev.facts[i].id for i, _ in brain.match_facts("how many events?", ev)}
    assert users and events and both == users | events


def test_a_clarifying_reply_does_not_say_a_figure_twice():
    """Two facts of one reply both said "3 million decisions a day"; a sentence of the second that says only
    what the first said is left out, one that adds something stays."""
    from interviewer.brains import _not_told

    told = "There are about 15,000 reviewers who can make roughly 3 million decisions per day in total."
    assert _not_told("Reviewers make about 3 million decisions a day. We keep an audited set of 5 million posts.", told) == "We keep an audited set of 5 million posts."
    longer = "Reviewers make about 3 million decisions a day, mostly on reported posts, and we keep two years of them."
    assert _not_told(longer, told) == longer


def test_a_hint_asked_for_in_words_gets_a_hint(tmp_path, tmp_path_factory, monkeypatch):
    """"can you give me a hint?" got "I'll leave that one to you: decide, say it, and go on." three times out of
    three: in words it is /hint, on what the question asked about."""
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    try:
        s = Session.start(eng, "similar-listings", brain="offline", clock=VirtualClock())
        s.send("/next")
        s.send("/next")
        s.send("I'd use bookings as the label.")
        asked = s.transcript[-1]
        s.send("hmm not sure what you want here. can you give me a hint?")
        said, got = s.transcript[-2], s.transcript[-1]
        assert said["kind"] == "answer" and got["kind"] == "hint", got
        assert got["text"] != asked["text"] and s.state["hints"][-1]["phase"] == "data"
    finally:
        eng.close()


def test_a_phase_opens_from_what_the_candidate_already_said_of_it(tmp_path, tmp_path_factory, monkeypatch):
    """A probe framed the problem while clarifying and was then asked, as framing opened, "What exactly would the
    model predict ...?" as if nothing had been said. The opening now starts from their words; a candidate who
    said nothing of the framing gets the plain opening."""
    from interviewer import prompts as P

    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    started = Session.start(eng, "video-recommendation", brain="offline", clock=VirtualClock())
    started.send("How many daily users are there? I'm leaning towards learning to rank on predicted watch time.")
    started.send("/next")
    intro = next(t for t in reversed(started.transcript) if t["kind"] == "intro")
    assert intro["phase"] == "frame" and "learning to rank" in intro["text"].lower()
    started_lines = [t.format(said="learning to rank") for t in P.get("phase_intro_started", "frame")]
    assert any(line in intro["text"] for line in started_lines)
    plain = Session.start(eng, "video-recommendation", brain="offline", clock=VirtualClock())
    plain.send("How many daily users are there?")
    plain.send("/next")
    intro = next(t for t in reversed(plain.transcript) if t["kind"] == "intro")
    assert intro["phase"] == "frame" and any(line in intro["text"] for line in P.get("phase_intro", "frame"))
    eng.close()


def test_the_data_phase_opens_from_a_label_source_named_while_framing(tmp_path, tmp_path_factory, monkeypatch):
    """A new-user probe defined the label while framing ("pos = payment w/ fraud chargeback ...") and was then asked,
    as data opened, "where do the labels come from?". The data opening now starts from the label they named."""
    from interviewer import prompts as P

    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)

    def data_intro(clarify: str, framing: str) -> str:
        s = Session.start(eng, "payment-fraud-detection", brain="offline", clock=VirtualClock())
        for line in (clarify, "/next", framing, "/next"):
            s.send(line)
        intro = next(t for t in reversed(s.transcript) if t["kind"] == "intro")
        assert intro["phase"] == "data"
        return intro["text"]

    plain_lines = P.get("phase_intro", "data")
    said = data_intro("What is the fraud rate?", "Binary classification per payment. Positives are payments with a fraud chargeback; the model outputs a calibrated P(fraud).")
    assert "chargeback" in said.lower() and not any(line in said for line in plain_lines), said
    plain = data_intro("What is the fraud rate?", "Binary classification per payment, with a calibrated probability of fraud as the output.")
    assert any(line in plain for line in plain_lines), plain
    # only asked about, never stated: "Do labels come from chargebacks?" gave no label ("You already brought up tags
    # for the labels" had followed "titles/desc/tags only?")
    asked = data_intro("What is the fraud rate? Do labels come from chargebacks?", "Binary classification per payment, with a calibrated probability of fraud as the output.")
    assert any(line in asked for line in plain_lines), asked
    eng.close()


def test_clarifying_does_not_ask_for_what_the_interviewer_just_told(tmp_path, tmp_path_factory, monkeypatch):
    """A new-user probe asked for the surface and the scale, got both facts, and was then asked "Which part of the
    product exactly are we building this for?" and "What scale are we designing for?" ("like you told me")."""
    eng = _engine(tmp_path, tmp_path_factory, monkeypatch)
    s = Session.start(eng, "event-recommendation", brain="offline", clock=VirtualClock())
    s.send("how many users? and is this the home page list or the email digest?")
    told = [t for t in s.transcript if t["role"] == "interviewer" and t.get("facts")]
    assert told and {"scope-surface", "daily-active-users"} <= set(told[-1]["facts"])
    s.send("ok so I'd predict a click on each event card and rank by it")
    s.send("clicks are a proxy, registrations are what we want")
    probed = [t.get("criterion") for t in s.transcript if t["role"] == "interviewer" and t["phase"] == "clarify" and t.get("kind") == "follow_up"]
    assert probed and not {"scope-and-use-case", "users-and-scale"} & set(probed), probed
    eng.close()

"""The LLM brain end to end: against the fault-injecting local server, and against a real llama.cpp server."""
from __future__ import annotations

import pytest
from engine_support import fresh_home, settings_for
from fake_openai import FakeOpenAI

from interviewer import PHASES
from interviewer.content import library
from interviewer.llm import LLMClient
from interviewer.session import Engine
from interviewer.simulate import ScriptedCandidate, result, run


def _llm_settings(home, base_url, **kw):
    return settings_for(home, openai_base_url=base_url, openai_api_key="sk-fake-key-for-tests-000000", brain="llm", model="fake-model", llm_timeout=0.5, llm_retries=1, llm_backoff=0.01, **kw)


@pytest.mark.slow
def test_full_interview_through_faults_with_fallback_notices(tmp_path, tmp_path_factory, monkeypatch, fake_openai: FakeOpenAI):
    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    fake_openai.slow_seconds = 1.0
    # a fault pattern repeated over the run: some calls fail once and recover, some fail for good
    pattern = ["500", "ok", "ok", "429", "ok", "slow", "slow", "ok", "reset", "ok", "ok", "truncate", "ok", "500", "500", "ok", "invalid_json", "ok"]
    fake_openai.add_faults(*(pattern * 12))
    eng = Engine(_llm_settings(home, fake_openai.base_url))
    turns = []
    s = run(eng, "video-recommendation", ScriptedCandidate.from_script(library().script("average")), brain="llm", on_turn=lambda s: turns.append(1))
    r = result(s)
    seen = []
    for t in r["transcript"]:
        if not seen or seen[-1] != t["phase"]:
            seen.append(t["phase"])
    assert seen == list(PHASES)
    assert r["brain"] == "llm"
    fallbacks = [n for n in r["notices"] if n["kind"] == "fallback"]
    assert fallbacks, "some calls failed for good and fell back, with a notice"
    assert all("offline" in n["text"] for n in fallbacks)
    lines = [t["text"] for t in r["transcript"] if t["role"] == "interviewer"]
    assert len(lines) == len(set(lines)), [l for l in set(lines) if lines.count(l) > 1]
    usage = eng.llm_client().usage
    assert usage.n_calls > 0
    # at most two LLM calls per candidate turn, plus one grading call per phase and one cross-cutting
    assert usage.n_calls <= 2 * len(turns) + len(PHASES) + 1
    # prompts stay bounded: a turn's prompt carries a rolling summary and the recent turns, not the history
    streamed = [rq for rq in fake_openai.chat_requests if rq.body.get("stream")]
    assert streamed
    assert max(len(rq.body["messages"]) for rq in streamed) <= 11
    n_cand = sum(1 for t in r["transcript"] if t["role"] == "candidate")
    assert max(sum("<candidate>" in m["content"] for m in rq.body["messages"]) for rq in streamed) <= 6 < n_cand
    assert s.finished_card is not None and s.finished_card.brain == "llm"
    eng.close()


KEY = "sk-fake-key-for-tests-" + "5e6f7a8b" * 3
ANSWER = "I would split the data by time so we never train on the future, and join features point in time from the feature store."


def _brain(fake_openai: FakeOpenAI, notices: list[str], **kw):
    from interviewer.brains import FallbackBrain, LLMBrain

    client = LLMClient(base_url=fake_openai.base_url, api_key=KEY, model="fake", timeout=5, backoff=0.01, **kw)
    return FallbackBrain(LLMBrain(library(), client), notices.append), client


def test_refused_key_stops_model_calls_with_one_notice(fake_openai: FakeOpenAI):
    """A 401 that echoes the key: one request in all, one notice that names the cause, no key anywhere."""
    fake_openai.add_faults(*["401"] * 20)
    notices: list[str] = []
    brain, client = _brain(fake_openai, notices, retries=2)
    lib = library()
    crits = lib.criteria("data", "video-recommendation")
    for _ in range(3):
        out = brain.assess(ANSWER, crits, crits[0].phase)
        assert set(out.by_criterion) == {c.id for c in crits}  # the offline brain answered
    line, _facts = brain.clarify("How many daily active users are there?", lib.case("video-recommendation"), [], set())
    assert line
    assert len(fake_openai.chat_requests) == 1
    assert len(notices) == 1, notices
    assert "refused the API key" in notices[0] and "offline" in notices[0]
    assert KEY not in " ".join(notices) and KEY not in str(client.breaker_reason)


def test_failing_endpoint_goes_offline_after_n_failures(fake_openai: FakeOpenAI):
    fake_openai.add_faults(*["500"] * 20)
    notices: list[str] = []
    brain, client = _brain(fake_openai, notices, retries=0, max_failures=3)
    crits = library().criteria("data", "video-recommendation")
    for _ in range(6):
        brain.assess(ANSWER, crits, crits[0].phase)
    assert len(fake_openai.chat_requests) == 3  # the breaker opened on the third failure
    assert client.breaker_open
    assert len(notices) == 3, notices  # two "this call fell back", then one "the rest runs offline"
    assert all("offline" in n for n in notices)
    assert "3 calls in a row" in notices[-1] and "rest of this session" in notices[-1]


@pytest.mark.slow
def test_a_session_says_model_calls_are_off_once_the_breaker_opens(tmp_path, tmp_path_factory, monkeypatch, fake_openai: FakeOpenAI):
    """The LLM probe's header kept saying "llm brain" after the breaker notice: the session tells whether model
    calls are off, which the header shows; before any failure they are on."""
    from interviewer.clock import VirtualClock
    from interviewer.session import Session

    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    fake_openai.add_faults(*["500"] * 40)
    eng = Engine(_llm_settings(home, fake_openai.base_url, llm_max_failures=2))
    s = Session.start(eng, "video-recommendation", brain="llm", clock=VirtualClock())
    assert s.brain_kind == "llm" and not s.model_calls_off
    for line in ("How many daily active users do we have?", "What is the latency budget?", "I'd rank by predicted watch time."):
        s.send(line)
        if s.model_calls_off:
            break
    assert s.model_calls_off
    assert any("Model calls are off" in n["text"] for n in s.state.get("notices", []))
    eng.close()

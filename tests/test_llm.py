"""The LLM layer (interviewer/llm.py) against the local fake OpenAI server (tests/fake_openai.py).

Every fault ends in a success or in LLMError, never a hang (small client timeouts, pytest timeouts)
and never another exception type. Assertions are made on the requests the server recorded.
"""
from __future__ import annotations

import json
import time
import traceback
from typing import Literal

import pytest
from fake_openai import CHAT_REPLY, FAULTS, INVALID_JSON, WRONG_SHAPE, FakeOpenAI, minimal_instance, pieces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from interviewer.errors import LLMError
from interviewer.llm import LLMClient, extract_json

TRANSIENT = ("slow", "429", "500", "reset", "truncate", "truncate_reset")
TIMEOUT = 0.5  # one attempt's timeout; the fake's "slow" sleeps 2 s
BUDGET = 10.0  # one call's budget, retries included
RETRIES = 3
KEY = "sk-test-PLANTED-" + "0f1e2d3c4b5a6978" * 2

pytestmark = pytest.mark.timeout(30)


class Answer(BaseModel):
    answer: str
    confidence: int


class Quote(BaseModel):
    text: str = Field(min_length=3)
    minute: float = Field(ge=0)


class Verdict(BaseModel):
    """A nested schema: enum, bounded int, array of $ref objects with minItems, optional field."""

    label: Literal["strong", "weak"]
    score: int = Field(ge=1, le=4)
    evidence: list[Quote] = Field(min_length=1)
    note: str | None = None


MESSAGES = [
    {"role": "system", "content": "You are a terse interviewer."},
    {"role": "user", "content": "How would you start this interview?"},
]


def make_client(server: FakeOpenAI, *, timeout: float = TIMEOUT, budget: float = BUDGET, retries: int = RETRIES, backoff: float = 0.01, max_backoff: float = 8.0, **kw) -> LLMClient:
    """`timeout` caps one attempt, `budget` the whole call."""
    kw.setdefault("api_key", "sk-test")
    return LLMClient(
        base_url=server.base_url, model="fake-model", timeout=budget, attempt_timeout=timeout, retries=retries, backoff=backoff, max_backoff=max_backoff, **kw
    )


@pytest.fixture
def client(fake_openai: FakeOpenAI) -> LLMClient:
    return make_client(fake_openai)


# --------------------------------------------------------------------------- the fake itself


def test_fake_minimal_instance_is_schema_valid():
    """The default responder's generator covers what pydantic emits ($defs/$ref, enums, bounds, minItems)."""
    for model in (Answer, Verdict):
        model.model_validate(minimal_instance(model.model_json_schema()))


# --------------------------------------------------------------------------- streaming


def test_stream_arrives_token_by_token(fake_openai: FakeOpenAI, client: LLMClient):
    tokens: list[str] = []
    text = client.stream(MESSAGES, on_token=tokens.append)
    assert text == CHAT_REPLY
    assert len(tokens) >= 5 and len(tokens) == len(pieces(CHAT_REPLY))
    assert "".join(tokens) == text
    [req] = fake_openai.chat_requests
    assert req.path == "/v1/chat/completions"
    assert req.body["stream"] is True and req.body["model"] == "fake-model"
    assert req.body["messages"] == MESSAGES
    assert req.headers["authorization"] == "Bearer sk-test"
    assert client.usage.calls[-1].kind == "stream" and client.usage.calls[-1].ok


@pytest.mark.parametrize("fault", TRANSIENT)
def test_stream_transient_fault_is_retried(fake_openai: FakeOpenAI, client: LLMClient, fault: str):
    fake_openai.add_faults(fault)
    tokens: list[str] = []
    resets: list[int] = []

    def on_reset() -> None:
        resets.append(len(tokens))
        tokens.clear()

    t0 = time.monotonic()
    text = client.stream(MESSAGES, on_token=tokens.append, on_reset=on_reset)
    assert text == CHAT_REPLY == "".join(tokens)
    assert time.monotonic() - t0 < 5
    reqs = fake_openai.chat_requests
    assert [r.fault for r in reqs] == [fault, None]
    assert reqs[0].body == reqs[1].body  # retried from the start, same request
    assert client.usage.calls[-1].attempts == 2 and client.usage.calls[-1].ok
    if fault.startswith("truncate"):
        assert len(resets) == 1 and resets[0] >= 1, "on_reset must be called once, after the partial tokens"
    else:
        assert resets == []  # nothing was emitted before the failure


def test_stream_truncated_twice_resets_each_time(fake_openai: FakeOpenAI, client: LLMClient):
    fake_openai.add_faults("truncate", "truncate")
    shown: list[str] = []
    resets = 0

    def on_reset() -> None:
        nonlocal resets
        resets += 1
        shown.clear()

    assert client.stream(MESSAGES, on_token=shown.append, on_reset=on_reset) == CHAT_REPLY
    assert resets == 2 and "".join(shown) == CHAT_REPLY
    assert len(fake_openai.chat_requests) == 3


@pytest.mark.parametrize("fault", TRANSIENT)
def test_stream_persistent_fault_raises_llm_error(fake_openai: FakeOpenAI, fault: str):
    client = make_client(fake_openai, retries=2)
    fake_openai.add_faults(*[fault] * 10)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="after 3 attempts") as err:
        client.stream(MESSAGES, on_token=lambda _t: None)
    assert time.monotonic() - t0 < 10
    if fault == "truncate":  # a clean close without finish_reason/[DONE] is caught by the client's own check
        assert "ended before the reply finished" in str(err.value)
    assert len(fake_openai.chat_requests) == 3  # retries + 1, then gives up
    last = client.usage.calls[-1]
    assert (last.kind, last.ok, last.attempts) == ("stream", False, 3)
    assert client.usage.summary()["failed_calls"] == 1


def test_stream_stalling_mid_reply_times_out(fake_openai: FakeOpenAI):
    """A server that sends headers and then stalls between chunks hits the read timeout, not a hang."""
    fake_openai.stream_delay = 0.8
    client = make_client(fake_openai, timeout=0.3, retries=1)
    t0 = time.monotonic()
    with pytest.raises(LLMError):
        client.stream(MESSAGES)
    assert time.monotonic() - t0 < 5
    assert len(fake_openai.chat_requests) == 2


def test_429_honours_retry_after(fake_openai: FakeOpenAI):
    """With a 5 s backoff, only honouring `retry-after: 0.05` lets the retry come quickly."""
    client = make_client(fake_openai, backoff=5.0)
    fake_openai.add_faults("429")
    t0 = time.monotonic()
    assert client.stream(MESSAGES) == CHAT_REPLY
    assert time.monotonic() - t0 < 2.0
    first, second = fake_openai.chat_requests
    assert 0.04 <= second.at - first.at < 2.0


def test_500_backs_off(fake_openai: FakeOpenAI):
    client = make_client(fake_openai, backoff=0.2)
    fake_openai.add_faults("500", "500")
    assert client.stream(MESSAGES) == CHAT_REPLY
    a, b, c = fake_openai.chat_requests
    assert b.at - a.at >= 0.2 * 0.75 - 0.01  # backoff * 2**0 with jitter
    assert c.at - b.at >= 0.4 * 0.75 - 0.01  # then doubled


# --------------------------------------------------------------------------- structured output


def test_structured_json_schema_first(fake_openai: FakeOpenAI, client: LLMClient):
    value = client.structured(MESSAGES, Verdict, name="verdict")
    assert isinstance(value, Verdict) and Verdict.model_validate(value.model_dump()) == value
    [req] = fake_openai.chat_requests
    assert req.body.get("stream") in (None, False)
    rf = req.response_format
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["name"] == "verdict"
    assert rf["json_schema"]["schema"] == Verdict.model_json_schema()
    assert client.usage.calls[-1].mode == "json_schema"


@pytest.mark.parametrize("fault", TRANSIENT)
def test_structured_transient_fault_is_retried(fake_openai: FakeOpenAI, client: LLMClient, fault: str):
    fake_openai.add_faults(fault)
    assert client.structured(MESSAGES, Answer) == Answer.model_validate(minimal_instance(Answer.model_json_schema()))
    reqs = fake_openai.chat_requests
    assert [r.fault for r in reqs] == [fault, None]
    assert [r.mode for r in reqs] == ["json_schema", "json_schema"]  # a transient fault does not change mode
    assert client.usage.calls[-1].attempts == 2 and client.usage.calls[-1].mode == "json_schema"


@pytest.mark.parametrize("fault", TRANSIENT)
def test_structured_persistent_fault_raises_llm_error(fake_openai: FakeOpenAI, fault: str):
    client = make_client(fake_openai, retries=2)
    fake_openai.add_faults(*[fault] * 10)
    with pytest.raises(LLMError):
        client.structured(MESSAGES, Answer)
    assert len(fake_openai.chat_requests) == 3
    assert client.usage.calls[-1].ok is False


def test_invalid_json_is_retried_with_the_error(fake_openai: FakeOpenAI, client: LLMClient):
    fake_openai.add_faults("invalid_json")
    assert isinstance(client.structured(MESSAGES, Answer), Answer)
    first, second = fake_openai.chat_requests
    assert first.mode == second.mode == "json_schema"  # the same mode, once more
    try:
        extract_json(INVALID_JSON)
    except ValueError as e:
        expected_error = str(e)
    msgs = second.body["messages"]
    assert msgs[: len(first.body["messages"])] == first.body["messages"]
    assert msgs[-2] == {"role": "assistant", "content": INVALID_JSON}
    assert msgs[-1]["role"] == "user" and expected_error in msgs[-1]["content"]
    assert client.usage.calls[-1].ok and client.usage.calls[-1].mode == "json_schema"


def test_schema_fail_is_retried_with_the_validation_error(fake_openai: FakeOpenAI, client: LLMClient):
    fake_openai.add_faults("schema_fail")
    assert isinstance(client.structured(MESSAGES, Answer), Answer)
    first, second = fake_openai.chat_requests
    msgs = second.body["messages"]
    assert json.loads(msgs[-2]["content"]) == WRONG_SHAPE
    feedback = msgs[-1]["content"]
    assert "answer" in feedback and "confidence" in feedback and "Field required" in feedback


def test_reject_json_schema_falls_back_to_json_object_and_remembers(fake_openai: FakeOpenAI, client: LLMClient):
    fake_openai.add_faults("reject_json_schema")
    assert isinstance(client.structured(MESSAGES, Answer), Answer)
    first, second = fake_openai.chat_requests
    assert first.mode == "json_schema"
    assert second.mode == "json_object"
    assert second.response_format["schema"] == Answer.model_json_schema()
    # the schema is also spelt out in the system prompt (for servers that ignore the field)
    assert second.body["messages"][0]["role"] == "system" and "JSON schema" in second.body["messages"][0]["content"]
    assert client.usage.calls[-1].mode == "json_object"
    # the next structured call starts where the server worked
    assert isinstance(client.structured(MESSAGES, Verdict), Verdict)
    third = fake_openai.chat_requests[2]
    assert len(fake_openai.chat_requests) == 3 and third.mode == "json_object"
    assert third.response_format["schema"] == Verdict.model_json_schema()


def test_rejecting_both_modes_falls_back_to_prompt(fake_openai: FakeOpenAI, client: LLMClient):
    fake_openai.reject_modes = {"json_schema", "json_object"}
    value = client.structured(MESSAGES, Verdict)
    assert isinstance(value, Verdict)
    reqs = fake_openai.chat_requests
    assert [r.mode for r in reqs] == ["json_schema", "json_object", "none"]
    system = reqs[-1].body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith(MESSAGES[0]["content"])
    assert client.usage.calls[-1].mode == "prompt"
    client.structured(MESSAGES, Answer)
    assert fake_openai.chat_requests[-1].mode == "none" and len(fake_openai.chat_requests) == 4


@pytest.mark.parametrize("fault", ["invalid_json", "schema_fail"])
def test_persistent_bad_replies_walk_the_chain_then_raise(fake_openai: FakeOpenAI, client: LLMClient, fault: str):
    fake_openai.add_faults(*[fault] * 10)
    with pytest.raises(LLMError, match="no valid structured reply"):
        client.structured(MESSAGES, Answer)
    assert [r.mode for r in fake_openai.chat_requests] == ["json_schema", "json_schema", "json_object", "json_object", "none", "none"]
    assert client.usage.calls[-1].ok is False
    # nothing worked, so the next call still starts at the top of the chain
    fake_openai.faults.clear()
    assert isinstance(client.structured(MESSAGES, Answer), Answer)
    assert fake_openai.chat_requests[-1].mode == "json_schema"


def test_custom_responder(fake_openai: FakeOpenAI, client: LLMClient):
    fake_openai.responder = lambda req: '```json\n{"answer": "use a two-stage funnel", "confidence": 3}\n```'
    assert client.structured(MESSAGES, Answer) == Answer(answer="use a two-stage funnel", confidence=3)


# --------------------------------------------------------------------------- usage


def test_usage_counts_calls_and_tokens(fake_openai: FakeOpenAI, client: LLMClient):
    client.stream(MESSAGES)
    fake_openai.add_faults("invalid_json")
    client.structured(MESSAGES, Answer)
    fake_openai.add_faults("500")
    client.structured(MESSAGES, Verdict)
    answered = [r for r in fake_openai.chat_requests if r.usage]
    assert len(fake_openai.chat_requests) == 5 and len(answered) == 4
    u = client.usage
    assert u.n_calls == 3
    assert [c.kind for c in u.calls] == ["stream", "structured", "structured"]
    assert [c.attempts for c in u.calls] == [1, 2, 2]
    assert u.prompt_tokens == sum(r.usage["prompt_tokens"] for r in answered)
    assert u.completion_tokens == sum(r.usage["completion_tokens"] for r in answered)
    assert u.calls[0].completion_tokens == len(CHAT_REPLY.split())  # from the stream's usage chunk
    s = u.summary()
    assert s["calls"] == 3 and s["failed_calls"] == 0 and s["prompt_tokens"] == u.prompt_tokens
    assert s["seconds"] >= 0


# --------------------------------------------------------------------------- any fault sequence


@pytest.mark.timeout(120)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(faults=st.lists(st.sampled_from(FAULTS), max_size=8), kind=st.sampled_from(["stream", "structured"]))
def test_any_fault_sequence_ends_in_success_or_llm_error(faults: list[str], kind: str):
    with FakeOpenAI(slow_seconds=0.6) as server:
        server.add_faults(*faults)
        client = make_client(server, timeout=0.25, retries=2)
        t0 = time.monotonic()
        try:
            if kind == "stream":
                tokens: list[str] = []
                text = client.stream(MESSAGES, on_token=tokens.append, on_reset=tokens.clear)
                assert text == "".join(tokens)
            else:
                assert isinstance(client.structured(MESSAGES, Verdict), Verdict)
            ok = True
        except LLMError:
            ok = False
        assert time.monotonic() - t0 < 30
        n = len(server.chat_requests)
        assert n <= (3 if kind == "stream" else 3 * 2 * 3)
        assert client.usage.calls[-1].ok is ok
        if not faults:
            assert ok


def test_deeply_nested_reply_is_an_invalid_reply_not_a_crash(fake_openai: FakeOpenAI, client: LLMClient):
    replies = iter(['{"answer": ' + "[" * 5000, '{"answer": "a two-stage funnel", "confidence": 3}'])
    fake_openai.responder = lambda req: next(replies)
    assert client.structured(MESSAGES, Answer) == Answer(answer="a two-stage funnel", confidence=3)
    assert len(fake_openai.chat_requests) == 2


# --------------------------------------------------------------------------- what comes back is clean


def _all_text(*values: object) -> str:
    return "\n".join(repr(v) for v in values)


def _traceback(e: BaseException) -> str:
    """What a crash report would print (chained exceptions included)."""
    return "".join(traceback.format_exception(e))


ESCAPES = ("\x1b", "\x07", "\x9b")


@pytest.mark.parametrize("chunk_chars", [None, 1, 3, 7])
def test_stream_escape_sequences_never_come_back(fake_openai: FakeOpenAI, chunk_chars: int | None):
    """ESC ] 0;pwned BEL renames a terminal, ESC [2J wipes it: neither reaches a token or the reply,
    even when the sequence is split across pieces."""
    fake_openai.responder = lambda req: "Hello \x1b]0;pwned\x07there \x1b[2Jfriend\x1b[31m, welcome\x1b[0m.\x07"
    fake_openai.chunk_chars = chunk_chars
    client = make_client(fake_openai)
    tokens: list[str] = []
    text = client.stream(MESSAGES, on_token=tokens.append)
    assert text == "".join(tokens) == "Hello there friend, welcome."
    assert not any(e in t for t in tokens for e in ESCAPES)


def test_structured_strings_are_cleaned(fake_openai: FakeOpenAI, client: LLMClient):
    fake_openai.responder = lambda req: json.dumps({"answer": "\x1b]0;pwned\x07use a \x1b[2Jtwo-stage funnel" + "!" * 20_000, "confidence": 2})
    value = client.structured(MESSAGES, Answer)
    assert value.answer.startswith("use a two-stage funnel")
    assert not any(e in value.answer for e in ESCAPES)
    assert len(value.answer) == 4_000  # one string is capped


def test_error_messages_are_cleaned_and_redacted(fake_openai: FakeOpenAI):
    client = make_client(fake_openai, api_key=KEY)
    fake_openai.add_faults("echo_error")
    with pytest.raises(LLMError) as err:
        client.stream(MESSAGES)
    msg = str(err.value)
    assert "teapot" in msg and "[redacted]" in msg  # the message is kept, the key is not
    assert KEY not in msg and not any(e in msg for e in ESCAPES)
    assert KEY not in _traceback(err.value)
    assert len(fake_openai.chat_requests) == 1  # a 418 is not worth a retry


@pytest.mark.parametrize("chunk_chars", [None, 2, 5])
def test_key_inside_a_reply_is_redacted(fake_openai: FakeOpenAI, chunk_chars: int | None):
    other = "hunter2-configured-secret"
    fake_openai.responder = lambda req: f"Your key is {KEY} and the other one {other}; keep them safe."
    fake_openai.chunk_chars = chunk_chars
    client = make_client(fake_openai, api_key=KEY, secrets=[other])
    tokens: list[str] = []
    text = client.stream(MESSAGES, on_token=tokens.append)
    assert text == "".join(tokens) == "Your key is [redacted] and the other one [redacted]; keep them safe."
    fake_openai.responder = lambda req: json.dumps({"answer": f"the key is {KEY}", "confidence": 1})
    assert client.structured(MESSAGES, Answer).answer == "the key is [redacted]"


def test_megabyte_stream_is_capped_and_stops_reading(fake_openai: FakeOpenAI):
    content = "padding " * 131_072  # 1 MiB, sent as 131,072 pieces (about 17 MB of events: more than the
    fake_openai.chunk_chars = 8  # loopback's socket buffers hold, so the server cannot finish unless the client reads on)
    fake_openai.responder = lambda req: content
    client = make_client(fake_openai)
    tokens: list[str] = []
    t0 = time.monotonic()
    text = client.stream(MESSAGES, on_token=tokens.append)
    assert len(text) == 4_000 == sum(len(t) for t in tokens)
    assert text == content[:4_000]
    assert time.monotonic() - t0 < 10
    time.sleep(0.2)
    [req] = fake_openai.chat_requests
    assert req.usage is None, "the server never got to finish the reply"
    assert req.chunks < 131_072 // 2, req.chunks  # the client closed the stream early
    assert client.usage.calls[-1].ok


def test_megabyte_structured_reply_is_an_invalid_reply(fake_openai: FakeOpenAI):
    fake_openai.responder = lambda req: json.dumps({"answer": "x" * 1_000_000, "confidence": 1})
    client = make_client(fake_openai)
    with pytest.raises(LLMError, match="too long") as err:
        client.structured(MESSAGES, Answer)
    assert len(str(err.value)) <= 300


# --------------------------------------------------------------------------- refused key, breaker, time


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_is_not_retried_and_opens_the_breaker(fake_openai: FakeOpenAI, status: str):
    fake_openai.add_faults(*[status] * 5)
    client = make_client(fake_openai, api_key=KEY, retries=3)
    tokens: list[str] = []
    with pytest.raises(LLMError) as err:
        client.stream(MESSAGES, on_token=tokens.append)
    assert len(fake_openai.chat_requests) == 1  # not retried
    assert fake_openai.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"  # the key was sent...
    assert f"refused the API key (HTTP {status})" in str(err.value)
    assert client.breaker_open and "refused the API key" in client.breaker_reason
    # ...and is nowhere in what came back
    assert KEY not in _all_text(str(err.value), _traceback(err.value), client.breaker_reason, tokens, client.usage.calls)
    # every later call fails at once, without a request
    for call in (lambda: client.stream(MESSAGES), lambda: client.structured(MESSAGES, Answer)):
        t0 = time.monotonic()
        with pytest.raises(LLMError, match="refused the API key") as later:
            call()
        assert time.monotonic() - t0 < 0.1
        assert KEY not in str(later.value)
    assert len(fake_openai.chat_requests) == 1
    assert [c.ok for c in client.usage.calls] == [False]


def test_breaker_opens_after_n_failed_calls(fake_openai: FakeOpenAI):
    client = make_client(fake_openai, retries=0, max_failures=3)
    fake_openai.add_faults("500", "500", "ok", "500", "500")
    for want_ok in (False, False, True, False, False):  # a success resets the count
        try:
            client.stream(MESSAGES)
            assert want_ok
        except LLMError:
            assert not want_ok
        assert not client.breaker_open
    fake_openai.add_faults("500")
    with pytest.raises(LLMError):
        client.structured(MESSAGES, Answer)  # the third failure in a row
    assert client.breaker_open and "failed 3 calls in a row" in client.breaker_reason
    n = len(fake_openai.chat_requests)
    assert n == 6
    with pytest.raises(LLMError, match="3 calls in a row"):
        client.stream(MESSAGES)
    assert len(fake_openai.chat_requests) == n  # no request once the breaker is open
    client.reset_breaker()
    assert client.stream(MESSAGES) == CHAT_REPLY and len(fake_openai.chat_requests) == n + 1


def test_hanging_endpoint_costs_at_most_the_budget():
    """A server that never answers: the call gives up after its budget, retries included."""
    with FakeOpenAI(slow_seconds=60) as server:
        server.add_faults(*["slow"] * 5)
        client = LLMClient(base_url=server.base_url, api_key="sk-test", model="fake-model", timeout=1.0, retries=3, backoff=0.01)
        t0 = time.monotonic()
        with pytest.raises(LLMError):
            client.stream(MESSAGES)
        spent = time.monotonic() - t0
        assert 0.9 <= spent < 1.6, spent
        t0 = time.monotonic()
        with pytest.raises(LLMError):
            client.structured(MESSAGES, Answer)
        assert time.monotonic() - t0 < 1.6


def test_stalled_stream_costs_at_most_the_budget(fake_openai: FakeOpenAI):
    """Headers and a first piece, then a piece every 0.4 s: it never stalls long enough for a read
    timeout, so only the call's own budget stops it."""
    fake_openai.stream_delay = 0.4
    fake_openai.responder = lambda req: " ".join(["slowly"] * 50)
    client = LLMClient(base_url=fake_openai.base_url, api_key="sk-test", model="fake-model", timeout=1.5, retries=2, backoff=0.01)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="longer than 1.5 s"):
        client.stream(MESSAGES)
    assert time.monotonic() - t0 < 2.5


def test_a_stream_that_stalls_mid_way_fails_after_the_idle_timeout_without_a_retry(fake_openai: FakeOpenAI):
    """A few pieces, then nothing (the connection stays open): the call fails once no token has come for
    the idle timeout, far inside its budget, and is not retried (a retry would cost as long again)."""
    fake_openai.slow_seconds = 30.0  # the stall; the server's stop wakes it
    fake_openai.add_faults("hang_stream", "hang_stream")
    client = make_client(fake_openai, timeout=None, budget=8.0, retries=3, stream_idle_timeout=0.4)
    tokens: list[str] = []
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="stalled: no token for 0.4 s"):
        client.stream(MESSAGES, on_token=tokens.append)
    spent = time.monotonic() - t0
    assert 0.35 <= spent < 2.5, spent
    assert tokens, "the reply had begun before it stalled"
    assert len(fake_openai.chat_requests) == 1
    assert [c.ok for c in client.usage.calls] == [False]
    assert not client.breaker_open  # one failure of three


def test_idle_timeout_does_not_cut_a_slow_but_steady_stream(fake_openai: FakeOpenAI):
    """A piece every 0.15 s never goes 0.5 s without a token: the reply arrives whole."""
    fake_openai.stream_delay = 0.15
    fake_openai.responder = lambda req: "one two three four five six seven eight"
    client = make_client(fake_openai, timeout=None, budget=8.0, stream_idle_timeout=0.5)
    assert client.stream(MESSAGES) == "one two three four five six seven eight"
    assert len(fake_openai.chat_requests) == 1


def test_stalled_streams_open_the_breaker_even_when_structured_calls_succeed(fake_openai: FakeOpenAI):
    """Every streamed reply stalls while every structured call is served: the successes in between do
    not break the run of stalled streams, so the third opens the breaker and later calls make no request."""
    fake_openai.slow_seconds = 30.0
    fake_openai.add_faults(*["stall_stream"] * 20)
    client = make_client(fake_openai, timeout=None, budget=8.0, retries=1, max_failures=3, stream_idle_timeout=0.3)
    t0 = time.monotonic()
    for i in range(3):
        assert client.structured(MESSAGES, Answer).answer  # served normally
        with pytest.raises(LLMError, match="stalled"):
            client.stream(MESSAGES)
        assert client.breaker_open == (i == 2)
    assert time.monotonic() - t0 < 3 * 0.3 + 3.0
    assert "failed 3 streamed replies in a row" in client.breaker_reason and "stalled" in client.breaker_reason
    assert client.trips == 1
    n = len(fake_openai.chat_requests)
    assert n == 6
    for call in (lambda: client.stream(MESSAGES), lambda: client.structured(MESSAGES, Answer)):
        with pytest.raises(LLMError, match="model calls are off"):
            call()
    assert len(fake_openai.chat_requests) == n


def test_long_retry_after_fails_at_once(fake_openai: FakeOpenAI):
    fake_openai.add_faults("429_long", "429_long")
    client = make_client(fake_openai, retries=3, backoff=0.01)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="asks to wait 120 s"):
        client.stream(MESSAGES)
    assert time.monotonic() - t0 < 1.0
    assert len(fake_openai.chat_requests) == 1


def test_retry_after_past_the_limit_fails_at_once(fake_openai: FakeOpenAI):
    fake_openai.add_faults("429")
    fake_openai.retry_after = "3"
    client = make_client(fake_openai, max_retry_after=2.0)
    with pytest.raises(LLMError, match="asks to wait 3 s"):
        client.stream(MESSAGES)
    assert len(fake_openai.chat_requests) == 1


def test_retry_after_past_the_budget_fails_at_once(fake_openai: FakeOpenAI):
    """2 s is a short wait, but not for a call with a 1 s budget."""
    fake_openai.add_faults("429")
    fake_openai.retry_after = "2"
    client = make_client(fake_openai, budget=1.0)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="asks to wait 2 s"):
        client.stream(MESSAGES)
    assert time.monotonic() - t0 < 0.9
    assert len(fake_openai.chat_requests) == 1


def test_short_retry_after_is_honoured_within_the_budget(fake_openai: FakeOpenAI):
    fake_openai.add_faults("429")
    fake_openai.retry_after = "0.3"
    client = make_client(fake_openai, budget=3.0, backoff=0.0)
    assert client.stream(MESSAGES) == CHAT_REPLY
    first, second = fake_openai.chat_requests
    assert 0.29 <= second.at - first.at < 1.5


def test_defaults_fit_an_interactive_turn(monkeypatch, tmp_path):
    from interviewer.llm import client_from_settings
    from interviewer.settings import Settings

    monkeypatch.setenv("MLSD_CONFIG", str(tmp_path / "none.toml"))
    for var in ("MLSD_LLM_TIMEOUT", "MLSD_LLM_RETRIES", "MLSD_LLM_BACKOFF", "MLSD_LLM_MAX_FAILURES", "MLSD_LLM_IDLE_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    s = Settings(openai_api_key=KEY, openai_base_url="http://127.0.0.1:9/v1")
    c = client_from_settings(s)
    assert c.timeout <= 30 and c.retries <= 2 and c.max_failures == 3
    # a stalled reply is given up after the idle timeout, well inside the call's budget
    assert 0 < c.stream_idle_timeout <= 10 and c.stream_idle_timeout < c.timeout
    assert c.client.timeout.connect <= 5
    assert KEY in c.secrets


@pytest.mark.parametrize(
    "var,value",
    [("MLSD_LLM_TIMEOUT", "0"), ("MLSD_LLM_TIMEOUT", "-1"), ("MLSD_LLM_TIMEOUT", "soon"), ("MLSD_LLM_RETRIES", "-5"), ("MLSD_LLM_MAX_FAILURES", "0"), ("MLSD_LLM_IDLE_TIMEOUT", "0"), ("MLSD_LLM_IDLE_TIMEOUT", "-2"),
     # an endpoint that is no URL fails at start (a probe's were taken, then every turn said "Connection error.")
     ("OPENAI_BASE_URL", "not a url"), ("OPENAI_BASE_URL", "127.0.0.1:9999"), ("OPENAI_BASE_URL", "ftp://127.0.0.1/v1")],
)
def test_bad_llm_settings_name_the_variable_in_one_line(monkeypatch, tmp_path, var: str, value: str):
    from interviewer.errors import UsageError
    from interviewer.settings import Settings

    monkeypatch.setenv("MLSD_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv(var, value)
    with pytest.raises(UsageError) as err:
        Settings()
    msg = str(err.value)
    assert msg.startswith(f"{var}: ") and repr(value) in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    "reply,value",
    [
        ('{"a": 1}', {"a": 1}),
        ('Sure! Here it is: {"a": "a } inside", "b": [1, {"c": 2}]} Hope that helps.', {"a": "a } inside", "b": [1, {"c": 2}]}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('I would use {braces} sometimes. {"a": 1}', {"a": 1}),  # a stray brace before the object
        ('{"a": "escaped \\" quote {"}', {"a": 'escaped " quote {'}),
    ],
)
def test_extract_json_finds_the_object(reply: str, value: object):
    assert extract_json(reply) == value


@pytest.mark.parametrize("reply", ["no json here", '{"a": 1', "{" * 10 + '"a"', '{"answer": ' + "[" * 5000])
def test_extract_json_rejects_with_value_error(reply: str):
    with pytest.raises(ValueError):
        extract_json(reply)

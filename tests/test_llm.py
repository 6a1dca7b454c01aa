"""The LLM layer (interviewer/llm.py) against the local fake OpenAI server (tests/fake_openai.py).

Every fault ends in a success or in LLMError, never a hang (small client timeouts, pytest timeouts)
and never another exception type. Assertions are made on the requests the server recorded.
"""
from __future__ import annotations

import json
import time
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from fake_openai import CHAT_REPLY, FAULTS, INVALID_JSON, WRONG_SHAPE, FakeOpenAI, minimal_instance, pieces
from interviewer.errors import LLMError
from interviewer.llm import LLMClient, extract_json

TRANSIENT = ("slow", "429", "500", "reset", "truncate", "truncate_reset")
TIMEOUT = 0.5  # client timeout; the fake's "slow" sleeps 2 s
RETRIES = 3

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


def make_client(server: FakeOpenAI, *, timeout: float = TIMEOUT, retries: int = RETRIES, backoff: float = 0.01, max_backoff: float = 8.0) -> LLMClient:
    return LLMClient(base_url=server.base_url, api_key="sk-test", model="fake-model", timeout=timeout, retries=retries, backoff=backoff, max_backoff=max_backoff)


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

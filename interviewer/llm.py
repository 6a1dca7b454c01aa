"""The LLM layer: the `openai` client against any OpenAI-compatible endpoint.

- streaming text, with the stream checked for truncation;
- structured output with a fallback chain: `json_schema` -> `json_object` with a `schema` field (what
  llama.cpp servers accept) -> JSON asked for in the prompt; every reply validated with pydantic and
  retried once with the validation error;
- timeouts, retries with exponential backoff (honouring `retry-after`), token usage per call.
A failure that outlasts the retries raises `LLMError`, which callers turn into an offline fallback.
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

import httpx
import openai

try:  # openai 3.x talks through httpx2; older releases through httpx
    import httpx2

    _TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:  # pragma: no cover
    _TRANSPORT_ERRORS = (httpx.TransportError,)
from pydantic import BaseModel, ValidationError

from . import prompts as P
from .errors import LLMError

T = TypeVar("T", bound=BaseModel)
MODES = ("json_schema", "json_object", "prompt")


@dataclass
class CallRecord:
    kind: str  # "stream" | "structured"
    mode: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    attempts: int
    ok: bool


@dataclass
class Usage:
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def n_calls(self) -> int:
        return len(self.calls)

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls)

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.calls)

    def summary(self) -> dict[str, Any]:
        return {
            "calls": self.n_calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 3),
            "failed_calls": sum(1 for c in self.calls if not c.ok),
        }


class _Transient(Exception):
    """A failure worth retrying (timeout, reset, 429, 5xx, truncated stream)."""

    def __init__(self, msg: str, retry_after: float | None = None):
        super().__init__(msg)
        self.retry_after = retry_after


class _Unsupported(Exception):
    """The server rejects this structured-output mode; try the next one."""


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _messages_tokens(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m.get("content") or "") + 4 for m in messages)


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> Any:
    """Parse the first JSON object in a reply (tolerating code fences and chatter around it).

    Raises ValueError for anything unparseable, including JSON nested too deeply to parse."""
    try:
        return _extract_json(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _extract_json(text: str) -> Any:
    text = text.strip()
    m = _FENCE.search(text)
    if m:
        text = m.group(1).strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in the reply")
    depth = 0
    in_str = False
    esc = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return json.loads(text[start : i + 1])
    raise ValueError("unterminated JSON object in the reply")


class LLMClient:
    """One endpoint, one model. Thread-safe; usage is counted per call."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        model: str,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
    ):
        self.model = model
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            max_retries=0,  # retries are ours, so that they are counted and bounded
        )
        self.usage = Usage()
        self._mode_index = 0  # the first structured-output mode this server accepted
        self._lock = threading.Lock()
        self.base_url = base_url

    # ------------------------------------------------------------------ plumbing
    def _classify(self, e: Exception) -> Exception:
        if isinstance(e, openai.RateLimitError):
            ra = None
            try:
                ra = float(e.response.headers.get("retry-after", ""))
            except (TypeError, ValueError):
                ra = None
            return _Transient(f"rate limited (429): {e}", ra)
        if isinstance(e, (openai.APITimeoutError, openai.APIConnectionError, *_TRANSPORT_ERRORS)):
            return _Transient(f"{type(e).__name__}: {e}")
        if isinstance(e, openai.APIStatusError):
            body = str(getattr(e, "body", "") or e.message or "").lower()
            if e.status_code in (400, 404, 422, 501) or (e.status_code == 500 and ("schema" in body or "response_format" in body)):
                return _Unsupported(f"HTTP {e.status_code}: {e.message}")
            if e.status_code >= 500 or e.status_code in (408, 409):
                return _Transient(f"HTTP {e.status_code}: {e.message}")
            return LLMError(f"HTTP {e.status_code}: {e.message}")
        if isinstance(e, openai.OpenAIError):
            return _Transient(f"{type(e).__name__}: {e}")
        return e

    def _sleep(self, attempt: int, retry_after: float | None) -> None:
        delay = retry_after if retry_after is not None else self.backoff * (2**attempt) * (0.75 + random.random() / 2)
        time.sleep(min(max(delay, 0.0), self.max_backoff))

    def _with_retries(self, fn: Callable[[], Any], what: str) -> tuple[Any, int]:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                return fn(), attempt + 1
            except (_Unsupported, LLMError):
                raise
            except Exception as raw:  # noqa: BLE001 - classified below
                e = self._classify(raw)
                if not isinstance(e, _Transient):
                    if isinstance(e, (_Unsupported, LLMError)):
                        raise e from raw
                    raise LLMError(f"{what}: {type(raw).__name__}: {raw}") from raw
                last = e
                if attempt < self.retries:
                    self._sleep(attempt, e.retry_after)
        raise LLMError(f"{what} failed after {self.retries + 1} attempts: {last}")

    # ------------------------------------------------------------------ streaming text
    def stream(
        self,
        messages: list[dict[str, str]],
        on_token: Callable[[str], None] | None = None,
        on_reset: Callable[[], None] | None = None,
        max_tokens: int = 400,
        temperature: float = 0.4,
    ) -> str:
        """Stream a reply, calling `on_token` per piece. A broken stream is retried from the start (after `on_reset`)."""
        t0 = time.perf_counter()
        emitted = {"any": False}

        def once() -> tuple[str, int, int]:
            if emitted["any"] and on_reset:
                on_reset()
            emitted["any"] = False
            parts: list[str] = []
            usage = None
            finished = False
            kwargs: dict[str, Any] = dict(model=self.model, messages=messages, stream=True, max_tokens=max_tokens, temperature=temperature)
            kwargs["stream_options"] = {"include_usage": True}
            with self.client.chat.completions.create(**kwargs) as stream:
                for chunk in stream:
                    if getattr(chunk, "usage", None):
                        usage = chunk.usage
                    for choice in chunk.choices or []:
                        piece = getattr(choice.delta, "content", None) if choice.delta else None
                        if piece:
                            parts.append(piece)
                            emitted["any"] = True
                            if on_token:
                                on_token(piece)
                        if choice.finish_reason:
                            finished = True
            if not finished:
                raise _Transient("the stream ended before the reply finished")
            text = "".join(parts)
            if usage is not None:
                return text, int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)
            return text, _messages_tokens(messages), estimate_tokens(text)

        try:
            (text, pt, ct), attempts = self._with_retries(once, "streamed completion")
        except _Unsupported as e:
            self._record("stream", "text", messages, "", t0, 1, False)
            raise LLMError(f"streamed completion rejected: {e}") from e
        except LLMError:
            self._record("stream", "text", messages, "", t0, self.retries + 1, False)
            raise
        with self._lock:
            self.usage.calls.append(CallRecord("stream", "text", pt, ct, time.perf_counter() - t0, attempts, True))
        return text

    def _record(self, kind: str, mode: str, messages: list[dict[str, str]], text: str, t0: float, attempts: int, ok: bool) -> None:
        with self._lock:
            self.usage.calls.append(
                CallRecord(kind, mode, _messages_tokens(messages), estimate_tokens(text) if text else 0, time.perf_counter() - t0, attempts, ok)
            )

    # ------------------------------------------------------------------ structured output
    def structured(self, messages: list[dict[str, str]], schema: type[T], name: str = "reply", max_tokens: int = 800) -> T:
        """Return a validated `schema` instance, walking the fallback chain of structured-output modes."""
        t0 = time.perf_counter()
        json_schema = schema.model_json_schema()
        errors: list[str] = []
        total_attempts = 0
        pt_total = ct_total = 0
        for mi in range(self._mode_index, len(MODES)):
            mode = MODES[mi]
            msgs = list(messages)
            if mode == "prompt" or mode == "json_object":
                msgs = self._with_schema_instructions(messages, json_schema)
            for validation_try in range(2):
                try:
                    (text, pt, ct), attempts = self._with_retries(lambda: self._complete(msgs, mode, json_schema, name, max_tokens), f"structured completion ({mode})")
                except _Unsupported as e:
                    errors.append(f"{mode}: {e}")
                    break  # next mode
                except LLMError:
                    self._record("structured", mode, msgs, "", t0, self.retries + 1, False)
                    raise
                total_attempts += attempts
                pt_total += pt
                ct_total += ct
                try:
                    value = schema.model_validate(extract_json(text))
                except (ValueError, ValidationError) as e:
                    err = str(e)[:600]
                    errors.append(f"{mode}: invalid reply: {err}")
                    # retry once with the validation error in the conversation
                    msgs = msgs + [
                        {"role": "assistant", "content": text[:4000]},
                        {"role": "user", "content": P.get("llm", "json_retry").format(error=err)},
                    ]
                    continue
                with self._lock:
                    self._mode_index = mi
                    self.usage.calls.append(CallRecord("structured", mode, pt_total, ct_total, time.perf_counter() - t0, total_attempts, True))
                return value
            else:
                # both validation tries failed in this mode: the model cannot do it here; try the next mode
                continue
        self._record("structured", "none", messages, "", t0, max(total_attempts, 1), False)
        raise LLMError("no valid structured reply: " + "; ".join(errors[-3:]))

    @staticmethod
    def _with_schema_instructions(messages: list[dict[str, str]], json_schema: dict[str, Any]) -> list[dict[str, str]]:
        note = P.get("llm", "json_only").format(schema=json.dumps(json_schema, separators=(",", ":")))
        out = [dict(m) for m in messages]
        if out and out[0]["role"] == "system":
            out[0]["content"] = out[0]["content"] + "\n\n" + note
        else:
            out.insert(0, {"role": "system", "content": note})
        return out

    def _complete(self, messages: list[dict[str, str]], mode: str, json_schema: dict[str, Any], name: str, max_tokens: int) -> tuple[str, int, int]:
        kwargs: dict[str, Any] = dict(model=self.model, messages=messages, max_tokens=max_tokens, temperature=0.0)
        if mode == "json_schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {"name": name, "schema": json_schema, "strict": False}}
        elif mode == "json_object":
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        resp = self.client.chat.completions.create(**kwargs)
        if not resp.choices:
            raise _Transient("the reply had no choices")
        text = resp.choices[0].message.content or ""
        usage = resp.usage
        if usage is not None:
            return text, int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)
        return text, _messages_tokens(messages), estimate_tokens(text)


def client_from_settings(settings: Any) -> LLMClient:
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return LLMClient(
        base_url=settings.openai_base_url,
        api_key=key,
        model=settings.model,
        timeout=settings.llm_timeout,
        retries=settings.llm_retries,
        backoff=settings.llm_backoff,
    )

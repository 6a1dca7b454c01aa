"""The LLM layer: the `openai` client against any OpenAI-compatible endpoint.

- streaming text, with the stream checked for truncation;
- structured output with a fallback chain: `json_schema` -> `json_object` with a `schema` field (what
  llama.cpp servers accept) -> JSON asked for in the prompt; every reply validated with pydantic and
  retried once with the validation error;
- a time budget per call (`timeout`, retries included), a few retries with exponential backoff
  (tenacity), `Retry-After` honoured only when it is short and fits the budget, token usage per call;
- a streamed reply must bring a token at least every `stream_idle_timeout` seconds (the first one
  included): a stream that stalls fails the call at once, without a retry;
- a circuit breaker: a refused key (401/403), `max_failures` failed calls in a row, or `max_failures`
  failed calls in a row of one kind (streamed or structured, whatever the other kind did in between:
  an endpoint that answers structured calls but stalls every stream) stop every later call at once,
  without touching the network;
- everything that comes back (streamed tokens, whole replies, the strings of structured replies, error
  messages) is stripped of escape sequences and control characters, capped and redacted here, before
  it reaches the engine.
A failure raises `LLMError`, which callers turn into an offline fallback.
"""
from __future__ import annotations

import email.utils
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_before_delay

try:  # openai 3.x talks through httpx2; older releases through httpx
    import httpx2

    _TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError)
    _READ_TIMEOUTS: tuple[type[BaseException], ...] = (httpx.ReadTimeout, httpx2.ReadTimeout)
except ImportError:  # pragma: no cover
    _TRANSPORT_ERRORS = (httpx.TransportError,)
    _READ_TIMEOUTS = (httpx.ReadTimeout,)

from . import prompts as P
from .errors import LLMError
from .text import ANSI, clip, redact, sanitize, strip_controls

T = TypeVar("T", bound=BaseModel)
MODES = ("json_schema", "json_object", "prompt")

LINE_CAP = 4_000  # characters of one streamed reply; the stream is closed past it
STRING_CAP = 4_000  # characters of one string in a structured reply
REPLY_CAP = 64_000  # characters of a whole structured reply; a longer one is an invalid reply
ERROR_CAP = 300  # characters of an error message
MAX_RETRY_AFTER = 5.0  # seconds: a longer Retry-After fails the call at once (it falls back)
CONNECT_TIMEOUT = 3.0
STREAM_IDLE_TIMEOUT = 10.0  # seconds a streamed reply may go without a token (the first one included)
KINDS = ("stream", "structured")
AUTH_STATUSES = (401, 403)


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


class _Refused(LLMError):
    """The endpoint refused the key (401/403): never retried; opens the breaker."""


class _Stalled(LLMError):
    """A streamed reply brought no token within the idle timeout: not retried (a retry would wait as
    long again and restart a line the candidate has begun to read); a failed call for the breaker."""


def _read_timed_out(e: BaseException) -> bool:
    """Whether `e` (or what it wraps) is a read timeout: no byte came within the read timeout."""
    seen = 0
    cur: BaseException | None = e
    while cur is not None and seen < 5:
        if isinstance(cur, _READ_TIMEOUTS):
            return True
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return False


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _messages_tokens(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m.get("content") or "") + 4 for m in messages)


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)
_MAX_STARTS = 50  # how many "{" positions extract_json tries before giving up


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
    decoder = json.JSONDecoder()
    for _ in range(_MAX_STARTS):
        try:
            return decoder.raw_decode(text, start)[0]
        except ValueError:
            start = text.find("{", start + 1)
            if start < 0:
                break
    raise ValueError("unterminated JSON object in the reply")


# ------------------------------------------------------------------------------------ cleaning

_ESC = "\x1b"
_HOLD_MAX = 256  # an escape sequence longer than this is not waited for: its ESC is dropped
_ANSI_PREFIX = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?)?")  # the start of a sequence that may still complete


class _StreamGuard:
    """Cleans, redacts and caps a reply that arrives in pieces.

    An escape sequence or a secret can be split across pieces, so a short tail that could still become
    one is held back until the next piece (or the end) decides it."""

    def __init__(self, secrets: list[str], cap: int):
        self.secrets = [s for s in secrets if s and len(s) >= 6]
        self.cap = cap
        self.raw = ""  # not yet cleaned (an escape sequence or a CR may continue)
        self.clean = ""  # cleaned, not yet emitted (a secret may continue)
        self.emitted = 0
        self.capped = False

    def _split_raw(self, final: bool) -> None:
        raw = self.raw
        keep = len(raw)
        if not final:
            at = raw.find(_ESC, max(len(raw) - _HOLD_MAX, 0))
            while at >= 0:
                if _ANSI_PREFIX.fullmatch(raw, at):
                    keep = at  # may still become a (longer) sequence: wait for the next piece
                    break
                done = ANSI.match(raw, at)
                at = raw.find(_ESC, done.end() if done else at + 1)
            if keep == len(raw) and raw.endswith("\r"):
                keep -= 1
        self.clean += strip_controls(raw[:keep])
        self.raw = raw[keep:]

    def _take(self, final: bool) -> str:
        text = redact(self.clean, self.secrets)
        hold = 0
        if not final:
            for s in self.secrets:  # the longest tail that is the start of a secret
                for n in range(min(len(s) - 1, len(text)), hold, -1):
                    if text.endswith(s[:n]):
                        hold = n
                        break
        out, self.clean = (text[: len(text) - hold], text[len(text) - hold :]) if hold else (text, "")
        room = self.cap - self.emitted
        if len(out) > room:
            out = out[:room]
            self.capped = True
        self.emitted += len(out)
        return out

    def feed(self, piece: str) -> str:
        if self.capped:
            return ""
        self.raw += piece
        self._split_raw(final=False)
        return self._take(final=False)

    def flush(self) -> str:
        if self.capped:
            return ""
        self._split_raw(final=True)
        return self._take(final=True)


class LLMClient:
    """One endpoint, one model. Thread-safe; usage is counted per call.

    `timeout` is the budget of one call in seconds, retries included; `attempt_timeout` optionally caps
    one attempt within it (by default an attempt may use whatever is left of the budget)."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        model: str,
        timeout: float = 20.0,
        retries: int = 1,
        backoff: float = 0.5,
        max_backoff: float = 4.0,
        attempt_timeout: float | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_failures: int = 3,
        max_retry_after: float = MAX_RETRY_AFTER,
        stream_idle_timeout: float = STREAM_IDLE_TIMEOUT,
        secrets: list[str] | None = None,
        line_cap: int = LINE_CAP,
    ):
        if not timeout > 0:
            raise ValueError("timeout must be above 0 seconds")
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        if max_failures < 1:
            raise ValueError("max_failures must be 1 or more")
        if not stream_idle_timeout > 0:
            raise ValueError("stream_idle_timeout must be above 0 seconds")
        self.model = model
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.attempt_timeout = attempt_timeout
        self.connect_timeout = connect_timeout
        self.max_failures = max_failures
        self.max_retry_after = max_retry_after
        self.stream_idle_timeout = stream_idle_timeout
        self.line_cap = line_cap
        self.secrets = sorted({s for s in [api_key, *(secrets or [])] if s and len(s) >= 6}, key=len, reverse=True)
        import openai  # here, not at module import: about a second that the offline brain and `mlsd sessions` never need

        # the client's own Timeout class: httpx's in openai 1-2, httpx2's in 3.x, which refuses the other's
        self._timeout_type = openai.Timeout
        self.client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=self._timeout_type(timeout, connect=min(connect_timeout, timeout)),
            max_retries=0,  # retries are ours (tenacity below), so that they are counted and bounded
        )
        self.usage = Usage()
        self._mode_index = 0  # the first structured-output mode this server accepted
        self._lock = threading.Lock()
        self._failures = 0  # consecutive failed calls
        self._runs = dict.fromkeys(KINDS, 0)  # consecutive failed calls of each kind (a call of the other kind does not break a run)
        self.trips = 0  # how many times the breaker opened
        self._breaker: str | None = None
        self.base_url = base_url

    # ------------------------------------------------------------------ the breaker
    @property
    def breaker_open(self) -> bool:
        return self._breaker is not None

    @property
    def breaker_reason(self) -> str | None:
        """Why model calls stopped (no secret in it), or None while they are on."""
        return self._breaker

    def reset_breaker(self) -> None:
        """Try the endpoint again (e.g. for a new session after a run of failures)."""
        with self._lock:
            self._breaker = None
            self._failures = 0
            self._runs = dict.fromkeys(KINDS, 0)

    def _check_breaker(self) -> None:
        if self._breaker is not None:
            raise LLMError(f"{self._breaker}; model calls are off for the rest of the session")

    def _open(self, reason: str) -> None:
        with self._lock:
            if self._breaker is None:
                self._breaker = reason
                self.trips += 1

    def _called(self, kind: str, ok: bool, error: LLMError | None = None) -> None:
        """Count a finished call; open the breaker on a refused key or a run of `max_failures` failures."""
        if isinstance(error, _Refused):
            self._open(str(error))
        with self._lock:
            self._failures = 0 if ok else self._failures + 1
            self._runs[kind] = 0 if ok else self._runs[kind] + 1
            n, run = self._failures, self._runs[kind]
        last = f" (the last: {clip(str(error), 120)})" if error is not None else ""
        if n >= self.max_failures:
            self._open(f"the model endpoint failed {n} calls in a row{last}")
        elif run >= self.max_failures:
            what = "streamed replies" if kind == "stream" else "structured calls"
            self._open(f"the model endpoint failed {run} {what} in a row{last}")

    # ------------------------------------------------------------------ cleaning
    def clean(self, text: str | None, cap: int = STRING_CAP) -> str:
        """A string from the endpoint as the engine may hold it: no escapes or controls, capped, redacted."""
        text = sanitize(str(text or ""), limit=max(cap, len(str(text or ""))))[0]
        return redact(text, self.secrets)[:cap].rstrip()

    def _error(self, message: str, kind: type[LLMError] = LLMError) -> LLMError:
        return kind(clip(self.clean(message, ERROR_CAP + 200), ERROR_CAP) or "the model call failed")

    def _clean_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.clean(value, STRING_CAP)
        if isinstance(value, list):
            return [self._clean_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self._clean_json(v) for k, v in value.items()}
        return value

    # ------------------------------------------------------------------ plumbing
    def _retry_after(self, response: Any) -> float | None:
        headers = getattr(response, "headers", None) or {}
        try:
            ms = headers.get("retry-after-ms")
            if ms:
                return float(ms) / 1000.0
            value = headers.get("retry-after")
            if not value:
                return None
            try:
                return float(value)
            except ValueError:
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError, OverflowError):
            return None

    def _classify(self, e: Exception, deadline: float) -> Exception:
        import openai  # loaded by __init__ already

        if isinstance(e, openai.APIStatusError) and e.status_code in AUTH_STATUSES:
            return self._error(f"the model endpoint refused the API key (HTTP {e.status_code})", _Refused)
        if isinstance(e, openai.APIStatusError) and e.status_code in (429, 503):
            ra = self._retry_after(e.response)
            what = "rate limited (429)" if e.status_code == 429 else "unavailable (503)"
            if ra is not None and (ra > self.max_retry_after or ra > deadline - time.monotonic()):
                return self._error(f"the model endpoint is {what} and asks to wait {ra:g} s; not waiting")
            if e.status_code == 429 or ra is not None:
                return _Transient(f"{what}: {e.message}", ra)
        if isinstance(e, (openai.APITimeoutError, openai.APIConnectionError, *_TRANSPORT_ERRORS)):
            return _Transient(f"{type(e).__name__}: {e}")
        if isinstance(e, openai.APIStatusError):
            body = str(getattr(e, "body", "") or e.message or "").lower()
            if e.status_code in (400, 404, 422, 501) or (e.status_code == 500 and ("schema" in body or "response_format" in body)):
                return _Unsupported(f"HTTP {e.status_code}: {e.message}")
            if e.status_code >= 500 or e.status_code in (408, 409):
                return _Transient(f"HTTP {e.status_code}: {e.message}")
            return self._error(f"HTTP {e.status_code}: {e.message}")
        if isinstance(e, openai.OpenAIError):
            return _Transient(f"{type(e).__name__}: {e}")
        return e

    def _wait(self, state: RetryCallState) -> float:
        e = state.outcome.exception() if state.outcome else None
        ra = getattr(e, "retry_after", None)
        if ra is not None:
            return max(ra, 0.0)
        delay = self.backoff * (2 ** (state.attempt_number - 1)) * (0.75 + random.random() / 2)
        return min(max(delay, 0.0), self.max_backoff)

    def _attempt_timeout(self, deadline: float, idle: float | None = None) -> Any:
        """One attempt's timeouts: what is left of the budget; with `idle`, a read (no byte) waits at most that."""
        left = max(deadline - time.monotonic(), 0.01)
        total = min(left, self.attempt_timeout) if self.attempt_timeout else left
        read = min(idle, total) if idle else total
        return self._timeout_type(total, connect=min(self.connect_timeout, total), read=read)

    def _with_retries(self, fn: Callable[[float], Any], what: str, deadline: float) -> tuple[Any, int]:
        """Run `fn(deadline)` with retries on transient failures, within the call's budget.

        Returns (result, attempts). Raises _Unsupported as is and LLMError for everything else."""
        attempts = 0

        def once() -> Any:
            nonlocal attempts
            attempts += 1
            try:
                return fn(deadline)
            except (_Unsupported, LLMError, _Transient):
                raise
            except Exception as raw:
                e = self._classify(raw, deadline)
                if isinstance(e, (_Transient, _Unsupported, LLMError)):
                    raise e from None
                raise self._error(f"{what}: {type(raw).__name__}: {raw}") from None

        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1) | stop_before_delay(max(deadline - time.monotonic(), 0.0)),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            return retrying(once), attempts
        except _Transient as last:
            err = self._error(f"{what} failed after {attempts} attempt{'s' if attempts != 1 else ''}: {last}")
            err.attempts = attempts  # type: ignore[attr-defined]
            raise err from None
        except LLMError as e:
            e.attempts = attempts  # type: ignore[attr-defined]
            raise

    def _record(self, kind: str, mode: str, messages: list[dict[str, str]], text: str, t0: float, attempts: int, ok: bool) -> None:
        with self._lock:
            self.usage.calls.append(
                CallRecord(kind, mode, _messages_tokens(messages), estimate_tokens(text) if text else 0, time.perf_counter() - t0, attempts, ok)
            )

    # ------------------------------------------------------------------ streaming text
    def stream(
        self,
        messages: list[dict[str, str]],
        on_token: Callable[[str], None] | None = None,
        on_reset: Callable[[], None] | None = None,
        max_tokens: int = 400,
        temperature: float = 0.4,
    ) -> str:
        """Stream a reply, calling `on_token` per cleaned piece; returns the pieces joined.

        A broken stream is retried from the start (after `on_reset`). A reply past `line_cap` characters
        is cut there and the stream closed."""
        self._check_breaker()
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        emitted = {"any": False}

        def once(deadline: float) -> tuple[str, int, int]:
            if emitted["any"] and on_reset:
                on_reset()
            emitted["any"] = False
            guard = _StreamGuard(self.secrets, self.line_cap)
            parts: list[str] = []
            usage = None
            finished = False

            def emit(piece: str) -> None:
                if piece:
                    parts.append(piece)
                    emitted["any"] = True
                    if on_token:
                        on_token(piece)

            kwargs: dict[str, Any] = dict(model=self.model, messages=messages, stream=True, max_tokens=max_tokens, temperature=temperature)
            kwargs["stream_options"] = {"include_usage": True}
            timeout = self._attempt_timeout(deadline, idle=self.stream_idle_timeout)
            idle = self.stream_idle_timeout
            # a read timeout is a stall when the idle limit, not the end of the budget, set it
            idle_bound = timeout.read is not None and timeout.read >= idle - 1e-6
            stalled = f"the streamed reply stalled: no token for {idle:g} s"
            last_token = time.monotonic()
            try:
                with self.client.chat.completions.create(**kwargs, timeout=timeout) as stream:
                    for chunk in stream:
                        if getattr(chunk, "usage", None):
                            usage = chunk.usage
                        for choice in chunk.choices or []:
                            piece = getattr(choice.delta, "content", None) if choice.delta else None
                            if piece:
                                last_token = time.monotonic()
                                emit(guard.feed(piece))
                            if choice.finish_reason:
                                finished = True
                        if guard.capped:
                            finished = True
                            break  # stop reading: closing the stream drops the rest
                        now = time.monotonic()
                        if now > deadline:
                            raise _Transient(f"the reply took longer than {self.timeout:g} s")
                        if not finished and now - last_token > idle:  # bytes keep coming, tokens do not
                            raise self._error(stalled, _Stalled)
            except Exception as e:
                if idle_bound and not isinstance(e, (_Transient, LLMError)) and _read_timed_out(e):
                    raise self._error(stalled, _Stalled) from None
                raise
            if not finished:
                raise _Transient("the stream ended before the reply finished")
            emit(guard.flush())
            text = "".join(parts)
            if usage is not None:
                return text, int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)
            return text, _messages_tokens(messages), estimate_tokens(text)

        try:
            (text, pt, ct), attempts = self._with_retries(once, "streamed completion", deadline)
        except _Unsupported as e:
            self._record("stream", "text", messages, "", t0, 1, False)
            err = self._error(f"streamed completion rejected: {e}")
            self._called("stream", False, err)
            raise err from None
        except LLMError as e:
            self._record("stream", "text", messages, "", t0, getattr(e, "attempts", 1), False)
            self._called("stream", False, e)
            raise
        with self._lock:
            self.usage.calls.append(CallRecord("stream", "text", pt, ct, time.perf_counter() - t0, attempts, True))
        self._called("stream", True)
        return text

    # ------------------------------------------------------------------ structured output
    def structured(self, messages: list[dict[str, str]], schema: type[T], name: str = "reply", max_tokens: int = 800, temperature: float = 0.0) -> T:
        """Return a validated `schema` instance, walking the fallback chain of structured-output modes.

        Every string in the reply is cleaned (see `clean`) before validation. `temperature` above 0 asks
        for a sample (the grader draws two and compares them)."""
        self._check_breaker()
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        try:
            value = self._structured(messages, schema, name, max_tokens, t0, deadline, temperature)
        except LLMError as e:
            self._called("structured", False, e)
            raise
        self._called("structured", True)
        return value

    def _structured(self, messages: list[dict[str, str]], schema: type[T], name: str, max_tokens: int, t0: float, deadline: float, temperature: float = 0.0) -> T:
        json_schema = schema.model_json_schema()
        errors: list[str] = []
        total_attempts = 0
        pt_total = ct_total = 0
        for mi in range(self._mode_index, len(MODES)):
            mode = MODES[mi]
            msgs = list(messages)
            if mode == "prompt" or mode == "json_object":
                msgs = self._with_schema_instructions(messages, json_schema)
            for _validation_try in range(2):
                try:
                    (text, pt, ct), attempts = self._with_retries(
                        lambda dl: self._complete(msgs, mode, json_schema, name, max_tokens, dl, temperature), f"structured completion ({mode})", deadline
                    )
                except _Unsupported as e:
                    errors.append(f"{mode}: {e}")
                    break  # next mode
                except LLMError as e:
                    self._record("structured", mode, msgs, "", t0, total_attempts + getattr(e, "attempts", 1), False)
                    raise
                total_attempts += attempts
                pt_total += pt
                ct_total += ct
                try:
                    if len(text) > REPLY_CAP:
                        raise ValueError(f"the reply is too long ({len(text)} characters)")
                    value = schema.model_validate(self._clean_json(extract_json(text)))
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
        raise self._error("no valid structured reply: " + "; ".join(errors[-3:]))

    @staticmethod
    def _with_schema_instructions(messages: list[dict[str, str]], json_schema: dict[str, Any]) -> list[dict[str, str]]:
        note = P.get("llm", "json_only").format(schema=json.dumps(json_schema, separators=(",", ":")))
        out = [dict(m) for m in messages]
        if out and out[0]["role"] == "system":
            out[0]["content"] = out[0]["content"] + "\n\n" + note
        else:
            out.insert(0, {"role": "system", "content": note})
        return out

    def _complete(
        self, messages: list[dict[str, str]], mode: str, json_schema: dict[str, Any], name: str, max_tokens: int, deadline: float, temperature: float = 0.0
    ) -> tuple[str, int, int]:
        kwargs: dict[str, Any] = dict(model=self.model, messages=messages, max_tokens=max_tokens, temperature=temperature)
        if mode == "json_schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {"name": name, "schema": json_schema, "strict": False}}
        elif mode == "json_object":
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        resp = self.client.chat.completions.create(**kwargs, timeout=self._attempt_timeout(deadline))
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
        max_failures=settings.llm_max_failures,
        stream_idle_timeout=settings.llm_idle_timeout,
        secrets=settings.secrets(),
    )

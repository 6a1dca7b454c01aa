"""A real interview process (tests/kill_driver.py: the engine with the LLM brain against the local fake
endpoint, its replies streamed slowly) is SIGKILLed mid-turn, at several points: right after Enter,
right after the line is reported saved, in the middle of the streamed reply, and after the reply. Each
time it is started again and resumed. Every line reported saved is in the final transcript exactly once
and in order, nothing the candidate sent is lost, and every line is answered."""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from engine_support import fresh_home
from fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).resolve().parent / "kill_driver.py"
CASE = "news-feed"
LINES = [
    "How many daily active users does the feed have?",
    "Is the goal engagement or time spent?",
    "I frame it as ranking posts by the chance of a meaningful interaction, retrieval then ranking.",
    "Training data comes from impression logs labelled with clicks, likes and hides, split by time.",
    "A two-tower retrieval model then a multi-task ranking network, with a popularity baseline.",
    "Offline nDCG and calibration; online an A/B test on retention with guardrail metrics.",
    "Serve candidates from an ANN index and rank online with features from a feature store.",
    "Monitor drift, delayed labels and latency, with alerts and scheduled retraining.",
]
# where each run is killed: after Enter (nothing read back), once the line is saved, mid-stream, after the reply
KILLS = ["after_enter", "after_saved", "mid_stream", "after_saved", "mid_stream", "after_done", "after_enter"]


class Driver:
    def __init__(self, home: Path, base_url: str, sid: str):
        env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "MLSD_BRAIN", "MLSD_MODEL")}
        env.update(MLSD_HOME=str(home), MLSD_CONFIG=str(home / "none.toml"), OPENAI_BASE_URL=base_url, MLSD_BRAIN="llm", PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
        self.p = subprocess.Popen([sys.executable, str(DRIVER), sid, CASE], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.state: list[str] = json.loads(self.expect("STATE ")[len("STATE ") :])
        self.expect("READY")

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def expect(self, prefix: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.q.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no {prefix!r} within {timeout:.0f}s") from None
            if line is None:
                err = self.p.stderr.read() if self.p.stderr else ""
                raise AssertionError(f"the driver exited before {prefix!r}: {err[-2000:]}")
            if line.startswith(prefix):
                return line

    def send(self, text: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(json.dumps(text) + "\n")
        self.p.stdin.flush()

    def kill(self) -> None:
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(timeout=30)

    def finish(self) -> None:
        assert self.p.stdin is not None
        self.p.stdin.close()
        self.p.wait(timeout=300)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # about ten process starts (torch, the embedding model): minutes on a loaded machine
def test_sigkill_mid_turn_then_resume_loses_nothing_sent(tmp_path, tmp_path_factory, monkeypatch):
    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    sid = "kill-resume"
    saved: list[str] = []  # lines the process reported checkpointed before it was killed
    with FakeOpenAI() as server:
        server.stream_delay = 0.08  # a streamed reply takes about a second: room to kill it mid-stream
        todo = list(LINES)
        restarted: Driver | None = None  # the run started after a kill right after Enter, which read the store
        for how in KILLS:
            d = restarted or Driver(home, server.base_url, sid)
            restarted = None
            # what the restarted process holds: everything saved so far, each once, in order
            assert d.state == saved, (how, d.state, saved)
            text = todo[0]
            d.send(text)
            if how == "after_enter":
                d.kill()
                # a line killed before it was reported saved may or may not be in; the candidate retypes it if not.
                # The restarted process says which; it then carries on as the next run (no extra start).
                restarted = Driver(home, server.base_url, sid)
                if restarted.state and restarted.state[-1] == text and len(restarted.state) == len(saved) + 1:
                    saved.append(todo.pop(0))
                continue
            line = d.expect("SAVED ")
            assert json.loads(line[len("SAVED ") :]) == text
            saved.append(todo.pop(0))
            if how == "mid_stream":
                d.expect("TOKEN")
                d.kill()
            elif how == "after_done":
                d.expect("DONE")
                d.kill()
            else:
                d.kill()
        # the rest of the interview, undisturbed
        d = restarted or Driver(home, server.base_url, sid)
        assert d.state == saved
        for text in todo:
            d.send(text)
            d.expect("DONE")
            saved.append(text)
        d.finish()
        assert d.p.returncode == 0, d.p.stderr.read()[-2000:] if d.p.stderr else ""
    # the final transcript, read by a fresh engine
    from interviewer.session import Engine, Session
    from interviewer.settings import Settings

    monkeypatch.setenv("MLSD_BRAIN", "offline")
    eng = Engine(Settings(home=home))
    try:
        s = Session.resume(eng, sid)
        tr = s.transcript
    finally:
        eng.close()
    said = [t["text"] for t in tr if t["role"] == "candidate"]
    assert said == LINES, "a line was lost, doubled or reordered"
    # every line was answered: each candidate turn is followed by an interviewer turn
    for i, t in enumerate(tr):
        if t["role"] == "candidate":
            assert i + 1 < len(tr) and tr[i + 1]["role"] == "interviewer", f"line {t['text'][:40]!r} was never answered"

"""The real interview TUI (`python -m tui.cli`, the LLM brain against the local fake endpoint, its replies
streamed slowly) runs in a terminal (tmux) while the candidate types; the process is SIGKILLed at 10
points (right after Enter, while the line shows as "sending…", right after the line is checkpointed, in
the middle of the streamed reply, after the reply), each time started again with `--resume SESSION` and typed on. Two busy loops keep both
cores loaded the whole time (fewer under pytest-xdist, whose other workers load the cores already).

What it proves: every line the candidate typed ends up in the stored transcript exactly once and in order
(read from the checkpoint store with the engine's own graph, read only), and every line is answered. A line
killed before it was checkpointed was never shown as sent (at most as "sending…"); if it is not in the store
after the restart the candidate types it again (as a real one would, seeing it missing), and the test
counts how often that happened. A line the store holds is never typed again, so a duplicate would show.
Prints the figures (run with -s)."""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from engine_support import copy_built  # tests/ is on sys.path (tests/conftest.py)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fake_openai import FakeOpenAI

REPO = Path(__file__).resolve().parents[2]
CASE = "news-feed"
LINES = [
    "How many daily active users does the feed have?",
    "Is the goal engagement or time spent?",
    "I rank posts by the chance of a real interaction.",
    "Labels come from impression logs split by time.",
    "Two-tower retrieval, then a multi-task ranker.",
    "Offline nDCG and calibration, then an A/B test.",
    "Candidates come from an ANN index, fresh features.",
    "Monitor drift, delayed labels and latency.",
    "Retrain daily and watch the guardrail metrics.",
    "Cold start: popularity and content features.",
    "That is my design; what would you push on?",
]
# where each run is killed (the last line is typed in an undisturbed run)
KILLS = [
    "after_enter", "after_saved", "mid_stream", "after_done", "after_enter",
    "mid_stream", "after_saved", "mid_stream", "while_sending", "after_done",
]

pytestmark = [pytest.mark.slow, pytest.mark.tmux]


def flat(text: str) -> str:
    return " ".join(text.split())


class Term:
    """One `python -m tui.cli` under a private tmux server; the pane's process is mlsd itself (exec)."""

    def __init__(self, socket: Path, env: dict[str, str], args: list[str]) -> None:
        self.base = ["tmux", "-S", str(socket)]
        envs = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        cmd = f"cd {shlex.quote(str(REPO))} && exec env -u OPENAI_API_KEY {envs} {shlex.quote(sys.executable)} -m tui.cli {' '.join(map(shlex.quote, args))}"
        subprocess.run([*self.base, "new-session", "-d", "-s", "mlsd", "-x", "160", "-y", "50", cmd], check=True, capture_output=True)
        self.pid = int(subprocess.run([*self.base, "list-panes", "-t", "mlsd", "-F", "#{pane_pid}"], check=True, capture_output=True, text=True).stdout.split()[0])

    def pane(self) -> str:
        r = subprocess.run([*self.base, "capture-pane", "-p", "-t", "mlsd"], capture_output=True, text=True)
        return r.stdout if r.returncode == 0 else ""

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            text = self.pane()
            if predicate(text):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; the pane shows:\n{text}")
            time.sleep(0.05)

    def type_line(self, text: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", "mlsd", "-l", text], check=True)
        self.wait_for(lambda p: text in flat(p), 30, "the typed line in the composer")
        subprocess.run([*self.base, "send-keys", "-t", "mlsd", "Enter"], check=True)

    def sigkill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def ready(p: str) -> bool:
    """The composer takes a line (the notes index may still be warming: the candidate types anyway)."""
    return "● your turn" in p and "resuming" not in p


@pytest.mark.timeout(2400)  # eleven starts of the TUI (torch, the embedding model) on a loaded machine
def test_sigkill_the_real_tui_at_ten_points_loses_and_doubles_nothing(built_home: Path, tmp_path: Path, monkeypatch) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install -y tmux)")
    home = tmp_path / "home"
    home.mkdir()
    copy_built(built_home, home)
    monkeypatch.setenv("MLSD_HOME", str(home))
    monkeypatch.setenv("MLSD_CONFIG", str(home / "none.toml"))
    monkeypatch.setenv("MLSD_BRAIN", "offline")  # the test's own read-only engine never calls a model
    from interviewer.session import Engine
    from interviewer.settings import Settings

    # busy loops to keep both cores loaded; under pytest-xdist the other workers already load the cores
    busy = max(0, int(os.environ.get("MLSD_KILL_LOAD", "2")) - (int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) - 1))
    load = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    reader: Engine | None = None
    t_start = time.monotonic()
    figures: list[str] = []
    retyped = 0
    terms: list[Term] = []
    try:
        with FakeOpenAI() as server:
            # a streamed reply (13 pieces) takes ~1.3 s: room to kill it mid-stream (the kill follows the first piece
            # within a 20 ms poll of the server's own record, in this process)
            server.stream_delay = 0.1
            env = {
                "MLSD_HOME": str(home), "MLSD_CONFIG": str(home / "none.toml"), "OPENAI_BASE_URL": server.base_url,
                "MLSD_BRAIN": "llm", "MLSD_MODEL": "fake", "HF_HUB_OFFLINE": "1", "TERM": "xterm-256color",
                "TOKENIZERS_PARALLELISM": "false",
            }
            reader = Engine(Settings(home=home))

            def stored(sid: str) -> list[str]:
                vals = reader.graph.get_state({"configurable": {"thread_id": sid}}).values
                return [t["text"] for t in vals.get("transcript", []) if t["role"] == "candidate"]

            def answered(sid: str, text: str) -> bool:
                tr = reader.graph.get_state({"configurable": {"thread_id": sid}}).values.get("transcript", [])
                return len(tr) >= 2 and tr[-1]["role"] == "interviewer" and tr[-2]["role"] == "candidate" and tr[-2]["text"] == text

            def wait_answered(term: Term, sid: str, text: str) -> None:
                deadline = time.monotonic() + 180
                while not answered(sid, text):
                    assert time.monotonic() < deadline, f"{text!r} was never answered"
                    time.sleep(0.1)
                term.wait_for(ready, 60, "the composer free again")

            def streaming() -> bool:
                return any(r.body.get("stream") and r.chunks >= 1 and r.usage is None for r in server.chat_requests[-3:] if isinstance(r.body, dict))

            todo = list(LINES)
            typed: list[str] = []  # what the store must hold, in order
            sid: str | None = None
            pending_unsaved, last_text = False, ""  # the last line was killed right after Enter
            for i, how in enumerate(KILLS):
                args = ["--resume", sid] if sid else ["--case", CASE, "--brain", "llm"]
                term = Term(tmp_path / f"tmux-{i}.sock", env, args)
                terms.append(term)
                t0 = time.monotonic()
                term.wait_for(ready, 300, f"run {i}: the interview ready to type")
                if sid is None:
                    rows = reader.store.list()
                    assert len(rows) == 1, rows
                    sid = rows[0]["id"]
                have = stored(sid)
                # a line killed before it was checkpointed: absent (retype it) or present once, never twice
                if typed and have == typed[:-1] and typed[-1] not in have and pending_unsaved:
                    typed.pop()
                    todo.insert(0, last_text)
                    retyped += 1
                assert have == typed, f"run {i}: the store holds {have}, the candidate typed {typed}"
                text = todo.pop(0)
                n_requests = len(server.chat_requests)
                term.type_line(text)
                typed.append(text)
                pending_unsaved, last_text = False, text
                if how == "after_enter":
                    pending_unsaved = True
                elif how == "while_sending":  # the line on screen as "sending…": saved or not, never lost once saved
                    term.wait_for(lambda p: "sending…" in p or text in stored(sid), 60, "the line shown as sending…")
                    pending_unsaved = True
                elif how == "after_saved":
                    deadline = time.monotonic() + 120
                    while text not in stored(sid):
                        assert time.monotonic() < deadline, f"run {i}: {text!r} never saved"
                        time.sleep(0.02)
                elif how == "mid_stream":
                    deadline = time.monotonic() + 180
                    while not (len(server.chat_requests) > n_requests and streaming()):
                        assert time.monotonic() < deadline, f"run {i}: no streamed reply started"
                        time.sleep(0.02)
                elif how == "after_done":
                    wait_answered(term, sid, text)
                if how == "mid_stream" and text not in stored(sid):
                    # the stream was another call's (a resumed session may stream a replayed step or a grade
                    # first): this line was not yet saved, so this is a kill while sending
                    pending_unsaved = True
                term.sigkill()
                figures.append(f"{how} {time.monotonic() - t0:.1f}s")
            # the last run: resumed, finish typing undisturbed, quit cleanly
            term = Term(tmp_path / "tmux-last.sock", env, ["--resume", str(sid)])
            terms.append(term)
            term.wait_for(ready, 300, "the last run ready")
            have = stored(str(sid))
            if typed and have == typed[:-1] and pending_unsaved:
                typed.pop()
                todo.insert(0, last_text)
                retyped += 1
            assert have == typed
            for text in todo:
                term.type_line(text)
                typed.append(text)
                wait_answered(term, str(sid), text)
            subprocess.run([*term.base, "send-keys", "-t", "mlsd", "C-q"], check=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    os.kill(term.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            subprocess.run([*term.base, "kill-server"], capture_output=True)
            vals = reader.graph.get_state({"configurable": {"thread_id": sid}}).values
            tr = vals.get("transcript", [])
    finally:
        for t in terms:  # a run left behind by a failed wait
            try:
                os.kill(t.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            subprocess.run([*t.base, "kill-server"], capture_output=True)
        for p in load:
            p.kill()
            p.wait()
        if reader is not None:
            reader.close()
    said = [t["text"] for t in tr if t["role"] == "candidate"]
    assert sorted(set(said)) == sorted(LINES), "a line typed is missing from the transcript"
    assert said == LINES, "a line was doubled or reordered"
    assert not [ln for ln in LINES if said.count(ln) != 1]
    for j, t in enumerate(tr):
        if t["role"] == "candidate":
            assert j + 1 < len(tr) and tr[j + 1]["role"] == "interviewer", f"line {t['text'][:40]!r} was never answered"
    kills_right_after_enter = KILLS.count("after_enter") + KILLS.count("while_sending")
    print(
        f"\n[tui kill] {len(KILLS)} SIGKILLs of the TUI ({', '.join(figures)}); {len(LINES)} lines, each stored once and in order, "
        f"each answered; {retyped} of {kills_right_after_enter} lines killed right after Enter or while 'sending…' were not yet checkpointed "
        f"(never shown as sent, at most as 'sending…') and were typed again; {len(load)} busy loops; {time.monotonic() - t_start:.0f}s in all"
    )

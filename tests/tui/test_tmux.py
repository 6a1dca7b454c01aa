"""`mlsd` in a real terminal (tmux): first paint, the clock and tracker, a clarifying question
answered from the case's facts, and ctrl+q exiting. Prints the startup figures (run with -s)."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
import yaml
from engine_support import copy_built  # tests/ is on sys.path (tests/conftest.py)

CASE = "video-recommendation"
QUESTION = "How many daily active users are there?"
REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.tmux]


def dau_fact_number() -> str:
    """The number in the case fact about daily active users (e.g. "300")."""
    case = yaml.safe_load((REPO / "knowledge" / "cases" / f"{CASE}.yaml").read_text())
    facts = [f for f in case["facts"] if f["id"] == "daily-active-users"] or [
        f for f in case["facts"] if "daily active users" in " ".join(f["topics"]).lower()
    ]
    assert facts, "the case has a fact about daily active users"
    m = re.search(r"\d[\d,.]*", facts[0]["answer"])
    assert m, facts[0]["answer"]
    return m.group(0)


class Tmux:
    def __init__(self, socket: Path, session: str) -> None:
        self.base = ["tmux", "-S", str(socket)]  # a private server, its socket in the test's tmp dir
        self.session = session

    def run(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], capture_output=True, text=True, check=True).stdout

    def pane(self) -> str:
        try:
            return self.run("capture-pane", "-p", "-t", self.session)
        except subprocess.CalledProcessError:
            return ""

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, what: str) -> float:
        """Poll the pane until `predicate` holds; returns the monotonic time it first did."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.pane()
            if predicate(text):
                return time.monotonic()
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; the pane shows:\n{text}")
            time.sleep(0.03)

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_mlsd_in_tmux(built_home: Path, tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install -y tmux)")
    home = tmp_path / "home"
    home.mkdir()
    copy_built(built_home, home)  # the index is built once per test run
    exe = shutil.which("mlsd")
    mlsd = shlex.quote(exe) if exe else f"{shlex.quote(sys.executable)} -c 'from tui.cli import main; main()'"
    env = f"MLSD_HOME={shlex.quote(str(home))} MLSD_CONFIG={shlex.quote(str(home / 'none.toml'))} TERM=xterm-256color"
    command = f"cd {shlex.quote(str(REPO))} && env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u MLSD_BRAIN {env} {mlsd} --case {CASE} --brain offline; echo MLSD-EXIT=$?; sleep 60"
    number = dau_fact_number()
    tmux = Tmux(tmp_path / "tmux.sock", "mlsd")
    try:
        t0 = time.monotonic()
        tmux.run("new-session", "-d", "-s", "mlsd", "-x", "100", "-y", "30", command)
        painted = tmux.wait_for(lambda p: "clarify" in p and "monitor" in p, 30, "the first paint (phase tracker)")
        clock = tmux.wait_for(lambda p: re.search(r"\d\d:\d\d left", p) is not None, 60, "the interview clock")
        asked = tmux.wait_for(lambda p: "Interviewer" in p and "clarifying" in flat(p), 60, "the opening question")
        ready = tmux.wait_for(lambda p: "● your turn" in p and "warming" not in p, 120, "the warmed-up interviewer")
        pane = tmux.pane()
        assert "✓" in pane or "▶ clarify" in pane  # the tracker marks the current phase
        assert re.search(r"\d\d:\d\d left", pane)

        tmux.run("send-keys", "-t", "mlsd", "-l", QUESTION)
        tmux.run("send-keys", "-t", "mlsd", "Enter")
        sent = time.monotonic()
        answered = tmux.wait_for(
            lambda p: QUESTION in flat(p) and re.search(rf"\b{re.escape(number)}\b", flat(p).split(QUESTION, 1)[-1]) is not None,
            90,
            f"the fact answer ({number} daily active users)",
        )
        assert "million" in flat(tmux.pane()).split(QUESTION, 1)[-1]

        tmux.run("send-keys", "-t", "mlsd", "C-q")
        tmux.wait_for(lambda p: "MLSD-EXIT=" in p, 30, "mlsd to exit")
        pane = tmux.pane()
        assert "MLSD-EXIT=0" in pane
        assert "--resume" in flat(pane)  # the exit hint says how to resume

        print(
            f"\n[tmux] mlsd: first paint {painted - t0:.2f}s · clock shown {clock - t0:.2f}s · "
            f"first question {asked - t0:.2f}s · warm {ready - t0:.2f}s · "
            f"clarifying answer {answered - sent:.2f}s after enter"
        )
    finally:
        tmux.kill()

    # the TUI alone (without the CLI's own start-up, which loads the case library to check --case)
    tui = Tmux(tmp_path / "tmux-tui.sock", "tui")
    code = f"from tui.app import run_app; run_app(case={CASE!r}, brain='offline')"
    try:
        t0 = time.monotonic()
        tui.run("new-session", "-d", "-s", "tui", "-x", "100", "-y", "30",
                f"cd {shlex.quote(str(REPO))} && env {env} {shlex.quote(sys.executable)} -c {shlex.quote(code)}; echo MLSD-EXIT=$?; sleep 60")
        painted = tui.wait_for(lambda p: "clarify" in p and "monitor" in p, 30, "the first paint")
        asked = tui.wait_for(lambda p: "Interviewer" in p and "clarifying" in flat(p), 60, "the opening question")
        tui.run("send-keys", "-t", "tui", "C-q")
        tui.wait_for(lambda p: "MLSD-EXIT=0" in p, 30, "the TUI to exit")
        print(f"[tmux] run_app alone: first paint {painted - t0:.2f}s · first question {asked - t0:.2f}s")
    finally:
        tui.kill()

"""Durability: a simulation killed with SIGKILL at random points, then resumed, loses and repeats nothing."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from engine_support import built_index, call_main, copy_built, settings_for

from interviewer.content import library
from interviewer.session import Engine
from interviewer.simulate import NOTHING_TO_ADD, ScriptedCandidate, result, run

ROOT = Path(__file__).resolve().parent.parent
CASE = "news-feed"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN")}
    env.update(MLSD_HOME=str(home), MLSD_CONFIG=str(home / "none.toml"), MLSD_SIM_PACE="0.15")
    return env


def _checkpoints(home: Path, sid: str = "durability-test") -> int:
    """How far the saved interview is: the turns in its latest checkpoint (older checkpoints are compacted away)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    try:
        conn = sqlite3.connect(home / "checkpoints.sqlite", timeout=5)
        try:
            saver = SqliteSaver(conn)
            saver.is_setup = True  # read only: no schema statements against a file another process writes
            tup = saver.get_tuple({"configurable": {"thread_id": sid}})
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
    return len(tup.checkpoint["channel_values"].get("transcript", [])) if tup else 0


def _stamp(home: Path) -> tuple:
    """Size and modification time of the checkpoint database and its WAL: changes whenever a checkpoint is written."""
    out = []
    for name in ("checkpoints.sqlite", "checkpoints.sqlite-wal"):
        try:
            st = (home / name).stat()
            out.append((st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # ten process starts (torch, the embedding model): over 600 s on a loaded machine
def test_sigkill_then_resume_loses_and_repeats_nothing(tmp_path, tmp_path_factory, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    copy_built(built_index(tmp_path_factory), home)
    sid = "durability-test"
    args = [sys.executable, "-m", "tui.cli", "simulate", "--case", CASE, "--persona", "average", "--session-id", sid]
    rng = random.Random(1234)
    kills = 0
    first = True
    seen_counts: list[int] = []
    while kills < 10:
        cmd = args + ([] if first else ["--resume"]) + ["--json"]
        p = subprocess.Popen(cmd, cwd=ROOT, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen = _stamp(home)  # before `base`: a checkpoint written in between changes the stamp
        base = _checkpoints(home)
        deadline = time.monotonic() + 120
        # wait until the run is making turns, then kill it at a random moment. The checkpoint is decoded only
        # when the checkpoint files changed (a decode per 50 ms poll took CPU from the process being waited for)
        while p.poll() is None and time.monotonic() < deadline:
            now = _stamp(home)
            if now != seen:
                seen = now
                if _checkpoints(home) > base:
                    break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.6))
        if p.poll() is not None:
            break  # it finished before we could kill it
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        kills += 1
        first = False
        seen_counts.append(_checkpoints(home))
    assert kills >= 10, f"only {kills} kills landed"
    assert seen_counts == sorted(seen_counts)  # progress was kept across kills
    # the rest of the run, undisturbed (no pause between turns: the pace only gave the kills room to land): the
    # same `mlsd simulate ... --resume --json`, run by the CLI's own main in this process (no further start of
    # torch and the embedding model; the ten killed runs were separate processes)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN", "MLSD_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLSD_HOME", str(home))
    monkeypatch.setenv("MLSD_CONFIG", str(home / "none.toml"))
    monkeypatch.setenv("MLSD_SIM_PACE", "0")
    code, stdout, stderr = call_main(monkeypatch, capsys, *args[3:], "--resume", "--json")
    assert code == 0, stderr[-2000:]
    out = json.loads(stdout)
    said = [t["text"] for t in out["transcript"] if t["role"] == "candidate"]
    # the same interview never killed: the same candidate lines, in the same order, each said once. It runs in
    # this process (what `mlsd simulate --case news-feed --persona average --session-id ...` runs, without a
    # second start of torch and the embedding model)
    ref_home = tmp_path / "reference"
    ref_home.mkdir()
    copy_built(built_index(tmp_path_factory), ref_home)
    monkeypatch.setenv("MLSD_HOME", str(ref_home))
    monkeypatch.setenv("MLSD_CONFIG", str(ref_home / "none.toml"))
    monkeypatch.setenv("MLSD_SIM_PACE", "0")
    eng = Engine(settings_for(ref_home))
    try:
        ref = result(run(eng, CASE, ScriptedCandidate.from_script(library().script("average", CASE)), session_id=sid))
    finally:
        eng.close()
    expected = [t["text"] for t in ref["transcript"] if t["role"] == "candidate"]
    assert expected and said == expected
    script = ScriptedCandidate.from_script(library().script("average"))
    for ph in ("clarify", "frame", "data", "model", "evaluation", "deploy", "monitor"):
        mine = [t["text"] for t in out["transcript"] if t["role"] == "candidate" and t["phase"] == ph and t["text"] != NOTHING_TO_ADD]
        assert mine, ph
        assert len(mine) == len(set(mine)) and set(mine) <= set(script.lines[ph]), ph  # nothing said twice, nothing invented
    assert out["scorecard"]["overall"]["hire_signal"]

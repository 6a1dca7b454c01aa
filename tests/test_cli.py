"""The command-line contract: JSON shapes, exit codes, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine_support import built_index

ROOT = Path(__file__).resolve().parent.parent


def mlsd(*args: str, home: Path, check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN")}
    env["MLSD_HOME"] = str(home)
    env["MLSD_CONFIG"] = str(home / "none.toml")
    p = subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    import shutil

    h = tmp_path_factory.mktemp("cli-home")
    shutil.copytree(built_index(tmp_path_factory) / "index", h / "index")
    return h


def test_help_says_what_each_command_does(home):
    p = mlsd("--help", home=home, check=True)
    for cmd in ("interview", "cases", "check", "index", "ask", "grade", "simulate", "sessions", "report", "eval"):
        assert cmd in p.stdout


def test_cases_json(home):
    p = mlsd("cases", "--json", home=home, check=True)
    rows = json.loads(p.stdout)
    assert len(rows) >= 14 and {"id", "title", "prompt"} <= set(rows[0])


def test_grade_json_shape(home):
    ans = "We would split by time and use point-in-time joins so no future information leaks into training."
    p = mlsd("grade", "--phase", "data", "--case", "video-recommendation", "--answer", ans, "--brain", "offline", "--json", home=home, check=True)
    d = json.loads(p.stdout)
    assert d["phase"] == "data" and d["case"] == "video-recommendation"
    assert 1 <= d["score"] <= 4
    for c in d["criteria"]:
        assert set(c) >= {"id", "score", "evidence", "rationale"}
        assert c["score"] is None or 1 <= c["score"] <= 4
        for q in c["evidence"]:
            assert q.lower() in ans.lower()


def test_bad_usage_exit_2(home):
    p = mlsd("grade", "--phase", "nonsense", "--answer", "x", home=home)
    assert p.returncode == 2 and "phase" in p.stderr and "Traceback" not in p.stderr
    p = mlsd("simulate", "--case", "no-such-case", "--persona", "strong", home=home)
    assert p.returncode == 2 and "no-such-case" in p.stderr
    bad = home / "answers.json"
    bad.write_text('{"clarify": ["a",\n  ]')
    p = mlsd("simulate", "--case", "news-feed", "--answers-file", str(bad), home=home)
    assert p.returncode == 2 and f"{bad}:2" in p.stderr and len(p.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_simulate_json_then_sessions_and_report(home, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"clarify": ["How many daily active users are there?", "I'll assume 300M users and a 200 ms budget."], "frame": ["Rank videos by predicted watch probability."]}))
    p = mlsd("simulate", "--case", "video-recommendation", "--answers-file", str(answers), "--json", home=home, check=True)
    d = json.loads(p.stdout)  # stdout holds one JSON document and nothing else
    assert set(d) >= {"session_id", "case", "transcript", "phases", "scorecard"}
    assert [ph["id"] for ph in d["phases"]] == ["clarify", "frame", "data", "model", "evaluation", "deploy", "monitor"]
    assert {"role", "phase", "text", "minute"} <= set(d["transcript"][0])
    cand = [t["text"] for t in d["transcript"] if t["role"] == "candidate"]
    assert cand[:2] == ["How many daily active users are there?", "I'll assume 300M users and a 200 ms budget."]
    sc = d["scorecard"]
    assert set(sc["overall"]) >= {"score", "hire_signal", "level", "confidence"}
    assert set(sc) >= {"overall", "phases", "strengths", "gaps", "study"}
    s = json.loads(mlsd("sessions", "--json", home=home, check=True).stdout)
    assert any(r["id"] == d["session_id"] and r["score"] is not None for r in s)
    r = json.loads(mlsd("report", d["session_id"], "--format", "json", home=home, check=True).stdout)
    assert r["overall"] == sc["overall"]
    md = mlsd("report", d["session_id"], home=home, check=True).stdout
    assert md.startswith("# Scorecard")
    # the recorded interview grades again from its transcript
    t = tmp_path / "t.json"
    t.write_text(p.stdout)
    g = json.loads(mlsd("grade", "--transcript", str(t), "--brain", "offline", "--json", home=home, check=True).stdout)
    assert [ph["id"] for ph in g["phases"]] == [ph["id"] for ph in sc["phases"]]
    assert abs(g["phases"][0]["score"] - sc["phases"][0]["score"]) < 1e-6


def test_report_unknown_session(home):
    p = mlsd("report", "nope", home=home)
    assert p.returncode == 2 and "no session" in p.stderr

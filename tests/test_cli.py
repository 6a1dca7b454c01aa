"""The command-line contract: JSON shapes, exit codes, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from engine_support import built_index, call_main, copy_built

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
    h = tmp_path_factory.mktemp("cli-home")
    copy_built(built_index(tmp_path_factory), h)
    return h


def test_help_says_what_each_command_does(home):
    p = mlsd("--help", home=home, check=True)
    for cmd in ("interview", "cases", "check", "index", "ask", "grade", "simulate", "sessions", "report", "eval"):
        assert cmd in p.stdout


def test_simulate_help_names_every_scripted_candidate(home):
    from interviewer.content import library

    p = mlsd("simulate", "--help", home=home, check=True)
    text = " ".join(p.stdout.split())
    names = sorted({k.split("@")[0] for k in library().candidates})
    assert len(names) >= 8
    for name in names:
        assert name in text, name


def test_cases_json(home):
    p = mlsd("cases", "--json", home=home, check=True)
    rows = json.loads(p.stdout)
    assert len(rows) >= 14 and {"id", "title", "prompt"} <= set(rows[0])


def test_grade_json_shape(home):
    ans = "We would split by time and use point-in-time joins so no future information leaks into training."
    p = mlsd("grade", "--phase", "data", "--case", "video-recommendation", "--answer", ans, "--brain", "offline", "--json", home=home, check=True)
    d = json.loads(p.stdout)
    assert d["phase"] == "data" and d["case"] == "video-recommendation"
    assert 1 <= d["score"] <= 4 and d["grader"] == "offline"
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
def test_simulate_json_then_sessions_and_report(home, tmp_path, monkeypatch, capfd):
    """The simulation runs as the `mlsd` process; the commands that read it back run the CLI's main in this
    process (capfd: stdout captured at the file descriptor, as a subprocess's would be)."""
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"clarify": ["How many daily active users are there?", "I'll assume 300M users and a 200 ms budget."], "frame": ["Rank videos by predicted watch probability."]}))
    p = mlsd("simulate", "--case", "video-recommendation", "--answers-file", str(answers), "--json", home=home, check=True)
    d = json.loads(p.stdout)  # stdout holds one JSON document and nothing else
    assert set(d) >= {"session_id", "case", "transcript", "phases", "scorecard"}
    assert [ph["id"] for ph in d["phases"]] == ["clarify", "frame", "data", "model", "evaluation", "deploy", "monitor"]
    assert {"role", "phase", "text", "minute"} <= set(d["transcript"][0])
    cand = [t["text"] for t in d["transcript"] if t["role"] == "candidate"]
    assert cand[:2] == ["How many daily active users are there?", "I'll assume 300M users and a 200 ms budget."]
    assert d["unused_answers"] == {}  # every scripted line was said
    sc = d["scorecard"]
    assert set(sc["overall"]) >= {"score", "hire_signal", "level", "confidence"}
    assert set(sc) >= {"overall", "phases", "strengths", "gaps", "study"}
    def cli(*args: str) -> str:
        code, out, err = run_main(monkeypatch, capfd, *args, home=home, config=home / "none.toml")
        assert code == 0, err
        return out

    s = json.loads(cli("sessions", "--json"))
    assert any(r["id"] == d["session_id"] and r["score"] is not None for r in s)
    r = json.loads(cli("report", d["session_id"], "--format", "json"))
    assert r["overall"] == sc["overall"]
    md = cli("report", d["session_id"])
    assert md.startswith("# Scorecard")
    # the recorded interview grades again from its transcript
    t = tmp_path / "t.json"
    t.write_text(p.stdout)
    g = json.loads(cli("grade", "--transcript", str(t), "--brain", "offline", "--json"))
    assert [ph["id"] for ph in g["phases"]] == [ph["id"] for ph in sc["phases"]]
    assert abs(g["phases"][0]["score"] - sc["phases"][0]["score"]) < 1e-6
    # and with the same confidence: the output's "minutes" is the time used, not the length planned (it had
    # read a 24-minute interview as a full one: "low (0.43)" in the simulation, 0.535 "medium" from its transcript)
    assert d["planned_minutes"] == 45 and d["minutes"] < 45
    assert g["overall"]["confidence"] == sc["overall"]["confidence"]
    assert g["overall"]["confidence_reasons"] == sc["overall"]["confidence_reasons"]
    # and with the follow-ups each phase had (a probe saw 0 for every phase from a simulation's transcript)
    assert [ph["follow_ups"] for ph in g["phases"]] == [ph["follow_ups"] for ph in sc["phases"]]
    assert sum(ph["follow_ups"] for ph in g["phases"]) > 0


def test_report_unknown_session(home):
    p = mlsd("report", "nope", home=home)
    assert p.returncode == 2 and "no session" in p.stderr


# ------------------------------------------------------------------------------------ errors that help
# These run `tui.cli.main` in this process (the same top-level handler as the `mlsd` script, without a
# subprocess's start-up cost), each on a fresh MLSD_HOME and config file.


def run_main(monkeypatch, capsys, *args: str, home: Path | str, config: Path | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN", "MLSD_MODEL", "MLSD_LLM_TIMEOUT", "MLSD_LLM_RETRIES", "MLSD_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLSD_HOME", str(home))
    monkeypatch.setenv("MLSD_CONFIG", str(config or Path(str(home) + "-no-config.toml")))
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    return call_main(monkeypatch, capsys, *args)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "unexpected error" not in err and "Traceback" not in err
    return lines[0]


def test_broken_config_toml_names_the_file_and_line(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text('model = "gpt-4o-mini"\nllm_timeout =\n', encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "sessions", home=tmp_path / "home", config=cfg)
    line = one_line(err)
    assert code == 2 and out == ""
    assert f"{cfg}:2" in line and "TOML" in line and "move the file aside" in line


def test_config_not_utf8_names_the_file(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_bytes(b'model = "\xff\xfe"\n')
    code, _out, err = run_main(monkeypatch, capsys, "sessions", home=tmp_path / "home", config=cfg)
    assert code == 2 and str(cfg) in one_line(err)


def test_wrong_config_type_names_the_key(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text('model = "m"\nllm_retries = "many"\n', encoding="utf-8")
    code, _out, err = run_main(monkeypatch, capsys, "sessions", home=tmp_path / "home", config=cfg)
    line = one_line(err)
    assert code == 2 and f"{cfg}:2: llm_retries:" in line and "integer" in line
    # the same through the environment names the variable
    code, _out, err = run_main(monkeypatch, capsys, "sessions", home=tmp_path / "home", env={"MLSD_LLM_TIMEOUT": "soon"})
    line = one_line(err)
    assert code == 2 and line.startswith("mlsd: MLSD_LLM_TIMEOUT: ") and "environment variable" in line and "number" in line


def test_empty_mlsd_home_is_an_error_and_touches_nothing(tmp_path, monkeypatch, capsys):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    os.chmod(cwd, 0o755)
    monkeypatch.chdir(cwd)
    code, _out, err = run_main(monkeypatch, capsys, "sessions", home="", config=tmp_path / "none.toml")
    line = one_line(err)
    assert code == 2 and "MLSD_HOME" in line and "empty" in line
    assert oct(cwd.stat().st_mode & 0o7777) == oct(0o755) and list(cwd.iterdir()) == []


def test_home_that_is_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.write_text("")
    code, _out, err = run_main(monkeypatch, capsys, "sessions", home=home)
    assert code == 2 and str(home) in one_line(err)


def test_existing_home_keeps_its_mode_and_what_mlsd_writes_is_private(tmp_path, monkeypatch, capsys):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    code, _out, err = run_main(monkeypatch, capsys, "report", "nope", home=shared)  # opens the store and the checkpoints
    assert code == 2, err
    assert shared.stat().st_mode & 0o7777 == 0o1777, "an existing folder keeps its mode"
    written = [p for p in shared.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"mlsd.sqlite", "checkpoints.sqlite"}
    for p in written:
        assert p.stat().st_mode & 0o077 == 0, f"{p} is readable by others"
    fresh = tmp_path / "a" / "new-home"
    code, _out, err = run_main(monkeypatch, capsys, "sessions", home=fresh)
    assert code == 0, err
    assert fresh.stat().st_mode & 0o777 == 0o700, "a folder mlsd creates is private"


def damage(path: Path) -> None:
    path.write_bytes(b"this is not a SQLite database, whatever its name says\n" * 200)


def test_corrupt_session_database_names_the_path_and_the_way_out(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    damage(home / "mlsd.sqlite")
    code, out, err = run_main(monkeypatch, capsys, "sessions", home=home)
    line = one_line(err)
    assert code == 2 and out == ""
    assert str(home / "mlsd.sqlite") in line and "move it aside" in line


def test_damaged_checkpoints_file_is_found(tmp_path):
    from interviewer.health import damaged_databases

    home = tmp_path / "home"
    home.mkdir()
    sqlite3 = __import__("sqlite3")
    sqlite3.connect(home / "mlsd.sqlite").execute("CREATE TABLE t (x)").connection.commit()
    assert damaged_databases(home) == []
    damage(home / "checkpoints.sqlite")
    found = damaged_databases(home)
    assert [p.name for p, _why in found] == ["checkpoints.sqlite"] and "not a database" in found[0][1]


def _add_session(home: Path, sid: str, case: str = "news-feed") -> None:
    from interviewer.store import Store

    Store(home).add(sid, case, "senior", "neutral", 45.0, "offline", ["clarify"], "interview")


def test_corrupt_report_json_names_the_file(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    _add_session(home, "20260101-000000-abcdef")
    report = home / "reports" / "20260101-000000-abcdef.json"
    report.parent.mkdir()
    report.write_text('{"session_id": "20260101-000000-abcdef", "overall": {"score": "high"', encoding="utf-8")
    for fmt in ("md", "json"):
        code, out, err = run_main(monkeypatch, capsys, "report", "20260101", "--format", fmt, home=home)
        line = one_line(err)
        assert code == 2 and out == ""
        assert str(report) in line and "move it aside" in line


def test_check_on_a_folder_without_content_exits_2(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.txt").write_text("not content")
    code, out, err = run_main(monkeypatch, capsys, "check", str(empty), home=tmp_path / "home")
    line = one_line(err)
    assert code == 2 and "ok:" not in out
    assert str(empty) in line and "no rubrics" in line


ESC_TEXT = "news\x1b]0;pwned\x07\x1b[2J\u202eevil\rfeed"


def test_plain_outputs_escape_control_characters(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    sid = "20260101-000000-c0ffee"
    _add_session(home, sid, case=ESC_TEXT)
    code, out, err = run_main(monkeypatch, capsys, "sessions", home=home, env={"COLUMNS": "250"})
    assert code == 0, err
    assert "pwned" in out and "\\x1b" in out and not any(ch in out for ch in "\x1b\x07\u202e\r")
    card = {
        "session_id": sid, "case": "news-feed", "case_title": ESC_TEXT,
        "overall": {"score": 2.5, "hire_signal": "lean hire", "level": "senior", "confidence": 0.5, "confidence_label": "medium", "target_level": "senior"},
        "phases": [], "notices": [f"model said: {ESC_TEXT}"],
    }
    (home / "reports").mkdir()
    (home / "reports" / f"{sid}.json").write_text(json.dumps(card), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "report", sid, home=home)
    assert code == 0, err
    assert out.startswith("# Scorecard") and "pwned" in out and "\\x1b" in out
    assert not any(ch in out for ch in "\x1b\x07\u202e\r")


def test_cases_table_shows_content_literally(tmp_path, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "cases", home=tmp_path / "home")
    assert code == 0, err
    assert "video-recommendation" in out and "\x1b" not in out


@pytest.mark.parametrize(
    "answers,expect",
    [
        ({"clarify": [{"repeat": "x" * 50_000, "times": 100_000}]}, "5,000,000,000 characters"),
        ({"clarify": ["fine"] * 101}, "at most 100"),
        ({"clarify": ["y" * 100_001]}, "at most 100000 characters"),
        ({"clarify": [3]}, "valid string"),
        ({"framing": ["a"]}, "clarify"),
        ({"clarify": [{"repeat": "ab", "times": 2, "extra": 1}]}, "extra"),
        ({}, "holds no answer"),  # a probe saw it saved as a finished interview graded 1.00
        ({"clarify": ["  "], "data": []}, "holds no answer"),
    ],
)
def test_answers_file_caps_are_one_line_naming_the_file(tmp_path, monkeypatch, capsys, answers, expect):
    import resource

    f = tmp_path / "answers.json"
    f.write_text(json.dumps(answers), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, _out, err = run_main(monkeypatch, capsys, "simulate", "--case", "news-feed", "--answers-file", str(f), home=tmp_path / "home")
    line = one_line(err)
    assert code == 2 and str(f) in line and expect in line, line
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000, "nothing big was allocated (KB)"


def test_script_lines_a_closed_phase_never_reached_are_reported(tmp_path, monkeypatch, capsys):
    """A probe lost 4 of 10 clarifying questions without a word once the clarify phase's minutes were used."""
    f = tmp_path / "a.json"
    f.write_text(json.dumps({"clarify": [f"What is fact number {i} about the merchants?" for i in range(14)]}))
    code, out, err = run_main(monkeypatch, capsys, "simulate", "--case", "payment-fraud-detection", "--answers-file", str(f), "--json", home=tmp_path / "home")
    assert code == 0, err
    d = json.loads(out)
    said = [t["text"] for t in d["transcript"] if t["role"] == "candidate" and t["phase"] == "clarify"]
    assert d["unused_answers"].get("clarify", 0) == 14 - len([x for x in said if x.startswith("What is fact number")]) > 0


def test_answers_file_too_big_or_too_deep(tmp_path, monkeypatch, capsys):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"clarify": ["z" * 90_000] * 30}), encoding="utf-8")
    code, _out, err = run_main(monkeypatch, capsys, "simulate", "--case", "news-feed", "--answers-file", str(big), home=tmp_path / "home")
    assert code == 2 and str(big) in one_line(err) and "at most 2,000,000" in err
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000, encoding="utf-8")
    code, _out, err = run_main(monkeypatch, capsys, "simulate", "--case", "news-feed", "--answers-file", str(deep), home=tmp_path / "home")
    assert code == 2 and str(deep) in one_line(err)


def test_a_real_bug_is_still_an_unexpected_error(tmp_path, monkeypatch, capsys):
    import interviewer.content as content

    def bug(*_a, **_k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(content, "library", bug)
    code, _out, err = run_main(monkeypatch, capsys, "cases", home=tmp_path / "home")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "unexpected error: ZeroDivisionError" in err and "MLSD_DEBUG" in err


def test_grade_inputs_over_the_size_cap_are_refused(tmp_path, monkeypatch, capsys):
    big = tmp_path / "answer.txt"
    big.write_text("word " * 500_000, encoding="utf-8")  # 2.5 MB
    code, _out, err = run_main(monkeypatch, capsys, "grade", "--phase", "data", "--answer-file", str(big), "--brain", "offline", home=tmp_path / "home")
    assert code == 2 and str(big) in one_line(err) and "at most" in err
    code, _out, err = run_main(monkeypatch, capsys, "grade", "--transcript", str(big), "--brain", "offline", home=tmp_path / "home")
    assert code == 2 and str(big) in one_line(err)


def test_corrupt_checkpoints_file_names_the_path_on_resume(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    _add_session(home, "s1")
    damage(home / "checkpoints.sqlite")
    code, out, err = run_main(monkeypatch, capsys, "simulate", "--case", "news-feed", "--persona", "weak", "--session-id", "s1", "--resume", home=home)
    line = one_line(err)
    assert code == 2 and out == ""
    assert str(home / "checkpoints.sqlite") in line and "move it aside" in line and "resumed" in line


@pytest.mark.parametrize("columns", ["80", "40"])
def test_tables_never_cut_ids(tmp_path, monkeypatch, capsys, columns):
    """`mlsd cases` and `mlsd sessions` show every id whole: a user must be able to copy it."""
    from interviewer.content import library

    home = tmp_path / "home"
    home.mkdir()
    sids = ["20261130-181512-9f3c2a", "20261130-181733-b04e11"]
    for sid in sids:
        _add_session(home, sid, case="delivery-time-estimation")
    code, out, err = run_main(monkeypatch, capsys, "sessions", home=home, env={"COLUMNS": columns})
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= int(columns)
    for sid in sids:
        assert sid in out, out
    assert "…" not in out
    code, out, err = run_main(monkeypatch, capsys, "cases", home=home, env={"COLUMNS": columns})
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= int(columns)
    for cid in library().cases:
        assert cid in out, (cid, out)
    assert "…" not in out


class _FakeIndex:
    """Stands in for the knowledge index: a build that reports progress like the real one."""

    def __init__(self) -> None:
        self.built = 0

    def build(self, rebuild: bool = False, progress=None) -> dict:
        self.built += 1
        for done in (0, 64, 128, 150):
            if progress:
                progress(done, 150)
        return {"status": "built", "chunks": 150, "embedded": 150, "seconds": 0.0}


def test_first_mlsd_run_builds_the_index_with_progress_on_stderr(tmp_path, monkeypatch, capsys):
    import interviewer.knowledge as knowledge
    from tui import cli

    fake = _FakeIndex()
    monkeypatch.setattr(knowledge, "get_index", lambda home, lib: fake)
    home = tmp_path / "home"
    home.mkdir()
    cli._first_run_index(home)
    out, err = capsys.readouterr()
    assert out == "" and fake.built == 1
    assert "first run: building the notes index" in err
    assert [line for line in err.splitlines() if "embedding notes" in line] == [f"mlsd: embedding notes {d}/150" for d in (0, 64, 128, 150)]
    # a home whose index is built starts the UI at once
    (home / "index").mkdir()
    (home / "index" / "manifest.json").write_text("{}")
    cli._first_run_index(home)
    assert fake.built == 1 and capsys.readouterr().err == ""


def test_mlsd_index_prints_progress_on_stderr_and_json_on_stdout(tmp_path, monkeypatch, capsys):
    import interviewer.knowledge as knowledge

    fake = _FakeIndex()
    monkeypatch.setattr(knowledge, "get_index", lambda home, lib: fake)
    fake.path = tmp_path / "index"  # type: ignore[attr-defined]
    code, out, err = run_main(monkeypatch, capsys, "index", "--json", home=tmp_path / "home")
    assert code == 0, err
    assert json.loads(out)["chunks"] == 150
    assert "mlsd: embedding notes 64/150" in err


@pytest.mark.parametrize(
    "data, says",
    [
        ([], "no turn of the candidate's"),
        ([{"role": "interviewer", "phase": "data", "text": "What data?"}], "no turn of the candidate's"),
        ([{"role": "candidate", "phase": "dataa", "text": "I would split by time."}], "turn 1: phase 'dataa' is not one of"),
        ([{"role": "candidate", "text": "I would split by time."}], "turn 1: has no phase"),
        ([{"role": "candidat", "phase": "data", "text": "x"}], "turn 1: role 'candidat'"),
        ({"case": "nope", "transcript": [{"role": "candidate", "phase": "data", "text": "x"}]}, "unknown case 'nope'"),
    ],
)
def test_grade_transcript_refuses_a_transcript_it_would_misgrade(tmp_path, monkeypatch, capsys, data, says):
    """A probe saw `[]` graded as a "strong no hire" interview and a turn with a misspelt phase dropped unseen."""
    t = tmp_path / "t.json"
    t.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "grade", "--transcript", str(t), "--brain", "offline", home=tmp_path / "home")
    assert code == 2 and str(t) in one_line(err) and says in err, err
    assert "hire" not in out


def test_eval_exits_1_when_a_threshold_is_missed_and_0_when_all_hold(home, tmp_path):
    """`mlsd eval` printed "threshold missed" and exited 0: click returns a typer.Exit's code without standalone mode."""
    import tomllib

    import yaml

    th = tomllib.loads((ROOT / "evals" / "thresholds.toml").read_text())
    for name, accuracy, parts in (("strict", 1.01, 0.0), ("lenient", 0.0, 0.0)):
        folder = tmp_path / name
        (folder / "clarifying").mkdir(parents=True)
        # a few questions of the shipped set are enough to measure; the thresholds decide the exit code
        shipped = yaml.safe_load((ROOT / "evals" / "clarifying" / "questions.yaml").read_text())
        (folder / "clarifying" / "questions.yaml").write_text(yaml.safe_dump(shipped[:6]))
        lines = ["[behaviour]", f"clarify_accuracy_min = {accuracy}", f"clarify_every_part_min = {parts}"]
        (folder / "thresholds.toml").write_text("\n".join(lines) + "\n")
        assert th["behaviour"]["clarify_accuracy_min"] > 0  # the shipped file has the threshold this varies
        p = subprocess.run(
            [sys.executable, "-m", "tui.cli", "eval", "--suite", "clarifying"],
            capture_output=True, text=True, timeout=300, cwd=ROOT,
            env={**{k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}, "MLSD_HOME": str(home), "MLSD_CONFIG": str(home / "none.toml"), "MLSD_EVALS_DIR": str(folder)},
        )
        if name == "strict":
            assert p.returncode == 1 and "threshold missed" in p.stderr, (p.returncode, p.stderr[-500:])
        else:
            assert p.returncode == 0 and "threshold missed" not in p.stderr, (p.returncode, p.stderr[-500:])

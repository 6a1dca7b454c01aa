"""Grading a user's own data: `mlsd grade --batch FILE.jsonl` and `mlsd eval --recorded PATH`.

The success paths run through typer's CliRunner (in process); the exit codes through `tui.cli.main`,
the same top-level handler as the `mlsd` script."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.content import library
from interviewer.grading import Grader

ANSWERS = [
    {"id": "a1", "phase": "data", "case": "video-recommendation", "answer": "Split by time and join features point in time, so nothing from the future leaks into training."},
    {"id": 2, "phase": "evaluation", "answer": "Offline I'd use nDCG@10 on a time-based holdout, then an A/B test on watch time with guardrails."},
    {"id": "a3", "phase": "clarify", "case": None, "answer": ""},
]


@pytest.fixture()
def env(tmp_path, monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MLSD_BRAIN", "MLSD_MODEL", "MLSD_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLSD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MLSD_CONFIG", str(tmp_path / "none.toml"))
    return tmp_path


def _invoke(*args: str):
    from tui.cli import app

    return CliRunner().invoke(app, list(args))


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    from tui import cli

    monkeypatch.setattr(sys, "argv", ["mlsd", *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ grade --batch


def test_batch_gives_one_grade_json_line_per_answer_in_order(env):
    f = _write_jsonl(env / "in.jsonl", ANSWERS[:2] + [""] + ANSWERS[2:])  # a blank line is skipped
    r = _invoke("grade", "--batch", str(f), "--brain", "offline")
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3
    got = [json.loads(x) for x in lines]
    assert [g["id"] for g in got] == ["a1", 2, "a3"]  # the same ids, same types, in input order
    grader = Grader(library(), "offline")
    for a, g in zip(ANSWERS, got):
        single = grader.grade(a["phase"], a.get("case"), a["answer"]).public()
        assert set(g) == {"id"} | set(single)  # the `grade --json` keys plus the id
        assert {k: v for k, v in g.items() if k != "id"} == json.loads(json.dumps(single))
    assert got[0]["case"] == "video-recommendation" and got[1]["case"] is None


def test_batch_output_matches_grade_json(env):
    f = _write_jsonl(env / "in.jsonl", ANSWERS[:1])
    a = ANSWERS[0]
    one = _invoke("grade", "--phase", a["phase"], "--case", a["case"], "--answer", a["answer"], "--brain", "offline", "--json")
    batch = _invoke("grade", "--batch", str(f), "--brain", "offline")
    assert one.exit_code == 0 and batch.exit_code == 0
    assert {k: v for k, v in json.loads(batch.stdout).items() if k != "id"} == json.loads(one.stdout)


BAD = [
    ('{"id": "x", "phase": "data", "answer": "ok"', "invalid JSON"),
    ('["id", "phase"]', "JSON object"),
    ('{"id": "x", "answer": "ok"}', "missing field 'phase'"),
    ('{"phase": "data", "answer": "ok"}', "missing field 'id'"),
    ('{"id": "x", "phase": "data"}', "missing field 'answer'"),
    ('{"id": "x", "phase": "training", "answer": "ok"}', "unknown phase 'training'"),
    ('{"id": "x", "phase": "data", "case": "no-such-case", "answer": "ok"}', "unknown case 'no-such-case'"),
    ('{"id": "x", "phase": "data", "answer": ["a", "b"]}', "answer must be a string"),
    ('{"id": "x", "phase": "data", "answer": 3}', "answer must be a string"),
    ('{"id": true, "phase": "data", "answer": "ok"}', "id must be"),
    ('{"id": "a1", "phase": "data", "answer": "ok"}', "used twice (first on line 1)"),
]


@pytest.mark.parametrize("bad,why", BAD)
def test_bad_line_exits_2_naming_the_line_before_grading_anything(env, monkeypatch, capsys, bad, why):
    f = _write_jsonl(env / "in.jsonl", [ANSWERS[0], ANSWERS[1], bad, ANSWERS[2]])
    code, out, err = _main(monkeypatch, capsys, "grade", "--batch", str(f), "--brain", "offline")
    assert code == 2
    assert out == ""  # validated before anything was graded: no partial output
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert f"{f}:3:" in lines[0] and why in lines[0], lines[0]


def test_batch_refuses_mixed_options_and_missing_file(env, monkeypatch, capsys):
    f = _write_jsonl(env / "in.jsonl", ANSWERS[:1])
    code, out, err = _main(monkeypatch, capsys, "grade", "--batch", str(f), "--phase", "data")
    assert code == 2 and out == "" and "--batch" in err
    code, out, err = _main(monkeypatch, capsys, "grade", "--batch", str(env / "missing.jsonl"))
    assert code == 2 and out == "" and "missing.jsonl" in err


def test_batch_not_utf8_names_the_line(env, monkeypatch, capsys):
    f = env / "in.jsonl"
    f.write_bytes(json.dumps(ANSWERS[0]).encode() + b"\n" + b'{"id": "b", "phase": "data", "answer": "\xff"}\n')
    code, out, err = _main(monkeypatch, capsys, "grade", "--batch", str(f))
    assert code == 2 and out == "" and f"{f}:2:" in err and "UTF-8" in err

"""Grading a user's own data: `mlsd grade --batch FILE.jsonl` and `mlsd eval --recorded PATH`.

The success paths run through typer's CliRunner (in process); the exit codes through `tui.cli.main`,
the same top-level handler as the `mlsd` script."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_support import call_main as _main
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


def test_every_bad_line_of_a_batch_is_named_in_one_run(env, monkeypatch, capsys):
    """A file with several faults names them all (the first as file:line, the others by line), so one
    run shows everything to fix; nothing is graded."""
    f = _write_jsonl(env / "in.jsonl", [ANSWERS[0], BAD[0][0], ANSWERS[1], BAD[5][0], BAD[10][0]])
    code, out, err = _main(monkeypatch, capsys, "grade", "--batch", str(f), "--brain", "offline")
    assert code == 2 and out == ""
    assert f"{f}:2: invalid JSON" in err
    assert "line 4: unknown phase 'training'" in err and "line 5: id 'a1' is used twice" in err


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


# ------------------------------------------------------------------------------------ eval --recorded

OWN = [  # a bootcamp's own answers: (id, case or None, phase, quality, answer)
    ("bc-1", "news-feed", "data", "strong", "Labels from clicks, comments and hides per impression, joined point in time.\n- split by time, last week held out\n- negatives: seen but not engaged"),
    ("bc-2", "news-feed", "evaluation", "weak", "I would check accuracy."),
    ("bc-3", None, "model", "fair", "Start with logistic regression as a baseline, then gradient boosted trees on the same features."),
]


def _folder(tmp: Path, refs: dict[str, dict[str, int]] | None = None, shift: int = 0) -> Path:
    """A folder in the documented format; references are the grader's own grades (null as 1) + shift,
    clipped to 1..4, unless given."""
    import yaml

    lib = library()
    grader = Grader(lib, "offline")
    folder = tmp / "own"
    folder.mkdir()
    by_case: dict[str | None, list[dict]] = {}
    for aid, case, phase, quality, answer in OWN:
        if refs is None:
            ref = {c.id: min(4, max(1, (c.score or 1) + shift)) for c in grader.grade(phase, case, answer).criteria}
        else:
            ref = refs[aid]
        by_case.setdefault(case, []).append({"id": aid, "phase": phase, "quality": quality, "answer": answer, "reference": ref})
    for case, answers in by_case.items():
        doc = {"answers": answers} if case is None else {"case": case, "answers": answers}
        (folder / f"{case or 'general'}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return folder


def test_eval_recorded_reports_agreement_on_the_folder(env):
    folder = _folder(env)
    r = _invoke("eval", "--recorded", str(folder), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)["recorded"]
    lib = library()
    n = sum(len(lib.criteria(p, c)) for _i, c, p, _q, _a in OWN)
    assert d["answers"] == 3 and d["n"] == n
    assert d["qwk"] == 1.0 and d["exact"] == 1.0 and d["mae"] == 0.0  # references equal to the grader's own grades
    assert set(d["per_phase"]) == {"data", "evaluation", "model"}
    assert set(d["per_quality"]) == {"strong", "weak", "fair"}
    assert d["fitted"] is False and "length" in d["baselines"]


def test_eval_recorded_disagreement_is_measured(env):
    folder = _folder(env, shift=2)  # every reference two levels above (clipped): never an exact match below 3
    r = _invoke("eval", "--recorded", str(folder), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)["recorded"]
    assert d["exact"] < 1.0 and d["mae"] > 0.5


def test_eval_recorded_text_summary(env):
    r = _invoke("eval", "--recorded", str(_folder(env)))
    assert r.exit_code == 0, r.output
    assert "QWK 1.0" in r.stdout and "3 answers" in r.stdout


def _break(folder: Path, name: str, old: str, new: str) -> Path:
    p = folder / name
    text = p.read_text(encoding="utf-8")
    assert old in text, (old, text)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


def _line_of(p: Path, needle: str) -> int:
    return next(i for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


MALFORMED = [
    # (file, old, new, needle naming the expected line, words in the message)
    ("news-feed.yaml", "case: news-feed", "case: no-such-case", "case: no-such-case", "unknown case"),
    ("news-feed.yaml", "phase: evaluation", "phase: training", "phase: training", "answers.1.phase"),
    ("news-feed.yaml", "id: bc-2", "id: bc-1", "id: bc-1\n", "used twice"),
    ("news-feed.yaml", "quality: weak", "quality: weak: very", "quality: weak: very", "invalid YAML"),
    ("general.yaml", "answer: Start", "answer: 42\n  notes: Start", "answer: 42", "answers.0.answer"),
]


@pytest.mark.parametrize("name,old,new,needle,why", MALFORMED)
def test_malformed_folder_names_file_and_line(env, monkeypatch, capsys, name, old, new, needle, why):
    folder = _folder(env)
    p = _break(folder, name, old, new)
    if needle == "id: bc-1\n":  # the second occurrence is the duplicate
        lines = p.read_text(encoding="utf-8").splitlines()
        line = [i for i, x in enumerate(lines, 1) if x.strip() == "- id: bc-1" or x.strip() == "id: bc-1"][1]
    else:
        line = _line_of(p, needle)
    code, out, err = _main(monkeypatch, capsys, "eval", "--recorded", str(folder), "--json")
    assert code == 2 and out == ""
    msg = err.strip().splitlines()
    assert len(msg) == 1 and "Traceback" not in err
    assert f"{p}:" in msg[0] and why in msg[0], msg[0]
    got = int(msg[0].split(f"{p}:")[1].split(":")[0])
    assert abs(got - line) <= 1, (got, line, msg[0])  # the line of the fault (or the entry that holds it)


def test_reference_faults_name_the_answer_and_its_line(env, monkeypatch, capsys):
    lib = library()
    good = {aid: {c.id: 2 for c in lib.criteria(p, c_)} for aid, c_, p, _q, _a in OWN}
    bad = {k: dict(v) for k, v in good.items()}
    bad["bc-2"].pop(sorted(bad["bc-2"])[0])  # a criterion not graded
    folder = _folder(env, refs=bad)
    code, out, err = _main(monkeypatch, capsys, "eval", "--recorded", str(folder))
    p = folder / "news-feed.yaml"
    assert code == 2 and out == "" and f"{p}:" in err and "bc-2" in err and "missing" in err and "ungraded.yaml" in err
    # listing it in ungraded.yaml makes the folder valid
    (folder / "ungraded.yaml").write_text(f"criteria:\n  - {sorted(good['bc-2'])[0]}\n", encoding="utf-8")
    r = _invoke("eval", "--recorded", str(folder), "--json")
    assert r.exit_code == 0, r.output
    # a score out of range names the line of that grade
    shutil_rm(folder)
    bad = {k: dict(v) for k, v in good.items()}
    bad["bc-1"][sorted(bad["bc-1"])[0]] = 5
    folder = _folder(env, refs=bad)
    code, out, err = _main(monkeypatch, capsys, "eval", "--recorded", str(folder))
    assert code == 2 and f"{folder / 'news-feed.yaml'}:" in err and "less than or equal to 4" in err


def shutil_rm(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder)


def test_recorded_refuses_other_suites_fit_and_empty_folders(env, monkeypatch, capsys):
    folder = _folder(env)
    code, out, err = _main(monkeypatch, capsys, "eval", "--recorded", str(folder), "--suite", "behaviour")
    assert code == 2 and "--recorded" in err
    code, out, err = _main(monkeypatch, capsys, "eval", "--recorded", str(folder), "--fit")
    assert code == 2 and "fits nothing" in err
    empty = env / "empty"
    empty.mkdir()
    code, out, err = _main(monkeypatch, capsys, "eval", "--recorded", str(empty))
    assert code == 2 and str(empty) in err and "no recorded answers" in err
    code, out, err = _main(monkeypatch, capsys, "eval", "--recorded", str(env / "nowhere"))
    assert code == 2 and "nowhere" in err


def test_batch_file_may_open_with_a_byte_order_mark(env):
    from interviewer.batch import read_batch

    f = env / "bom.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(a) + "\r\n" for a in ANSWERS).encode())
    items = read_batch(f, library())
    assert [i.id for i in items] == ["a1", 2, "a3"] and [i.line for i in items] == [1, 2, 3]

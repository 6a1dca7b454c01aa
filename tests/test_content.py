"""Content loaders (interviewer/content.py) and `mlsd check`, on the shipped library and on broken files.

Broken files are made from the real content by one small edit, so each test knows the exact line the
error must name. Hypothesis throws mangled YAML and bytes at every loader: only ContentError may come out.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviewer import CROSS_CUTTING, PHASES
from interviewer.content import (
    CandidateScript,
    Case,
    CaseOverlay,
    Rubric,
    check_file,
    check_path,
    load_library,
    load_note,
    load_yaml_model,
)
from interviewer.errors import ContentError
from interviewer.paths import knowledge_dir, rubrics_dir

RUBRICS = rubrics_dir()
KNOWLEDGE = knowledge_dir()
REPO = Path(__file__).resolve().parents[1]


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def line_no(lines: list[str], pattern: str, nth: int = 0) -> int:
    """1-based number of the nth line matching a regex."""
    hits = [i + 1 for i, line in enumerate(lines) if re.search(pattern, line)]
    assert len(hits) > nth, f"pattern {pattern!r} has only {len(hits)} matches"
    return hits[nth]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=120, cwd=cwd or REPO)


# --------------------------------------------------------------------------- the shipped library


@pytest.fixture(scope="module")
def lib():
    return load_library()


def test_shipped_library_loads(lib):
    assert len(lib.cases) >= 14
    for case in lib.cases.values():
        assert len(case.facts) >= 12, case.id
        assert set(case.reference) == set(PHASES), case.id
    assert set(PHASES) <= set(lib.rubrics)
    for phase in PHASES:
        rubric = lib.rubrics[phase]
        assert rubric.phase == phase
        assert 4 <= len(rubric.criteria) <= 8, f"{phase}: {len(rubric.criteria)} criteria"
        for c in rubric.criteria:
            assert sorted(c.levels) == [1, 2, 3, 4]
    assert CROSS_CUTTING in lib.rubrics and lib.cross_cutting()
    assert sum(lib.phase_minutes(p) for p in PHASES) == pytest.approx(45)


def test_every_phase_has_a_long_note(lib):
    by_phase = {n.meta.phase: n for n in lib.notes if n.meta.phase}
    for phase in PHASES:
        assert phase in by_phase, f"no framework note for {phase}"
        words = len(by_phase[phase].body.split())
        assert words >= 800, f"{phase} note has only {words} words"


def test_every_case_has_an_overlay_and_a_note(lib):
    case_notes = {n.meta.case for n in lib.notes if n.meta.case}
    assert set(lib.cases) == case_notes
    assert set(lib.overlays) == set(lib.cases)
    for overlay in lib.overlays.values():
        assert all(c.phase in PHASES for c in overlay.criteria)


def test_criterion_ids_are_unique_across_rubrics_and_overlays(lib):
    ids = [c.id for r in lib.rubrics.values() for c in r.criteria] + [c.id for o in lib.overlays.values() for c in o.criteria]
    assert len(ids) == len(set(ids))
    for cid in ids:
        assert lib.criterion(cid).id == cid


def test_check_path_accepts_the_shipped_content_and_each_file():
    files = check_path(RUBRICS.parent)
    assert len(files) >= 14 * 3 + 8 + 8
    for p in sorted(RUBRICS.rglob("*.yaml")) + sorted(KNOWLEDGE.rglob("*.yaml")) + sorted(KNOWLEDGE.rglob("*.md")):
        if p.name.lower() != "readme.md":
            check_file(p)


def test_mlsd_check_shipped_content_exits_0():
    res = run_cli("check")
    assert res.returncode == 0, res.stderr
    assert re.fullmatch(r"ok: \d+ files valid\n", res.stdout)
    assert "Traceback" not in res.stderr


# --------------------------------------------------------------------------- broken files


@dataclass
class Broken:
    """One broken file: its name, text, the loader it belongs to, and the line the error must name."""

    name: str
    text: str | bytes
    line: int
    loader: Callable[[Path], object]
    words: tuple[str, ...] = ()  # fragments the message must contain

    def write(self, folder: Path) -> Path:
        p = folder / self.name
        if isinstance(self.text, bytes):
            p.write_bytes(self.text)
        else:
            p.write_text(self.text, encoding="utf-8")
        return p


def _rubric(p: Path) -> object:
    return load_yaml_model(p, Rubric)


def _overlay(p: Path) -> object:
    return load_yaml_model(p, CaseOverlay)


def _case(p: Path) -> object:
    return load_yaml_model(p, Case)


def _edit(lines: list[str], at: int, new: str | None) -> str:
    out = list(lines)
    if new is None:
        del out[at - 1]
    else:
        out[at - 1] = new
    return "\n".join(out) + "\n"


def bad_yaml() -> Broken:
    src = lines_of(RUBRICS / "data.yaml")
    at = line_no(src, r"^    title: ", 1)
    return Broken("data.yaml", _edit(src, at, "    title: Feature engineering: with a stray colon"), at, _rubric, ("invalid YAML",))


def missing_field() -> Broken:
    src = lines_of(RUBRICS / "data.yaml")
    at = line_no(src, r"^    weight: ", 1)
    start = line_no(src, r"^  - id: ", 1)  # the criterion mapping that lacks the field
    return Broken("data.yaml", _edit(src, at, None), start, _rubric, ("criteria.1.weight", "missing required field"))


def missing_top_level_field() -> Broken:
    src = lines_of(RUBRICS / "data.yaml")
    at = line_no(src, r"^title: ")
    return Broken("data.yaml", _edit(src, at, None), 1, _rubric, ("title", "missing required field"))


def wrong_type() -> Broken:
    src = lines_of(RUBRICS / "data.yaml")
    at = line_no(src, r"^    weight: ", 1)
    return Broken("data.yaml", _edit(src, at, "    weight: heavy"), at, _rubric, ("criteria.1.weight", "number"))


def wrong_type_list_for_string() -> Broken:
    src = lines_of(KNOWLEDGE / "cases" / "news-feed.yaml")
    at = line_no(src, r"^title: ")
    return Broken("news-feed.yaml", _edit(src, at, "title: [Personalised, news, feed]"), at, _case, ("title",))


def unknown_phase_rubric() -> Broken:
    src = lines_of(RUBRICS / "data.yaml")
    at = line_no(src, r"^phase: ")
    return Broken("data.yaml", _edit(src, at, "phase: training"), at, _rubric, ("phase",))


def unknown_phase_overlay() -> Broken:
    src = lines_of(RUBRICS / "cases" / "news-feed.yaml")
    at = line_no(src, r"^    phase: ", 1)
    return Broken("news-feed.yaml", _edit(src, at, "    phase: training"), at, _overlay, ("criteria.1.phase",))


def unknown_phase_case_reference() -> Broken:
    src = lines_of(KNOWLEDGE / "cases" / "news-feed.yaml")
    at = line_no(src, r"^  monitor:")
    return Broken("news-feed.yaml", _edit(src, at, "  training:"), at, _case, ("reference", "training"))


def duplicate_criterion_id() -> Broken:
    src = lines_of(RUBRICS / "data.yaml")
    first = src[line_no(src, r"^  - id: ") - 1]
    at = line_no(src, r"^  - id: ", 2)
    return Broken("data.yaml", _edit(src, at, first), at, _rubric, ("duplicate criterion id",))


def duplicate_fact_id() -> Broken:
    src = lines_of(KNOWLEDGE / "cases" / "news-feed.yaml")
    first = src[line_no(src, r"^  - id: ") - 1]
    at = line_no(src, r"^  - id: ", 3)
    return Broken("news-feed.yaml", _edit(src, at, first), at, _case, ("duplicate fact id",))


def note_without_front_matter() -> Broken:
    body = (KNOWLEDGE / "phases" / "data.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    return Broken("data.md", body, 1, load_note, ("front matter",))


def note_with_unknown_phase() -> Broken:
    src = lines_of(KNOWLEDGE / "phases" / "data.md")
    at = line_no(src, r"^phase: ")
    return Broken("data.md", _edit(src, at, "phase: training"), at, load_note, ("phase",))


def note_with_bad_front_matter_yaml() -> Broken:
    src = lines_of(KNOWLEDGE / "phases" / "data.md")
    at = line_no(src, r"^title: ")
    return Broken("data.md", _edit(src, at, "title: Data: preparation"), at, load_note, ("invalid YAML",))


def case_note_with_a_stray_heading() -> Broken:
    src = lines_of(KNOWLEDGE / "cases" / "news-feed.md")
    at = line_no(src, r"^## ", 2)
    return Broken("news-feed.md", _edit(src, at, "## Things I also thought about"), at, load_note, ("heading",))


def not_utf8() -> Broken:
    raw = (RUBRICS / "data.yaml").read_bytes().split(b"\n")
    raw[6] = raw[6] + b" \xff\xfe"
    return Broken("data.yaml", b"\n".join(raw), 7, _rubric, ("UTF-8",))


def top_level_list() -> Broken:
    return Broken("data.yaml", "- phase: data\n- title: x\n", 1, _rubric, ("mapping",))



BROKEN = [
    pytest.param(bad_yaml, id="bad-yaml-syntax"),
    pytest.param(missing_field, id="missing-field"),
    pytest.param(missing_top_level_field, id="missing-top-level-field"),
    pytest.param(wrong_type, id="wrong-type"),
    pytest.param(wrong_type_list_for_string, id="wrong-type-list"),
    pytest.param(unknown_phase_rubric, id="unknown-phase-rubric"),
    pytest.param(unknown_phase_overlay, id="unknown-phase-overlay"),
    pytest.param(unknown_phase_case_reference, id="unknown-phase-case-reference"),
    pytest.param(duplicate_criterion_id, id="duplicate-criterion-id"),
    pytest.param(duplicate_fact_id, id="duplicate-fact-id"),
    pytest.param(note_without_front_matter, id="note-without-front-matter"),
    pytest.param(note_with_unknown_phase, id="note-unknown-phase"),
    pytest.param(note_with_bad_front_matter_yaml, id="note-bad-front-matter-yaml"),
    pytest.param(case_note_with_a_stray_heading, id="case-note-stray-heading"),
    pytest.param(not_utf8, id="not-utf8"),
    pytest.param(top_level_list, id="top-level-list"),
]


@pytest.mark.parametrize("make", BROKEN)
def test_broken_file_names_file_and_line(tmp_path: Path, make: Callable[[], Broken]):
    broken = make()
    path = broken.write(tmp_path)
    for load in (broken.loader, check_file):
        with pytest.raises(ContentError) as err:
            load(path)
        e = err.value
        assert e.path == str(path)
        for word in broken.words:
            assert word in e.message, (word, e.message)
        assert e.line == broken.line, f"{load.__name__}: line {e.line}, expected {broken.line}: {e.message}"
        assert e.one_line().startswith(f"{path}:{broken.line}: ")
        assert "\n" not in e.one_line()


# the CLI contract, on the broken files whose line is right today
CLI_BROKEN = [p for p in BROKEN if not p.marks]


@pytest.mark.parametrize("make", CLI_BROKEN)
def test_mlsd_check_broken_file_exits_2_with_one_line(tmp_path: Path, make: Callable[[], Broken]):
    broken = make()
    path = broken.write(tmp_path)
    res = run_cli("check", str(path))
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stdout == ""
    err_lines = res.stderr.splitlines()
    assert len(err_lines) == 1, res.stderr
    assert f"{path}:{broken.line}:" in err_lines[0]
    assert "Traceback" not in res.stderr


def test_mlsd_check_good_file_and_missing_path(tmp_path: Path):
    good = run_cli("check", str(RUBRICS / "data.yaml"))
    assert good.returncode == 0 and good.stdout.startswith("ok: 1 files valid")
    missing = run_cli("check", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and len(missing.stderr.splitlines()) == 1
    assert "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of rubrics/ and knowledge/ side by side."""
    root = tmp_path / "content"
    shutil.copytree(RUBRICS, root / "rubrics")
    shutil.copytree(KNOWLEDGE, root / "knowledge")
    return root


def test_content_copy_loads_and_checks(content_copy: Path):
    lib = load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert len(lib.cases) >= 14
    res = run_cli("check", str(content_copy))
    assert res.returncode == 0, res.stderr


def test_broken_file_inside_a_folder_is_named(content_copy: Path):
    broken = wrong_type()
    target = content_copy / "rubrics" / "data.yaml"
    target.write_text(broken.text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert (err.value.path, err.value.line) == (str(target), broken.line)
    res = run_cli("check", str(content_copy))
    assert res.returncode == 2 and res.stderr.splitlines() == [f"mlsd: {err.value.one_line()}"]


def test_duplicate_criterion_id_across_files_names_file_and_line(content_copy: Path):
    clarify = lines_of(content_copy / "rubrics" / "clarify.yaml")
    taken = clarify[line_no(clarify, r"^  - id: ") - 1].split("id:")[1].strip()
    data_path = content_copy / "rubrics" / "data.yaml"
    data = lines_of(data_path)
    at = line_no(data, r"^  - id: ", 1)
    data_path.write_text(_edit(data, at, f"  - id: {taken}"), encoding="utf-8")
    with pytest.raises(ContentError, match="duplicate criterion id") as err:
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert err.value.path == str(data_path)
    assert err.value.line == at


def test_control_character_names_line_in_one_line(tmp_path: Path):
    src = lines_of(RUBRICS / "data.yaml")
    path = tmp_path / "data.yaml"
    path.write_text(_edit(src, 7, src[6] + " \x07 bell"), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        check_file(path)
    assert "\n" not in err.value.one_line()
    assert err.value.line == 7
    res = run_cli("check", str(path))
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1 and f"{path}:7:" in res.stderr


def test_unconstructible_scalar_names_its_line(tmp_path: Path):
    src = lines_of(RUBRICS / "data.yaml")
    at = line_no(src, r"^minutes: ")
    path = tmp_path / "data.yaml"
    path.write_text(_edit(src, at, "minutes: 2024-13-45"), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        check_file(path)
    assert err.value.line == at


# --------------------------------------------------------------------------- property tests: only ContentError

YAML_LOADERS: list[Callable[[Path], object]] = [
    _rubric,
    _overlay,
    _case,
    lambda p: load_yaml_model(p, CandidateScript),
    check_file,
    load_note,
]
SAMPLES = [
    RUBRICS / "data.yaml",
    RUBRICS / "cross-cutting.yaml",
    RUBRICS / "cases" / "news-feed.yaml",
    KNOWLEDGE / "cases" / "news-feed.yaml",
    KNOWLEDGE / "candidates" / "strong.yaml",
    KNOWLEDGE / "phases" / "frame.md",
    KNOWLEDGE / "cases" / "news-feed.md",
]
SAMPLE_TEXT = {p: p.read_text(encoding="utf-8") for p in SAMPLES}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mangled")


def throw_at_every_loader(folder: Path, data: bytes) -> None:
    """Write the data as .yaml and .md and run every loader; only ContentError naming the file may escape."""
    for suffix in (".yaml", ".md"):
        path = folder / f"mangled{suffix}"
        path.write_bytes(data)
        for load in YAML_LOADERS:
            try:
                load(path)
            except ContentError as e:
                assert e.path == str(path)
                assert e.line is None or 1 <= e.line <= data.count(b"\n") + 2


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A real content file after a few random edits: deletions, insertions, line swaps and truncation."""
    text = draw(st.sampled_from(sorted(SAMPLE_TEXT.values(), key=len)))
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "insert", "replace_char", "truncate"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        elif op == "insert":
            junk = draw(st.sampled_from([": ", "- ", "{", "[", "]", "}", "&a ", "*a", "!!binary ", "? ", "|", ">-", "\t", "'", '"', "---", "...", "#", "%YAML 1.1", "!!python/object:os.system ", "\x00", "~", "12:30:00", "2024-13-45", "1e999", "0x", "- - -", "&a [*a]"]))
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + junk + lines[i][pos:]
        elif op == "replace_char":
            if lines[i]:
                pos = draw(st.integers(0, len(lines[i]) - 1))
                lines[i] = lines[i][:pos] + draw(st.characters()) + lines[i][pos + 1 :]
        elif op == "truncate":
            lines = lines[:i]
            if lines and draw(st.booleans()):
                lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
    return "".join(lines).encode("utf-8", "surrogatepass")


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(data=mangled())
def test_mangled_real_files_raise_only_content_error(scratch: Path, data: bytes):
    throw_at_every_loader(scratch, data)


@PROPERTY
@given(text=st.text(alphabet=st.sampled_from(list("abcxyz019 -:_[]{},&*!|>'\"#?%@`\n\t")) | st.characters(), max_size=400))
def test_random_yamlish_text_raises_only_content_error(scratch: Path, text: str):
    throw_at_every_loader(scratch, text.encode("utf-8", "surrogatepass"))


@PROPERTY
@given(data=st.binary(max_size=400))
def test_random_bytes_raise_only_content_error(scratch: Path, data: bytes):
    throw_at_every_loader(scratch, data)


@PROPERTY
@given(prefix=st.integers(0, 4000), source=st.sampled_from(SAMPLES))
def test_truncated_real_files_raise_only_content_error(scratch: Path, prefix: int, source: Path):
    throw_at_every_loader(scratch, SAMPLE_TEXT[source].encode("utf-8")[:prefix])


def test_pathological_yaml_raises_content_error(scratch: Path):
    """Deep nesting, recursive aliases, a self-referencing mapping, unsafe tags: each is a ContentError or loads."""
    for text in [
        "[" * 600 + "]" * 600,  # past the recursion limit of the composer
        "a: " + "{b: " * 600 + "1" + "}" * 600,
        "criteria: &a [*a]\nphase: data\ntitle: x\nminutes: 1\n",
        "&a {phase: data, title: x, minutes: 1, criteria: [*a]}",
        "phase: !!python/object/apply:os.system [echo hi]\n",
        "phase: data\nminutes: !!timestamp 2024-13-45\n",
        "phase: data\nminutes: !!binary '%%%'\n",
        "phase: data\nminutes: " + "9" * 5000 + "\n",
    ]:
        throw_at_every_loader(scratch, text.encode())


# --------------------------------------------------------------------------- caps on scripted answers


def test_candidate_script_repeat_over_the_cap_names_file_and_line(tmp_path: Path):
    src = lines_of(KNOWLEDGE / "candidates" / "adversarial.yaml")
    at = line_no(src, r"^\s+- \{repeat: ")
    path = tmp_path / "adversarial.yaml"
    path.write_text(_edit(src, at, '    - {repeat: "We should use all the data we have, always. ", times: 100000}'), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_yaml_model(path, CandidateScript)
    assert err.value.line == at
    assert "4,400,000 characters" in err.value.message and "at most 100,000" in err.value.message


def test_candidate_script_with_too_many_answers_is_refused(tmp_path: Path):
    path = tmp_path / "many.yaml"
    path.write_text("persona: strong\nanswers:\n  clarify:\n" + "    - a line\n" * 101, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_yaml_model(path, CandidateScript)
    assert "at most 100" in err.value.message and err.value.path == str(path)


def test_content_file_over_the_size_cap_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    path.write_text("persona: strong\nanswers: {}\n# " + "x" * 2_100_000 + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        check_file(path)
    assert "at most 2,000,000" in err.value.message


def test_check_path_on_a_folder_with_no_content_raises(tmp_path: Path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(ContentError) as err:
        check_path(tmp_path)
    assert "no rubrics" in err.value.message and err.value.path == str(tmp_path)


# --------------------------------------------------------------------------- scope: kinds and criteria


def test_every_case_declares_known_kinds(lib):
    from interviewer import KINDS

    for case in lib.cases.values():
        assert case.kinds and set(case.kinds) <= set(KINDS), case.id


def test_scope_filters_criteria_by_case_kind(lib):
    """A criterion is asked and graded only where its scope fits the case; without a case, all apply."""
    generic = {ph: [c.id for c in lib.rubrics[ph].criteria] for ph in PHASES}
    scoped = [c for ph in PHASES for c in lib.rubrics[ph].criteria if c.scope]
    assert scoped, "no phase criterion has a scope"
    for ph in PHASES:
        assert [c.id for c in lib.criteria(ph)] == generic[ph]  # the general rubric: everything
    retrieval_only = {c.id for c in scoped if set(c.scope) == {"retrieval"}}
    assert {"two-stage-architecture", "ann-and-latency"} <= retrieval_only
    for cid, case in lib.cases.items():
        applied = [c for ph in PHASES for c in lib.criteria(ph, cid) if c.id in generic[ph]]
        for c in applied:
            assert c.scope is None or set(c.scope) & set(case.kinds), (cid, c.id)
        skipped = [c.id for ph in PHASES for c in lib.rubrics[ph].criteria if c.scope and not set(c.scope) & set(case.kinds)]
        aside = set(lib.overlays[cid].set_aside) if cid in lib.overlays else set()
        assert not aside & {c.id for c in applied}, cid  # set aside by the case: neither probed nor graded
        assert len(applied) + len(skipped) + len(aside - set(skipped)) == sum(len(v) for v in generic.values())
        assert skipped, f"{cid} gets every generic criterion, so no scope ever applies to it"
        if "retrieval" not in case.kinds:
            assert not retrieval_only & {c.id for c in applied}, cid


def test_non_retrieval_cases_are_not_graded_on_retrieval(lib):
    from interviewer.grading import Grader

    grader = Grader(lib, "offline")
    fraud = {c.id for ph in PHASES for c in grader.criteria_for(ph, "payment-fraud-detection")}
    video = {c.id for ph in PHASES for c in grader.criteria_for(ph, "video-recommendation")}
    assert "two-stage-architecture" not in fraud and "cold-start" not in fraud and "ann-and-latency" not in fraud
    assert {"two-stage-architecture", "cold-start", "ann-and-latency"} <= video
    blur = {c.id for c in grader.criteria_for("evaluation", "street-view-blurring")}
    assert "ab-testing" not in blur and "prevalence-estimation" in blur


def _insert_after(lines: list[str], pattern: str, new: list[str], nth: int = 0) -> tuple[str, int]:
    """Insert lines after the nth line matching pattern; return the text and the first new line's number."""
    at = line_no(lines, pattern, nth)
    out = lines[:at] + new + lines[at:]
    return "\n".join(out) + "\n", at + 1


def test_unknown_kind_in_a_scope_names_the_line(tmp_path: Path):
    src = lines_of(RUBRICS / "model.yaml")
    text, _ = _insert_after(src, r"^    title: ", ["    scope: [recommendation]"])
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="unknown problem kind 'recommendation'") as err:
        check_file(path)
    assert err.value.line == line_no(lines_of(path), r"^    scope: \[recommendation\]")


def test_case_without_kinds_is_refused(tmp_path: Path):
    src = lines_of(KNOWLEDGE / "cases" / "news-feed.yaml")
    at = line_no(src, r"^kinds: ")
    path = tmp_path / "news-feed.yaml"
    path.write_text(_edit(src, at, None), encoding="utf-8")
    with pytest.raises(ContentError, match="kinds"):
        check_file(path)


# --------------------------------------------------------------------------- new checks: probe scope


def test_probe_naming_a_retrieval_concept_in_an_unscoped_criterion_is_caught(content_copy: Path):
    """The old frame probe asked every case about millions of items: planted back, it fails the check."""
    path = content_copy / "rubrics" / "frame.yaml"
    src = lines_of(path)
    start = line_no(src, r"^  - id: system-shape")
    at = start + next(i for i, line in enumerate(src[start:]) if line.strip() == "probes:") + 1
    planted = src[:at] + ["      - With millions of items, how does a single request get to a short list in time?"] + src[at:]
    path.write_text("\n".join(planted) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert err.value.path == str(path) and err.value.line == at + 1
    assert "system-shape" in err.value.message and "retrieval" in err.value.message
    res = run_cli("check", str(content_copy))
    assert res.returncode == 2 and res.stderr.splitlines() == [f"mlsd: {err.value.one_line()}"]


def test_scoping_the_criterion_clears_the_probe_check(content_copy: Path):
    """The same retrieval probe is fine once its criterion is scoped to retrieval."""
    path = content_copy / "rubrics" / "model.yaml"
    src = lines_of(path)
    start = line_no(src, r"^  - id: two-stage-architecture")
    assert "    scope: [retrieval]" in src[start : start + 3]
    at = start + next(i for i, line in enumerate(src[start:]) if line.strip() == "probes:") + 1
    planted = src[:at] + ["      - With millions of items, how do you get from the whole catalogue to a short list?"] + src[at:]
    path.write_text("\n".join(planted) + "\n", encoding="utf-8")
    load_library(content_copy / "rubrics", content_copy / "knowledge")  # in scope: no error
    unscoped = [line for line in planted if line.strip() != "scope: [retrieval]"]
    path.write_text("\n".join(unscoped) + "\n", encoding="utf-8")
    with pytest.raises(ContentError, match="two-stage-architecture.*whole catalogue|two-stage-architecture.*millions of items"):
        load_library(content_copy / "rubrics", content_copy / "knowledge")


def test_case_criterion_probe_is_checked_against_its_case(content_copy: Path):
    path = content_copy / "rubrics" / "cases" / "payment-fraud-detection.yaml"
    src = lines_of(path)
    at = line_no(src, r"^    probes:") + 1
    planted = src[:at] + ["      - How do the candidate generation and the ranker share the latency budget?"] + src[at:]
    path.write_text("\n".join(planted) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert err.value.line == at + 1 and "payment-fraud-detection" in err.value.message


def test_case_criterion_scoped_away_from_its_case_is_caught(content_copy: Path):
    path = content_copy / "rubrics" / "cases" / "payment-fraud-detection.yaml"
    src = lines_of(path)
    text, at = _insert_after(src, r"^    phase: ", ["    scope: [retrieval]"])
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="never asked") as err:
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert err.value.line == line_no(lines_of(path), r"^  - id: ")


# --------------------------------------------------------------------------- new checks: numbers in facts


def _plant_facts(content_copy: Path, facts: list[str]) -> tuple[Path, list[str]]:
    path = content_copy / "knowledge" / "cases" / "ad-click-prediction.yaml"
    # always from the shipped file, with its own declared figures left out so only the planted ones count
    src = [line for line in lines_of(KNOWLEDGE / "cases" / "ad-click-prediction.yaml") if not line.lstrip().startswith("numbers:")]
    at = line_no(src, r"^reference:")
    out = src[: at - 1] + facts + src[at - 1 :]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path, out


VOLUME = ["  - id: planted-volume", "    topics: [volume]", "    answer: We serve about 20 billion requests a day.", "    numbers: {daily_requests: 2.0e+10}"]


def test_rates_that_contradict_each_other_are_caught(content_copy: Path):
    peak = ["  - id: planted-peak", "    topics: [peak]", "    answer: At peak we see 150,000 requests per second.", "    numbers: {peak_qps: 150000}"]
    path, out = _plant_facts(content_copy, VOLUME + peak)
    with pytest.raises(ContentError) as err:
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert err.value.path == str(path)
    assert err.value.line == line_no(out, r"numbers: \{peak_qps")
    assert "peak-over-daily" in err.value.message and "planted-peak" in err.value.message
    res = run_cli("check", str(content_copy))
    assert res.returncode == 2 and f"{path}:{err.value.line}:" in res.stderr


def test_rates_that_agree_pass(content_copy: Path):
    peak = ["  - id: planted-peak", "    topics: [peak]", "    answer: At peak we see 600k requests per second.", "    numbers: {peak_qps: 6.0e+5}"]
    _plant_facts(content_copy, VOLUME + peak)
    load_library(content_copy / "rubrics", content_copy / "knowledge")


def test_a_declared_figure_must_be_stated_and_named(content_copy: Path):
    unstated = ["  - id: planted-peak", "    topics: [peak]", "    answer: Peak traffic is a few times the average.", "    numbers: {peak_qps: 6.0e+5}"]
    _plant_facts(content_copy, unstated)
    with pytest.raises(ContentError, match="does not state that figure"):
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    unknown = ["  - id: planted-peak", "    topics: [peak]", "    answer: At peak we see 600k requests per second.", "    numbers: {peak_requests: 6.0e+5}"]
    _plant_facts(content_copy, unknown)
    with pytest.raises(ContentError, match="peak_requests.*quantity"):
        load_library(content_copy / "rubrics", content_copy / "knowledge")


def test_one_quantity_given_two_values_is_caught(content_copy: Path):
    again = ["  - id: planted-volume-2", "    topics: [volume]", "    answer: Traffic is 5 billion requests a day.", "    numbers: {daily_requests: 5.0e+9}"]
    _plant_facts(content_copy, VOLUME + again)
    with pytest.raises(ContentError, match="planted-volume.*planted-volume-2"):
        load_library(content_copy / "rubrics", content_copy / "knowledge")


def test_figures_are_read_from_plain_sentences():
    from interviewer.content import figures

    got = figures("About 800 million users, 20B impressions, 150k per second, 0.15% fraud, two years, 1,500 a day")
    for want in (8e8, 2e10, 1.5e5, 0.0015, 2.0, 1500.0):
        assert any(abs(x - want) <= 1e-9 * max(want, 1) for x in got), want
    assert 15.0 not in got  # "0.15" is not read as 15


def test_docs_table_of_criteria_per_case_matches_the_library(lib):
    """docs/content.md states, per case, how many phase criteria apply: it must match the rubrics."""
    doc = (REPO / "docs" / "content.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([a-z-]+) \| [a-z, ]+ \| \d+ \| [^|]+ \| (\d+) of (\d+) \| [^|]+ \| [^|]+ \| ([^|]+) \|$", doc, re.M)
    assert {r[0] for r in rows} == set(lib.cases)
    total = sum(len(lib.rubrics[ph].criteria) for ph in PHASES)
    for cid, applied, of, skipped in rows:
        got = [c.id for ph in PHASES for c in lib.rubrics[ph].criteria if lib.applies(c, cid)]
        assert (int(applied), int(of)) == (len(got), total), cid
        assert {s.strip() for s in skipped.split(",")} == {c.id for ph in PHASES for c in lib.rubrics[ph].criteria if not lib.applies(c, cid)}, cid


def test_figures_that_cannot_be_related_need_the_missing_one(content_copy: Path):
    """Impressions per day and a peak request rate say nothing about each other without items per request."""
    both = ["  - id: planted-volume", "    topics: [volume]", "    answer: We show 20 billion ads a day, with 150,000 requests per second at peak.", "    numbers: {daily_impressions: 2.0e+10, peak_qps: 150000}"]
    path, out = _plant_facts(content_copy, both)
    with pytest.raises(ContentError, match="impressions-need-items-per-request") as err:
        load_library(content_copy / "rubrics", content_copy / "knowledge")
    assert err.value.line == line_no(out, r"numbers: \{daily_impressions")
    fixed = both[:2] + ["    answer: We show 20 billion ads a day, four per request, with 150,000 requests per second at peak.", "    numbers: {daily_impressions: 2.0e+10, items_per_request: 4, peak_qps: 150000}"]
    _plant_facts(content_copy, fixed)
    load_library(content_copy / "rubrics", content_copy / "knowledge")  # now complete, and no ratio rule is broken


def test_a_challenge_naming_a_term_that_does_not_fit_a_case_it_is_put_to_is_caught(content_copy: Path):
    """A probe found "If every fraud example counts ten times in the loss ..." put to a candidate in the ad-click
    case: a challenge (or deep-dive probe) may name a kind-specific term only where it fits, or when the
    candidate's own words (the claim, the concept's aliases) bring it."""
    path = content_copy / "knowledge" / "concepts" / "model.yaml"
    src = lines_of(path)
    at = line_no(src, r"^    challenge: If every positive example counts ten times")
    src[at - 1] = src[at - 1].replace("every positive example", "every fraud example")
    path.write_text("\n".join(src) + "\n", encoding="utf-8")
    res = run_cli("check", str(content_copy))
    assert res.returncode == 2, res.stdout
    assert f"model.yaml:{at}" in res.stderr and "class-weights-keep-calibration" in res.stderr and "'fraud'" in res.stderr


def test_a_key_given_twice_names_its_file_and_line(content_copy: Path):
    """YAML keeps the last of two equal keys silently: a second `examples:` had dropped a misconception's
    pattern into its examples, and a second `patterns:` list replaced the first."""
    path = content_copy / "knowledge" / "concepts" / "data.yaml"
    src = lines_of(path)
    at = line_no(src, r"^    patterns:$")
    planted = src[:at] + ["    patterns:", "      - '\\bplanted\\b'"] + src[at:]
    path.write_text("\n".join(planted) + "\n", encoding="utf-8")
    res = run_cli("check", str(content_copy))
    assert res.returncode == 2
    assert f"data.yaml:{at + 1}" in res.stderr and "'patterns' is given twice" in res.stderr


def test_a_case_sets_aside_criteria_that_do_not_fit_it(lib, tmp_path):
    """A phase criterion whose kind fits but whose premise does not (human labelling in a case whose labels are
    clicks) is set aside by the case's overlay: not asked, not graded; naming a criterion that is not a phase
    rubric's fails `mlsd check` with the file and line."""
    import shutil

    from interviewer.content import ContentError, load_library

    assert "annotation-operations" in lib.overlays["similar-listings"].set_aside
    assert "annotation-operations" not in {c.id for c in lib.criteria("data", "similar-listings")}
    assert "annotation-operations" in {c.id for c in lib.criteria("data", "search-ranking")}  # raters label there
    assert "prevalence-estimation" not in {c.id for c in lib.criteria("evaluation", "ad-click-prediction")}
    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "rubrics", tmp_path / "rubrics")
    shutil.copytree(root / "knowledge", tmp_path / "knowledge")
    bad = tmp_path / "rubrics" / "cases" / "similar-listings.yaml"
    bad.write_text(bad.read_text(encoding="utf-8") + "  sl-session-data: a case criterion cannot be set aside\n", encoding="utf-8")
    with pytest.raises(ContentError) as e:
        load_library(tmp_path / "rubrics", tmp_path / "knowledge")
    assert "similar-listings.yaml" in str(e.value) and "sl-session-data" in str(e.value)
    assert f":{len(bad.read_text(encoding='utf-8').splitlines())}" in str(e.value)

"""The knowledge index (interviewer/knowledge.py) on a real Chroma database in a temporary MLSD_HOME.

Building embeds every chunk of every note (~260) and takes tens of seconds on a CPU, so these tests use
the index built once per session (tests/engine_support.py, shared with the engine, CLI and TUI tests);
the change-detection test copies that database rather than building from zero.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from engine_support import built_index_build

from interviewer.content import library, load_library
from interviewer.embeddings import Embedder
from interviewer.knowledge import KnowledgeIndex, all_chunks
from interviewer.paths import knowledge_dir, rubrics_dir

REPO = Path(__file__).resolve().parents[1]
slow = pytest.mark.slow


def cli_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MLSD_HOME"] = str(home)
    env.pop("MLSD_CONTENT_DIR", None)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return env


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=300, cwd=REPO, env=cli_env(home))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """The shipped notes indexed into a temporary MLSD_HOME: the session's one build (tests/engine_support.py),
    with that build's result and the number of texts it sent to the embedding model."""
    b = built_index_build(tmp_path_factory)
    yield SimpleNamespace(home=b["home"], lib=b["lib"], index=KnowledgeIndex(b["home"], b["lib"]), result=b["result"], encoded=b["encoded"])


@slow
def test_build_embeds_every_chunk_once(built):
    n = len(all_chunks(built.lib))
    assert n >= 200
    assert built.result["status"] == "built"
    assert built.result["chunks"] == built.result["embedded"] == n
    assert built.encoded == n  # each chunk sent to the model exactly once
    assert (built.home / "index" / "manifest.json").is_file()
    assert built.index.is_current()
    ids = [c.id for c in all_chunks(built.lib)]
    assert len(ids) == len(set(ids))


QUERIES = [
    # query, phase, case, a section expected among the first three hits
    ("feature store for batch and streaming features", "data", None, "phases/data.md#pipelines-and-feature-stores"),
    ("canary and shadow rollout of a new model", "deploy", None, "phases/deploy.md#rollout-shadow-canary-and-a-b"),
    ("detecting concept drift", "monitor", None, "phases/monitor.md#data-drift-and-concept-drift"),
    ("cold start for new users", "model", "video-recommendation", "phases/model.md#cold-start-for-users-and-items"),
    ("offline ranking metrics such as nDCG and mAP", "evaluation", "search-ranking", None),
]


@slow
@pytest.mark.parametrize("query,phase,case,expected", QUERIES)
def test_search_is_relevant_and_respects_filters(built, query: str, phase: str, case: str | None, expected: str | None):
    hits = built.index.search(query, phase=phase, case=case, k=5)
    assert 1 <= len(hits) <= 5
    for h in hits:
        assert h.phase in {phase, "all"}, h
        if case:
            assert h.case in {case, "general"}, h
        assert h.text.strip()
    assert len({h.section for h in hits}) == len(hits), "one hit per section"
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    if expected:
        assert expected in [h.section for h in hits[:3]], [h.section for h in hits]


@slow
def test_case_filter_brings_the_case_note_and_no_other_case(built):
    hits = built.index.search("how to handle new videos and new users with no history", phase="model", case="video-recommendation", k=8)
    cases = {h.case for h in hits}
    assert cases <= {"video-recommendation", "general"}
    assert "video-recommendation" in cases
    assert any(h.section.startswith("cases/video-recommendation.md#") for h in hits)


@slow
def test_case_filter_shuts_out_the_other_cases(built):
    """Unfiltered, this query reaches other cases' notes; filtered to one case, none of them."""
    query = "cold start for brand new items and users with no history"
    free = built.index.search(query, phase="model", k=10)
    others = {h.case for h in free} - {"general", "video-recommendation"}
    assert others, [h.section for h in free]  # else the check below could not fail
    hits = built.index.search(query, phase="model", case="video-recommendation", k=10)
    assert hits and {h.case for h in hits} <= {"video-recommendation", "general"}, [h.section for h in hits]


@slow
def test_case_filter_alone(built):
    hits = built.index.search("what latency budget and scale should I assume", case="news-feed", k=6)
    assert hits and all(h.case in {"news-feed", "general"} for h in hits)


@slow
def test_concurrent_searches_agree_with_serial_ones(built):
    from concurrent.futures import ThreadPoolExecutor

    queries = [(q, phase, case) for q, phase, case, _ in QUERIES]
    serial = [[h.section for h in built.index.search(q, phase=p, case=c, k=3)] for q, p, c in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda a: [h.section for h in built.index.search(a[0], phase=a[1], case=a[2], k=3)], queries * 2))
    assert parallel == serial * 2


@slow
def test_unchanged_rebuild_does_no_embedding(built):
    again = KnowledgeIndex(built.home, library())
    assert again.is_current()
    before = Embedder.encode_calls
    res = again.build()
    assert res["status"] == "up to date" and res["embedded"] == 0
    assert Embedder.encode_calls == before


NEW_HEADING = "Quokka ledger for feature freshness"
NEW_TEXT = (
    "The quokka ledger is an invented practice used only by this test: every feature row carries a quokka "
    "stamp recording when the upstream stream processor last refreshed it, and the ranking service refuses "
    "rows whose quokka stamp is older than its freshness budget. "
) * 3


@slow
def test_changed_note_triggers_a_rebuild(built, tmp_path: Path):
    # a copy of the notes with one note edited
    knowledge = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), knowledge)
    note = knowledge / "phases" / "data.md"
    note.write_text(note.read_text(encoding="utf-8").rstrip() + f"\n\n## {NEW_HEADING}\n\n{NEW_TEXT}\n", encoding="utf-8")
    changed = load_library(rubrics_dir(), knowledge)
    # a copy of the built database, so only the content differs
    home = tmp_path / "home"
    shutil.copytree(built.home / "index", home / "index")
    assert KnowledgeIndex(home, library()).is_current(), "the copied index is current for the shipped notes"

    index = KnowledgeIndex(home, changed)
    assert not index.is_current()
    before = Embedder.encode_calls
    res = index.build()
    assert res["status"] == "built"
    assert res["embedded"] == res["chunks"] == len(all_chunks(changed)) == len(all_chunks(built.lib)) + 1
    assert Embedder.encode_calls - before == res["chunks"]
    hits = index.search("quokka stamp freshness ledger", phase="data", k=3)
    assert hits[0].section == "phases/data.md#quokka-ledger-for-feature-freshness"
    assert "quokka" in hits[0].text
    # and now it is up to date again, for the changed notes
    before = Embedder.encode_calls
    assert KnowledgeIndex(home, changed).build()["status"] == "up to date"
    assert Embedder.encode_calls == before
    # the original index was not touched
    assert built.index.is_current()


@slow
def test_mlsd_index_json_reports_up_to_date(built):
    res = run_cli(built.home, "index", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["status"] == "up to date" and doc["embedded"] == 0
    assert Path(doc["path"]) == built.home / "index"


@slow
def test_mlsd_ask_json_prints_one_document_with_hits(built):
    manifest = built.home / "index" / "manifest.json"
    before = manifest.stat()
    res = run_cli(built.home, "ask", "feature store", "--phase", "data", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)  # the whole of stdout is one JSON document
    assert doc["query"] == "feature store" and doc["phase"] == "data"
    hits = doc["hits"]
    assert 1 <= len(hits) <= 5
    for h in hits:
        assert {"section", "title", "topic", "phase", "case", "text", "score"} <= set(h)
        assert h["phase"] in {"data", "all"}
    assert "phases/data.md#pipelines-and-feature-stores" in [h["section"] for h in hits[:3]]
    # the subprocess used the index built here: nothing was rebuilt (a build writes a new manifest)
    after = manifest.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert built.index.is_current()


def test_mlsd_ask_bad_phase_exits_2(tmp_path: Path):
    res = run_cli(tmp_path, "ask", "feature store", "--phase", "training", "--json")
    assert res.returncode == 2
    assert res.stdout == ""
    assert len(res.stderr.splitlines()) == 1 and "--phase" in res.stderr


# ------------------------------------------------------------------------------------ self-repair
# These use a content root with one short note (three chunks), so a build costs a model load and
# seconds, not the minutes of the shipped notes.

TINY_NOTE = """---
title: Tiny test note
phase: data
topics: [test]
---
# Tiny test note

## Pangolin labels

The pangolin label is an invented term used only by these tests. A pangolin label is attached to a
training example when a reviewer confirms the click by hand, and it is stored beside the raw click so
that both can be compared later. Reviewers work in batches and write down why they agreed or not.

## Heron splits

A heron split is another invented term: the examples are split by the day they were logged, the last
week held out, so the model never trains on anything that happened after the moment it is tested on.
It keeps the offline score honest about what the deployed model will face.

## Walrus freshness

Walrus freshness, also invented here, is the age of a feature value when the ranking service reads
it. Each value carries the time it was computed and the service drops values older than its budget.
Stale values are counted so the team sees when the pipeline falls behind.
"""


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A content root: the shipped rubrics, cases and candidates, and one note of three sections."""
    root = tmp_path_factory.mktemp("tiny-content")
    shutil.copytree(rubrics_dir(), root / "rubrics")
    shutil.copytree(knowledge_dir(), root / "knowledge", ignore=shutil.ignore_patterns("*.md"))
    (root / "knowledge" / "phases").mkdir(exist_ok=True)
    (root / "knowledge" / "phases" / "data.md").write_text(TINY_NOTE, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tiny_lib(tiny_root: Path):
    return load_library(tiny_root / "rubrics", tiny_root / "knowledge")


@pytest.fixture(scope="module")
def tiny_built(tmp_path_factory: pytest.TempPathFactory, tiny_lib) -> Path:
    home = tmp_path_factory.mktemp("tiny-home")
    res = KnowledgeIndex(home, tiny_lib).build()
    assert res["status"] == "built" and res["chunks"] == 3
    return home


def tiny_home(tiny_built: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(tiny_built, home)
    return home


def truncate(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 3)


def test_a_phase_given_as_the_enum_filters_like_its_string(tiny_built, tiny_lib, tmp_path):
    """Chroma rejects a filter list that mixes an enum member with a string; the search used to take that
    for a damaged index and rebuild it (about 20 s) on every phase-filtered query, with no hits."""
    from interviewer.domain import Phase

    index = KnowledgeIndex(tiny_home(tiny_built, tmp_path), tiny_lib)
    as_text = [h.section for h in index.search("split by the day examples were logged", phase="data", k=2)]
    as_enum = [h.section for h in index.search("split by the day examples were logged", phase=Phase.DATA, k=2)]
    assert as_enum == as_text and as_enum[0] == "phases/data.md#heron-splits"
    assert index.repairs == 0 and index.last_error is None


def test_truncated_database_is_rebuilt_on_open(tiny_built, tiny_lib, tmp_path):
    home = tiny_home(tiny_built, tmp_path)
    truncate(home / "index" / "chroma.sqlite3")
    index = KnowledgeIndex(home, tiny_lib)
    assert index.problem().startswith("damaged")
    hits = index.search("reviewer confirms the click by hand", k=2)
    assert hits and hits[0].section == "phases/data.md#pangolin-labels"
    assert index.repairs == 1 and index.last_error is None
    assert KnowledgeIndex(home, tiny_lib).problem() is None
    assert sorted(p.name for p in home.iterdir() if p.name.startswith("index")) == ["index"]  # nothing left aside


def test_index_damaged_while_open_is_repaired_by_the_next_search(tiny_built, tiny_lib, tmp_path):
    home = tiny_home(tiny_built, tmp_path)
    index = KnowledgeIndex(home, tiny_lib)
    assert index.search("feature age when the service reads it", k=1)[0].section == "phases/data.md#walrus-freshness"
    truncate(home / "index" / "chroma.sqlite3")
    hits = index.search("split by the day examples were logged", k=1)
    assert hits and hits[0].section == "phases/data.md#heron-splits"
    assert index.last_error is None and index.repairs == 1


def test_content_hash_marker_without_data_is_rebuilt(tiny_built, tiny_lib, tmp_path):
    home = tiny_home(tiny_built, tmp_path)
    for p in (home / "index").iterdir():  # keep only the manifest that says "current"
        if p.name != "manifest.json":
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    index = KnowledgeIndex(home, tiny_lib)
    assert index.is_current() and index.problem() is not None
    assert index.search("walrus freshness budget", k=1)[0].section == "phases/data.md#walrus-freshness"
    assert index.problem() is None and index.repairs == 1


def test_half_written_collection_is_rebuilt(tiny_built, tiny_lib, tmp_path):
    home = tiny_home(tiny_built, tmp_path)
    index = KnowledgeIndex(home, tiny_lib)
    coll = index._collection()
    coll.delete(ids=[coll.get(limit=1)["ids"][0]])  # as if a build stopped one chunk short
    index._close()
    assert index.problem().startswith("half built")
    assert len(index.search("pangolin heron walrus", k=5)) == 3
    assert index.repairs == 1


def test_a_killed_build_leaves_the_old_index_and_its_leftovers_are_cleared(tiny_built, tiny_lib, tmp_path, monkeypatch):
    home = tiny_home(tiny_built, tmp_path)
    index = KnowledgeIndex(home, tiny_lib)

    def killed(*_a, **_k):
        raise KeyboardInterrupt  # stands in for a kill in the middle of embedding

    import interviewer.embeddings as emb

    monkeypatch.setattr(emb, "LocalEmbeddingFunction", killed)
    with pytest.raises(KeyboardInterrupt):
        index.build(rebuild=True)
    monkeypatch.undo()
    assert KnowledgeIndex(home, tiny_lib).problem() is None, "the live index was not touched"
    (home / "index.new-99999-deadbeef").mkdir()  # what a SIGKILL would leave
    assert index.build(rebuild=True)["status"] == "built"
    assert not list(home.glob("index.new-*"))


def test_search_never_raises_and_says_why(tiny_built, tiny_lib, tmp_path, monkeypatch):
    home = tiny_home(tiny_built, tmp_path)
    index = KnowledgeIndex(home, tiny_lib)
    calls = {"query": 0, "build": 0}

    def broken_query(*_a, **_k):
        calls["query"] += 1
        raise AttributeError("'RustBindingsAPI' object has no attribute 'bindings'")

    real_build = index._build_fresh

    def counted_build(*a, **k):
        calls["build"] += 1
        return real_build(*a, **k)

    monkeypatch.setattr(index, "_query", broken_query)
    monkeypatch.setattr(index, "_build_fresh", counted_build)
    assert index.search("pangolin", k=2) == []
    assert calls == {"query": 3, "build": 1}  # first try, a fresh connection, then one rebuild
    assert index.last_error and "no note" in index.last_error and "RustBindingsAPI" in index.last_error
    monkeypatch.undo()
    assert index.search("pangolin", k=1) and index.last_error is None  # and it clears once searches work


def test_search_on_an_unbuildable_index_returns_no_hits(tiny_built, tiny_lib, tmp_path, monkeypatch):
    home = tiny_home(tiny_built, tmp_path)
    truncate(home / "index" / "chroma.sqlite3")
    index = KnowledgeIndex(home, tiny_lib)

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index, "_build_fresh", full)
    assert index.search("pangolin", k=2) == []
    assert "No space left on device" in index.last_error and "without notes" in index.last_error


def tiny_env(home: Path, root: Path) -> dict[str, str]:
    env = cli_env(home)
    env["MLSD_CONTENT_DIR"] = str(root)
    env["MLSD_CONFIG"] = str(home / "no-config.toml")
    return env


def test_mlsd_index_rebuild_on_a_corrupt_index_exits_0(tiny_built, tiny_root, tmp_path):
    home = tiny_home(tiny_built, tmp_path)
    truncate(home / "index" / "chroma.sqlite3")
    p = subprocess.run([sys.executable, "-m", "tui.cli", "index", "--rebuild", "--json"], capture_output=True, text=True, timeout=300, cwd=REPO, env=tiny_env(home, tiny_root))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["status"] == "built"
    assert "malformed" not in p.stderr
    from interviewer.health import sqlite_problem

    assert sqlite_problem(home / "index" / "chroma.sqlite3") is None


def test_two_processes_on_an_empty_home_both_succeed(tiny_root, tmp_path):
    """`mlsd index` and `mlsd ask` (which builds on first use, as `mlsd simulate` does) start together on
    an empty home: the file lock lets one build and the other find the index current. Without it they
    race on the collection and one exits 1 with NotFoundError."""
    home = tmp_path / "empty-home"
    env = tiny_env(home, tiny_root)
    cmds = [["index", "--json"], ["ask", "heron split by day", "--json"]]
    procs = [subprocess.Popen([sys.executable, "-m", "tui.cli", *c], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env) for c in cmds]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    assert json.loads(outs[0][0])["status"] in ("built", "up to date")  # "up to date" when `ask` built first
    hits = json.loads(outs[1][0])["hits"]
    assert hits and hits[0]["section"] == "phases/data.md#heron-splits"
    assert sorted(p.name for p in home.iterdir() if p.name.startswith("index")) == ["index"]
    assert KnowledgeIndex(home, load_library(tiny_root / "rubrics", tiny_root / "knowledge")).problem() is None


def test_ensure_reports_build_progress(tiny_lib, tmp_path):
    """A first build (what `Engine.warm` runs on a fresh home) reports how many sections are embedded."""
    seen: list[tuple[int, int]] = []
    index = KnowledgeIndex(tmp_path / "home", tiny_lib)
    assert index.ensure(progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    seen.clear()
    assert KnowledgeIndex(tmp_path / "home", tiny_lib).ensure(progress=lambda d, t: seen.append((d, t)))
    assert seen == []  # an index already built: nothing to report

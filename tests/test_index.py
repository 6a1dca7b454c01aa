"""The knowledge index (interviewer/knowledge.py) on a real Chroma database in a temporary MLSD_HOME.

Building embeds every chunk of every note (~260) and takes tens of seconds on a CPU, so the index is
built once per module; the change-detection test copies that database rather than building from zero.
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
    """The shipped notes indexed once into a temporary MLSD_HOME."""
    home = tmp_path_factory.mktemp("mlsd-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLSD_HOME", str(home))
        mp.delenv("MLSD_CONTENT_DIR", raising=False)
        lib = library()
        index = KnowledgeIndex(home, lib)
        before = Embedder.encode_calls
        result = index.build()
        yield SimpleNamespace(home=home, lib=lib, index=index, result=result, encoded=Embedder.encode_calls - before)


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

"""The embedding memo and the authored-text vectors embedded ahead (`Embedder.preload`, `Engine.warm`)."""
from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest
from engine_support import fresh_home, settings_for

from interviewer import graph
from interviewer.embeddings import VECTORS_DIR, Embedder, get_model, memo_key
from interviewer.graph import authored_texts
from interviewer.knowledge import KnowledgeIndex

TEXTS = [
    "How would you pick k for this product?",
    "Class imbalance. Recognises when positives are rare and says what it does to training.",
    "What does that dimension cost in memory across everything you embed?",
    "Überwachung der Datenqualität",
]


def test_the_model_does_not_tell_case_apart():
    """What keys the memo by lower-cased ASCII text (`UNCASED`): the tokenizer lower-cases, so both
    spellings are one input and one vector, bit for bit."""
    assert get_model().tokenizer.do_lower_case is True
    a, b = Embedder().encode(["How Would You PICK k for this Product?", "how would you pick k for this product?"], memo=False)
    assert np.array_equal(a, b)


def test_case_variants_share_one_memo_entry():
    e = Embedder()
    first = e.encode(["Which Slices Matter Most?"])[0]
    before = Embedder.encode_calls
    again = e.encode(["which slices matter most?"])[0]
    assert Embedder.encode_calls == before
    assert np.array_equal(first, again)
    # outside ASCII the text is keyed as written: Python's case folding is not the tokenizer's
    assert memo_key("Überwachung") != memo_key("überwachung")
    assert memo_key("Feature Store") == memo_key("feature store")


def test_preload_encodes_once_then_reads_the_file(tmp_path: Path):
    first = Embedder().preload(TEXTS, tmp_path)
    assert first["status"] == "encoded" and first["texts"] == len(TEXTS)
    files = list((tmp_path / VECTORS_DIR).iterdir())
    assert len(files) == 1 and files[0].name.startswith("authored-") and files[0].suffix == ".npz"
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / VECTORS_DIR).stat().st_mode) == 0o700

    e = Embedder()
    before = Embedder.encode_calls
    second = e.preload(TEXTS, tmp_path)
    assert second["status"] == "loaded"
    vecs = e.encode(TEXTS)
    assert Embedder.encode_calls == before, "read from the file, nothing sent to the model"
    fresh = Embedder().encode(TEXTS, memo=False)
    assert np.allclose(vecs, fresh, atol=1e-5), "the same vectors as encoding the texts now"
    assert e.preload(TEXTS, tmp_path)["status"] == "in memory"


def test_a_damaged_file_is_encoded_again(tmp_path: Path):
    Embedder().preload(TEXTS, tmp_path)
    (path,) = (tmp_path / VECTORS_DIR).iterdir()
    path.write_bytes(path.read_bytes()[:200])
    res = Embedder().preload(TEXTS, tmp_path)
    assert res["status"] == "encoded"
    assert Embedder().preload(TEXTS, tmp_path)["status"] == "loaded", "the file was written whole again"


def test_a_progress_callback_that_raises_stops_the_preload(tmp_path: Path):
    """How a closing app stops a first start's long warm-up: nothing saved, nothing marked loaded."""
    seen: list[int] = []

    def stop(done: int, total: int) -> None:
        seen.append(done)
        if done:
            raise RuntimeError("closing")

    e = Embedder()
    texts = [f"probe number {i} about feature freshness" for i in range(70)]
    with pytest.raises(RuntimeError):
        e.preload(texts, tmp_path, progress=stop)
    assert seen == [0, 32]
    assert not (tmp_path / VECTORS_DIR).exists() or not list((tmp_path / VECTORS_DIR).glob("authored-*"))
    assert e.preload(texts, tmp_path)["status"] == "encoded", "tried again whole, not taken as done"


def test_changed_texts_get_their_own_file_and_the_old_one_goes(tmp_path: Path):
    Embedder().preload(TEXTS, tmp_path)
    (old,) = (tmp_path / VECTORS_DIR).iterdir()
    res = Embedder().preload([*TEXTS, "A probe added to the content"], tmp_path)
    assert res["status"] == "encoded" and res["texts"] == len(TEXTS) + 1
    (new,) = (tmp_path / VECTORS_DIR).iterdir()
    assert new != old and not old.exists()
    assert not list((tmp_path / VECTORS_DIR).glob(".*")), "no temporary file left"


def test_a_home_that_cannot_be_written_keeps_the_vectors_in_memory(tmp_path: Path):
    blocked = tmp_path / "home"
    blocked.mkdir()
    (blocked / VECTORS_DIR).write_text("a file where the folder would go")
    e = Embedder()
    res = e.preload(TEXTS, blocked)
    assert res["status"] == "encoded"
    before = Embedder.encode_calls
    e.encode(TEXTS)
    assert Embedder.encode_calls == before
    assert (blocked / VECTORS_DIR).read_text() == "a file where the folder would go"


@pytest.mark.slow  # two whole scripted interviews
def test_what_an_interview_embeds_of_its_own_text_is_embedded_ahead(tmp_path, tmp_path_factory, monkeypatch):
    """Every note query and every probe an interview compares is in `authored_texts`, so that after the
    warm-up a follow-up embeds nothing but the candidate's words. A new kind of query or probe that the
    list misses fails here (it would cost 25-70 ms at turn time on two cores)."""
    from interviewer.session import Engine
    from interviewer.simulate import ScriptedCandidate, run

    home = fresh_home(tmp_path, tmp_path_factory, monkeypatch)
    eng = Engine(settings_for(home))
    try:
        ahead = {memo_key(t) for t in authored_texts(eng.lib, eng.bank)}
        queries: list[str] = []
        compared: list[str] = []
        search = KnowledgeIndex.search

        def recording_search(self, query, *a, **kw):
            queries.append(query)
            return search(self, query, *a, **kw)

        not_asked_yet = graph._not_asked_yet

        def recording_not_asked_yet(state, lines, strict=False):
            compared.extend(graph._question_of(line) for line in lines)
            return not_asked_yet(state, lines, strict=strict)

        monkeypatch.setattr(KnowledgeIndex, "search", recording_search)
        monkeypatch.setattr(graph, "_not_asked_yet", recording_not_asked_yet)
        monkeypatch.delenv("MLSD_SIM_PACE", raising=False)
        for case, persona in (("payment-fraud-detection", "strong"), ("video-recommendation", "average")):
            run(eng, case, ScriptedCandidate.from_script(eng.lib.script(persona, case)))
    finally:
        eng.close()
    assert len(queries) >= 20 and len(compared) >= 20, "the interviews searched the notes and compared probes"
    missed = sorted({t for t in queries + compared if memo_key(t) not in ahead})
    assert missed == [], f"embedded at turn time, not ahead: {missed[:5]}"

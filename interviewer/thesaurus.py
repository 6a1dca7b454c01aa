"""The field's thesaurus (`knowledge/concepts/synonyms.yaml`): groups of words and phrases that mean the same
in ML system design and the products its cases are about ("rider", "courier", "driver"; "QPS", "requests per
second"). The clarifying phase uses it so that a question asked in other words than a case's facts use still
finds the fact: a word of the question counts as named by a fact that says another member of its group, and
the question is put in the case's own words before its meaning is compared with the facts'. Its `measures` are
the words that name a measure of something ("price", "retention"): a question asking for one is answered only
by a fact that names it."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import StringConstraints, field_validator

from .content import _compose, _node_line, _read_text, _Strict, load_yaml_node
from .errors import ContentError
from .paths import knowledge_dir

SYNONYMS_FILE = "synonyms.yaml"
Member = Annotated[str, StringConstraints(min_length=1, max_length=60)]
_TOKEN = re.compile(r"[a-z0-9][a-z0-9\-]*")


def _norm(w: str) -> str:
    """A word as the thesaurus compares it: lower-case, in the singular ("queries" -> "query", "riders" -> "rider")."""
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    return w[:-1] if w.endswith("s") and len(w) > 3 else w


def tokens(text: str) -> list[tuple[str, int, int]]:
    """The words of `text`, normalised, with their character spans."""
    return [(_norm(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]


class Synonyms(_Strict):
    groups: list[list[Member]]
    # words that name a measure of something (a price, a length, a retention): a question asking for one is
    # answered only by a fact that names it, in its words or in its thesaurus group's
    measures: list[Member] = []

    @field_validator("measures")
    @classmethod
    def _measures(cls, v: list[str]) -> list[str]:
        for m in v:
            if len(tokens(m)) != 1 or m != m.lower():
                raise ValueError(f"measure {m!r} is not one lower-case word")
        return v

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: list[list[str]]) -> list[list[str]]:
        seen: dict[tuple[str, ...], int] = {}
        for n, g in enumerate(v):
            if len(g) < 2:
                raise ValueError(f"group {n + 1} ({g[0] if g else 'empty'!r}) has fewer than two members")
            for m in g:
                if m != m.lower() or m != m.strip():
                    raise ValueError(f"group {n + 1}: member {m!r} is not lower-case and trimmed")
                key = tuple(t for t, *_ in tokens(m))
                if not key:
                    raise ValueError(f"group {n + 1}: member {m!r} has no word")
                if key in seen and seen[key] != n:
                    raise ValueError(f"member {m!r} of group {n + 1} is also in group {seen[key] + 1} ({v[seen[key]][0]!r})")
                seen[key] = n
        return v


@dataclass(frozen=True)
class Mention:
    group: int
    member: tuple[str, ...]  # the member's words, normalised
    start: int  # character span in the text
    end: int


@dataclass
class Thesaurus:
    groups: list[list[str]]
    measures: frozenset[str] = frozenset()  # normalised as `text.content_words` does
    # first word of a member -> (member's words, group), longest members first
    index: dict[str, list[tuple[tuple[str, ...], int]]] = field(default_factory=dict)

    surface: dict[tuple[str, ...], str] = field(default_factory=dict)  # a member's words -> the member as written

    def __post_init__(self) -> None:
        for n, g in enumerate(self.groups):
            for m in g:
                key = tuple(t for t, *_ in tokens(m))
                self.index.setdefault(key[0], []).append((key, n))
                self.surface.setdefault(key, m)
        for v in self.index.values():
            v.sort(key=lambda kv: -len(kv[0]))

    def mentions(self, text: str) -> list[Mention]:
        """The members `text` says, left to right, the longest at each place ("daily active users" rather than
        "daily")."""
        toks = tokens(text)
        ws = [t for t, *_ in toks]
        out: list[Mention] = []
        i = 0
        while i < len(toks):
            for key, g in self.index.get(ws[i], ()):
                if len(key) == 1 or tuple(ws[i : i + len(key)]) == key:
                    out.append(Mention(g, key, toks[i][1], toks[i + len(key) - 1][2]))
                    i += len(key)
                    break
            else:
                i += 1
        return out

    def case_words(self, texts: list[str], found: list[list[Mention]] | None = None) -> dict[int, str]:
        """Per group the texts (a case's facts) name: the member they say most often, as the thesaurus writes it
        (`found`: the texts' mentions, when already known)."""
        counts: dict[int, dict[tuple[str, ...], int]] = {}
        for ms in found if found is not None else [self.mentions(t) for t in texts]:
            for m in ms:
                c = counts.setdefault(m.group, {})
                c[m.member] = c.get(m.member, 0) + 1
        out: dict[int, str] = {}
        for g, c in counts.items():
            best = max(c.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]
            out[g] = self.surface[best]
        return out

    def rewrite(self, text: str, said: set[tuple[str, ...]], words: dict[int, str]) -> str:
        """`text` in a case's own words: a member the case never says (`said`) is replaced by the member of its
        group the case says most (`words`, from `case_words`); the rest is kept as written."""
        out, last = [], 0
        for m in self.mentions(text):
            if m.member in said or m.group not in words:
                continue
            out.append(text[last : m.start])
            out.append(words[m.group])
            last = m.end
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)


def load_synonyms(path: Path) -> Synonyms:
    try:
        return load_yaml_node(path, Synonyms, empty="the file is empty")[0]
    except ContentError as e:
        # name the line of the group at fault (the file parsed, so composing it again cannot fail)
        m = re.search(r"group (\d+)", str(e))
        node = _compose(_read_text(path), path) if m else None
        if m and node is not None:
            g = int(m.group(1)) - 1
            line = _node_line(node, ("groups", g), 0)
            if line:
                raise ContentError(path, str(e).split(": ", 1)[-1], line) from None
        raise


@functools.lru_cache(maxsize=4)
def thesaurus(folder: str | None = None) -> Thesaurus:
    """The shipped thesaurus (or the one in `folder`), loaded once; empty when there is no file."""
    path = Path(folder or knowledge_dir() / "concepts") / SYNONYMS_FILE
    if not path.is_file():
        return Thesaurus([])
    syn = load_synonyms(path)
    return Thesaurus(syn.groups, frozenset(_norm(m) for m in syn.measures))

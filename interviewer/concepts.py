"""The concept layer: what a candidate can say (concepts) and known wrong claims (misconceptions).

Data lives in `knowledge/concepts/<phase>.yaml` and `knowledge/concepts/cases/<case-id>.yaml`; the
format is in `docs/content.md`. This module loads and cross-checks it (every fault is a `ContentError`
naming the file and line) and offers plain-code detectors over what was said: alias mentions and
misconception patterns, unit by unit (a line is a unit; so is each sentence within it), every hit keeping
its exact span in the original text.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Literal, NamedTuple, Union

import yaml
from pydantic import Field, StringConstraints, field_validator, model_validator

from .content import Id, Library, PhaseId, Text, _kinds_valid, _node_line, _Strict, library, load_library, load_yaml_node
from .domain import KINDS, PHASES
from .errors import ContentError
from .figures import FIGURES_FILE
from .paths import knowledge_dir
from .text import answer_spans
from .thesaurus import SYNONYMS_FILE, load_synonyms

PROBLEM_KINDS = KINDS  # the scope vocabulary (interviewer/domain.py)
_kinds = _kinds_valid  # checked as rubric scopes and case kinds are


ProblemKind = Annotated[str, StringConstraints(min_length=1)]
ConceptKind = Literal["technique", "component", "decision", "metric", "number", "practice"]
Surface = Annotated[str, StringConstraints(min_length=1, max_length=80)]

CASE_KINDS_FILE = "case-kinds.yaml"
GENERIC_WORDS_FILE = "generic-words.yaml"
_SPECIAL_FILES = (CASE_KINDS_FILE, GENERIC_WORDS_FILE, SYNONYMS_FILE, FIGURES_FILE)


# --------------------------------------------------------------------------- schemas


class DepthPoint(_Strict):
    point: Text
    cues: list[Surface] = Field(min_length=1, max_length=20)


class Concept(_Strict):
    id: Id
    name: Text
    aliases: list[Surface] = Field(min_length=1, max_length=30)
    kind: ConceptKind
    criteria: list[Id] = Field(min_length=1, max_length=10)  # a list spans several cases' own criteria too
    scope: list[ProblemKind] | None = None
    depth: list[DepthPoint] = Field(min_length=2, max_length=4)
    probes: list[Text] = Field(min_length=1, max_length=3)
    phase: PhaseId | None = None  # required in case files; filled in from the file in phase files
    # how the concept is said in prose that no fixed alias catches ("train on the first four weeks and test on
    # the fifth" for a time-based split): regexes per unit, case-insensitive, each with examples it must find
    # and correct look-alikes it must not
    patterns: list[Annotated[str, StringConstraints(min_length=1, max_length=600)]] = Field(default_factory=list, max_length=8)
    pattern_examples: list[Text] = Field(default_factory=list, max_length=12)
    pattern_counter_examples: list[Text] = Field(default_factory=list, max_length=8)

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: list[str] | None) -> list[str] | None:
        return _kinds(v)

    @property
    def note_query(self) -> str:
        """What a deep dive on the concept searches the notes for: its name and its first depth point."""
        return f"{self.name}. {self.depth[0].point}"

    @model_validator(mode="after")
    def _patterns_have_examples(self) -> "Concept":
        if self.patterns and len(self.pattern_examples) < 2:
            raise ValueError("a concept with patterns gives at least two pattern_examples they find")
        if (self.pattern_examples or self.pattern_counter_examples) and not self.patterns:
            raise ValueError("pattern_examples and pattern_counter_examples need patterns")
        return self


class Misconception(_Strict):
    id: Id
    claim: Text
    patterns: list[Annotated[str, StringConstraints(min_length=1, max_length=800)]] = Field(min_length=1, max_length=8)  # two rounds of widening may each add their own
    examples: list[Text] = Field(min_length=2, max_length=8)
    counter_examples: list[Text] = Field(min_length=1, max_length=6)
    criteria: list[Id] = Field(min_length=1, max_length=4)
    scope: list[ProblemKind] | None = None
    challenge: Text
    phase: PhaseId | None = None
    # the claim is taken back by something said in the same answer, in any sentence ("... we ship it. Online we'd
    # A/B test it."): regexes, case-insensitive, searched in the answer (the text between blank lines) of the hit
    unless: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] = Field(default_factory=list, max_length=4)

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: list[str] | None) -> list[str] | None:
        return _kinds(v)


class ConceptFile(_Strict):
    phase: PhaseId | None = None
    case: Id | None = None
    concepts: list[Concept] = Field(default_factory=list)
    misconceptions: list[Misconception] = Field(default_factory=list)


class CaseKinds(_Strict):
    cases: dict[Id, list[ProblemKind]]

    @field_validator("cases")
    @classmethod
    def _valid(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for kinds in v.values():
            if not kinds:
                raise ValueError("a case has at least one problem kind")
            _kinds(kinds)
        return v


class GenericWords(_Strict):
    generic_words: list[Surface] = Field(min_length=1)


# --------------------------------------------------------------------------- detections


class Mention(NamedTuple):
    """A concept named in the text: text[start:end] == matched."""

    concept_id: str
    start: int
    end: int
    matched: str


class Hit(NamedTuple):
    """A misconception recognised in one unit: text[start:end] == matched (the pattern's match)."""

    misconception_id: str
    start: int
    end: int
    matched: str


_BULLET = re.compile(r"[ \t]*(?:[-*+\u2022\u2023\u25e6>]|\d{1,3}[.)])[ \t]+")
# a sentence ends at . ! ? (not after "e.g.", "i.e.", "vs.", "cf.", "approx.", "incl.", "esp.", "a.k.a.", nor after "etc."
# when the sentence goes on in lower case): "recall @ fixed FPR (e.g. 1%)" is one unit, as `text.sentences` has it
_SENT_END = re.compile(
    r"(?<=[.!?])(?<![eE]\.[gG]\.)(?<![iI]\.[eE]\.)(?<!\b[vV][sS]\.)(?<!\b[cC][fF]\.)(?<!\b[aA]pprox\.)(?<!\b[iI]ncl\.)"
    r"(?<!\b[eE]sp\.)(?<!\b[aA]\.[kK]\.[aA]\.)(?<!\b[eE]tc\.(?=\s+[a-z0-9]))\s+(?=\S)"
)
_WORD = re.compile(r"\w+")
SOFT_WRAP_MIN = 60  # a line at least this long, continued in lower case on the next line, is wrapped prose
UNIT_MEMO_SIZE = 50_000  # per-unit scans a bank remembers (a few MB at most)
_MISSING = object()
_DENIAL = re.compile(
    r"\W*(?:but\s+|no,?\s+|to\s+be\s+clear,?\s+)?(?:i|we)\s+(?:did\s+not|didn.t|never|am\s+not|.m\s+not|are\s+not|aren.t|was\s+not|wasn.t|would\s+not|wouldn.t)\s+"
    r"(?:propos|say|said|suggest|claim|recommend|mean|meant|advocat|argu|imply|implied)\w*\b",
    re.I,
)
# a question states nothing ("Are comments and DMs in scope?", "Do we keep the raw messages?"), unless it puts a
# plan up for approval ("Is it fine if we size the fleet for the average?", "Can we just use DMs?") or asks to
# have a claim confirmed ("We report accuracy, right?")
# where a sentence's consequence starts: ", so I would ...", "; we ...", ", which means we ..."
_CONSEQUENCE = re.compile(r"(?:,\s*(?:and\s+)?(?:so|hence|therefore|thus|which\s+means)|;)\s+(?=(?:i|we|i'd|we'd|i'll|we'll|the\s+plan|my\s+plan)\b)", re.I)
CONSEQUENCE_MIN = 25  # characters a consequence needs to state a plan
_QUESTION = re.compile(r"\?[\s\"')\]]*$")
_CONFIRM_TAG = re.compile(r"[,;]\s*(?:right|correct|yes|no|agreed|ok(?:ay)?|isn.t\s+it|aren.t\s+they|don.t\s+you\s+think|wouldn.t\s+you\s+say|true)\s*\?[\s\"')\]]*$", re.I)
_PROPOSAL = re.compile(
    r"^\W*(?:(?:so|and|ok(?:ay)?|then|also)[,\s]+)*(?:(?:is|would)\s+it\s+(?:be\s+)?(?:fine|ok(?:ay)?|alright|all\s+right|reasonable|enough|acceptable)|"
    r"(?:can|could|should|shall|may)\s+(?:we|i)|how\s+about|what\s+if\s+(?:we|i)|why\s+not|wouldn.t\s+it|isn.t\s+it|don.t\s+we|do\s+we\s+(?:just|even)|"
    r"(?:do|does|would|will)\s+(?:it|that|this)\s+(?:work|suffice|be\s+enough|do))\b",
    re.I,
)


def _asks(unit: str) -> bool:
    """Whether a sentence only asks: a question that neither proposes nor seeks a claim's confirmation."""
    return bool(_QUESTION.search(unit)) and not _CONFIRM_TAG.search(unit) and not _PROPOSAL.match(unit)


# a claim warned against in the words that state it: "don't claim revenue lift from AUC alone", "never assume
# the offline gain shows up online" say the opposite of what they name
_WARNED = re.compile(
    r"\b(?:don.t|do\s+not|never|shouldn.t|should\s+not|must\s+not|mustn.t|can.t|cannot|avoid)\s+(?:\w+\s+)?"
    r"(?:claim|assum|conclud|infer|trust|believ|read\s+(?:it|that|this)\s+as|tak(?:e|ing)\s+(?:it|that|this)\s+as)\w*\b",
    re.I,
)
# a claim put as the pitfall it is: "If you oversample before splitting, copies land in both sides, which
# inflates validation recall" explains the mistake, it does not make it
_IF_YOU = re.compile(r"\bif\s+(?:you|one|someone|a\s+team|people|teams)\b[^.?!;]*$", re.I)
_HARMS = re.compile(
    r"^[^.?!;]{0,160}?\b(?:inflat|overstat|leak|optimistic|bias|mislead|fool|wrong|break|hurt|contaminat|invalid|cheat|lie|lies|lying)\w*", re.I
)
MENTION_MEMO_SIZE = 4096  # texts whose concept mentions a bank remembers (an interview has a few hundred lines)


def _lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        out.append((pos, end - 1 if line.endswith("\r") else end))
        pos = end + 1
    return out


def _soft_wrap(text: str, cur: tuple[int, int], nxt: tuple[int, int]) -> bool:
    """Whether the break between two lines is a wrap inside one sentence of prose, not a boundary: the
    first line is long and does not end a sentence or a label, the next goes on in lower case, unbulleted."""
    line = text[cur[0] : cur[1]].rstrip()
    after = text[nxt[0] : nxt[1]]
    body = after.lstrip()
    return (
        len(line.strip()) >= SOFT_WRAP_MIN
        and not line.endswith((".", "!", "?", ":", ";"))
        and body[:1].islower()
        and not _BULLET.match(after)
    )


def units(text: str) -> list[tuple[int, int]]:
    """Spans of the units of `text`: each line, and each sentence within a line, bullet marker left out.

    A line break is a boundary, except inside wrapped prose (see `_soft_wrap`): notes, bullets and short
    lines stay separate units. Every span is trimmed; text[start:end] is the unit verbatim."""
    out: list[tuple[int, int]] = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        start, end = lines[i]
        m = _BULLET.match(text, start, end)
        if m:
            start = m.end()
        while i + 1 < len(lines) and _soft_wrap(text, lines[i], lines[i + 1]):
            i += 1
            end = lines[i][1]
        cut = start
        for s in _SENT_END.finditer(text, start, end):
            _push(out, text, cut, s.start())
            cut = s.end()
        _push(out, text, cut, end)
        i += 1
    return out


def _push(out: list[tuple[int, int]], text: str, a: int, b: int) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append((a, b))


CUE_PREFIX_MIN = 5  # a cue this long also matches words it begins ("precompute" in "precomputed")


def _cue_regex(cue: str) -> str:
    """A depth cue as a regex source: it starts a word, or follows a number ("2TB", "100ms", "5k": a unit written
    against its figure); a short cue must also end one ("ann" is not "annual")."""
    body = r"\s+".join(re.escape(part) for part in cue.split())
    tail = r"(?!\w)" if len(cue) < CUE_PREFIX_MIN and _is_word_char(cue[-1:] or " ") else ""
    lead = r"(?<![^\W\d])(?<!-)" if cue[:1].isalpha() else r"(?<![\w-])"  # "186" does not hold the cue "86"
    return lead + body + tail


# A prefilter condition: None (nothing can be told), a lowercase string the unit must contain, or
# ("&", parts) / ("|", parts): all or any of the parts must hold.
Condition = Union[None, str, tuple[str, tuple[Any, ...]]]
_LITERAL_MIN = 3  # shorter literals ("a ", "on") are in nearly every unit: they filter nothing


def _all_of(parts: list[Condition]) -> Condition:
    got = [p for p in parts if p is not None]
    return None if not got else got[0] if len(got) == 1 else ("&", tuple(got))


def _any_of(parts: list[Condition]) -> Condition:
    if any(p is None for p in parts):
        return None
    return parts[0] if len(parts) == 1 else ("|", tuple(parts))


def _parse(pattern: str) -> list | None:
    try:
        from re import _parser as P  # CPython's own parser; any surprise disables the filter

        return list(P.parse(pattern, re.I))
    except Exception:
        return None


def _required_condition(pattern: str) -> Condition:
    """What any match of `pattern` must contain, as a condition on the lowercased unit (see `Condition`),
    or None when nothing can be told. Every literal run of the pattern outside lookarounds and optional
    parts is required; of a set of alternatives, one alternative's. A few `in` tests on it skip most units
    before the regex runs."""
    from re import _constants as C

    seq = _parse(pattern)
    if seq is None:
        return None

    def item(op: Any, av: Any) -> Condition:
        if op is C.SUBPATTERN:
            return sequence(list(av[-1]))
        if op is C.BRANCH:
            return _any_of([sequence(list(alt)) for alt in av[1]])
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            return sequence(list(av[2]))
        return None  # lookarounds, anchors, classes, optional parts: nothing required

    def sequence(items: list) -> Condition:
        parts: list[Condition] = []
        run = ""
        for op, av in items:
            if op is C.LITERAL:
                run += chr(av).lower()
                continue
            if len(run) >= _LITERAL_MIN:
                parts.append(run)
            run = ""
            parts.append(item(op, av))
        if len(run) >= _LITERAL_MIN:
            parts.append(run)
        return _all_of(parts)

    return sequence(seq)


def _simplified(cond: Condition) -> Condition:
    """The same condition, smaller: nested "&"s and "|"s flattened, repeats dropped, and a literal dropped
    where another implies it (of "ship" | "shipped", "ship" is enough; of "ship" & "shipped", "shipped")."""
    if cond is None or isinstance(cond, str):
        return cond
    op, parts = cond
    flat: list[Condition] = []
    for p in map(_simplified, parts):
        for q in p[1] if isinstance(p, tuple) and p[0] == op else (p,):
            if q not in flat:
                flat.append(q)
    lits = [q for q in flat if isinstance(q, str)]
    implied = (lambda s, t: t in s) if op == "|" else (lambda s, t: s in t)
    flat = [q for q in flat if not (isinstance(q, str) and any(t != q and implied(q, t) for t in lits))]
    return flat[0] if len(flat) == 1 else (op, tuple(flat))


def _test_source(cond: Condition) -> str:
    if isinstance(cond, str):
        return f"{cond!r} in s"
    op, parts = cond
    return "(" + (" and " if op == "&" else " or ").join(_test_source(p) for p in parts) + ")"


def _compiled(cond: Condition) -> Callable[[str], bool] | None:
    """The condition as one Python expression over the lowercased unit `s`: about 4 µs a test where a
    walk of the tree took 40. Its only names are `s` and string literals written with repr()."""
    cond = _simplified(cond)
    return None if cond is None else eval(compile("lambda s: " + _test_source(cond), "<prefilter>", "eval"), {"__builtins__": {}})


def _anchored(pattern: str) -> bool:
    """Whether every match of `pattern` must start at the text's start (each alternative opens with "^"):
    then `match` finds what `search` would, without trying every other position."""
    from re import _constants as C

    def starts_at_0(items: list) -> bool:
        if not items:
            return False
        op, av = items[0]
        if op is C.AT:
            return av is C.AT_BEGINNING or av is C.AT_BEGINNING_STRING
        if op is C.SUBPATTERN:
            return starts_at_0(list(av[-1]))
        if op is C.BRANCH:
            return all(starts_at_0(list(alt)) for alt in av[1])
        return False

    seq = _parse(pattern)
    return seq is not None and starts_at_0(seq)


# a pattern's "\b" is an edge of a token: also where a token ends in a sign ("100%", "p(click)", "C++") and the text
# goes on with a space or stops, which Python's word boundary (between a word and a non-word character) misses; a
# separator (":", "=") keeps the plain boundary
TOKEN_EDGE = r"(?:\b|(?<=[%)+#])(?!\w))"
_WORD_EDGE = re.compile(r"(?<!\\)((?:\\\\)*)\\b")


def token_edges(pattern: str) -> str:
    """`pattern` with each word boundary read as a token edge (`TOKEN_EDGE`)."""
    return _WORD_EDGE.sub(lambda m: m.group(1) + TOKEN_EDGE, pattern)


def _one_regex(patterns: list[str]) -> re.Pattern[str]:
    """Several patterns as one alternation (each validated on its own when the bank loads)."""
    return re.compile("|".join(f"(?:{token_edges(p)})" for p in patterns), re.I)


def _first_word(surface: str) -> str | None:
    m = _WORD.match(surface)
    return m.group(0).lower() if m else None


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")


def surface_parts(surface: str) -> tuple[str, ...]:
    """A surface's words, lowercase, split at whitespace and at a hyphen inside a word: the key under which two
    aliases are the same surface ("crowd workers" also matches "crowd-workers" in an answer)."""
    return tuple(_INNER_HYPHEN.sub(" ", surface.lower()).split())


def _match_parts(text: str, i: int, end: int, parts: tuple[str, ...], closed: bool) -> int:
    """End of the surface `parts` (lowercase words) matched at text[i:], or -1. Words are separated by
    any whitespace or by one hyphen (the alias "right to erasure" names "right-to-erasure"; a hyphenated
    alias, "in-batch", needs its hyphen: "stay in batch" does not name it); a surface ending in a letter or
    digit must end a word. Plain string compares, no regex."""
    j = i
    for k, part in enumerate(parts):
        if k:
            n = j
            if n < end and text[n] == "-":
                n += 1
            else:
                while n < end and text[n].isspace():
                    n += 1
            if n == j:
                return -1
            j = n
        e = j + len(part)
        if e > end or text[j:e].lower() != part:
            return -1
        j = e
    if closed and j < end and _is_word_char(text[j]):
        return -1
    return j


class _SurfaceIndex:
    """All surfaces (aliases), indexed by their first word and matched at word starts only: a word that
    follows a letter, digit or hyphen is not a start ("re-ranking" does not name "ranking")."""

    def __init__(self, surfaces: Iterable[tuple[str, str]]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], bool, str]]] = {}
        for owner, surface in surfaces:
            w = _first_word(surface)
            if w is None:
                continue
            parts = tuple(surface.lower().split())
            self._by_first.setdefault(w, []).append((parts, _is_word_char(surface[-1]), owner))
        for lst in self._by_first.values():
            lst.sort(key=lambda x: -sum(len(p) for p in x[0]))

    def scan(self, text: str, start: int, end: int, overlapping: bool = False) -> list[tuple[str, int, int]]:
        """(owner, start, end) of surfaces in text[start:end]; leftmost-longest and non-overlapping unless asked."""
        out: list[tuple[str, int, int]] = []
        floor = start
        for w in _WORD.finditer(text, start, end):
            i = w.start()
            if i < floor or (i > 0 and (text[i - 1] == "-" or _is_word_char(text[i - 1]))):
                continue
            cands = self._by_first.get(w.group(0).lower())
            if not cands:
                continue
            best: tuple[str, int, int] | None = None
            for parts, closed, owner in cands:
                e = _match_parts(text, i, end, parts, closed)
                if e > i:
                    if overlapping:
                        out.append((owner, i, e))
                    elif best is None or e > best[2]:
                        best = (owner, i, e)
            if best:
                out.append(best)
                floor = best[2]
        return out


# --------------------------------------------------------------------------- the bank


class _Lazy(dict):  # type: ignore[type-arg]
    """A dict whose missing keys are computed (once) by `make`."""

    def __init__(self, make: Callable[[str], Any]):
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> Any:
        value = self[key] = self._make(key)
        return value


class ConceptBank:
    """Every concept and misconception, validated, with look-ups and detectors."""

    def __init__(
        self,
        concepts: dict[str, Concept],
        misconceptions: dict[str, Misconception],
        case_of: dict[str, str | None],
        source: dict[str, tuple[str, int | None]],
        case_kinds: dict[str, tuple[str, ...]],
        files: list[str],
        index: _SurfaceIndex | None = None,
    ):
        self.concepts = concepts
        self.misconceptions = misconceptions
        self.case_of = case_of  # entry id -> case id (case files) or None (phase files)
        self.source = source  # entry id -> (file, line of its id)
        self.case_kinds_map = case_kinds
        self.files = files
        self._alias_owner = {a: c.id for c in concepts.values() for a in c.aliases}
        self._aliases = index or _SurfaceIndex((c.id, a) for c in concepts.values() for a in c.aliases)
        # compiled on first use: most misconceptions' literal prefilter rules most units out, so a short run
        # (`mlsd grade` on one answer) compiles only the few whose literals occur
        self._patterns: dict[str, re.Pattern[str]] = _Lazy(lambda mid: _one_regex(self.misconceptions[mid].patterns))
        self._prefilter = {m.id: _compiled(_any_of([_required_condition(p) for p in m.patterns])) for m in misconceptions.values()}
        # a pattern whose every alternative opens with "^" is tried at the unit's start only
        self._finder: dict[str, Callable[..., Any]] = _Lazy(lambda mid: self._patterns[mid].match if _anchored(self._patterns[mid].pattern) else self._patterns[mid].search)
        # concepts said in prose: their patterns, tried on a unit only when the literal prefilter lets it through
        self._prose = [(c.id, _compiled(_any_of([_required_condition(p) for p in c.patterns]))) for c in concepts.values() if c.patterns]
        self._prose_rx: dict[str, re.Pattern[str]] = _Lazy(lambda cid: _one_regex(self.concepts[cid].patterns))
        self._depth_rx: dict[str, list[re.Pattern[str]]] = {}
        self._case_mids: dict[str | None, list[str]] = {}  # case -> the misconceptions that apply to it
        self._mention_memo: dict[str, tuple[Mention, ...]] = {}  # text -> every mention in it (no case filter)
        self._unit_memo: dict[tuple[Any, ...], Any] = {}  # per unit: aliases, misconceptions, depth points
        self.arithmetic: Any = None  # arithmetic.Checker: sizing arithmetic checked as it is said (arithmetic.register)
        self.figures: Any = None  # figures.FigureChecks: figures stated against the case's own (figures.register)
        self.figure_of: dict[str, tuple[str, str]] = {}  # such a misconception -> (case, figure kind)

    # ---- look-ups
    def __len__(self) -> int:
        return len(self.concepts)

    def concept(self, cid: str) -> Concept:
        return self.concepts[cid]

    def misconception(self, mid: str) -> Misconception:
        return self.misconceptions[mid]

    def concept_for_alias(self, alias: str) -> Concept | None:
        cid = self._alias_owner.get(" ".join(alias.lower().split()))
        return self.concepts[cid] if cid else None

    def case_kinds(self, case: str) -> tuple[str, ...]:
        try:
            return self.case_kinds_map[case]
        except KeyError:
            raise ContentError(None, f"no problem kinds known for case {case!r}") from None

    def applies(self, entry_id: str, case: str | None) -> bool:
        """Whether a concept or misconception belongs to a case: its own case's, or a phase entry in scope."""
        owner = self.case_of.get(entry_id)
        if case is None:
            return owner is None
        if owner is not None:
            return owner == case
        entry = self.concepts.get(entry_id) or self.misconceptions[entry_id]
        return entry.scope is None or bool(set(entry.scope) & set(self.case_kinds(case)))

    def by_phase(self, phase: str, case: str | None = None) -> list[Concept]:
        """The phase's concepts; with a case, those in its scope plus the case's own concepts of that phase."""
        return [c for c in self.concepts.values() if c.phase == phase and self.applies(c.id, case)]

    def for_case(self, case: str) -> list[Concept]:
        """Every phase concept in the case's scope, plus the case's own concepts."""
        return [c for c in self.concepts.values() if self.applies(c.id, case)]

    def by_criterion(self, criterion: str, case: str | None = None, main_only: bool = False) -> list[Concept]:
        out = []
        for c in self.concepts.values():
            crits = c.criteria[:1] if main_only else c.criteria
            if criterion in crits and (case is None or self.applies(c.id, case)):
                out.append(c)
        return out

    def misconceptions_for(self, phase: str | None = None, case: str | None = None, criterion: str | None = None) -> list[Misconception]:
        out = []
        for m in self.misconceptions.values():
            if phase is not None and m.phase != phase:
                continue
            if criterion is not None and criterion not in m.criteria:
                continue
            if case is not None and not self.applies(m.id, case):
                continue
            out.append(m)
        return out

    # ---- detectors
    def find_mentions(self, text: str, case: str | None = None) -> list[Mention]:
        """Concepts named in `text` by alias (case-insensitive, whole words), leftmost-longest per unit.

        The scan of a text is remembered (a decision looks at every answer said so far, each turn); the
        case filter is applied per call."""
        found = self._mention_memo.get(text)
        if found is None:
            found = tuple(Mention(cid, a + s, a + e, text[a + s : a + e]) for a, b in units(text) for cid, s, e in self._unit_mentions(text, a, b))
            if len(self._mention_memo) >= MENTION_MEMO_SIZE:
                self._mention_memo.clear()
            self._mention_memo[text] = found
        return [m for m in found if case is None or self.applies(m.concept_id, case)]

    def _remember(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Per-unit results, remembered: an interview re-reads a phase's growing text every turn, and only
        its new units need a scan."""
        got = self._unit_memo.get(key, _MISSING)
        if got is _MISSING:
            if len(self._unit_memo) >= UNIT_MEMO_SIZE:
                self._unit_memo.clear()
            got = self._unit_memo[key] = compute()
        return got

    def _unit_mentions(self, text: str, a: int, b: int) -> tuple[tuple[str, int, int], ...]:
        """(concept id, start, end) of the aliases in text[a:b], relative to a. The character before the
        unit is part of the key: a word right after a hyphen or a letter is not the start of a name."""
        lead = 1 if a > 0 else 0
        piece = text[a - lead : b]

        def scan() -> tuple[tuple[str, int, int], ...]:
            got = [(cid, s - lead, e - lead) for cid, s, e in self._aliases.scan(piece, lead, len(piece))]
            named = {cid for cid, _s, _e in got}
            unit, low = piece[lead:], piece[lead:].lower()
            for cid, need in self._prose:
                if cid in named or (need is not None and not need(low)):
                    continue
                m = self._prose_rx[cid].search(unit)
                if m and m.end() > m.start():
                    got.append((cid, m.start(), m.end()))
            return tuple(sorted(got, key=lambda x: (x[1], x[2])))

        return self._remember(("m", piece, lead), scan)

    def find_misconceptions(self, text: str, case: str | None = None) -> list[Hit]:
        """Misconceptions stated in `text`: the first pattern match per misconception and unit. A claim often
        runs over two sentences ("We keep a tenth of the negatives. The scores are still the real rates."), so
        two neighbouring sentences of one line are also tried together when neither states it alone; such a
        hit spans both."""
        spans = units(text)
        mids = self._case_mids.get(case)
        if mids is None:
            # a figure is off only against a case (figures.py): without one it states nothing
            mids = self._case_mids[case] = [mid for mid in self.misconceptions if (case is None and mid not in self.figure_of) or (case is not None and self.applies(mid, case))]
        # a sentence that denies having said something ("I did not propose tuning on the test set: ...") states
        # none of what it names, and a question states nothing
        denied = [bool(_DENIAL.match(text, a, b)) or _asks(text[a:b]) for a, b in spans]
        per_unit: list[dict[str, Hit]] = [{} if no else self._scan_unit(text, a, b, mids, key=(case,)) for (a, b), no in zip(spans, denied)]
        # a plan stated as the consequence of a sentence's first clause ("The BM25 candidates fail when words are not
        # in the title, so I would retire the inverted index entirely"): the first clause's words ("fail", "not") do
        # not guard the plan, so the clause after ", so" or "; " is also read on its own
        for i, ((a, b), no) in enumerate(zip(spans, denied)):
            if no:
                continue
            for t in _CONSEQUENCE.finditer(text, a, b):
                rest = [m for m in mids if m not in per_unit[i]]
                if rest and b - t.end() >= CONSEQUENCE_MIN:
                    per_unit[i].update(self._scan_unit(text, t.end(), b, rest, key=(case, "then")))
        out: list[Hit] = []
        for i, (a, b) in enumerate(spans):
            out.extend(per_unit[i].values())
            if i + 1 < len(spans) and "\n" not in text[b : spans[i + 1][0]]:
                if denied[i]:
                    continue
                pair = [m for m in mids if m not in per_unit[i] and m not in per_unit[i + 1]]
                # the pair's misconceptions follow from its two units and the case: the key says which they are
                for h in self._scan_unit(text, a, spans[i + 1][1], pair, key=(case, b - a, spans[i + 1][0] - a)).values():
                    if h.end > b and not _asks(text[spans[i + 1][0] : spans[i + 1][1]]):  # it needs the second sentence, a statement
                        out.append(h)
        out = [h for h in out if not _WARNED.search(h.matched) and not self._pitfall(text, h, spans)]
        if any(self.misconceptions[h.misconception_id].unless for h in out):
            out = [h for h in out if not self._taken_back(text, h)]
        if self.figure_of and case is not None:  # a figure corrected later in the answer no longer stands
            out = [h for h in out if h.misconception_id not in self.figure_of or not self.figures.corrected(text, case, self.figure_of[h.misconception_id][1], h.end)]
        return out

    @staticmethod
    def _pitfall(text: str, h: Hit, spans: list[tuple[int, int]]) -> bool:
        """Whether the hit is the "if you ..." of a sentence that goes on to say what goes wrong."""
        a, b = next(((a, b) for a, b in spans if a <= h.start < b), (h.start, h.end))
        return bool(_IF_YOU.search(text[a : h.start])) and bool(_HARMS.search(text[h.end : max(b, h.end)]))

    def _taken_back(self, text: str, h: Hit) -> bool:
        """Whether the answer the hit is in says what its misconception's `unless` patterns look for."""
        rxs = self.misconceptions[h.misconception_id].unless
        if not rxs:
            return False
        a, b = next(((a, b) for a, b in answer_spans(text) if a <= h.start < b), (0, len(text)))
        return any(re.search(token_edges(rx), text[a:b], re.I) for rx in rxs)

    def _scan_unit(self, text: str, a: int, b: int, mids: list[str], key: tuple[Any, ...] | None = None) -> dict[str, Hit]:
        """The misconceptions among `mids` stated in text[a:b]. With a `key` that determines `mids` (the unit
        and the case), the scan is remembered."""
        unit = text[a:b]

        # a wrapped line of prose is one unit: its line breaks are spaces to a pattern (a guard's `.*` sees past them)
        flat = unit.replace("\r", " ").replace("\n", " ")

        def scan() -> tuple[tuple[str, int, int], ...]:
            low = flat.lower()
            got: list[tuple[str, int, int]] = []
            for mid in mids:
                need = self._prefilter[mid]
                if need is not None and not need(low):
                    continue
                m = self._finder[mid](flat)
                if m and m.end() > m.start():
                    got.append((mid, m.start(), m.end()))
            return tuple(got)

        rel = scan() if key is None else self._remember(("x", unit, *key), scan)
        return {mid: Hit(mid, a + s, a + e, text[a + s : a + e]) for mid, s, e in rel}

    def find_depth(self, text: str, case: str | None = None, mentions: list[Mention] | None = None) -> dict[str, set[int]]:
        """For each concept mentioned, the indexes of its depth points whose cues occur in the unit that
        names it or on the line after it. `mentions`: `find_mentions(text, case)`, when the caller has it."""
        spans = units(text)
        out: dict[str, set[int]] = {}
        for m in self.find_mentions(text, case) if mentions is None else mentions:
            a, b = next((u for u in spans if u[0] <= m.start < u[1]), (m.start, m.end))
            window = text[a:b]
            nl = text.find("\n", m.end)
            if nl >= 0:
                nxt = text.find("\n", nl + 1)
                window += "\n" + text[nl + 1 : nxt if nxt >= 0 else len(text)]
            out.setdefault(m.concept_id, set()).update(self.depth_points(m.concept_id, window))
        return out

    def depth_points(self, cid: str, window: str) -> set[int]:
        """Indexes of the concept's depth points whose cues occur in `window`."""
        return set(self._remember(("d", cid, window), lambda: frozenset(i for i, rx in enumerate(self._depth_regexes(cid)) if rx.search(window))))

    def _depth_regexes(self, cid: str) -> list[re.Pattern[str]]:
        rxs = self._depth_rx.get(cid)
        if rxs is None:
            rxs = self._depth_rx[cid] = [
                re.compile("|".join(f"(?:{_cue_regex(c)})" for c in dp.cues), re.I) for dp in self.concepts[cid].depth
            ]
        return rxs


# --------------------------------------------------------------------------- loading and validation


class _Loaded(NamedTuple):
    path: Path
    node: yaml.Node | None
    file: ConceptFile


def _load_one(path: Path) -> _Loaded:
    file, node = load_yaml_node(path, ConceptFile, empty="the file is empty")
    return _Loaded(path, node, file)


def _line(lf: _Loaded, *loc: Any) -> int | None:
    return _node_line(lf.node, tuple(loc), 0)


def _generic_words(folder: Path) -> set[str]:
    for cand in (folder / GENERIC_WORDS_FILE, folder.parent / GENERIC_WORDS_FILE, knowledge_dir() / "concepts" / GENERIC_WORDS_FILE):
        if cand.is_file():
            g, _ = load_yaml_node(cand, GenericWords)
            return {w.strip().lower() for w in g.generic_words}
    raise ContentError(folder / GENERIC_WORDS_FILE, "the list of generic words that may not be aliases is missing")


def _check_entries(lf: _Loaded, generic: set[str]) -> None:
    """Checks that need only this file: phases, aliases, cues, regexes against examples."""
    f = lf.file
    path = lf.path
    if (f.phase is None) == (f.case is None):
        raise ContentError(path, "a concept file sets exactly one of `phase` (phase file) or `case` (case file)", 1)
    if f.phase is not None and path.stem != f.phase:
        raise ContentError(path, f"phase {f.phase!r} does not match the file name", _line(lf, "phase"))
    if f.case is not None and path.stem != f.case:
        raise ContentError(path, f"case {f.case!r} does not match the file name", _line(lf, "case"))
    if not f.concepts and not f.misconceptions:
        raise ContentError(path, "no concepts and no misconceptions", 1)
    for field, entries in (("concepts", f.concepts), ("misconceptions", f.misconceptions)):
        for i, e in enumerate(entries):
            if f.case is not None and e.phase is None:
                raise ContentError(path, f"{e.id}: entries of a case file give their `phase`", _line(lf, field, i))
            if f.phase is not None and e.phase not in (None, f.phase):
                raise ContentError(path, f"{e.id}: phase {e.phase!r} differs from the file's {f.phase!r}", _line(lf, field, i, "phase"))
    for i, c in enumerate(f.concepts):
        seen: set[str] = set()
        for j, a in enumerate(c.aliases):
            where = _line(lf, "concepts", i, "aliases", j)
            if a != a.strip() or "  " in a:
                raise ContentError(path, f"{c.id}: alias {a!r} has stray spaces", where)
            if a != a.lower():
                raise ContentError(path, f"{c.id}: alias {a!r} is not lowercase", where)
            if not (a[0].isalnum()):
                raise ContentError(path, f"{c.id}: alias {a!r} must start with a letter or digit", where)
            if a in seen:
                raise ContentError(path, f"{c.id}: alias {a!r} is listed twice", where)
            seen.add(a)
            if a in generic:
                raise ContentError(path, f"{c.id}: alias {a!r} is a generic word; use a more specific phrase", where)
        for j, dp in enumerate(c.depth):
            for k, cue in enumerate(dp.cues):
                if cue != cue.lower() or cue != cue.strip():
                    raise ContentError(path, f"{c.id}: cue {cue!r} must be lowercase and trimmed", _line(lf, "concepts", i, "depth", j, "cues", k))
        _check_patterns(lf, "concepts", i, c.id, c.patterns, c.pattern_examples, c.pattern_counter_examples, ("pattern_examples", "pattern_counter_examples"))
    for i, m in enumerate(f.misconceptions):
        _check_patterns(lf, "misconceptions", i, m.id, m.patterns, m.examples, m.counter_examples, ("examples", "counter_examples"))
        for j, rx in enumerate(m.unless):
            try:
                re.compile(rx, re.I)
            except re.error as err:
                raise ContentError(lf.path, f"{m.id}: an `unless` pattern does not compile: {err}", _line(lf, "misconceptions", i, "unless", j)) from None


def _check_patterns(
    lf: _Loaded, field: str, i: int, ident: str, patterns: list[str], examples: list[str], counters: list[str], names: tuple[str, str]
) -> None:
    """Each pattern compiles and cannot match nothing; every example is found and no counter-example is."""
    path = lf.path
    rxs = []
    for j, p in enumerate(patterns):
        where = _line(lf, field, i, "patterns", j)
        try:
            rx = re.compile(token_edges(p), re.I)
            re.compile(f"(?:x)|(?:{p})", re.I)  # it is joined with the entry's other patterns: no global flag inside
        except re.error as err:
            raise ContentError(path, f"{ident}: pattern does not compile: {err}", where) from None
        if rx.search(""):
            raise ContentError(path, f"{ident}: pattern matches the empty string", where)
        rxs.append(rx)
    for j, ex in enumerate(examples):
        if not any(rx.search(ex) for rx in rxs):
            raise ContentError(path, f"{ident}: no pattern matches the example {ex!r}", _line(lf, field, i, names[0], j))
    for j, ex in enumerate(counters):
        for k, rx in enumerate(rxs):
            if rx.search(ex):
                raise ContentError(path, f"{ident}: pattern {k + 1} matches the counter-example {ex!r}", _line(lf, field, i, names[1], j))


def _check_criteria(lf: _Loaded, lib: Library) -> None:
    known = {c.id for c in lib.all_criteria()}
    for field, entries in (("concepts", lf.file.concepts), ("misconceptions", lf.file.misconceptions)):
        for i, e in enumerate(entries):
            for j, cid in enumerate(e.criteria):
                if cid not in known:
                    raise ContentError(lf.path, f"{e.id}: unknown criterion {cid!r}", _line(lf, field, i, "criteria", j))
    if lf.file.case is not None and lf.file.case not in lib.cases:
        raise ContentError(lf.path, f"concepts for unknown case {lf.file.case!r}", _line(lf, "case"))


def _case_kinds(folder: Path, lib: Library) -> dict[str, tuple[str, ...]]:
    """Each case's problem kinds: from the case YAML's `kinds:` where present, else from case-kinds.yaml."""
    table: dict[str, list[str]] = {}
    path = folder / CASE_KINDS_FILE
    if path.is_file():
        ck, node = load_yaml_node(path, CaseKinds)
        for cid in ck.cases:
            if cid not in lib.cases:
                raise ContentError(path, f"unknown case {cid!r}", _node_line(node, ("cases", cid, "[key]"), 0) or _node_line(node, ("cases", cid), 0))
        table = {k: list(v) for k, v in ck.cases.items()}
    out: dict[str, tuple[str, ...]] = {}
    for cid, case in lib.cases.items():
        kinds = getattr(case, "kinds", None) or table.get(cid)
        if not kinds:
            raise ContentError(path, f"no problem kinds for case {cid!r} (give `kinds:` in its case YAML or list it here)")
        out[cid] = tuple(kinds)
    return out


def _concept_files(folder: Path) -> list[Path]:
    files: list[Path] = []
    if folder.is_dir():
        for p in sorted(folder.glob("*.yaml")):
            if p.name in _SPECIAL_FILES:
                continue
            if p.stem not in PHASES:
                raise ContentError(p, f"a concept file is named after a phase ({', '.join(PHASES)}), or is {' or '.join(_SPECIAL_FILES)}", 1)
            files.append(p)
        cases = folder / "cases"
        if cases.is_dir():
            files += sorted(p for p in cases.glob("*.yaml") if p.is_file())
    return files


def load_concept_bank(folder: Path | None = None, lib: Library | None = None) -> ConceptBank:
    """Load and cross-check every concept file under `folder` (default: the shipped knowledge/concepts).

    Absent phase files are fine; `lib` supplies criteria and cases (default: the library beside it)."""
    folder = Path(folder) if folder is not None else knowledge_dir() / "concepts"
    if lib is None:
        knowledge = folder.parent
        rubrics = knowledge.parent / "rubrics"
        shipped = knowledge.resolve() == knowledge_dir().resolve() or not rubrics.is_dir()
        lib = library() if shipped else load_library(rubrics, knowledge)
    generic = _generic_words(folder)
    if (folder / SYNONYMS_FILE).is_file():
        load_synonyms(folder / SYNONYMS_FILE)  # the clarifying phase's thesaurus, checked with the rest
    loaded = [_load_one(p) for p in _concept_files(folder)]
    for lf in loaded:
        _check_entries(lf, generic)
        _check_criteria(lf, lib)
    kinds = _case_kinds(folder, lib)

    concepts: dict[str, Concept] = {}
    miscs: dict[str, Misconception] = {}
    case_of: dict[str, str | None] = {}
    source: dict[str, tuple[str, int | None]] = {}
    alias_owner: dict[str, str] = {}
    for lf in loaded:
        f = lf.file
        for field, entries in (("concepts", f.concepts), ("misconceptions", f.misconceptions)):
            for i, e in enumerate(entries):
                line = _line(lf, field, i, "id")
                if e.id in source:
                    other = source[e.id]
                    raise ContentError(lf.path, f"duplicate id {e.id!r} (also at {other[0]}:{other[1]})", line)
                source[e.id] = (str(lf.path), line)
                case_of[e.id] = f.case
                e = e.model_copy(update={"phase": e.phase or f.phase})
                if isinstance(e, Concept):
                    concepts[e.id] = e
                else:
                    miscs[e.id] = e
        _check_alias_owners(lf, alias_owner, source)

    index = _SurfaceIndex((c.id, a) for c in concepts.values() for a in c.aliases)
    for lf in loaded:
        _check_probes(lf, index)
    bank = ConceptBank(concepts, miscs, case_of, source, kinds, [str(lf.path) for lf in loaded], index)
    for lf in loaded:
        _check_lines_fit_cases(lf, bank, lib)
    if (folder / FIGURES_FILE).is_file():
        from .figures import load_figures, register

        checks = load_figures(folder / FIGURES_FILE, lib)
        register(bank, checks)
        if checks.spec.arithmetic is not None:
            from .arithmetic import register as register_arithmetic

            register_arithmetic(bank, checks.spec.arithmetic, lib)
        bank.files.append(str(folder / FIGURES_FILE))
    return bank


def _check_lines_fit_cases(lf: _Loaded, bank: ConceptBank, lib: Library) -> None:
    """A deep-dive probe or a challenge is put to candidates in every case its entry applies to: it may not
    name a kind-specific term (rubrics/checks/scope-terms.yaml) that does not fit one of those cases, unless
    the candidate's own words bring it (the concept's name or aliases, the misconception's claim). "If every fraud example counts ten times ..." was put to a candidate in the ad-click case."""
    if lib.terms is None:
        return
    for field, entries in (("concepts", lf.file.concepts), ("misconceptions", lf.file.misconceptions)):
        for i, e in enumerate(entries):
            if isinstance(e, Concept):
                lines, own = [(("probes", j), p) for j, p in enumerate(e.probes)], " ".join([e.name, *e.aliases])
            else:
                lines, own = [(("challenge",), e.challenge)], e.claim
            said = {t for t, _kinds in lib.terms.found_in(own)}  # the candidate's own words bring these
            for case in sorted(lib.cases):
                if not bank.applies(e.id, case):
                    continue
                for loc, text in lines:
                    bad = [t for t in lib.off_scope_terms(text, case) if t not in said]
                    if bad:
                        raise ContentError(
                            lf.path,
                            f"{e.id}: {loc[0].rstrip('s')} names {bad[0]!r}, which does not fit the case {case!r} it is put to: reword it or scope the entry",
                            _line(lf, field, i, *loc),
                        )


def _check_alias_owners(lf: _Loaded, alias_owner: dict[str, str], source: dict[str, tuple[str, int | None]]) -> None:
    """An alias belongs to one concept only (`alias_owner` carries the owners seen in earlier files)."""
    for i, c in enumerate(lf.file.concepts):
        for j, alias in enumerate(c.aliases):
            a = " ".join(surface_parts(alias))  # "two-tower" and "two tower" are one surface
            other = alias_owner.get(a)
            if other is not None and other != c.id:
                where = source.get(other, (str(lf.path), _id_line_of(lf, other)))
                raise ContentError(lf.path, f"{c.id}: alias {alias!r} is already an alias of {other!r} ({where[0]}:{where[1]})", _line(lf, "concepts", i, "aliases", j))
            alias_owner[a] = c.id


def _id_line_of(lf: _Loaded, ident: str) -> int | None:
    for i, c in enumerate(lf.file.concepts):
        if c.id == ident:
            return _line(lf, "concepts", i, "id")
    return None


def check_concept_file(path: Path) -> None:
    """Validate one concept file on its own: schema, aliases, regexes, examples, criteria (against the shipped
    rubrics) and probes against its own concepts."""
    path = Path(path)
    if path.name == CASE_KINDS_FILE:
        load_yaml_node(path, CaseKinds)
        return
    if path.name == GENERIC_WORDS_FILE:
        load_yaml_node(path, GenericWords)
        return
    if path.name == SYNONYMS_FILE:
        load_synonyms(path)
        return
    if path.name == FIGURES_FILE:
        from .figures import load_figures

        load_figures(path, library())
        return
    lf = _load_one(path)
    folder = path.parent.parent if path.parent.name == "cases" else path.parent
    _check_entries(lf, _generic_words(folder))
    _check_criteria(lf, library())
    ids: set[str] = set()
    for field, entries in (("concepts", lf.file.concepts), ("misconceptions", lf.file.misconceptions)):
        for i, e in enumerate(entries):
            if e.id in ids:
                raise ContentError(path, f"duplicate id {e.id!r}", _line(lf, field, i, "id"))
            ids.add(e.id)
    _check_alias_owners(lf, {}, {})
    _check_probes(lf, _SurfaceIndex((c.id, a) for c in lf.file.concepts for a in c.aliases))


def _check_probes(lf: _Loaded, index: _SurfaceIndex) -> None:
    """A probe may name its own concept but no other: an alias of another concept is an error unless it
    only occurs inside the probe's own alias (\"catalogue churn\" may contain \"churn\")."""
    for i, c in enumerate(lf.file.concepts):
        for j, probe in enumerate(c.probes):
            hits = index.scan(probe, 0, len(probe), overlapping=True)
            own = [(s, e) for owner, s, e in hits if owner == c.id]
            for owner, s, e in hits:
                if owner != c.id and not any(a <= s and e <= b for a, b in own):
                    raise ContentError(lf.path, f"{c.id}: probe names another concept, {owner!r} ({probe[s:e]!r})", _line(lf, "concepts", i, "probes", j))


def is_concept_data(path: Path, data: Any) -> bool:
    """Whether a YAML file is concept-layer data (used by `mlsd check` to pick the validator)."""
    if Path(path).name in _SPECIAL_FILES:
        return True
    return isinstance(data, dict) and ("concepts" in data or "misconceptions" in data)


@functools.lru_cache(maxsize=4)
def concept_bank(folder: str | None = None) -> ConceptBank:
    """The shipped concept bank, loaded once per process."""
    return load_concept_bank(Path(folder) if folder else None)


def find_mentions(text: str, case: str | None = None, bank: ConceptBank | None = None) -> list[Mention]:
    """(concept_id, start, end, matched_text) for every concept alias named in `text`."""
    return (bank or concept_bank()).find_mentions(text, case)


def find_misconceptions(text: str, case: str | None = None, bank: ConceptBank | None = None) -> list[Hit]:
    """(misconception_id, start, end, matched_text) for every misconception pattern matched in a unit of `text`."""
    return (bank or concept_bank()).find_misconceptions(text, case)

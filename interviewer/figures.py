"""Figures a candidate states against the case's own: "1B DAU" in a case with 300 million daily actives.

`knowledge/concepts/figures.yaml` names the kinds of figure a candidate states (daily actives, the request
rate, the base rate, ...), the case quantities each kind is checked against (the `numbers:` a case's facts
declare) and how far off a figure may be. Each kind becomes, per case that declares one of its quantities, a
misconception of the concept layer: found in a unit by plain code (a figure next to one of the kind's names,
with only filler words between) and challenged with the fact's own sentence; the grader leaves it out
(`evidence.analyse`). A question states nothing, and a figure corrected later in the same answer no longer counts.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import Field

from .content import _FIGURE, _NUMBER_WORDS, _SCALE, Id, Library, QuantityName, Text, _node_line, _Strict, figures, load_yaml_node
from .errors import ContentError

if TYPE_CHECKING:
    from .concepts import ConceptBank, Misconception

FIGURES_FILE = "figures.yaml"


class FigureKind(_Strict):
    id: Id
    what: Text  # "the number of daily active users"
    quantities: list[QuantityName] = Field(min_length=1)
    kind: Literal["count", "share"]
    names: list[Text] = Field(min_length=1)
    criteria: list[Id] = Field(min_length=1, max_length=4)


class ArithmeticSpec(_Strict):
    """Back-of-envelope arithmetic checked as it is said (arithmetic.py)."""

    off_by: float = Field(gt=1.0)
    peak_factor: float = Field(ge=1.0)
    claim: Text
    challenge: Text
    criteria: list[Id] = Field(min_length=1, max_length=8)


class FiguresFile(_Strict):
    arithmetic: ArithmeticSpec | None = None
    off_by: float = Field(gt=1.0)
    between: list[Text] = Field(min_length=1)
    skip_units_with: list[Text] = Field(default_factory=list)
    challenge: Text
    claim: Text
    kinds: list[FigureKind] = Field(min_length=1)


class _Stated(NamedTuple):
    start: int
    end: int
    value: float


# a figure that counts something else: a multiple, a span of time, a size, a latency ("2x", "3 days", "40 GB")
_NOT_A_COUNT = re.compile(
    r"\s*(?:x\b|×|times\b|ms\b|s\b|sec|second|minute|min\b|hour|hr|day|week|month|year|gb\b|tb\b|mb\b|kb\b|bytes?\b|dims?\b|"
    r"dimension|features?\b|layers?\b|%|percent|per\s*cent|fold\b)",
    re.I,
)
_TOKEN = re.compile(r"[a-z]+|[^\sa-z]", re.I)


def _figures_in(unit: str, kind: str) -> list[_Stated]:
    """The figures of a unit that can be a count (no percent, no unit of time or size after it) or a share
    (a percentage, or a fraction below 1 written with a decimal point)."""
    out: list[_Stated] = []
    for m in _FIGURE.finditer(unit):
        raw, scale = m.group(1).lower(), (m.group(2) or "").lower().replace(" ", "")
        if raw in _NUMBER_WORDS:
            continue  # "two towers", "one model": words are rarely the case's figure
        x = float(raw.replace(",", ""))
        percent = scale in ("%", "percent")
        if unit[max(0, m.start() - 1) : m.start()] in ("+", "-", "±"):
            continue  # a change ("+2% CTR"), not a level
        if kind == "share":
            if percent:
                out.append(_Stated(m.start(), m.end(), x / 100))
            elif not scale and "." in raw and 0 < x < 1:
                out.append(_Stated(m.start(), m.end(), x))
            continue
        if percent or (not scale and _NOT_A_COUNT.match(unit, m.end())) or unit[m.end() : m.end() + 1] in ("x", "×"):
            continue
        value = x * _SCALE.get(scale, 1.0)
        if value >= 1:
            out.append(_Stated(m.start(), m.end(), value))
    return out


class FigureChecks:
    """Per case, the figure kinds it declares and their values; finds the figures a unit states against them."""

    def __init__(self, spec: FiguresFile, lib: Library):
        self.spec = spec
        self._between = {t.lower() for t in spec.between}
        self._skip = re.compile(r"\b(?:" + "|".join(re.escape(w.lower()) for w in spec.skip_units_with) + r")(?:e?s)?\b", re.I) if spec.skip_units_with else None
        self.kind = {k.id: k for k in spec.kinds}
        self._any_name = _names_rx([n for k in spec.kinds for n in k.names])
        self._names = {k.id: _names_rx(k.names) for k in spec.kinds}
        self.values: dict[tuple[str, str], list[float]] = {}  # (case, kind id) -> the case's figures of that kind
        self.facts: dict[tuple[str, str], list[str]] = {}  # (case, kind id) -> the facts stating them
        self.sentence: dict[tuple[str, str], str] = {}  # (case, kind id) -> the fact sentence that states the first
        # the phase of each kind: that of its first criterion ("users-and-scale": clarifying)
        self.phase = {k.id: lib.criterion(k.criteria[0]).phase for k in spec.kinds}
        for cid, case in lib.cases.items():
            for k in spec.kinds:
                for f in case.facts:
                    for q in k.quantities:
                        x = (f.numbers or {}).get(q)
                        if x is None:
                            continue
                        self.values.setdefault((cid, k.id), []).append(x)
                        self.facts.setdefault((cid, k.id), [])
                        if f.id not in self.facts[(cid, k.id)]:
                            self.facts[(cid, k.id)].append(f.id)
                        self.sentence.setdefault((cid, k.id), _sentence_stating(f.answer, x))

    def mid(self, case: str, kind: str) -> str:
        return f"{case}-figure-{kind}"

    def _fits(self, text: str, a: int, b: int) -> bool:
        """Whether only filler words stand between a figure and a name."""
        toks = _TOKEN.findall(text[a:b].lower())
        return len(toks) <= 4 and all(t in self._between for t in toks)

    def stated(self, unit: str, case: str, kind: FigureKind) -> list[tuple[int, int, float]]:
        """(start, end, value) of each figure the unit states for the kind: a figure then the name ("1B DAU",
        "150k peak QPS") or the name then the figure ("DAU is about 1B", "QPS at peak: 2k")."""
        if unit.rstrip().endswith("?") or (self._skip is not None and self._skip.search(unit)):
            return []  # a question states nothing; a part, a machine or a future is not the case's figure
        names = list(self._names[kind.id].finditer(unit))
        if not names:
            return []
        out = []
        for f in _figures_in(unit, kind.kind):
            after = next((n for n in names if n.start() >= f.end), None)
            before = next((n for n in reversed(names) if n.end() <= f.start), None)
            if after is not None and self._fits(unit, f.end, after.start()):
                out.append((f.start, after.end(), f.value))
            elif before is not None and self._fits(unit, before.end(), f.start) and not self._names_after(unit, f.end):
                out.append((before.start(), f.end, f.value))  # "searches a day is about 12k QPS": 12k is the QPS
        return out

    def _names_after(self, unit: str, at: int) -> bool:
        """Whether a name of any kind follows the figure at `at` with only filler words between."""
        n = self._any_name.search(unit, at)
        return n is not None and self._fits(unit, at, n.start())

    def off(self, case: str, kind: str, value: float) -> bool:
        """Whether a stated figure is more than `off_by` times away from every case figure of its kind."""
        return all(max(value / v, v / value) > self.spec.off_by for v in self.values[(case, kind)])

    def finder(self, case: str, kind: FigureKind) -> Any:
        """A search over a unit, like a compiled pattern's: the first figure of the kind that is off."""

        def search(unit: str, *_: Any) -> _Match | None:
            for s, e, x in self.stated(unit, case, kind):
                if self.off(case, kind.id, x):
                    return _Match(s, e)
            return None

        return search

    def corrected(self, text: str, case: str, kind: str, after: int) -> bool:
        """Whether a later unit of the answer states a figure of the kind that fits the case."""
        rest = text[after:]
        return any(not self.off(case, kind, x) for _s, _e, x in self.stated_in_text(rest, case, self.kind[kind]))

    def stated_in_text(self, text: str, case: str, kind: FigureKind) -> list[tuple[int, int, float]]:
        from .concepts import units

        return [(a + s, a + e, x) for a, b in units(text) for s, e, x in self.stated(text[a:b], case, kind)]


def _names_rx(names: list[str]) -> re.Pattern[str]:
    """Any of the names, longest first, as whole words (not inside a hyphenated word)."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n.lower()) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])", re.I)


class _Match(NamedTuple):
    s: int
    e: int

    def start(self) -> int:
        return self.s

    def end(self) -> int:
        return self.e


def _sentence_stating(answer: str, x: float) -> str:
    """The sentence of a fact's answer that states the figure (else the first sentence)."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(answer.split())) if s.strip()]
    for s in sentences:
        if any(abs(y - x) <= 0.05 * x for y in figures(s)):
            return s
    return sentences[0] if sentences else answer


def _known_criterion(lib: Library, cid: str) -> bool:
    try:
        lib.criterion(cid)
    except KeyError:
        return False
    return True


def load_figures(path: Path, lib: Library) -> FigureChecks:
    """figures.yaml, validated: every quantity is one some case declares, every criterion exists, names are unique."""
    spec, node = load_yaml_node(path, FiguresFile, empty="the file is empty")
    declared = {q for case in lib.cases.values() for f in case.facts for q in (f.numbers or {})}
    seen: dict[str, str] = {}
    for i, k in enumerate(spec.kinds):
        if k.id in {x.id for x in spec.kinds[:i]}:
            raise ContentError(path, f"duplicate figure kind {k.id!r}", _node_line(node, ("kinds", i, "id"), 0))
        for j, q in enumerate(k.quantities):
            if q not in declared:
                raise ContentError(path, f"{k.id}: no case declares the quantity {q!r} (knowledge/cases/*.yaml `numbers:`)", _node_line(node, ("kinds", i, "quantities", j), 0))
        for j, c in enumerate(k.criteria):
            if not _known_criterion(lib, c):
                raise ContentError(path, f"{k.id}: unknown criterion {c!r}", _node_line(node, ("kinds", i, "criteria", j), 0))
        for j, n in enumerate(k.names):
            low = " ".join(n.lower().split())
            if low in seen:
                raise ContentError(path, f"{k.id}: the name {n!r} is also a name of {seen[low]!r}", _node_line(node, ("kinds", i, "names", j), 0))
            seen[low] = k.id
    if spec.arithmetic is not None:
        for j, c in enumerate(spec.arithmetic.criteria):
            if not _known_criterion(lib, c):
                raise ContentError(path, f"arithmetic: unknown criterion {c!r}", _node_line(node, ("arithmetic", "criteria", j), 0))
        if "{said}" not in spec.arithmetic.challenge:
            raise ContentError(path, "arithmetic: challenge must hold {said}, where the candidate's own words go", _node_line(node, ("arithmetic", "challenge"), 0))
    for field in ("challenge",):
        if "{fact}" not in getattr(spec, field):
            raise ContentError(path, f"{field} must hold {{fact}}, where the case's sentence goes", _node_line(node, (field,), 0))
    if "{what}" not in spec.claim:
        raise ContentError(path, "claim must hold {what}", _node_line(node, ("claim",), 0))
    return FigureChecks(spec, lib)


def register(bank: "ConceptBank", checks: FigureChecks) -> None:
    """Add, per case and figure kind the case declares, a misconception the bank finds with plain code."""
    from .concepts import Misconception

    bank.figures = checks
    for (case, kid), _values in sorted(checks.values.items()):
        k = checks.kind[kid]
        mid = checks.mid(case, kid)
        m: Misconception = Misconception.model_construct(
            id=mid,
            claim=checks.spec.claim.format(what=k.what[0].upper() + k.what[1:]),
            patterns=[],
            examples=[],
            counter_examples=[],
            criteria=list(k.criteria),
            scope=None,
            challenge=checks.spec.challenge.format(fact=checks.sentence[(case, kid)]),
            phase=checks.phase[kid],
        )
        bank.misconceptions[mid] = m
        bank.case_of[mid] = case
        bank.figure_of[mid] = (case, kid)
        bank._prefilter[mid] = None
        bank._finder[mid] = checks.finder(case, k)

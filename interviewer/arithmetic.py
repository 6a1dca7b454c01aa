"""Back-of-envelope arithmetic a candidate states, checked: "60k loads/s × 1.5k candidates ≈ 9M scores/s".

An interviewer checks a candidate's sizing as they say it. This module reads, in one unit, a product or quotient
of figures followed by its result ("20B panoramas x 40 tiles = 800B tiles", "5e9 × 256 × 4 bytes ≈ 512 GB",
"200M tiles / 50 tiles/s = 4M GPU-seconds", "1% of 20B = 200M", "2B users each seeing 50 recommendations,
that's about 100B impressions"), or a rate restated in another unit of time
("3 billion requests a day, which is about 350,000 per second"), works it out, and reports the result when it is
more than `off_by` times away from what was stated: an error of scale, not of rounding. Units of time are
followed through (a rate per day times a week is a count; a count over a rate per second is seconds); where one side
leaves its unit of time out ("2% of 50M = 10M positives a day"), the figures are compared as written. Sizes in bytes
are plain scales (4 bytes × 256 ≈ 1 KB). Anything it cannot read for certain (a range, "256x256", a bare "B" beside a
size, two different things per unit of time, figures side by side) it leaves alone.

`knowledge/concepts/figures.yaml` (`arithmetic:`) holds the tolerance, the claim, the challenge and the criteria
the misconception bears on; `register` adds it to the concept bank as one misconception found by plain code,
for every case, which the grader counts (unlike a figure stated against the case's, figures.py).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from .content import _SCALE
from .figures import _Match

if TYPE_CHECKING:
    from .concepts import ConceptBank
    from .content import Library
    from .figures import ArithmeticSpec

MISCONCEPTION_ID = "arithmetic-off"
SAID_MAX = 140  # characters of the candidate's own sum that a challenge or a rationale puts back to them

# a figure's scale word (content._SCALE: k, M, bn, billion, ...) and sizes in bytes
_SCALES = {**_SCALE, "mm": 1e6, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15, "kib": 1024.0, "mib": 1024.0**2, "gib": 1024.0**3, "tib": 1024.0**4}
_SECONDS = {
    "ms": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0,
    "hours": 3600.0, "d": 86400.0, "day": 86400.0, "days": 86400.0, "wk": 604800.0, "wks": 604800.0, "week": 604800.0,
    "weeks": 604800.0, "mo": 2592000.0, "month": 2592000.0, "months": 2592000.0, "yr": 31536000.0, "yrs": 31536000.0,
    "year": 31536000.0, "years": 31536000.0,
}
_PER_WORD = {"qps": 1.0, "rps": 1.0, "tps": 1.0, "daily": 86400.0, "hourly": 3600.0, "weekly": 604800.0, "monthly": 2592000.0, "yearly": 31536000.0, "annually": 31536000.0}
_TIME = "|".join(sorted(_SECONDS, key=len, reverse=True))

# a figure: 60,000 / 1.5 / 5e9 / 3 × 10^9 / 10^9, then a scale or a percent sign
_NUM = (
    r"(?<![\w.,^])\$?(?P<num>\d+(?:\.\d+)?\s?[x×*]\s?10\^\d+|10\^\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:e\d+)?)"
    r"(?:\s?(?P<pct>%|percent\b)|\s?(?P<scale>thousand|millions?|billions?|trillion|kib|mib|gib|tib|kb|mb|gb|tb|pb|bn|mn|mm|k|m|b|t)(?![a-z]))?"
)
_FIGURE = re.compile(_NUM, re.I)
# what follows a figure before an operator or a result: a few words of its unit ("loads per second", "tiles/s")
_UNIT_WORDS = re.compile(r"(?:-[a-z][\w'-]*|\s*(?:[a-z][\w'-]*|/\s*[a-z]+))", re.I)
# a figure times a count given per item: "60,000 loads per second with about 1,500 candidates each", "5M panoramas
# a day at 40 tiles each", "5 billion images with 256-dimensional embeddings", "a 256-d embedding for 5B images"
_PER_ITEM_OP = re.compile(
    r"\s*,?\s*(?:(?P<op>with|at|for)\b|(?P<each>each)\s+(?:\w+ing|sees|gets|makes|views|sends|has|does|issues|opens|loads|watches|posts|uploads|triggers|runs|needs|holds|scores)\b)"
    r"(?:\s*(?:about|roughly|around|approximately|approx\.?)\b|\s*[~≈])?\s*",
    re.I,
)
_EACH = re.compile(r"\b(?:each|apiece)\b", re.I)
_EACH_THEN = re.compile(r"\s+([a-z][\w'-]*)", re.I)  # "each" with a word after it: what each one does may follow
_VECTOR = re.compile(r"(?:^|[\s-])(?:dim\w*|d|embeddings?|vectors?)\b", re.I)
_OPERATOR = re.compile(
    r"\s*(?P<op>×|\*|÷|/|\bx\b|\btimes\b|\bmultiplied\s+by\b|\bdivided\s+(?:by|over|across|between)\b|\bover\b|\bof\b)(?:\s*(?:about|roughly|around|approximately|approx\.?)\b|\s*[~≈])?\s*", re.I
)
# words that say one figure is another: shared by a sum's result and a rate said again
_SAME_AS = (
    r"\bis\b|\b(?:which|that)\s+(?:works?\s+out\s+(?:to|at)|comes?\s+to)\b|\bwhich\s+is\b|\bthat'?s\b|\bthat\s+is\b|\bi\.?e\.?|"
    r"\bcomes?\s+to\b|\bworks?\s+out\s+(?:to|at)\b|\bequals?\b|\bmeans\b"
)
_RESULT = re.compile(
    # a sign joins a result to its sum directly; after a comma or a semicolon only words do ("x ~3 opens; ~1.5k
    # candidates per load" is two figures, not a result)
    rf"(?:\s*(?:=|≈|~=|=~|~|→|->|=>)|\s*[,.;:]?\s*(?:{_SAME_AS}|\bare\b|\bgives?(?:\s+(?:us|you))?\b|\bmakes?\b|\bcall\s+it\b|\bwhich\s+means\b|\bso\s+(?:{_SAME_AS})|\bso\b|\btotals?\b))"
    r"(?P<hedge>(?:\s*(?:\babout\b|\broughly\b|\baround\b|\bapproximately\b|\bapprox\b\.?|~|≈|\bnearly\b|\balmost\b|\bjust\b|\bonly\b|\bsome\b|"
    r"\blike\b|\bmaybe\b|\bprobably\b|\bon\s+the\s+order\s+of\b|\border\s+of\b|\bover\b|\babove\b|\bmore\s+than\b|\bat\s+least\b|>=?|"
    r"\bunder\b|\bbelow\b|\bless\s+than\b|\bfewer\s+than\b|\bat\s+most\b|<=?|\ba\s+total\s+of\b|\ban?\b|\bthe\b|\bpeak\b|\baverage\b|\bavg\b))*)\s*",
    re.I,
)
# a rate said again per another unit of time needs words that say so ("3B a day, which is about 35k a second")
_RESTATED = re.compile(
    rf"(?:\s*[~≈](?=\s*\d)|\s*[,;]?\s*(?:=|≈|~=|→|->|=>|\bso\s+(?:{_SAME_AS})|\bso\b|{_SAME_AS}|\bor\b))",
    re.I,
)
_AT_LEAST = re.compile(r"over|above|more\s+than|at\s+least|>", re.I)
_AT_MOST = re.compile(r"under|below|less\s+than|fewer\s+than|at\s+most|<", re.I)
_PEAK = re.compile(r"\bpeaks?\b|\bbursts?\b|\bspikes?\b|\bmax(?:imum)?\b", re.I)
_RANGE_AFTER = re.compile(r"\s*(?:-|–|—|to\b)\s*\$?\d", re.I)
_RATE = re.compile(rf"(?:/\s*|\bper\s+|\ba\s+|\ban\s+|\beach\s+|\bevery\s+)(?:(?:gpu|cpu|node|machine|core)-)?({_TIME})\b", re.I)
_DURATION = re.compile(rf"^\s*(?:(?:gpu|cpu|node|machine|core|fleet|worker)[\s-])?({_TIME})\b", re.I)
_TIMEISH = re.compile(rf"^(?:{_TIME}|qps|rps|tps|daily|hourly|weekly|monthly|yearly|annually|per|a|an|each|every|gpu|cpu|node|peak|average|avg|the|of)$", re.I)
_STOP = re.compile(
    r"^(?:x|times|of|multiplied|divided|is|are|was|were|so|that'?s|that|which|means|equals?|totals?|makes?|gives?|comes?|works?|i\.?e\.?|"
    r"or|and|but|at|with|for|to|in|on|from|into|across|if|when|while|we|i|it|this|then|plus|minus|over|under|about|roughly|around)$",
    re.I,
)
_BYTE_SCALES = {"kb", "mb", "gb", "tb", "pb", "kib", "mib", "gib", "tib"}
# bytes per number: "5B x 256 floats ~ 5 TB" holds 4 bytes a float; with no such word, a size worked out from counts
# may hold any usual width (1, 2, 4 or 8 bytes)
_ELEMENT = {"float": 4.0, "floats": 4.0, "fp32": 4.0, "float32": 4.0, "f32": 4.0, "fp16": 2.0, "bf16": 2.0, "float16": 2.0, "half": 2.0,
            "halfs": 2.0, "halves": 2.0, "double": 8.0, "doubles": 8.0, "fp64": 8.0, "float64": 8.0, "int8": 1.0, "uint8": 1.0, "int32": 4.0, "int64": 8.0}
_WIDTHS = (1.0, 2.0, 4.0, 8.0)
UNIT_WORDS_MAX = 4  # words of a unit between a figure and what follows it


class Quantity(NamedTuple):
    value: float  # in seconds where it is a span of time; per second where it is a rate
    time: int  # the power of time: -1 a rate, 0 a count or size, 1 a span of time
    per: float  # seconds in its unit of time ("a day": 86,400), 1 when it has none
    start: int
    end: int  # the end of the figure and its unit words
    nouns: frozenset[str]  # the unit's words that are not about time ("requests", "tiles")
    percent: bool
    peak: bool
    raw: float  # the figure as written, with its scale, before any unit of time
    size: bool  # a size in bytes ("5 TB", "4 bytes")
    b: bool  # a bare "B" with no unit after it: billions, or bytes beside a size ("5B x ~64B ~= 320GB"; "5B images" is billions)
    element: float | None  # bytes per number its unit names ("floats": 4), if it names one


class Slip(NamedTuple):
    start: int
    end: int
    stated: float
    worked: float


def _number(raw: str) -> float:
    raw = raw.replace(",", "").replace(" ", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)[x×*]10\^(\d+)", raw)
    if m:
        return float(m.group(1)) * 10 ** int(m.group(2))
    if raw.startswith("10^"):
        return 10.0 ** int(raw[3:])
    return float(raw)


def _quantity(text: str, at: int) -> Quantity | None:
    """The figure starting at `at` (after blanks), with up to `UNIT_WORDS_MAX` words of its unit."""
    while at < len(text) and text[at].isspace():
        at += 1
    m = _FIGURE.match(text, at)
    if m is None or _RANGE_AFTER.match(text, m.end()):
        return None  # "10-20 candidates": a range is no figure to work with
    value = _number(m.group("num"))
    percent = bool(m.group("pct"))
    if percent:
        value /= 100
    elif m.group("scale"):
        value *= _SCALES[m.group("scale").lower()]
    end, words = m.end(), []
    for _ in range(UNIT_WORDS_MAX):
        w = _UNIT_WORDS.match(text, end)
        if w is None:
            break
        word = w.group(0).strip().lower()
        if _STOP.match(word):
            break  # an operator, a result, or a word that starts something else ("and", "at", "for")
        nxt_word = _EACH_THEN.match(text, w.end()) if word == "each" else None
        if nxt_word and not _STOP.match(nxt_word.group(1)) and not _RATE.match(text, w.end() - len(word)):
            break  # "2B users each seeing 50 recs": a count per item follows ("each day" is a unit of time, "1,500 candidates each," the count)
        words.append(w.group(0).strip())
        end = w.end()
    unit = " ".join(words)
    time, per = 0, 1.0
    rate = _RATE.search(unit)
    low = [w.lower().strip("/") for w in words]
    if rate is not None:
        time, per = -1, _SECONDS[rate.group(1).lower()]
    elif any(w in _PER_WORD for w in low):
        time, per = -1, next(_PER_WORD[w] for w in low if w in _PER_WORD)
    elif (d := _DURATION.match(unit)) is not None:
        time, per = 1, _SECONDS[d.group(1).lower()]
    raw = value
    if time == -1:
        value /= per
    elif time == 1:
        value *= per
    nouns = frozenset(w for w in re.findall(r"[a-z]+", unit.lower()) if not _TIMEISH.match(w))
    scale = (m.group("scale") or "").lower()
    size = scale in _BYTE_SCALES or any(w.lower() in ("byte", "bytes") for w in words)
    element = next((_ELEMENT[w] for w in re.findall(r"[a-z0-9]+", unit.lower()) if w in _ELEMENT), None)
    return Quantity(value, time, per, m.start(), end, nouns, percent, bool(_PEAK.search(unit)), raw, size, scale == "b" and not words, element)


class Checker:
    """Finds arithmetic slips in a unit of text."""

    def __init__(self, off_by: float, peak_factor: float):
        self.off_by = off_by
        self.peak_factor = peak_factor

    def slips(self, unit: str) -> list[Slip]:
        out: list[Slip] = []
        pos = 0
        while True:
            m = _FIGURE.search(unit, pos)
            if m is None:
                return out
            got = self._expression(unit, m.start())
            if got is None:
                pos = m.end()
                continue
            slip, resume = got
            if slip is not None:
                out.append(slip)
            pos = max(resume, m.end())

    def _expression(self, text: str, at: int) -> tuple[Slip | None, int] | None:
        """An expression starting with the figure at `at`: (the slip or None, where to read on), or None when
        no result is stated after it."""
        first = _quantity(text, at)
        if first is None:
            return None
        # `raw`: the figures worked with as written, their units of time left out ("1,000 GPUs x $2/hr x 24 =
        # $48k/day" holds the hours of a day in a bare 24): a result that fits either reading is no slip
        value, time, end, ops, peak = first.value, first.time, first.end, 0, first.peak
        raw, sized, element, b = first.raw, first.size, first.element, first.b
        prev = first
        while True:
            op = _OPERATOR.match(text, end)
            if op is not None:
                word = op.group("op").lower()
                if word == "of" and not prev.percent:
                    break
                nxt = _quantity(text, op.end())
                if nxt is None:
                    return None
            else:
                op = _PER_ITEM_OP.match(text, end)
                nxt = _quantity(text, op.end()) if op is not None else None
                # "... with 1,500 candidates each", or "2B users each seeing 50 recommendations"
                if nxt is None or not (op.group("each") or _EACH.search(text, nxt.start, nxt.end) or _VECTOR.search(text, prev.start, prev.end) or _VECTOR.search(text, nxt.start, nxt.end)):
                    break
                word = "×"
            if word in ("/", "÷", "over") or word.startswith("divided"):
                if nxt.value == 0:
                    return None
                value, time, raw = value / nxt.value, time - nxt.time, raw / nxt.raw
            else:
                value, time, raw = value * nxt.value, time + nxt.time, raw * nxt.raw
            ops += 1
            peak = peak or nxt.peak
            sized, element, b = sized or nxt.size, element or nxt.element, b or nxt.b
            end, prev = nxt.end, nxt
        res = _RESULT.match(text, end)
        if res is None:
            return (None, end) if ops else None
        stated = _quantity(text, res.end())
        if stated is None or stated.start != res.end() or (_RANGE_AFTER.match(text, stated.start) is not None):
            return (None, end) if ops else None
        if (b or stated.b) and (sized or stated.size):
            return (None, stated.start)  # "B" for billions or for bytes: not read for certain
        hedge = res.group("hedge") or ""
        peak = peak or stated.peak or bool(_PEAK.search(hedge))
        if not ops:
            # a rate restated per another unit of time ("3B a day is about 35k per second"), of the same thing
            if not (first.time == stated.time == -1) or (first.nouns and stated.nouns and not _same_things(first.nouns, stated.nouns)):
                return None
            if not _RESTATED.match(text, end):
                return None  # "3M uploads/day, ~35k QPS avg": two figures side by side, not one restated
            if first.per == stated.per:
                return None
        elif time != stated.time:
            # a unit of time left out on one side ("2% of 50M = 10M positives a day", "60k x 1.5k = 9M/s"): the
            # figures are compared as written, in the one period both sides mean
            value, stated = raw, stated._replace(value=stated.raw)
        if value <= 0 or stated.value <= 0:
            return (None, stated.start)
        high = self.off_by * (self.peak_factor if peak else 1.0)

        def off(ratio: float) -> bool:
            if _AT_LEAST.search(hedge):
                return ratio > high  # "is over 1M": only a claim far above what it comes to is wrong
            if _AT_MOST.search(hedge):
                return ratio < 1 / self.off_by
            return ratio > high or ratio < 1 / self.off_by

        widths = (element,) if element else _WIDTHS
        if not stated.size or sized:
            widths = (1.0,)  # counts, or bytes on both sides
        wrong = all(off(stated.value / (value * w)) and (not ops or off(stated.raw / (raw * w))) for w in widths)
        slip = Slip(first.start, stated.end, stated.value, value * (element or 1.0) if stated.size and not sized else value) if wrong else None
        return slip, stated.start


# names of one thing: a search is a query is a request ("1 billion searches a day, which works out to roughly 1,200
# queries per second")
_REQUESTS = frozenset("request requests req reqs query queries search searches call calls lookup lookups load loads hit hits".split())


def _same_things(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a & b) or (bool(a & _REQUESTS) and bool(b & _REQUESTS))


def said_back(words: str) -> str:
    """The candidate's sum as a line puts it back: on one line, cut at a word within `SAID_MAX`, no double quotes."""
    said = " ".join(words.split())
    if len(said) > SAID_MAX:
        said = said[: SAID_MAX - 1].rsplit(" ", 1)[0] + "…"
    return said.replace('"', "'")


def shown(x: float) -> str:
    """A worked figure as a candidate would write it: 90M, 34.7k, 5.12T, 46.5."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def register(bank: "ConceptBank", spec: "ArithmeticSpec", lib: "Library") -> None:
    """Add the arithmetic misconception to the bank: found by plain code in every case. Its phase (which only
    orders it among claims stated together) is that of its first criterion."""
    from .concepts import Misconception

    checker = Checker(spec.off_by, spec.peak_factor)

    def search(unit: str, *_: Any) -> _Match | None:
        if unit.rstrip().endswith("?"):
            return None  # "60k × 1.5k is 9M?": a question states nothing
        found = checker.slips(unit)
        return _Match(found[0].start, found[0].end) if found else None

    m: Misconception = Misconception.model_construct(
        id=MISCONCEPTION_ID,
        claim=spec.claim,
        patterns=[],
        examples=[],
        counter_examples=[],
        criteria=list(spec.criteria),
        scope=None,
        challenge=spec.challenge,
        phase=lib.criterion(spec.criteria[0]).phase,
        unless=[],
    )
    bank.misconceptions[MISCONCEPTION_ID] = m
    bank.case_of[MISCONCEPTION_ID] = None
    bank._prefilter[MISCONCEPTION_ID] = None
    bank._finder[MISCONCEPTION_ID] = search
    bank.arithmetic = checker

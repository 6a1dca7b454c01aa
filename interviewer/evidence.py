"""Evidence for grading: what a candidate showed, criterion by criterion, found by the concept layer.

The offline grader scores a criterion only from what was said about it (README: "How the offline grader works"):

1. The answer is cut into units (each line, and each sentence within a line; `concepts.units`). Units that
   address the grader are dropped (and cost a level later), repeated units count once, and outside
   clarifying a question is not evidence.
2. Concepts are detected by alias (`ConceptBank.find_mentions`), misconceptions by their patterns. A
   unit that only strings concept names together ("Kafka, Flink, feature store, ...") counts for nothing.
3. Depth is read next to each mention (its unit and the units beside it on the same line): the concept's
   own depth points, and four generic kinds (a reason, a number, a trade-off, a failure mode).
4. Points = concepts named + depth points shown + kinds of depth, each weighted and capped (`evidence.yaml`, set by hand); three cut points turn points into 1-4 (`evidence-cuts.json`,
   fitted on development data only). A misconception caps the criterion and pulls it down.
5. Nothing about length, formatting, rubric wording, hedge words or the rest of the answer enters a
   criterion's score, so removing what was said about one criterion moves that criterion only.

The quotes of a criterion are the units that triggered its detections, so each quote backs its own score.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .concepts import ConceptBank, concept_bank, units
from .content import Criterion
from .domain import CROSS_CUTTING, Phase, policy
from .errors import ContentError
from .text import answer_spans, asks_directly, is_injection, norm

SETTINGS_PATH = Path(__file__).resolve().parent / "evidence.yaml"
CUTS_PATH = Path(__file__).resolve().parent / "evidence-cuts.json"
DEFAULT_CUTS = (1.0, 2.5, 5.0)
MARKERS = ("reason", "number", "trade-off", "failure")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: dict[str, float]
    caps: dict[str, int]
    misconception_cap: int = Field(ge=1, le=4)
    corrected_cap: int = Field(ge=1, le=4)
    retract_cues: list[str]
    quotes: int = Field(ge=1, le=10)
    quote_chars: int = Field(ge=40, le=2000)
    reason_cues: list[str]
    dismiss_before: list[str]
    dismiss_after: list[str]
    absent_before: list[str]
    dismiss_gap: int = Field(ge=0, le=12)
    rejected_before: list[str]
    rejected_not_after: list[str]
    rejected_gap: int = Field(ge=0, le=6)
    tradeoff_explicit: list[str]
    menu_min: int = Field(ge=2, le=20)
    menu_cues: list[str]
    choice_cues: list[str]
    cross_cutting: dict[str, dict[str, list[str]]]


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    try:
        return Settings.model_validate(yaml.safe_load(SETTINGS_PATH.read_text(encoding="utf-8")))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise ContentError(SETTINGS_PATH, f"invalid YAML: {e.problem}", mark.line + 1 if mark else None) from None
    except ValidationError as e:
        err = e.errors()[0]
        raise ContentError(SETTINGS_PATH, f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None


_cuts_cache: tuple[float, float, float] | None = None


def cuts() -> tuple[float, float, float]:
    global _cuts_cache
    if _cuts_cache is None:
        try:
            c = json.loads(CUTS_PATH.read_text(encoding="utf-8"))["cuts"]
            _cuts_cache = (float(c[0]), float(c[1]), float(c[2]))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            _cuts_cache = DEFAULT_CUTS
    return _cuts_cache


def set_cuts(c: Sequence[float] | None) -> None:
    """Use these cut points in this process (the eval harness swaps in a fresh fit); None reloads the file."""
    global _cuts_cache
    _cuts_cache = None if c is None else (float(c[0]), float(c[1]), float(c[2]))


@functools.lru_cache(maxsize=64)
def _cue_rx(cues: tuple[str, ...], whole: bool = False) -> re.Pattern[str]:
    """Cues as one regex: each starts a word; a short one (or with `whole`, every one) also ends a word,
    and with `whole` a contraction does not continue it ("so that" is not "So that's all")."""
    parts = []
    for c in cues:
        body = re.escape(c.strip())
        lead = r"(?<!\w)" if c[:1].isalnum() else ""
        tail = (r"(?![\w'’])" if whole else r"(?!\w)") if c[-1:].isalnum() and (whole or len(c.strip()) < 5) else ""
        parts.append(lead + body + tail)
    return re.compile("|".join(parts), re.I)


@functools.lru_cache(maxsize=1)
def _marker_rx() -> dict[str, re.Pattern[str]]:
    cues = policy().push_cues
    return {
        "reason": _cue_rx(tuple(settings().reason_cues), whole=True),
        "number": re.compile(r"\d"),
        "trade-off": _cue_rx(tuple(cues["tradeoffs"])),
        "failure": _cue_rx(tuple(cues["failure"])),
    }


@functools.lru_cache(maxsize=8192)
def markers_in(text: str) -> frozenset[str]:
    """The kinds of depth a piece of text shows: a reason, a number, a trade-off, a failure mode."""
    return frozenset(k for k, rx in _marker_rx().items() if rx.search(text))


# --------------------------------------------------------------------------- analysis of one answer


@dataclass
class Unit:
    start: int
    end: int
    line: int
    text: str
    kept: bool  # not a plea, not a repeat and (outside clarifying) not a question
    listed: bool = False  # a bare list of terms: its names count as named, with no depth


_HEADING = re.compile(r"^\W*(?:\w+[\s/&-]*){1,3}[:=]\s*$")


def _heading(text: str) -> bool:
    """A unit that is only a heading of a few words ("feats:", "Offline metrics:"), naming what follows."""
    return bool(_HEADING.match(text.strip()))


@dataclass
class Analysis:
    text: str
    phase: str
    case: str | None
    units: list[Unit]
    dropped: list[str]  # units addressed to the grader
    mentions: list[tuple[str, int, int, int]]  # (concept id, unit index, start, end)
    misconceptions: list[tuple[str, int, int, int]]  # (misconception id, unit index, start, end)
    corrected: frozenset[str] = frozenset()  # misconceptions a later answer of the phase took back (`_corrected`)

    def window(self, i: int) -> str:
        """A unit with its neighbours on the same line: where depth about what it names is read."""
        u = self.units[i]
        parts = [self.units[j].text for j in (i - 1, i, i + 1) if 0 <= j < len(self.units) and self.units[j].line == u.line]
        return " ".join(parts)


def analyse(text: str, phase: str, case: str | None, bank: ConceptBank | None = None) -> Analysis:
    bank = bank or concept_bank()
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out: list[Unit] = []
    dropped: list[str] = []
    seen: set[str] = set()
    line = 0
    for a, b in units(text):
        while line + 1 < len(line_starts) and line_starts[line + 1] <= a:
            line += 1
        t = text[a:b]
        key = norm(t)
        kept = True
        if is_injection(t):
            dropped.append(t)
            kept = False
        elif key in seen:
            kept = False
        elif phase != Phase.CLARIFY and t.rstrip().endswith("?") and asks_directly(t):
            # a question put to the interviewer is no evidence past clarifying; a statement offered with a
            # question mark ("So we never learn the truth about declined payments?") is the candidate's answer
            kept = False
        seen.add(key)
        out.append(Unit(a, b, line, t, kept))

    def unit_of(pos: int) -> int | None:
        for i, u in enumerate(out):
            if u.start <= pos < u.end:
                return i if u.kept else None
        return None

    found = bank.find_mentions(text, case)
    said = False  # a kept unit that names something and is not a bare list
    for u in out:
        inside = [m for m in found if u.start <= m.start < u.end]
        if u.kept and (_is_term_list(u, inside) or _is_menu(u, inside)):
            u.listed = True
        elif u.kept and inside:
            said = True
    # lists inside an answer that says something are its notes' shorthand ("slices: new users, new videos,
    # country, device"); an answer of nothing but lists is buzzword salad and shows nothing at all
    if not said:
        for u in out:
            if u.listed:
                u.kept = False

    mentions = [(m.concept_id, i, m.start, m.end) for m in found if (i := unit_of(m.start)) is not None and not dismissed(text, out[i].start, m.start, m.end)]
    # in clarifying, what a candidate asks about is clarifying, whichever phase its concept is at home in
    asking = {i for i, u in enumerate(out) if phase == Phase.CLARIFY and "?" in u.text}
    told = [cid for cid, i, _s, _e in mentions if i not in asking]
    if phase != CROSS_CUTTING and _elsewhere(told, phase, bank, case, asked=len(mentions) - len(told)):
        # another phase's answer; but a phase's answers are joined with blank lines (grading.candidate_words), and
        # a framing answer followed by three answers to follow-ups that wandered into deployment is still a
        # framing answer: a block (between blank lines) whose concepts are mostly this phase's stays
        keep = _own_blocks(text, out, mentions, asking, phase, bank, case)
        for i, u in enumerate(out):
            u.kept = u.kept and i in keep
        mentions = [x for x in mentions if x[1] in keep]
    # a figure stated against the case's own (figures.py) is put back by the interviewer, not graded: an answer
    # often assumes its scale before asking, and the rubric faults only orders of magnitude that drive the design
    mis = [(h.misconception_id, i, h.start, h.end) for h in bank.find_misconceptions(text, case) if h.misconception_id not in bank.figure_of and (i := unit_of(h.start)) is not None]
    return Analysis(text, phase, case, out, dropped, mentions, mis, _corrected(text, out, mentions, mis, bank))


def _corrected(text: str, out: Sequence[Unit], mentions: Sequence[tuple[str, int, int, int]], mis: Sequence[tuple[str, int, int, int]], bank: ConceptBank) -> frozenset[str]:
    """The misconceptions a later answer of the phase took back: an answer (a block after a blank line, see
    `grading.candidate_words`) after the one that stated it, which does not state it again, says it is taking
    something back (`retract_cues`: "So accuracy is not good", "No, I guess not. So I should split by time")
    and names a concept of the same criteria. A claim corrected within the answer that made it is not: one
    answer both ways shows no understanding."""
    if not mis or "\n\n" not in text:
        return frozenset()
    spans = answer_spans(text)
    unit_block = [next(k for k, (_a, b) in enumerate(spans) if u.start < b) for u in out]
    retract = _cue_rx(tuple(settings().retract_cues))
    said_in: dict[int, set[str]] = {}
    for cid, i, _s, _e in mentions:
        said_in.setdefault(unit_block[i], set()).add(cid)
    stated_in: dict[str, set[int]] = {}
    for mid, i, _s, _e in mis:
        stated_in.setdefault(mid, set()).add(unit_block[i])
    blocks = sorted(set(unit_block))
    text_of = {k: " ".join(u.text for u, b in zip(out, unit_block) if b == k and u.kept) for k in blocks}
    done: set[str] = set()
    for mid, where in stated_in.items():
        crits = set(bank.misconception(mid).criteria)
        for k in blocks:
            if k <= max(where) or not retract.search(text_of[k]):  # stated again later: it stands
                continue
            if any(crits & set(bank.concept(cid).criteria) for cid in said_in.get(k, ())):
                done.add(mid)
                break
    return frozenset(done)


@functools.lru_cache(maxsize=1)
def _dismiss_rx() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    st = settings()

    def alternation(phrases: list[str]) -> str:  # longest first; any run of spaces, either apostrophe
        return "|".join(re.escape(c).replace(r"\ ", r"\s+").replace("'", "['’]") for c in sorted(phrases, key=len, reverse=True))

    def before(phrases: list[str]) -> re.Pattern[str]:
        # "we don't need anything beyond a rollback plan" keeps the plan: no qualifier between the cue and the name
        return re.compile(rf"(?<!\w)(?:{alternation(phrases)})(?!\w)(?:\W+(?!{_QUALIFIER.pattern})[\w'’-]+){{0,{st.dismiss_gap}}}\W*$", re.I)

    # the option not taken: the cue, then at most rejected_gap words that do not turn it into "not only", "not sure"
    stop = alternation(st.rejected_not_after)
    rejected = re.compile(rf"(?<!\w)(?:{alternation(st.rejected_before)})(?:\W+(?!(?:{stop})(?!\w))[\w'’-]+){{0,{st.rejected_gap}}}\W*$", re.I)
    return before(st.dismiss_before), re.compile(rf"^[\s\w'’-]{{0,30}}?(?<!\w)(?:{alternation(st.dismiss_after)})(?!\w)", re.I), before(st.absent_before), rejected


# what makes "not needed" a limit rather than a dismissal: "rollback isn't needed beyond the previous model staying warm"
_QUALIFIER = re.compile(r"(?:beyond|besides|except|other\s+than|apart\s+from|more\s+than|past)\b", re.I)
# a clause ends at a sentence mark, a comma or a turn ("but", "though"): "we don't need real-time, but daily features ..."
_CLAUSE_END = re.compile(r"[.?!;:,\n()]|\b(?:but|though|although|however|whereas|while|yet|except)\b", re.I)


def dismissed(text: str, unit_start: int, start: int, end: int, absent: bool = True, rejected: bool = False) -> bool:
    """Whether a concept is named only to say it is not needed ("we don't need a rollback plan", "I wouldn't add a
    separate reranking layer", "calibration isn't a concern"): the words before the name in its clause, or the
    words right after it (`evidence.yaml`: dismiss_before, dismiss_after). With `absent`, also a thing said not to
    exist ("we don't have labellers": absent_before), which is no evidence either but was not waved away. With
    `rejected`, also a thing named as the option not taken ("LambdaRank, not a pointwise model": rejected_before),
    which the interviewer does not dig into as the candidate's; the grader counts it as an option weighed."""
    before_rx, after_rx, absent_rx, rejected_rx = _dismiss_rx()
    before = _CLAUSE_END.split(text[max(unit_start, start - 120) : start])[-1]
    after = _CLAUSE_END.split(text[end : end + 60])[0]
    if before_rx.search(before) or (absent and absent_rx.search(before)) or (rejected and rejected_rx.search(before)):
        return True
    m = after_rx.match(after)
    return bool(m) and not _QUALIFIER.match(text[end + m.end() :].lstrip())


TERM_LIST_MIN = 4  # concepts named in one unit before it can be a bare list of terms
TERM_LIST_SHARE = 0.5  # ... when the names make up at least this share of its letters
TERM_LIST_SEGMENT = 3  # words in an item of a list of terms
TERM_LIST_ITEMS = 0.75  # share of a unit's comma-separated pieces that must be that short


def _is_term_list(u: Unit, mentions: Sequence[Any]) -> bool:
    """A unit that only strings concept names together ("feature store, Kafka, Flink, point-in-time
    joins, ..."): it names without showing anything, so none of it counts as evidence. A sentence that
    says something about the names ("adversarial drift is the big one (new slang, leetspeak) -> reviewers
    flag misses, fold into retraining") is not a list, however many names it holds."""
    if len(mentions) < TERM_LIST_MIN or u.text.count(",") < TERM_LIST_MIN - 1:
        return False
    letters = sum(ch.isalpha() for ch in u.text) or 1
    named = sum(sum(ch.isalpha() for ch in m.matched) for m in mentions)
    if named / letters < TERM_LIST_SHARE:
        return False
    pieces = [p for p in re.split(r"[,;]", u.text) if p.strip()]
    short = sum(1 for p in pieces if len(p.split()) <= TERM_LIST_SEGMENT)
    return short >= TERM_LIST_ITEMS * len(pieces)


def _is_menu(u: Unit, mentions: Sequence[Any]) -> bool:
    """A unit that offers options without choosing ("We could use XGBoost, random forests, LSTMs, transformers or
    GNNs"): it names them and shows nothing of any, as a bare list does (`menu_min`, `menu_cues`, `choice_cues`)."""
    st = settings()
    if len({m.concept_id for m in mentions}) < st.menu_min:
        return False
    return bool(_cue_rx(tuple(st.menu_cues)).search(u.text)) and not _cue_rx(tuple(st.choice_cues)).search(u.text)


ELSEWHERE_MIN = 4  # concepts of other phases named before an answer can belong to another phase
ELSEWHERE_RATIO = 3  # ... when they outnumber this phase's own concepts this many times over
ELSEWHERE_LINKED = 0.5  # a concept at home elsewhere that backs one of this phase's criteria: half this phase's, half another's


@functools.lru_cache(maxsize=64)
def _phase_criteria(phase: str, case: str | None) -> frozenset[str]:
    """The rubric criteria graded in this phase (for this case)."""
    from .content import library

    return frozenset(c.id for c in library().criteria(phase, case))


def _own_blocks(text: str, out: Sequence[Unit], mentions: Sequence[tuple[str, int, int, int]], asking: set[int], phase: str, bank: ConceptBank, case: str | None) -> set[int]:
    """The units in blocks of `text` (separated by blank lines) that are this phase's own: they name a concept
    of this phase, and other phases' concepts do not outnumber it `ELSEWHERE_RATIO` times over."""
    spans = answer_spans(text)
    if len(spans) < 2:
        return set()
    keep: set[int] = set()
    for a, b in spans:
        idx = {i for i, u in enumerate(out) if a <= u.start < b}
        told = [cid for cid, i, _s, _e in mentions if i in idx and i not in asking]
        asked = sum(1 for _c, i, _s, _e in mentions if i in idx and i in asking)
        mine, other = _shares(told, phase, bank, case, asked)
        if mine > 0 and other <= ELSEWHERE_RATIO * mine:
            keep |= idx
    return keep


def _shares(concept_ids: Sequence[str], phase: str, bank: ConceptBank, case: str | None, asked: int) -> tuple[float, float]:
    """How much of what was named is this phase's and how much other phases': a concept at home here counts 1,
    one at home elsewhere that backs a criterion graded here `ELSEWHERE_LINKED`, a concept asked about 1."""
    own = _phase_criteria(phase, case)
    concept_ids = list(dict.fromkeys(concept_ids))  # a concept named twice is one concept of its phase
    mine = sum(1.0 if (c := bank.concept(cid)).phase == phase else ELSEWHERE_LINKED if own.intersection(c.criteria) else 0.0 for cid in concept_ids)
    return mine + asked, len(concept_ids) - mine


def _elsewhere(concept_ids: Sequence[str], phase: str, bank: ConceptBank, case: str | None = None, asked: int = 0) -> bool:
    """An answer that names almost only other phases' concepts is another phase's answer: however well
    said, it is not evidence for this phase's criteria. A concept at home here is this phase's; one at home
    elsewhere that evidences a criterion graded here counts half here and half elsewhere: a monitoring answer
    naming drift, online metrics and tail latency (at home in evaluation and deployment, evidence for
    monitoring's alerting) stays monitoring's, and a model answer given in clarifying stays the model's
    though one of its concepts also evidences clarifying's scope."""
    mine, other = _shares(concept_ids, phase, bank, case, asked)  # concepts asked about (clarifying): this phase's
    return other >= ELSEWHERE_MIN and other > ELSEWHERE_RATIO * mine


# --------------------------------------------------------------------------- evidence per criterion


@dataclass
class CriterionEvidence:
    criterion: Criterion
    concepts: list[str] = field(default_factory=list)  # concept ids named, in order of first mention
    depth: dict[str, set[int]] = field(default_factory=dict)  # concept id -> depth points shown
    markers: set[str] = field(default_factory=set)
    misconceptions: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)  # stated, then taken back in a later answer
    said: dict[str, str] = field(default_factory=dict)  # misconception id -> the words that first stated it
    quotes: list[str] = field(default_factory=list)
    at: list[int] = field(default_factory=list)  # where each unit the evidence rests on starts in the text
    points: float = 0.0
    score: int | None = None

    @property
    def depth_count(self) -> int:
        return sum(len(v) for v in self.depth.values())

    @property
    def shallow(self) -> bool:
        """Named without any depth: no depth point and no kind of depth beside it (at most level 2)."""
        return not self.depth_count and not self.markers


def _quote(u: Unit, start: int, limit: int) -> str:
    """The unit, or a window of it around a detection, cut at word boundaries (verbatim either way)."""
    if len(u.text) <= limit:
        return u.text
    rel = max(0, start - u.start)
    a = max(0, rel - limit // 3)
    b = min(len(u.text), a + limit)
    a = max(0, b - limit)
    if a > 0:  # start at a clause ("; a ranker scores ...") where one opens before the detection, else at a word
        clause = [m.end() for m in _CLAUSE_CUT.finditer(u.text, a, rel + 1)]
        sp = u.text.find(" ", a)
        a = clause[-1] if clause else sp + 1 if 0 <= sp < rel else a
    if b < len(u.text):  # end at a clause after the detection, else at a word
        clause = [m.start() for m in _CLAUSE_CUT.finditer(u.text, rel, b) if m.start() - a >= limit // 3]
        sp = u.text.rfind(" ", a, b)
        b = clause[-1] if clause else sp if sp > rel else b
    return u.text[a:b].strip(" ,;:(")


_CLAUSE_CUT = re.compile(r"[;,:]\s+|\s+\(|\s+-\s+")


def _score(points: float, n_misconceptions: int, any_evidence: bool, cut: Sequence[float], shallow: bool = False, n_corrected: int = 0) -> int | None:
    """1-4 from points; a name with no depth at all is at most 2 (the rubric: named without how or why);
    a misconception caps the criterion (`misconception_cap`: 1, the rubric's level for a wrong claim) and
    each further one takes a level; one taken back in a later answer caps it at `corrected_cap`."""
    if not any_evidence:
        return 1 if n_misconceptions or n_corrected else None
    s = 1 + sum(1 for c in cut if points >= c)
    if shallow:
        s = min(s, 2)
    if n_misconceptions:
        s = max(1, min(s, settings().misconception_cap) - (n_misconceptions - 1))
    elif n_corrected:
        s = min(s, settings().corrected_cap)
    return s


def _home(bank: ConceptBank, concept: str, ids: Sequence[str]) -> str | None:
    """The criterion a concept is first evidence of among those graded (its criteria are listed home first)."""
    return next((x for x in bank.concept(concept).criteria if x in ids), None)


def criterion_evidence(an: Analysis, crits: Sequence[Criterion], bank: ConceptBank | None = None) -> list[CriterionEvidence]:
    """Evidence and score for each criterion of a phase (or the cross-cutting ones over a whole interview)."""
    bank = bank or concept_bank()
    st = settings()
    w, cap = st.weights, st.caps
    cut = cuts()
    wrong = {i for _m, i, _s, _e in an.misconceptions}  # a unit that states a misconception shows no understanding
    ids = [c.id for c in crits]
    out: list[CriterionEvidence] = []
    for c in crits:
        if c.phase == CROSS_CUTTING or c.id in st.cross_cutting:
            out.append(_cross_cutting(an, c, cut))
            continue
        ev = CriterionEvidence(c)
        weight_of_unit: dict[int, float] = {}
        where: dict[int, int] = {}
        for cid, i, s, _e in an.mentions:
            if i in wrong:
                continue
            # a concept backs the criteria it lists, whichever phase it is at home in: negative downsampling
            # and recalibration said while modelling are the model's loss-and-negatives evidence
            if c.id not in bank.concept(cid).criteria:
                continue
            if cid not in ev.concepts:
                ev.concepts.append(cid)
            win = "" if an.units[i].listed else an.window(i)  # a bare list shows no depth
            got = bank.depth_points(cid, win)
            ev.depth.setdefault(cid, set()).update(got)
            ev.markers |= markers_in(win)
            weight_of_unit[i] = weight_of_unit.get(i, 0.0) + 1.0 + len(got)
            where.setdefault(i, s)
        stated = {m for m, _i, _s, _e in an.misconceptions if c.id in bank.misconception(m).criteria}
        ev.misconceptions = sorted(stated - an.corrected)
        ev.corrected = sorted(stated & an.corrected)
        # a concept counts in full for its home criterion here (the first of its criteria this grade has), and
        # `other_criterion` for the further ones it also backs: "use a cache for popular queries" is index latency's
        # evidence first (the first deploy criterion caching lists), and shows less of scaling or serving cost
        named = sum(1.0 if _home(bank, cid, ids) == c.id else w.get("other_criterion", 1.0) for cid in ev.concepts)
        ev.points = (
            w["concepts"] * min(named, cap["concepts"])
            + w["depth"] * min(ev.depth_count, cap["depth"])
            + w["marker"] * len(ev.markers)
        )
        ev.score = _score(ev.points, len(ev.misconceptions), bool(ev.concepts), cut, shallow=ev.shallow, n_corrected=len(ev.corrected))
        for m, i, s, e in an.misconceptions:
            if m in ev.misconceptions or m in ev.corrected:
                weight_of_unit[i] = weight_of_unit.get(i, 0.0) + 0.25
                where.setdefault(i, s)
                ev.said.setdefault(m, an.text[s:e])
        # the strongest evidence first (the scorecard's strengths quote the first), ties in the order said; but a
        # claim that stands uncorrected comes first of all: the gap quotes it, not the sentence that named most
        claims = {i for m, i, _s, _e in an.misconceptions if m in ev.misconceptions}
        # a bare heading ("feats:") is quoted only when nothing else backs the criterion
        best = sorted(weight_of_unit, key=lambda i: (i not in claims, _heading(an.units[i].text), -weight_of_unit[i], i))[: st.quotes]
        ev.quotes = [_quote(an.units[i], where[i], st.quote_chars) for i in best]
        ev.at = sorted(an.units[i].start for i in weight_of_unit)
        out.append(ev)
    return out


def _cross_cutting(an: Analysis, c: Criterion, cut: Sequence[float]) -> CriterionEvidence:
    """Skills graded over the whole interview, from cue groups (`evidence.yaml`), each unit counted once.
    Trade-off talk counts only in units that also name a concept (a bare "faster" shows nothing) or say
    outright that they weigh one thing against another (`tradeoff_explicit`: "Trade-off: more capacity vs
    serving cost"). A unit that states a misconception shows none of these skills: "I'd just do a random split,
    since every order is independent" had been quoted as trade-off reasoning and listed as a strength."""
    groups = settings().cross_cutting.get(c.id, {})
    ev = CriterionEvidence(c)
    named = {i for _c, i, _s, _e in an.mentions}
    wrong = {i for _m, i, _s, _e in an.misconceptions}
    if c.id == "tradeoff-reasoning":
        explicit = _cue_rx(tuple(settings().tradeoff_explicit))
        named |= {i for i, u in enumerate(an.units) if explicit.search(u.text)}
    hits: dict[int, set[str]] = {}
    for name, cues in groups.items():
        rx = _cue_rx(tuple(cues))  # compiled once per cue group, not per grade
        for i, u in enumerate(an.units):
            if not u.kept or i in wrong or (c.id == "tradeoff-reasoning" and i not in named):
                continue
            m = rx.search(u.text)
            if m:
                hits.setdefault(i, set()).add(name)
    shown = set().union(*hits.values()) if hits else set()
    ev.markers = shown
    n = len(hits)
    ev.points = float(len(shown)) + 0.5 * min(n, 6)
    if n:
        ev.score = 1 + int(len(shown) >= 1) + int(len(shown) >= 2 and n >= 3) + int(len(shown) >= 3 and n >= 5)
    best = sorted(hits, key=lambda i: (-len(hits[i]), i))[: settings().quotes]
    ev.quotes = [_quote(an.units[i], an.units[i].start, settings().quote_chars) for i in sorted(best)]
    ev.at = sorted(an.units[i].start for i in hits)
    return ev


def grade_text(text: str, phase: str, case: str | None, crits: Sequence[Criterion], bank: ConceptBank | None = None) -> tuple[Analysis, list[CriterionEvidence]]:
    an = analyse(text, phase, case, bank)
    return an, criterion_evidence(an, crits, bank)

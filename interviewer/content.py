"""Content schemas and loaders: rubrics, case overlays, cases, notes and scripted candidates.

Every loader raises only `ContentError`, naming the file and (where the YAML tells us) the line.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, RootModel, StringConstraints, Tag, ValidationError, field_validator, model_validator

from .domain import CROSS_CUTTING, KINDS, PHASE_TITLE, PHASES, PhaseId, RubricPhaseId
from .errors import ContentError
from .paths import knowledge_dir, rubrics_dir
from .text import slug

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
PHASE_TITLES_IN_NOTES = {title: str(phase) for phase, title in PHASE_TITLE.items()}
QuantityName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _kinds_valid(v: list[str] | None) -> list[str] | None:
    if v is None:
        return v
    bad = [k for k in v if k not in KINDS]
    if bad:
        raise ValueError(f"unknown problem kind {bad[0]!r} (kinds: {', '.join(KINDS)})")
    _check_unique(v, "kind")
    return v


class Criterion(_Strict):
    id: Id
    title: Text
    description: Text
    weight: float = Field(ge=0.1, le=5.0)
    levels: dict[int, Text]
    signals: list[Text] = Field(min_length=1)
    probes: list[Text] = Field(min_length=1, max_length=6)
    red_flags: list[Text] = Field(default_factory=list)
    # the problem kinds the criterion applies to; None = every case (see KINDS)
    scope: list[str] | None = Field(default=None, min_length=1)
    phase: str | None = None  # set for case criteria and filled in for phase criteria

    @property
    def note_query(self) -> str:
        """What a probe or a hint on the criterion searches the notes for: its title and its description."""
        return f"{self.title}. {self.description}"

    @field_validator("scope")
    @classmethod
    def _scope_kinds(cls, v: list[str] | None) -> list[str] | None:
        return _kinds_valid(v)

    @field_validator("levels")
    @classmethod
    def _four_levels(cls, v: dict[int, str]) -> dict[int, str]:
        if sorted(v) != [1, 2, 3, 4]:
            raise ValueError("levels must have exactly the keys 1, 2, 3 and 4")
        return v


class CaseCriterion(Criterion):
    phase: PhaseId  # type: ignore[assignment]


class Rubric(_Strict):
    phase: RubricPhaseId
    title: Text
    minutes: float = Field(ge=0, le=60)
    criteria: list[Criterion] = Field(min_length=1, max_length=8)

    @model_validator(mode="after")
    def _unique(self) -> "Rubric":
        _check_unique([c.id for c in self.criteria], "criterion id")
        return self


class CaseOverlay(_Strict):
    case: Id
    criteria: list[CaseCriterion] = Field(min_length=1, max_length=8)
    # phase criteria of a matching kind that still do not fit this case, each with the reason: neither probed
    # nor graded here ("annotation-operations": the labels are clicks, no one labels anything)
    set_aside: dict[Id, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> "CaseOverlay":
        _check_unique([c.id for c in self.criteria], "criterion id")
        return self


class Fact(_Strict):
    id: Id
    topics: list[Text] = Field(min_length=1)
    answer: Text
    asks: list[Text] = Field(default_factory=list, max_length=12)  # ways a candidate asks for it (matched by meaning)
    # optional: the figures the answer states, by quantity name (rubrics/checks/number-rules.yaml)
    numbers: dict[QuantityName, float] | None = None

    @field_validator("numbers")
    @classmethod
    def _finite(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        for k, x in (v or {}).items():
            if not (x == x and abs(x) != float("inf")) or x <= 0:
                raise ValueError(f"{k}: a stated figure is a finite positive number")
        return v


class Case(_Strict):
    id: Id
    title: Text
    domain: Text
    kinds: list[str] = Field(min_length=1)  # the problem kinds of this case (see KINDS)
    prompt: Text
    facts: list[Fact] = Field(min_length=12)
    reference: dict[PhaseId, list[Text]]

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, v: list[str]) -> list[str]:
        return _kinds_valid(v) or v

    @model_validator(mode="after")
    def _checks(self) -> "Case":
        _check_unique([f.id for f in self.facts], "fact id")
        missing = [p for p in PHASES if p not in self.reference]
        if missing:
            raise ValueError(f"reference outline is missing phases: {', '.join(missing)}")
        return self


class NoteMeta(_Strict):
    title: Text
    phase: RubricPhaseId | None = None
    case: Id | None = None
    topics: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_of(self) -> "NoteMeta":
        if (self.phase is None) == (self.case is None):
            raise ValueError("a note sets exactly one of `phase` (framework note) or `case` (case note)")
        return self


# Caps on scripted answers (the shipped candidates, `--answers-file`, eval pairs): one answer is at most
# MAX_ANSWER_CHARS once rendered (the engine keeps 20,000 of it and says so), a phase at most
# MAX_ANSWERS_PER_PHASE answers, a whole script at most MAX_SCRIPT_CHARS; a content or input file at most
# MAX_INPUT_BYTES. A `{repeat, times}` pair is checked before it is rendered, so nothing big is allocated.
MAX_ANSWER_CHARS = 100_000
MAX_ANSWERS_PER_PHASE = 100
MAX_SCRIPT_CHARS = 2_000_000
MAX_INPUT_BYTES = 2_000_000


class Repeat(_Strict):
    repeat: str = Field(max_length=MAX_ANSWER_CHARS)
    times: int = Field(ge=1, le=100_000)

    @model_validator(mode="after")
    def _bounded(self) -> "Repeat":
        if self.chars > MAX_ANSWER_CHARS:
            raise ValueError(f"repeat x times makes {self.chars:,} characters; one answer holds at most {MAX_ANSWER_CHARS:,}")
        return self

    @property
    def chars(self) -> int:
        return len(self.repeat) * self.times

    def render(self) -> str:
        return self.repeat * self.times


class Stated(_Strict):
    """A scripted answer that states known misconceptions (`knowledge/concepts/`), so the behaviour
    suite can tell whether each was challenged; `say` is what the candidate says."""

    say: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    states: list[Id] = Field(default_factory=list, max_length=4)

    @property
    def chars(self) -> int:
        return len(self.say)

    def render(self) -> str:
        return self.say


def _script_bounded(v: dict[str, list[Any]]) -> dict[str, list[Any]]:
    total = sum(x.chars if isinstance(x, (Repeat, Stated)) else len(x) for xs in v.values() for x in xs)
    if total > MAX_SCRIPT_CHARS:
        raise ValueError(f"the answers add up to {total:,} characters; a script holds at most {MAX_SCRIPT_CHARS:,}")
    return v


# an answer is a string, a {repeat, times} mapping or a {say, states} mapping; the tag picks which, so an
# error names the right one
def _answer_tag(v: Any) -> str:
    if isinstance(v, Stated) or (isinstance(v, dict) and "say" in v):
        return "say"
    return "repeat" if isinstance(v, (dict, Repeat)) else "text"


Answer = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_ANSWER_CHARS), Tag("text")] | Annotated[Repeat, Tag("repeat")] | Annotated[Stated, Tag("say")],
    Discriminator(_answer_tag),
]
ScriptAnswers = Annotated[dict[PhaseId, Annotated[list[Answer], Field(max_length=MAX_ANSWERS_PER_PHASE)]], AfterValidator(_script_bounded)]


def render_answers(answers: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {p: [x if isinstance(x, str) else x.render() for x in xs] for p, xs in answers.items()}


class AnswersFile(RootModel[ScriptAnswers]):
    """`--answers-file`: `{"clarify": ["...", {"repeat": "...", "times": 3}], "frame": [...]}`."""


class CandidateScript(_Strict):
    persona: Literal["strong", "average", "weak", "rambling", "adversarial"] | str
    case: Id | None = None
    answers: ScriptAnswers

    def lines(self, phase: str) -> list[str]:
        return render_answers({phase: self.answers.get(phase, [])})[phase]

    def stated(self) -> dict[str, list[str]]:
        """Each answer that states misconceptions (as rendered) -> their ids."""
        return {x.say: list(x.states) for xs in self.answers.values() for x in xs if isinstance(x, Stated) and x.states}


class ScopeTerms(_Strict):
    """rubrics/checks/scope-terms.yaml: phrases that only make sense for some problem kinds."""

    terms: dict[str, list[Text]]
    _matcher: tuple[dict[str, set[str]], list[tuple[str, re.Pattern[str]]], re.Pattern[str]] | None = PrivateAttr(default=None)

    @field_validator("terms")
    @classmethod
    def _known(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        _kinds_valid(list(v))
        return v

    def kinds_of(self) -> dict[str, set[str]]:
        """Each term (lower case) and the kinds that may use it."""
        out: dict[str, set[str]] = {}
        for kind, terms in self.terms.items():
            for t in terms:
                out.setdefault(t.lower(), set()).add(kind)
        return out

    def found_in(self, text: str) -> list[tuple[str, set[str]]]:
        """The terms that occur in `text`, each with its kinds (one pass over most texts, which name none)."""
        if self._matcher is None:  # built once per file: each term's kinds and regex, and one regex for any term
            kinds = self.kinds_of()
            ordered = sorted(kinds, key=len, reverse=True)
            anywhere = re.compile(rf"(?<![\w-])(?:{'|'.join(re.escape(t) for t in ordered)})(?:s|es)?(?![\w-])", re.I)
            self._matcher = (kinds, [(t, _term_regex(t)) for t in kinds], anywhere)
        kinds, regexes, anywhere = self._matcher
        if not anywhere.search(text):
            return []
        return [(t, kinds[t]) for t, rx in regexes if rx.search(text)]


_EXPR = re.compile(r"^\s*[a-z0-9_.e+]+(\s*[*/]\s*[a-z0-9_.e+]+)*\s*$")


class NumberRule(_Strict):
    """Either a ratio rule (`left`, `right`, `ratio`) or a completeness rule (`when`, `requires`)."""

    id: Id
    says: Text  # the rule in words, quoted in the error
    left: Annotated[str, StringConstraints(pattern=_EXPR.pattern)] | None = None
    right: Annotated[str, StringConstraints(pattern=_EXPR.pattern)] | None = None
    ratio: tuple[float, float] | None = None  # left / right must lie in [low, high]
    when: list[QuantityName] | None = None  # if a case states all of these...
    requires: list[QuantityName] | None = None  # ...it must also state these

    @model_validator(mode="after")
    def _one_form(self) -> "NumberRule":
        ratio_form = (self.left, self.right, self.ratio)
        need_form = (self.when, self.requires)
        if all(x is not None for x in ratio_form) and all(x is None for x in need_form):
            if not 0 <= self.ratio[0] <= self.ratio[1]:  # type: ignore[index]
                raise ValueError("ratio is [low, high] with 0 <= low <= high")
            return self
        if all(x is not None for x in need_form) and all(x is None for x in ratio_form):
            return self
        raise ValueError("a rule has either left, right and ratio, or when and requires")

    def names(self) -> list[str]:
        if self.when is not None:
            return list(self.when) + list(self.requires or [])
        return _expr_names(self.left or "") + _expr_names(self.right or "")


class NumberRules(_Strict):
    """rubrics/checks/number-rules.yaml: how the figures stated in a case's facts must agree."""

    quantities: dict[QuantityName, Text]  # every name a fact's `numbers:` may use, with its unit
    tolerance: float = Field(default=0.05, gt=0, lt=1)  # a declared figure matches its sentence within this
    rules: list[NumberRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names(self) -> "NumberRules":
        _check_unique([r.id for r in self.rules], "rule id")
        for r in self.rules:
            for name in r.names():
                if name not in self.quantities:
                    raise ValueError(f"rule {r.id!r} uses {name!r}, which `quantities` does not list")
        return self


def _expr_names(expr: str) -> list[str]:
    return [t for t in re.split(r"\s*[*/]\s*", expr.strip()) if re.match(r"^[a-z_]", t)]


def _expr_value(expr: str, values: dict[str, float]) -> float | None:
    """A product/quotient of names and numbers, left to right; None when a name has no value."""
    parts = re.split(r"\s*([*/])\s*", expr.strip())
    total = 1.0
    op = "*"
    for p in parts:
        if p in ("*", "/"):
            op = p
            continue
        if re.match(r"^[a-z_]", p):
            if p not in values:
                return None
            x = values[p]
        else:
            x = float(p)
        total = total * x if op == "*" else total / x
    return total


def _check_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"duplicate {what} {i!r}")
        seen.add(i)


# --------------------------------------------------------------------------- YAML with lines


def _read_text(path: Path, what: str = "a content file") -> str:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ContentError(path, f"the file is {size:,} bytes; {what} holds at most {MAX_INPUT_BYTES:,}")
        raw = path.read_bytes()
    except OSError as e:
        raise ContentError(path, f"cannot read: {e.strerror or e}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ContentError(path, "not valid UTF-8", line) from None


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml, when PyYAML was built with it


def _compose(text: str, path: Path, line_offset: int = 0) -> yaml.Node | None:
    """The file's node tree (values and lines), with no key given twice in one mapping (YAML would keep the
    last silently: a second `patterns:` list replaced the first). Composed with libyaml when it is there
    (about ten times faster: the content library is read at every start); on any fault, composed again with
    PyYAML's own loader, so that the error and its line are always the same."""
    node = _compose_any(text, path, line_offset)
    _no_duplicate_keys(node, path, line_offset)
    return node


def _no_duplicate_keys(node: yaml.Node | None, path: Path, line_offset: int) -> None:
    stack = [node]
    seen_nodes: set[int] = set()  # an alias makes the tree a graph, possibly a cycle ("&a [*a]")
    while stack:
        n = stack.pop()
        if id(n) in seen_nodes:
            continue
        seen_nodes.add(id(n))
        if isinstance(n, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        raise ContentError(path, f"key {k.value!r} is given twice (first on line {seen[k.value] + line_offset}); YAML keeps only the last", k.start_mark.line + 1 + line_offset)
                    seen[k.value] = k.start_mark.line + 1
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _compose_any(text: str, path: Path, line_offset: int = 0) -> yaml.Node | None:
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except Exception:
            pass
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1 + line_offset
        raise ContentError(path, f"invalid YAML: unacceptable character #x{e.character:04x}" if isinstance(e.character, int) else "invalid YAML: unacceptable character", line) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 + line_offset if mark else None
        msg = " ".join(str(x) for x in (e.context, e.problem) if x) or "invalid YAML"
        raise ContentError(path, f"invalid YAML: {msg}", line) from None
    except yaml.YAMLError as e:
        raise ContentError(path, f"invalid YAML: {e}") from None
    except (RecursionError, ValueError, TypeError) as e:  # pathological nesting, odd scalars
        raise ContentError(path, f"invalid YAML: {type(e).__name__}") from None


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose constructor errors carry the line of the node that failed."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as e:
            raise yaml.constructor.ConstructorError(None, None, f"cannot read value: {e}", node.start_mark) from None


def _construct(node: yaml.Node | None, path: Path, line_offset: int = 0) -> Any:
    if node is None:
        return None
    try:
        loader = _LineLoader("")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ContentError(path, f"invalid YAML: {e.problem}", mark.line + 1 + line_offset if mark else None) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as e:
        raise ContentError(path, f"invalid YAML: {type(e).__name__}: {e}"[:300]) from None


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...], line_offset: int) -> int | None:
    """Follow a pydantic error location into the YAML node tree and return the 1-based line."""
    best = node
    cur = node
    for n, key in enumerate(loc):
        if n + 1 < len(loc) and loc[n + 1] == "[key]" and isinstance(cur, yaml.MappingNode):
            for k, _v in cur.value:  # a bad mapping key: the key's own line
                if isinstance(k, yaml.ScalarNode) and str(k.value) == str(key):
                    return k.start_mark.line + 1 + line_offset
            break
        if isinstance(cur, yaml.MappingNode):
            nxt = None
            for k, v in cur.value:
                if isinstance(k, yaml.ScalarNode) and str(k.value) == str(key):
                    nxt = v
                    break
            if nxt is None:
                break
            cur = nxt
        elif isinstance(cur, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(cur.value):
            cur = cur.value[key]
        else:
            break
        best = cur
    if best is None:
        return None
    return best.start_mark.line + 1 + line_offset


def _validate(model: type[BaseModel], data: Any, node: yaml.Node | None, path: Path, line_offset: int = 0) -> Any:
    if not isinstance(data, dict):
        raise ContentError(path, f"expected a mapping at the top, found {type(data).__name__}", 1 + line_offset)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err.get("loc", ()))
        where = ".".join(str(x) for x in loc) or "top level"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            msg = "missing required field"
        elif err.get("type") == "extra_forbidden":
            msg = "unknown field"
        return_line = _node_line(node, loc, line_offset)
        dup = re.search(r"duplicate (criterion|fact) id '([^']+)'", msg)
        if dup:
            return_line = _duplicate_line(node, "criteria" if dup.group(1) == "criterion" else "facts", dup.group(2), line_offset) or return_line
        more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
        raise ContentError(path, f"{where}: {msg}{more}", return_line) from None


def _duplicate_line(node: yaml.Node | None, field: str, ident: str, line_offset: int) -> int | None:
    """The line of the second list item under `field` whose id is `ident`."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == field and isinstance(v, yaml.SequenceNode):
            seen = 0
            for item in v.value:
                if isinstance(item, yaml.MappingNode):
                    for ik, iv in item.value:
                        if isinstance(ik, yaml.ScalarNode) and ik.value == "id" and isinstance(iv, yaml.ScalarNode) and iv.value == ident:
                            seen += 1
                            if seen == 2:
                                return ik.start_mark.line + 1 + line_offset
    return None


def _first_line(path: Path, rx: str) -> int | None:
    """The number of the first line of a file that `rx` matches at its start (for errors found across files)."""
    try:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(rx, line):
                return i
    except OSError:
        return None
    return None


def _id_line(path: Path, ident: str) -> int | None:
    """The line of `id: ident` in a file."""
    return _first_line(path, rf"^\s*-?\s*id:\s*['\"]?{re.escape(ident)}['\"]?\s*$")


def _key_line(path: Path, key: str) -> int | None:
    """The line of a mapping key `key:` in a file."""
    return _first_line(path, rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:")


def load_yaml_node(path: Path, model: type[BaseModel], empty: str | None = None) -> tuple[Any, yaml.Node | None]:
    """A YAML file validated by `model`, with its node tree (for the lines of later checks). With `empty`,
    an empty file is that error, at line 1."""
    path = Path(path)
    text = _read_text(path)
    node = _compose(text, path)
    data = _construct(node, path)
    if data is None and empty is not None:
        raise ContentError(path, empty, 1)
    return _validate(model, data, node, path), node


def load_yaml_model(path: Path, model: type[BaseModel]) -> Any:
    return load_yaml_node(path, model)[0]


def load_answers(path: Path) -> dict[str, list[str]]:
    """A JSON answers file (`mlsd simulate --answers-file`), validated by `AnswersFile` and rendered."""
    import json

    path = Path(path)
    text = _read_text(path, "an answers file")
    try:
        data = json.loads(text)
    except ValueError as e:  # json.JSONDecodeError
        raise ContentError(path, f"invalid JSON: {getattr(e, 'msg', e)}", getattr(e, "lineno", None)) from None
    except RecursionError:
        raise ContentError(path, "invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ContentError(path, "expected an object mapping phase ids to lists of answers", 1)
    answers = render_answers(_validate(AnswersFile, data, None, path).root)
    if not any(a.strip() for xs in answers.values() for a in xs):
        raise ContentError(path, "the file holds no answer: give at least one phase a non-empty line, e.g. {\"clarify\": [\"What is the DAU?\"]}", 1)
    return answers


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


class Note(BaseModel):
    path: str  # relative to knowledge/
    meta: NoteMeta
    body: str
    body_line: int  # line of the body's first line in the file


def load_note(path: Path, rel: str | None = None) -> Note:
    path = Path(path)
    text = _read_text(path)
    m = _FRONT.match(text)
    if not m:
        raise ContentError(path, "a note starts with YAML front matter between --- lines", 1)
    node = _compose(m.group(1), path, line_offset=1)
    data = _construct(node, path, line_offset=1)
    meta = _validate(NoteMeta, data, node, path, line_offset=1)
    body = text[m.end():]
    if len(body.split()) < 50:
        raise ContentError(path, "the note body is nearly empty (under 50 words)", text[: m.end()].count("\n") + 1)
    if meta.case:
        for i, line in enumerate(body.splitlines(), start=text[: m.end()].count("\n") + 1):
            if line.startswith("## "):
                heading = line[3:].strip()
                if heading != "Overview" and heading not in PHASE_TITLES_IN_NOTES:
                    raise ContentError(path, f"case-note heading {heading!r} is not a phase title", i)
    return Note(path=rel or path.name, meta=meta, body=body, body_line=text[: m.end()].count("\n") + 1)


# --------------------------------------------------------------------------- the library


def _heading_depth(line: str) -> int:
    """2 for a "## " heading line, 3 for "### "…; 0 for any other line."""
    hashes = len(line) - len(line.lstrip("#"))
    return hashes if hashes and line[hashes : hashes + 1] == " " else 0


class Library(BaseModel):
    """All shipped content, validated and cross-checked."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    rubrics: dict[str, Rubric]
    overlays: dict[str, CaseOverlay]
    cases: dict[str, Case]
    notes: list[Note]
    candidates: dict[str, CandidateScript]
    checks: list[str] = []  # the check files loaded from rubrics/checks/
    terms: ScopeTerms | None = None  # rubrics/checks/scope-terms.yaml, when present

    # ---- look-ups
    def phase_title(self, phase: str) -> str:
        return self.rubrics[phase].title

    def phase_minutes(self, phase: str) -> float:
        return self.rubrics[phase].minutes

    def default_minutes(self, phases: Iterable[str]) -> float:
        """An interview's length when none is given: the phases' own budgets (45 minutes for all seven;
        a one-phase retry gets that phase's budget, not the whole interview's)."""
        return float(sum(self.phase_minutes(p) for p in phases))

    def kinds(self, case: str | None) -> tuple[str, ...] | None:
        """The case's problem kinds; None without a case (or for a case the library does not hold)."""
        if case and case in self.cases:
            return tuple(self.cases[case].kinds)
        return None

    def applies(self, criterion: Criterion, case: str | None) -> bool:
        """Whether a criterion is probed and graded in this case: unscoped, no case, or a shared kind."""
        if case and case in self.overlays and criterion.id in self.overlays[case].set_aside:
            return False
        kinds = self.kinds(case)
        if criterion.scope is None or kinds is None:
            return True
        return bool(set(criterion.scope) & set(kinds))

    def off_scope_terms(self, text: str, case: str) -> list[str]:
        """Kind-specific terms in `text` that do not fit the case (rubrics/checks/scope-terms.yaml)."""
        kinds = set(self.kinds(case) or ())
        if self.terms is None or not kinds:
            return []
        return [t for t, ks in self.terms.found_in(text) if not ks & kinds]

    def criteria(self, phase: str, case: str | None = None) -> list[Criterion]:
        """The phase's criteria that apply to the case, plus the case's own criteria for that phase.

        Without a case every criterion of the phase applies (a general rubric)."""
        out = [c.model_copy(update={"phase": phase}) for c in self.rubrics[phase].criteria if self.applies(c, case)]
        if case and case in self.overlays:
            out += [c for c in self.overlays[case].criteria if c.phase == phase and self.applies(c, case)]
        return out

    def all_criteria(self) -> list[Criterion]:
        """Every criterion as written: each rubric's, then each case overlay's (no case filter, no phase filled in)."""
        return [c for r in self.rubrics.values() for c in r.criteria] + [c for o in self.overlays.values() for c in o.criteria]

    def cross_cutting(self) -> list[Criterion]:
        r = self.rubrics.get(CROSS_CUTTING)
        return [c.model_copy(update={"phase": CROSS_CUTTING}) for c in r.criteria] if r else []

    def criterion(self, cid: str) -> Criterion:
        for r in self.rubrics.values():
            for c in r.criteria:
                if c.id == cid:
                    return c.model_copy(update={"phase": r.phase})
        for o in self.overlays.values():
            for c in o.criteria:
                if c.id == cid:
                    return c
        raise KeyError(cid)

    def note_section(self, ref: str, strict: bool = False) -> tuple[Note, str, str]:
        """A note reference as scorecards and follow-ups give it ("phases/data.md#sources-and-labels"):
        the note, the section's heading, and the section's Markdown (its heading, its text and its
        sub-sections). Without an anchor, or with one no heading matches, the whole note (`strict`: a
        KeyError for an anchor no heading matches). KeyError for a note the library does not hold."""
        path, _, anchor = ref.partition("#")
        note = next((n for n in self.notes if n.path == path), None)
        if note is None:
            raise KeyError(path)
        lines = note.body.splitlines()
        for i, line in enumerate(lines):
            depth = _heading_depth(line)
            if depth >= 2 and anchor and slug(line[depth:].strip()) == anchor:
                end = next((j for j in range(i + 1, len(lines)) if 0 < _heading_depth(lines[j]) <= depth), len(lines))
                return note, line[depth:].strip(), "\n".join(lines[i:end]).strip()
        if strict and anchor:
            raise KeyError(ref)
        return note, note.meta.title, note.body.strip()

    def case(self, case_id: str) -> Case:
        try:
            return self.cases[case_id]
        except KeyError:
            raise ContentError(None, f"unknown case {case_id!r}; `mlsd cases` lists them") from None

    def script(self, persona: str, case: str | None = None) -> CandidateScript:
        if case and f"{persona}@{case}" in self.candidates:
            return self.candidates[f"{persona}@{case}"]
        if persona in self.candidates:
            return self.candidates[persona]
        raise ContentError(None, f"no scripted candidate {persona!r}")


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file()) if folder.is_dir() else []


def load_library(rubrics: Path | None = None, knowledge: Path | None = None) -> Library:
    rubrics = Path(rubrics or rubrics_dir())
    knowledge = Path(knowledge or knowledge_dir())
    rubric_map: dict[str, Rubric] = {}
    rubric_files: dict[str, Path] = {}
    for p in _yaml_files(rubrics):
        r = load_yaml_model(p, Rubric)
        if r.phase in rubric_map:
            raise ContentError(p, f"a second rubric for phase {r.phase!r}", 1)
        rubric_map[r.phase] = r
        rubric_files[r.phase] = p
    missing = [ph for ph in PHASES if ph not in rubric_map]
    if missing:
        raise ContentError(rubrics, f"no rubric for phases: {', '.join(missing)}")
    cases: dict[str, Case] = {}
    for p in _yaml_files(knowledge / "cases"):
        c = load_yaml_model(p, Case)
        if c.id != p.stem:
            raise ContentError(p, f"case id {c.id!r} does not match the file name", 1)
        cases[c.id] = c
    overlays: dict[str, CaseOverlay] = {}
    for p in _yaml_files(rubrics / "cases"):
        o = load_yaml_model(p, CaseOverlay)
        if o.case != p.stem:
            raise ContentError(p, f"overlay case {o.case!r} does not match the file name", 1)
        if o.case not in cases:
            raise ContentError(p, f"overlay for unknown case {o.case!r}", 1)
        overlays[o.case] = o
    # criterion ids are unique across every rubric and overlay
    owner: dict[str, Path] = {}
    for src, crits in [(rubric_files[k], r.criteria) for k, r in rubric_map.items()] + [(rubrics / "cases" / f"{k}.yaml", o.criteria) for k, o in overlays.items()]:
        for c in crits:
            if c.id in owner:
                raise ContentError(src, f"duplicate criterion id {c.id!r} (also in {owner[c.id]})", _id_line(src, c.id))
            owner[c.id] = src
    for k, o in overlays.items():  # only a phase criterion can be set aside, and only one that exists
        src = rubrics / "cases" / f"{k}.yaml"
        for cid in o.set_aside:
            if cid not in owner or owner[cid] == src or owner[cid].parent == rubrics / "cases":
                raise ContentError(src, f"set_aside names {cid!r}, which is not a criterion of a phase rubric", _key_line(src, cid))
    notes: list[Note] = []
    for sub in ("phases", "cases"):
        for p in sorted((knowledge / sub).glob("*.md")) if (knowledge / sub).is_dir() else []:
            if p.name.lower() == "readme.md":
                continue
            n = load_note(p, rel=f"{sub}/{p.name}")
            if n.meta.case and n.meta.case not in cases:
                raise ContentError(p, f"note for unknown case {n.meta.case!r}", 2)
            notes.append(n)
    candidates: dict[str, CandidateScript] = {}
    for p in _yaml_files(knowledge / "candidates"):
        s = load_yaml_model(p, CandidateScript)
        key = f"{s.persona}@{s.case}" if s.case else s.persona
        candidates[key] = s
    checks = rubrics / CHECKS_DIR
    terms = load_yaml_model(checks / SCOPE_TERMS, ScopeTerms) if (checks / SCOPE_TERMS).is_file() else None
    rules = load_yaml_model(checks / NUMBER_RULES, NumberRules) if (checks / NUMBER_RULES).is_file() else None
    sources = [(rubric_files[k], None, r.criteria) for k, r in rubric_map.items() if k in PHASES or k == CROSS_CUTTING]
    sources += [(rubrics / "cases" / f"{k}.yaml", cases[k], o.criteria) for k, o in overlays.items()]
    check_scopes(sources, terms, cases)
    check_numbers({c.id: (knowledge / "cases" / f"{c.id}.yaml", c) for c in cases.values()}, rules)
    loaded = [n for n, x in ((SCOPE_TERMS, terms), (NUMBER_RULES, rules)) if x is not None]
    return Library(rubrics=rubric_map, overlays=overlays, cases=cases, notes=notes, candidates=candidates, checks=loaded, terms=terms)


# --------------------------------------------------------------------------- cross-file checks

CHECKS_DIR = "checks"
SCOPE_TERMS = "scope-terms.yaml"
NUMBER_RULES = "number-rules.yaml"


@functools.lru_cache(maxsize=4096)
def _term_regex(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", re.I)


def _text_line(path: Path, text: str) -> int | None:
    """The line where a (possibly folded) string starts: the first line holding its opening words."""
    head = " ".join(text.split()[:6])
    try:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if head and head in " ".join(line.split()):
                return i
    except OSError:
        return None
    return None


def check_scopes(sources: list[tuple[Path, Case | None, list[Criterion]]], terms: ScopeTerms | None, cases: dict[str, Case]) -> None:
    problems = scope_problems(sources, terms, cases)
    if problems:
        raise problems[0]


def scope_problems(sources: list[tuple[Path, Case | None, list[Criterion]]], terms: ScopeTerms | None, cases: dict[str, Case]) -> list[ContentError]:
    """A probe may not name a concept that does not fit a case where its criterion is asked.

    A phase criterion is asked in every case its `scope:` fits (no scope: every case); a case
    criterion only in its case. A term listed under some kinds fits a case that has one of them."""
    out: list[ContentError] = []
    for path, case, crits in sources:
        for c in crits:
            if case is not None and c.scope and not set(c.scope) & set(case.kinds):
                out.append(ContentError(path, f"criterion {c.id!r} has scope {c.scope} but its case is {case.kinds}, so it is never asked", _id_line(path, c.id)))
            if terms is None:
                continue
            if case is not None:
                targets = [(case.id, set(case.kinds))]
            else:
                targets = [(k.id, set(k.kinds)) for k in cases.values() if c.scope is None or set(c.scope) & set(k.kinds)]
                if not targets:  # no cases to go by: each kind in scope (or every kind) on its own
                    targets = [(kind, {kind}) for kind in (c.scope or KINDS)]
            for term, kinds in terms.kinds_of().items():
                misfit = next((name for name, have in targets if not have & kinds), None)
                if misfit is None:
                    continue
                rx = _term_regex(term)
                for probe in c.probes:
                    if rx.search(probe):
                        out.append(ContentError(
                            path,
                            f"probe of {c.id!r} names {term!r} ({'/'.join(sorted(kinds))}), which does not fit {misfit}, where the criterion is asked: scope the criterion or reword the probe",
                            _text_line(path, probe) or _id_line(path, c.id),
                        ))
    return sorted(out, key=lambda e: (e.path or "", e.line or 0))



_NUMBER_WORDS = {w: float(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER_WORDS.update({w: 10.0 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)})
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "trillion": 1e12, "t": 1e12}
_FIGURE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|(?:" + "|".join(_NUMBER_WORDS) + r")\b)"
    r"(?:\s*(%|percent\b|per\s+cent\b|k\b|thousand\b|mn?\b|millions?\b|bn?\b|billions?\b|trillion\b|t\b))?",
    re.I,
)


def figures(text: str) -> list[float]:
    """Every figure a sentence states, read generously: 20B, 150k, 1.5 million, 0.15% (as 0.0015 and 0.15), two, fifty."""
    out: list[float] = []
    for m in _FIGURE.finditer(text):
        raw, unit = m.group(1).lower(), (m.group(2) or "").lower().replace(" ", "")
        x = _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else float(raw.replace(",", ""))
        out.append(x)
        if unit in ("%", "percent"):
            out.append(x / 100)
        elif unit in _SCALE:
            out.append(x * _SCALE[unit])
    return out


def _numbers_line(path: Path, fact_id: str) -> int | None:
    """The line of a fact's `numbers:` key (else of its id)."""
    start = _id_line(path, fact_id)
    if start is None:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return start
    for i in range(start, len(lines)):
        if re.match(r"^\s*-\s*id:", lines[i]):
            break
        if re.match(r"^\s*numbers:", lines[i]):
            return i + 1
    return start


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def check_numbers(cases: dict[str, tuple[Path, Case]], rules: NumberRules | None) -> None:
    problems = number_problems(cases, rules)
    if problems:
        raise problems[0]


def number_problems(cases: dict[str, tuple[Path, Case]], rules: NumberRules | None) -> list[ContentError]:
    """The figures a case's facts declare (`numbers:`) must be named in `quantities`, stated in the
    fact's answer, given once, and agree with every rule whose quantities the case declares."""
    out: list[ContentError] = []
    for cid, (path, case) in sorted(cases.items()):
        values: dict[str, float] = {}
        owner: dict[str, str] = {}
        for f in case.facts:
            for name, x in (f.numbers or {}).items():
                line = _numbers_line(path, f.id)
                if rules is None or name not in rules.quantities:
                    out.append(ContentError(path, f"fact {f.id!r} declares {name!r}, which rubrics/{CHECKS_DIR}/{NUMBER_RULES} does not list as a quantity", line))
                    continue
                if not any(abs(y - x) <= rules.tolerance * abs(x) for y in figures(f.answer)):
                    out.append(ContentError(path, f"fact {f.id!r} declares {name} = {_fmt(x)} but its answer does not state that figure", line))
                    continue
                if name in values and abs(values[name] - x) > rules.tolerance * abs(x):
                    out.append(ContentError(path, f"facts {owner[name]!r} and {f.id!r} give {name} as {_fmt(values[name])} and {_fmt(x)}", line))
                    continue
                values[name], owner[name] = x, f.id
        for r in rules.rules if rules else []:
            if r.when is not None:
                missing = [n for n in r.requires or [] if n not in values]
                if all(n in values for n in r.when) and missing:
                    out.append(ContentError(
                        path,
                        f"facts {', '.join(sorted({owner[n] for n in r.when}))} state {' and '.join(r.when)} but no fact states {' or '.join(missing)}: rule {r.id} ({r.says})",
                        _numbers_line(path, owner[r.when[-1]]),
                    ))
                continue
            assert r.left is not None and r.right is not None and r.ratio is not None
            left, right = _expr_value(r.left, values), _expr_value(r.right, values)
            if left is None or right is None or right == 0:
                continue  # the case does not state every figure this rule needs
            ratio = left / right
            if not r.ratio[0] <= ratio <= r.ratio[1]:
                names = r.names()
                facts = sorted({owner[n] for n in names if n in owner})
                out.append(ContentError(
                    path,
                    f"facts {', '.join(facts)} disagree: {r.left} = {_fmt(left)} is {ratio:.3g}x {r.right} = {_fmt(right)}; rule {r.id} wants {r.ratio[0]:g}-{r.ratio[1]:g}x ({r.says})",
                    _numbers_line(path, owner[names[0]]),
                ))
    return out


@functools.lru_cache(maxsize=4)
def library(rubrics: str | None = None, knowledge: str | None = None) -> Library:
    """The shipped library, loaded once per process."""
    return load_library(Path(rubrics) if rubrics else None, Path(knowledge) if knowledge else None)


def check_path(path: Path) -> list[str]:
    """Validate one file or a folder; return the files checked. Raises ContentError on the first fault."""
    path = Path(path)
    if not path.exists():
        raise ContentError(path, "no such file or folder")
    if path.is_dir():
        if (path / "rubrics").is_dir() and (path / "knowledge").is_dir():
            return check_all(path / "rubrics", path / "knowledge")
        if path.name == "rubrics" and (path.parent / "knowledge").is_dir():
            return check_all(path, path.parent / "knowledge")
        if path.name == "knowledge" and (path.parent / "rubrics").is_dir():
            return check_all(path.parent / "rubrics", path)
        if path.name == "concepts" and path.parent.name == "knowledge":
            from .concepts import load_concept_bank

            return load_concept_bank(path).files
        checked = []
        for p in sorted(path.rglob("*")):
            if p.suffix in (".yaml", ".yml", ".md") and p.is_file() and p.name.lower() != "readme.md":
                check_file(p)
                checked.append(str(p))
        if not checked:
            raise ContentError(path, "no rubrics, cases, notes or scripted candidates found here (no .yaml or .md files); give a content file or a folder that holds them")
        return checked
    check_file(path)
    return [str(path)]


def check_file(path: Path) -> None:
    path = Path(path)
    if path.suffix == ".md":
        load_note(path)
        return
    if path.suffix not in (".yaml", ".yml"):
        raise ContentError(path, "not a content file (expected .yaml or .md)")
    text = _read_text(path)
    node = _compose(text, path)
    data = _construct(node, path)
    if not isinstance(data, dict):
        raise ContentError(path, f"expected a mapping at the top, found {type(data).__name__}", 1)
    from .concepts import check_concept_file, is_concept_data

    if is_concept_data(path, data):
        check_concept_file(path)
        return
    if "criteria" in data and "case" in data:
        model: type[BaseModel] = CaseOverlay
    elif "criteria" in data:
        model = Rubric
    elif "facts" in data or "prompt" in data:
        model = Case
    elif "answers" in data and "persona" in data:
        model = CandidateScript
    elif "terms" in data:
        model = ScopeTerms
    elif "rules" in data and "quantities" in data:
        model = NumberRules
    else:
        raise ContentError(path, "cannot tell what this file is (rubric, case overlay, case, scripted candidate, concept file, scope terms or number rules)", 1)
    _validate(model, data, node, path)


def check_all(rubrics: Path | None = None, knowledge: Path | None = None) -> list[str]:
    """Load and cross-check everything (library and concept layer); return the files checked."""
    from .concepts import load_concept_bank

    knowledge = Path(knowledge or knowledge_dir())
    lib = load_library(rubrics, knowledge)
    bank = load_concept_bank(knowledge / "concepts", lib)
    root = knowledge.parent
    return _summary(lib) + [str(Path(f).relative_to(root)) if Path(f).is_relative_to(root) else f for f in bank.files]


def _summary(lib: Library) -> list[str]:
    return (
        [f"rubrics/{p}.yaml" for p in lib.rubrics]
        + [f"rubrics/{CHECKS_DIR}/{n}" for n in lib.checks]
        + [f"rubrics/cases/{c}.yaml" for c in lib.overlays]
        + [f"knowledge/cases/{c}.yaml" for c in lib.cases]
        + [f"knowledge/{n.path}" for n in lib.notes]
        + [f"knowledge/candidates/{k}.yaml" for k in lib.candidates]
    )

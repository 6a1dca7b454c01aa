"""The product's vocabulary, in one place: phases, levels, personas, brains, commands, and the typed
decision the graph routes on. Loaders, the CLI, the session and the TUI import these; no other module
spells a phase id, level or persona name out.

The enums are `StrEnum`s, so a value is its own id: it compares equal to the string, serialises as
the string in JSON and in checkpoints, and keeps the state JSON-like.
"""
from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Phase(StrEnum):
    """The seven phases of the framework, in interview order."""

    CLARIFY = "clarify"
    FRAME = "frame"
    DATA = "data"
    MODEL = "model"
    EVALUATION = "evaluation"
    DEPLOY = "deploy"
    MONITOR = "monitor"


PHASES: tuple[Phase, ...] = tuple(Phase)
PHASE_IDS: tuple[str, ...] = tuple(p.value for p in Phase)
PhaseId = Literal[PHASE_IDS]  # type: ignore[valid-type] # validates like Literal["clarify", ...] and keeps plain strings
RubricPhaseId = Literal[PHASE_IDS + ("cross-cutting",)]  # type: ignore[valid-type]
PHASE_TITLE: dict[str, str] = {  # as the framework notes head their sections
    Phase.CLARIFY: "Clarifying requirements",
    Phase.FRAME: "Framing as an ML task",
    Phase.DATA: "Data preparation",
    Phase.MODEL: "Model development",
    Phase.EVALUATION: "Evaluation",
    Phase.DEPLOY: "Deployment and serving",
    Phase.MONITOR: "Monitoring and maintenance",
}
SHORT_LABEL: dict[str, str] = {p: p.value for p in Phase} | {Phase.EVALUATION: "eval"}  # where a cell is narrow
CROSS_CUTTING = "cross-cutting"  # the rubric graded over the whole interview
# Problem kinds: the scope vocabulary of rubric criteria (`scope:`), concepts and cases (`kinds:`).
KINDS: tuple[str, ...] = ("retrieval", "ranking", "classification", "detection", "regression")


class Level(StrEnum):
    MID = "mid"
    SENIOR = "senior"
    STAFF = "staff"


class Persona(StrEnum):
    """How the interviewer behaves."""

    SUPPORTIVE = "supportive"
    NEUTRAL = "neutral"
    TOUGH = "tough"


class BrainKind(StrEnum):
    AUTO = "auto"  # llm when a key or base URL is set, else offline
    OFFLINE = "offline"
    LLM = "llm"


class SessionKind(StrEnum):
    """What a stored session is. A retry (fewer than every phase) never counts towards the trend or the best score."""

    INTERVIEW = "interview"  # every phase of a case
    RETRY = "retry"  # one phase (or a subset) retried: shown as a retry, never as a finished interview
    SIMULATION = "simulation"  # a scripted candidate (`mlsd simulate`, evals)


class Command(StrEnum):
    """What a candidate can type instead of an answer."""

    HINT = "/hint"
    NEXT = "/next"
    TIME = "/time"
    END = "/end"
    HELP = "/help"

    @classmethod
    def parse(cls, text: str) -> "Command | None":
        head = text.split()[0].lower() if text.startswith("/") and text.split() else ""
        try:
            return cls(head)
        except ValueError:
            return None


class Role(StrEnum):
    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"


class TurnKind(StrEnum):
    """What a transcript turn is."""

    OPENING = "opening"
    INTRO = "intro"  # a phase opens
    FOLLOW_UP = "follow_up"
    CLARIFY = "clarify"  # an answer to a clarifying question
    HINT = "hint"
    TIME = "time"
    HELP = "help"
    CHALLENGE = "challenge"
    DEEP_DIVE = "deep_dive"
    PUSH = "push"
    ASK_TO_CLARIFY = "ask_to_clarify"
    CLOSING = "closing"
    ANSWER = "answer"  # the candidate's
    QUESTION = "question"  # the candidate's clarifying question
    COMMAND = "command"  # the candidate's /command


class Action(StrEnum):
    """What the interviewer does after an answer (decided in plain code, in this order of priority)."""

    CHALLENGE = "challenge"  # a misconception was just stated
    ASK_TO_CLARIFY = "ask_to_clarify"  # designing started without a single clarifying question
    HINT = "hint"  # the candidate is stuck: a nudge and another chance
    FOLLOW_UP = "follow_up"  # the weightiest uncovered criterion
    DEEP_DIVE = "deep_dive"  # a concept the candidate named, with depth still unshown
    PUSH = "push"  # the strongest idea, on numbers, trade-offs or failure modes
    ADVANCE = "advance"


class Why(StrEnum):
    """Why a phase closes."""

    ASKED = "asked"  # the candidate asked to move on (/next or "let's move on")
    TIME = "time"  # the phase's time is used
    COVERED = "covered"  # every criterion met its target
    CAP = "cap"  # the persona's follow-up cap is reached
    PACE = "pace"  # the next exchange would run past the phase's budget
    STUCK = "stuck"  # still stuck after a hint


class Decision(BaseModel):
    """The typed outcome of `graph.decide`: what the interviewer does next, and about what."""

    model_config = ConfigDict(frozen=True)

    action: Action
    why: Why | None = None
    criterion: str | None = None
    status: str = "none"  # what the assessment said of the criterion: none | partial
    concept: str | None = None  # deep dive, push
    misconception: str | None = None  # challenge
    dimension: str | None = None  # push: numbers | tradeoffs | failure | dismissed (the candidate said it is not needed)

    @classmethod
    def advance(cls, why: Why) -> "Decision":
        return cls(action=Action.ADVANCE, why=why)


# ------------------------------------------------------------------------------------ policy

POLICY_PATH = Path(__file__).resolve().parent / "policy.yaml"


class Policy(BaseModel):
    """The interviewer's numbers (`policy.yaml`), validated when first read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level_target: dict[Level, int] = Field(description="criterion score a phase aims for, per level")
    persona_cap: dict[Persona, int] = Field(description="follow-ups per phase, per persona")
    staff_extra_follow_ups: int = Field(ge=0)
    hint_below: int = Field(ge=1, le=4, description="a criterion scored below this can be hinted at")
    default_target: int = Field(ge=1, le=4)
    default_cap: int = Field(ge=0)
    challenge_overrun_share: float = Field(
        default=0.25, ge=0, le=1, description="a challenge may run a phase this share past its budget, its answer included"
    )
    cap_after_share: float = Field(
        default=0.8, ge=0, le=1, description="the follow-up cap closes a phase only once this share of its time is used"
    )
    clarify_margin_minutes: float = Field(ge=0, description="clarifying questions stop this close to the budget")
    brevity_min_words: int = Field(default=120, ge=20, description="an answer this long that names few concepts ...")
    brevity_max_density: float = Field(
        default=2.0, ge=0, description="... (fewer than this many per 100 words) gets one request, per interview, to keep answers short"
    )
    carry_share: float = Field(
        default=0.15, ge=0, le=0.2, description="a phase may use minutes earlier phases left unused, up to this share of its own budget"
    )
    repeat_sim: float = Field(
        default=0.68, ge=0, le=1, description="a probe this close in meaning to a line the interviewer already said asks it again, in other words"
    )
    later_phase_min_words: int = Field(ge=0, description="an answer this long is also credited to later phases")
    overtime_minutes: float = Field(ge=0, description="the interview closes this long after its length")
    recent_turns: int = Field(ge=1, description="turns the LLM sees besides the rolling summary")
    fact_min: float = Field(ge=0, le=1, description="a fact answers an ask of a clarifying question only this close in meaning")
    fact_strong: float = Field(ge=0, le=1, description="a fact this close answers an ask even with another fact near it")
    fact_margin: float = Field(ge=0, le=1, description="otherwise the best fact must lead the next by this much, or the ask is the candidate's to assume")
    fact_item_min: float = Field(0.65, ge=0, le=1, description="one thing an ask lists ('QPS and p99') adds a fact only this close")
    fact_item_margin: float = Field(0.1, ge=0, le=1, description="... and this far ahead of the next fact")
    fact_topic_weight: float = Field(0.9, ge=0, le=1, description="a fact's topics count this much against its asks and answer sentences")
    fact_uncovered_penalty: float = Field(0.2, ge=0, le=1, description="taken off a fact's closeness per share of the ask's telling words it does not cover")
    fact_choice_sim: float = Field(0.7, ge=0, le=1, description="a choice an ask offers ('AWS or GCP') is named by a fact with a word this close")
    fact_number_window: int = Field(0, ge=0, le=50, description="an ask for a number of a thing the answer names wants a number this many words from it (0: anywhere in the sentence)")
    fact_head_sim: float = Field(0.5, ge=0, le=1, description="the thing an ask asks for ('the average age') is named by a fact with a word this close")
    fact_count_sim: float = Field(0.5, ge=0, le=1, description="a word of the answer this close to the thing a count asks for is where its number must stand")
    fact_head_penalty: float = Field(0.0, ge=0, le=4, description="... else this is taken off that fact's closeness (2: a fact that does not name it cannot answer)")
    fact_number_penalty: float = Field(0.0, ge=0, le=1, description="taken off the closeness of a fact that gives no number to an ask for a number")
    fact_measure_penalty: float = Field(
        2.0, ge=0, le=4, description="taken off the closeness of a fact that does not name the measure an ask asks for (enough to rule it out)"
    )
    fact_word_sim: float = Field(0.45, ge=0, le=1, description="a word of an ask is covered by a fact with a word this close")
    fact_rival_gap: float = Field(
        1.0, ge=0, le=1, description="an ask whose best fact is this much further in meaning than a fact the penalties ruled out is the candidate's to assume"
    )
    fact_duration_check: bool = Field(False, description="an ask for a span of time ('How long until ...') counts as asking for a number a fact must state as a time")
    fact_sibling_min: float = Field(
        0.42, ge=0, le=1, description="an ask whose only close rival is a fact another part of the line clearly asked for is answered this close"
    )
    push_cues: dict[str, list[str]] = Field(description="words that show a dimension of depth: numbers, tradeoffs, failure")
    intro_builds_on: dict[str, list[str]] = Field(
        default_factory=dict, description="per phase: the criteria whose concepts, named in an earlier phase, its opening starts from"
    )
    intro_from_questions: list[str] = Field(
        default_factory=list, description="phases whose opening may start from a concept the candidate named in a question"
    )

    def target(self, level: str) -> int:
        return self.level_target.get(Level(level), self.default_target) if level in Level._value2member_map_ else self.default_target

    def cap(self, persona: str, level: str) -> int:
        base = self.persona_cap.get(Persona(persona), self.default_cap) if persona in Persona._value2member_map_ else self.default_cap
        return base + (self.staff_extra_follow_ups if level == Level.STAFF else 0)


@functools.lru_cache(maxsize=1)
def policy() -> Policy:
    from .errors import ContentError

    try:
        raw = yaml.safe_load(POLICY_PATH.read_text(encoding="utf-8"))
        return Policy.model_validate(raw)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise ContentError(POLICY_PATH, f"invalid YAML: {e.problem}", mark.line + 1 if mark else None) from None
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ContentError(POLICY_PATH, f"{where}: {err['msg']}") from None


# the steps of `Engine.warm`, as its progress callback names them (what, done, total)
WARM_INDEX = "embedding the notes"
WARM_MODEL = "loading the embedding model"
WARM_GRADER = "preparing the grader"
WARM_VECTORS = "embedding the interviewer's questions"

"""Access to `prompts.yaml`: every interviewer line template and LLM prompt, as text."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError

PROMPTS_PATH = Path(__file__).resolve().parent / "prompts.yaml"


@functools.lru_cache(maxsize=1)
def prompts() -> dict[str, Any]:
    try:
        data = yaml.safe_load(PROMPTS_PATH.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise ContentError(PROMPTS_PATH, f"invalid YAML: {e.problem}", mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise ContentError(PROMPTS_PATH, "expected a mapping", 1)
    return data


def get(*keys: str) -> Any:
    node: Any = prompts()
    for k in keys:
        node = node[k]
    return node


def pick_unique(options: list[str], used: set[str], seed: int = 0, **fmt: Any) -> str:
    """The first formatted option (rotated by `seed`) not said before in this interview, preferring one whose
    wording (its text around the blanks) has not been used either: "Let's put numbers on X: ..." three times
    in an interview, each with another X, read as a form being filled in."""
    n = len(options)
    order = [options[(seed + i) % n] for i in range(n)]
    rendered = [o.format(**fmt) for o in order]
    fresh = [r for r in rendered if r not in used]
    if not fresh:
        return rendered[0]
    worn = [r for o, r in zip(order, rendered) if r in fresh and _wording_used(o, used)]
    return next((r for r in fresh if r not in worn), fresh[0])


def _wording_used(template: str, used: set[str]) -> bool:
    """Whether a line said before opens with the template's fixed words (those before its first blank, when
    there are at least three of them)."""
    head = template.split("{", 1)[0].strip()
    if "{" not in template or len(head.split()) < 3:
        return False
    return any(u.startswith(head) for u in used)

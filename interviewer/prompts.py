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
    """The first formatted option (rotated by `seed`) not said before in this interview."""
    n = len(options)
    rendered = [options[(seed + i) % n].format(**fmt) for i in range(n)]
    for r in rendered:
        if r not in used:
            return r
    return rendered[0]

"""mlsd engine: content, knowledge index, brains, interview graph, grading. Never imports textual."""

__version__ = "0.1.0"

PHASES: tuple[str, ...] = ("clarify", "frame", "data", "model", "evaluation", "deploy", "monitor")
CROSS_CUTTING = "cross-cutting"
# Problem kinds: the scope vocabulary of rubric criteria (`scope:`) and cases (`kinds:`).
KINDS: tuple[str, ...] = ("retrieval", "ranking", "classification", "detection", "regression")

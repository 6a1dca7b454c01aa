"""mlsd engine: content, knowledge index, brains, interview graph, grading. Never imports textual."""

from .domain import CROSS_CUTTING, KINDS, PHASES

__version__ = "0.1.0"

__all__ = ["CROSS_CUTTING", "KINDS", "PHASES", "__version__"]

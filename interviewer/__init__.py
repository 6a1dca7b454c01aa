"""mlsd engine: content, knowledge index, brains, interview graph, grading. Never imports textual."""

import os

# Before torch loads (it is imported lazily, always after this package): OpenMP threads waiting for work
# sleep instead of spinning. With anything else running on the machine, spinning threads made a short
# embedding call several times slower (p95 83-144 ms against 25-32 ms at load average 3); idle, the two
# are alike. A user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .domain import CROSS_CUTTING, KINDS, PHASES

__version__ = "0.1.0"

__all__ = ["CROSS_CUTTING", "KINDS", "PHASES", "__version__"]

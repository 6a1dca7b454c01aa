"""mlsd engine: content, knowledge index, brains, interview graph, grading. Never imports textual."""

import os

# Before torch loads (it is imported lazily, always after this package): OpenMP threads waiting for work
# sleep instead of spinning. With anything else running on the machine, spinning threads made a short
# embedding call several times slower (p95 83-144 ms against 25-32 ms at load average 3); idle, the two
# are alike. A user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _clear_freed_memory() -> bool:
    """Have the C allocator overwrite memory when it is freed (glibc's M_PERTURB), so that a buffer that once
    held the API key (an HTTP request's "authorization: Bearer ..." header) cannot come back, uninitialised,
    inside a later allocation that a library writes to disk: Chroma's HNSW index wrote 400 such bytes to its
    length.bin, and one CI run found the key there. Elsewhere than glibc: nothing to do, returns False."""
    import ctypes

    if os.environ.get("MLSD_KEEP_FREED_MEMORY"):
        return False
    try:
        # the process's own symbols: libc is loaded already (ctypes.util.find_library ran ldconfig, 12 ms an import)
        return bool(ctypes.CDLL(None).mallopt(-6, 0xA5))  # M_PERTURB; 1 on success, 0 where unsupported (musl)
    except (OSError, AttributeError, TypeError):  # no mallopt (macOS), no CDLL(None) (Windows)
        return False


FREED_MEMORY_CLEARED = _clear_freed_memory()

from .domain import CROSS_CUTTING, KINDS, PHASES

__version__ = "0.1.0"

__all__ = ["CROSS_CUTTING", "KINDS", "PHASES", "__version__"]

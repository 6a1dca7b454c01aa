"""The project's own errors. Callers catch these; nothing else escapes to the user as a traceback."""
from __future__ import annotations

from pathlib import Path


class MlsdError(Exception):
    """Base class of every error this project raises on purpose."""


class ContentError(MlsdError):
    """Malformed content: a rubric, case, note or script. Names the file and, where known, the line."""

    def __init__(self, path: str | Path | None, message: str, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


class LLMError(MlsdError):
    """An LLM call failed for good (after retries). Callers fall back to the offline brain."""


class UsageError(MlsdError):
    """Bad usage or bad input on the command line (exit code 2)."""


class ConfigError(UsageError):
    """A setting that cannot be used: a broken `config.toml`, a value of the wrong type, an empty MLSD_HOME.
    The message is one line naming where the value came from (file and line, or variable) and what to do."""


class SessionError(MlsdError):
    """A session cannot be found, resumed or continued."""

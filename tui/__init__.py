"""mlsd's terminal UI (Textual).

It talks to the engine only through the session API of `interviewer.session` (via `tui.backend`),
and imports nothing heavy at module import time: the engine (torch, sentence-transformers,
chromadb, langgraph) is created in a thread worker after the first paint.
"""

__all__ = ["run_app"]


def run_app(**kwargs: object) -> None:
    """Start the app; see `tui.app.run_app` (imported lazily so `import tui` stays free)."""
    from .app import run_app as _run

    _run(**kwargs)  # type: ignore[arg-type]

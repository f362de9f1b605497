"""Feedback from the chat, one JSON object per line, for the evaluators.

A record::

    {"time": "2025-01-31T12:00:00.123456+00:00", "verdict": "helpful",
     "question": "...", "language": "kk", "ui_language": "ru", "abstained": false,
     "citations": [{"article": 5, "paragraph": 3, "item": null, "citation": "5-бап, 3-тармақ"}],
     "source": "web", "answer_id": "3f2a…", "comment": null, "replaces": null}

``verdict`` is ``helpful`` or ``wrong_citation``. Appends are serialised inside the process
(a lock) and across processes (``flock``), and each record is written with one ``write``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

VERDICTS = ("helpful", "wrong_citation")


def citations_of(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The citations of an answer dict (``Answer.to_dict()``), in rank order."""
    return [
        {
            "article": hit.get("article"),
            "paragraph": hit.get("paragraph"),
            "item": hit.get("item"),
            "citation": hit.get("citation"),
        }
        for hit in result.get("hits") or []
    ]


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(
        self,
        verdict: str,
        result: Mapping[str, Any],
        ui_language: str | None = None,
        source: str = "web",
        answer_id: str | None = None,
        comment: str | None = None,
        replaces: str | None = None,
    ) -> dict[str, Any]:
        """Append one record for the answer ``result``; returns what was written.

        ``answer_id`` names the answer in the chat: a later record with the same id (a changed
        verdict or comment, ``replaces`` naming the verdict before) supersedes the earlier one.
        """
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        entry = {
            "time": datetime.now(timezone.utc).isoformat(),
            "verdict": verdict,
            "question": result.get("question", ""),
            "language": result.get("language"),
            "ui_language": ui_language,
            "abstained": bool(result.get("abstained")),
            "citations": citations_of(result),
            "source": source,
            "answer_id": answer_id,
            "comment": comment,
            "replaces": replaces,
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, line)
            finally:
                os.close(fd)  # closing releases the flock
        return entry

    def read(self) -> list[dict[str, Any]]:
        """All records (for tests and evaluators); a missing file is an empty list."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]


__all__ = ["VERDICTS", "FeedbackStore", "citations_of"]

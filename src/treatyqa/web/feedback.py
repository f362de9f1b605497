"""Feedback from the chat, one JSON object per line, for the evaluators.

A record::

    {"time": "2025-01-31T12:00:00.123456+00:00", "verdict": "helpful",
     "question": "...", "language": "kk", "ui_language": "ru", "abstained": false,
     "citations": [{"article": 5, "paragraph": 3, "item": null, "citation": "5-бап, 3-тармақ"}],
     "source": "web", "answer_id": "3f2a…", "comment": null, "replaces": null}

``verdict`` is ``helpful`` or ``wrong_citation``. Appends are serialised inside the process
(a lock) and across processes (``flock``). A record is appended whole or not at all: every
``write`` is checked (a short write is continued, a failed one cut back to where the record
began), the file is ``fsync``-ed, and a failure raises :class:`FeedbackNotSaved` with the
reason in the user's language. A line left broken by a crash elsewhere is skipped by
:meth:`FeedbackStore.read` and never glued to the next record.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from treatyqa.errors import TreatyQAError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

VERDICTS = ("helpful", "wrong_citation")


class FeedbackNotSaved(TreatyQAError):
    """The record could not be written; nothing of it is in the file.

    The message is the reason only (the chat puts it after "feedback not saved:").
    """


def _not_saved(exc: OSError) -> FeedbackNotSaved:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FeedbackNotSaved(
            "the data disk is full. Tell the administrator; the answer itself is not affected.",
            "деректер дискісінде бос орын жоқ. Әкімшіге хабарлаңыз; жауаптың өзіне бұл әсер етпейді.",
            "на диске с данными нет места. Сообщите администратору; на сам ответ это не влияет.",
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return FeedbackNotSaved(
            "the feedback file cannot be written (no permission). Tell the administrator.",
            "пікірлер файлына жазуға рұқсат жоқ. Әкімшіге хабарлаңыз.",
            "нет прав на запись файла отзывов. Сообщите администратору.",
        )
    return FeedbackNotSaved(
        "the feedback file could not be written. Try again later; if it repeats, tell the administrator.",
        "пікірлер файлына жазу мүмкін болмады. Кейінірек қайталаңыз; қате қайталанса, әкімшіге хабарлаңыз.",
        "не удалось записать файл отзывов. Повторите позже; если ошибка повторится, сообщите администратору.",
    )


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte or raise: ``os.write`` may write less than asked (a nearly full disk)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def append_record(path: Path, line: bytes) -> None:
    """Append ``line`` (ending in a newline) whole, or leave the file as it was and raise OSError."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        start = os.fstat(fd).st_size
        if start and os.pread(fd, 1, start - 1) != b"\n":
            line = b"\n" + line  # a broken last line stays a line of its own (read() skips it)
        try:
            _write_all(fd, line)
            os.fsync(fd)
        except OSError:
            try:
                os.ftruncate(fd, start)  # no half record, nothing for the next one to stick to
                os.fsync(fd)
            except OSError:
                logger.exception("could not cut a partial feedback record out of %s", path)
            raise
    finally:
        os.close(fd)  # closing releases the flock


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
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8", "replace")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                append_record(self.path, line)
            except OSError as exc:
                logger.warning("feedback not stored in %s: %s", self.path, exc)
                raise _not_saved(exc) from exc
        return entry

    def read(self) -> list[dict[str, Any]]:
        """All whole records (for tests and evaluators); a missing file is an empty list.

        A line that is not a JSON object (cut short by a crash or a full disk before this
        version) is skipped with a warning naming its line number.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        records = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                record = None
            if isinstance(record, dict):
                records.append(record)
            else:
                logger.warning("%s line %d is not a whole record; skipped", self.path, number)
        return records


__all__ = ["VERDICTS", "FeedbackNotSaved", "FeedbackStore", "append_record", "citations_of"]

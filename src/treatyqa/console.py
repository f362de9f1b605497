"""Progress on the console: a tqdm bar per counted stage on a terminal, a line at every tenth otherwise."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from treatyqa.progress import STAGES, Progress, Step, TenthLines

PROGRESS_MODES = ("auto", "bar", "lines")


def wants_bar(mode: str, stream: TextIO | None = None) -> bool:
    """``bar``/``lines`` as asked; ``auto`` draws a bar only on a terminal (a log file gets lines).

    >>> import io
    >>> wants_bar("auto", io.StringIO()), wants_bar("bar", io.StringIO()), wants_bar("lines")
    (False, True, False)
    """
    if mode not in PROGRESS_MODES:
        raise ValueError(f"progress must be one of {', '.join(PROGRESS_MODES)}, not {mode!r}")
    if mode == "auto":
        stream = stream or sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())
    return mode == "bar"


class ConsoleProgress:
    """A :class:`treatyqa.progress.Counting` callback: messages go to ``say``; counts to a
    bar (``bar=True``) or to ``say`` as a line at every tenth."""

    def __init__(self, say: Progress, *, bar: bool = False, stream: TextIO | None = None):
        self._say = say
        self._stream = stream or sys.stderr
        self._lines = None if bar else TenthLines(say)
        self._bar: Any = None
        self._stage: str | None = None

    def __call__(self, message: str) -> None:
        if self._bar is None:
            self._say(message)
            return
        from tqdm import tqdm

        with tqdm.external_write_mode(file=self._stream):  # the line above the bar, not through it
            self._say(message)

    def count(self, step: Step) -> None:
        if self._lines is not None:
            self._lines(step)
            return
        if self._bar is None or self._stage != step.stage:
            self.close()
            from tqdm import tqdm

            what, unit = STAGES.get(step.stage, (step.stage, "steps"))
            self._bar = tqdm(total=step.total, desc=what, unit=f" {unit}", file=self._stream, dynamic_ncols=True)
            self._stage = step.stage
        self._bar.update(step.done - self._bar.n)
        if step.finished:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar, self._stage = None, None


__all__ = ["PROGRESS_MODES", "ConsoleProgress", "wants_bar"]

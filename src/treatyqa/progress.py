"""Counted progress (n of N, elapsed, ETA) on the ``progress=say`` callbacks the build already takes.

A progress callback is any ``Callable[[str], None]``. One that also has a
``count(step: Step)`` method (:class:`Counting`) is given every count, to draw a bar or a
starting page from; any other gets a plain line at every tenth, so ``print``,
``logger.info`` and ``list.append`` keep working unchanged:

>>> said = []
>>> steps = Steps(said.append, "index", 20, clock=iter(range(100)).__next__)
>>> for _ in range(20):
...     steps.advance()
>>> said[0], said[-1]
('Building the index: 2 of 20 documents (10 %), 2 s, about 18 s left', 'Building the index: 20 of 20 documents (100 %), 20 s')
>>> len(said)
10
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

Progress = Callable[[str], None]

# stage -> (what is being done, what is counted): the console's words; the starting page has its own
STAGES: dict[str, tuple[str, str]] = {
    "model": ("Converting the embedding model", "tensors"),
    "index": ("Building the index", "documents"),
}


@dataclass(frozen=True)
class Step:
    """``done`` of ``total`` units of ``stage`` after ``elapsed`` seconds."""

    stage: str
    done: int
    total: int
    elapsed: float

    @property
    def eta(self) -> float | None:
        return eta_seconds(self.done, self.total, self.elapsed)

    @property
    def finished(self) -> bool:
        return self.done >= self.total


@runtime_checkable
class Counting(Protocol):
    def __call__(self, message: str) -> None: ...

    def count(self, step: Step) -> None: ...


def eta_seconds(done: int, total: int, elapsed: float) -> float | None:
    """Seconds left at the pace so far; None before the first unit (no pace yet).

    >>> eta_seconds(25, 100, 10.0), eta_seconds(0, 100, 3.0), eta_seconds(100, 100, 40.0)
    (30.0, None, 0.0)
    """
    if done <= 0 or total <= 0:
        return None
    return max(0.0, elapsed / done * (total - done))


def format_seconds(seconds: float) -> str:
    """``45 s``, ``2 min 05 s``: short enough for a bar's postfix.

    >>> format_seconds(4.4), format_seconds(125), format_seconds(3600)
    ('4 s', '2 min 05 s', '60 min 00 s')
    """
    whole = round(seconds)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"


def progress_line(step: Step) -> str:
    """One console line for ``step`` (a log line when stderr is not a terminal)."""
    what, unit = STAGES.get(step.stage, (step.stage, "steps"))
    percent = 100 * step.done // step.total if step.total else 100
    line = f"{what}: {step.done} of {step.total} {unit} ({percent} %), {format_seconds(step.elapsed)}"
    eta = step.eta
    if eta is not None and not step.finished:
        line += f", about {format_seconds(eta)} left"
    return line


def tenth(done: int, total: int) -> int:
    """Which tenth of the work ``done`` has reached (10 when finished).

    >>> [tenth(d, 25) for d in (0, 2, 3, 24, 25)]
    [0, 0, 1, 9, 10]
    """
    return 10 if total <= 0 else min(10, 10 * done // total)


class TenthLines:
    """Says a :func:`progress_line` each time a stage passes a tenth (and at its end)."""

    def __init__(self, say: Progress):
        self._say = say
        self._said: dict[str, int] = {}

    def __call__(self, step: Step) -> None:
        reached = tenth(step.done, step.total)
        if reached > self._said.get(step.stage, 0):
            self._said[step.stage] = reached
            self._say(progress_line(step))


class Steps:
    """Counts the units of one stage and reports them to ``progress``."""

    def __init__(self, progress: Progress, stage: str, total: int, *, clock: Callable[[], float] = time.monotonic):
        if total < 0:
            raise ValueError("total must not be negative")
        self.stage, self.total, self.done = stage, total, 0
        self._clock = clock
        self._started = clock()
        self._report: Callable[[Step], None] = progress.count if isinstance(progress, Counting) else TenthLines(progress)

    def step(self) -> Step:
        return Step(self.stage, self.done, self.total, self._clock() - self._started)

    def start(self) -> None:
        """Report ``0 of N`` with the clock (re)started: the stage has begun (a bar appears;
        lines say nothing yet)."""
        self._started = self._clock()
        self._report(self.step())

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        self._report(self.step())


__all__ = ["Counting", "Progress", "STAGES", "Step", "Steps", "TenthLines", "eta_seconds", "format_seconds", "progress_line", "tenth"]

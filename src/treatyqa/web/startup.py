"""What the app is doing while it starts: the progress callback that the starting page reads.

:class:`StartupState` is handed to ``TreatyQA(progress=...)`` like any progress callback; it
passes every message and count on to the console and keeps the latest count, which the
starting page and ``/api/health`` show (from the server's thread, hence the lock).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from treatyqa.progress import Counting, Progress, Step, TenthLines

# "starting" before the first word of progress; "loading" whenever no counted stage
# ("model", "index") is under way: the model and index load, the chat is put together
STARTING, LOADING = "starting", "loading"


class StartupCancelled(BaseException):
    """Raised into the start-up's own thread at its next progress report once the server is
    stopped: a build then stops between two slices and removes what it wrote, instead of
    running on while the interpreter exits under it. A BaseException, as KeyboardInterrupt
    is: no ``except Exception`` turns it into a fault."""


@dataclass(frozen=True)
class StartupView:
    stage: str
    done: int | None = None
    total: int | None = None
    eta: float | None = None
    elapsed: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "eta_seconds": None if self.eta is None else round(self.eta),
            "elapsed_seconds": round(self.elapsed),
        }


class StartupState:
    """A :class:`~treatyqa.progress.Counting` progress callback that remembers where the start is.

    >>> said = []
    >>> state = StartupState(said.append, clock=lambda: 10.0)
    >>> state.view().stage
    'starting'
    >>> state.count(Step("index", 40, 100, 8.0)); state.view()
    StartupView(stage='index', done=40, total=100, eta=12.0, elapsed=0.0)
    >>> state.count(Step("index", 100, 100, 20.0)); state("Loading the embedding model…"); state.view().stage
    'loading'
    """

    def __init__(self, forward: Progress, *, clock: Callable[[], float] = time.monotonic):
        self._forward = forward
        self._count: Callable[[Step], None] = forward.count if isinstance(forward, Counting) else TenthLines(forward)
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._step: Step | None = None
        self._heard = False
        self._cancelled = False

    def cancel(self) -> None:
        """From now on every report raises :class:`StartupCancelled` (in the reporting thread)."""
        with self._lock:
            self._cancelled = True

    def _heard_from(self, step: Step | None = None) -> None:
        with self._lock:
            if self._cancelled:
                raise StartupCancelled()
            self._heard = True
            if step is not None:
                self._step = step

    def __call__(self, message: str) -> None:
        self._heard_from()
        self._forward(message)

    def count(self, step: Step) -> None:
        self._heard_from(step)
        self._count(step)

    def view(self) -> StartupView:
        with self._lock:
            step, heard = self._step, self._heard
        elapsed = self._clock() - self._started
        if step is None or step.finished:
            return StartupView(LOADING if heard else STARTING, elapsed=elapsed)
        return StartupView(step.stage, step.done, step.total, step.eta, elapsed)


__all__ = ["LOADING", "STARTING", "StartupCancelled", "StartupState", "StartupView"]

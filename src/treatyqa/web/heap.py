"""Give the C heap's free pages back to the system now and then, while the chat serves.

Gradio copies the page config for every browser session and forgets the oldest beyond a cap;
those blocks are freed between blocks that live on, so glibc keeps the pages and the process
grows under steady traffic although what it holds does not (an 8.5-minute soak: 290 MB in
use in the main arena throughout, its free space 76 → 116 MB). ``malloc_trim`` returns whole
free pages from anywhere in the heap; it takes 5–20 ms here, once a minute. Other C libraries
(musl, macOS, Windows) have no such call: there the trimmer does nothing.

>>> trimmer = HeapTrimmer(every_s=3600)
>>> trimmer.start() == trimmer.available
True
>>> trimmer.stop()
>>> HeapTrimmer(every_s=0)
Traceback (most recent call last):
...
ValueError: every_s must be a positive number of seconds, not 0
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Callable
from functools import lru_cache

logger = logging.getLogger(__name__)

TRIM_EVERY_S = 60.0


@lru_cache(maxsize=1)
def malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


class HeapTrimmer:
    """A daemon thread that calls ``malloc_trim(0)`` every ``every_s`` seconds until stopped."""

    def __init__(self, every_s: float = TRIM_EVERY_S):
        if not isinstance(every_s, int | float) or isinstance(every_s, bool) or every_s <= 0:
            raise ValueError(f"every_s must be a positive number of seconds, not {every_s!r}")
        self.every_s = float(every_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return malloc_trim() is not None

    def trim_once(self) -> bool:
        """Trim now; True when some memory went back to the system."""
        trim = malloc_trim()
        return bool(trim(0)) if trim is not None else False

    def start(self) -> bool:
        """Start the thread (once); False where there is nothing to call."""
        if not self.available:
            logger.debug("no malloc_trim in this C library: the heap is not trimmed")
            return False
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="treatyqa-heap-trim", daemon=True)
            self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.trim_once()

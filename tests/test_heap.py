"""The heap trimmer on this process's real glibc heap: freed pages between live blocks go back."""

import threading
import time
from pathlib import Path

import pytest

from treatyqa.web.heap import HeapTrimmer, malloc_trim

pytestmark = pytest.mark.skipif(malloc_trim() is None, reason="no malloc_trim in this C library")


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def fragment(megabytes: int = 100) -> list[bytes]:
    """Fill the heap with 1 kB blocks (above pymalloc's 512 B, so glibc's), then free all but
    every 64th and the last: the free pages lie between live blocks, where glibc keeps them."""
    blocks = [bytes(1000) for _ in range(megabytes * 1000)]
    kept = blocks[::64] + blocks[-1:]
    del blocks
    return kept


def test_trim_once_gives_the_freed_pages_back():
    trimmer = HeapTrimmer()
    kept = fragment()
    before = rss_kb()
    trimmer.trim_once()
    assert before - rss_kb() > 40_000, "malloc_trim returned less than 40 of the ~100 MB freed"
    assert len(kept) > 1000


def test_the_thread_trims_on_its_own_and_stops():
    trimmer = HeapTrimmer(every_s=0.05)
    kept = fragment()
    before = rss_kb()
    assert trimmer.start()
    try:
        deadline = time.monotonic() + 10
        while before - rss_kb() < 40_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert before - rss_kb() >= 40_000
        assert "treatyqa-heap-trim" in {t.name for t in threading.enumerate()}
    finally:
        trimmer.stop()
    assert "treatyqa-heap-trim" not in {t.name for t in threading.enumerate()}
    assert len(kept) > 1000


@pytest.mark.parametrize("every_s", [0, -1, "60", True, None])
def test_the_period_must_be_positive_seconds(every_s):
    with pytest.raises(ValueError, match="every_s must be a positive number of seconds"):
        HeapTrimmer(every_s=every_s)

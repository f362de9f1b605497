"""Feedback on a full disk: a real 64 kB tmpfs when the tests may mount one, and a short
``os.write`` at the OS boundary (the one fault a tmpfs cannot be made to produce on demand)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import pytest

from treatyqa.web.feedback import FeedbackNotSaved, FeedbackStore

RESULT = {
    "question": "Кто несет расходы?",
    "language": "ru",
    "abstained": False,
    "hits": [{"article": 11, "paragraph": None, "item": None, "citation": "Статья 11"}],
}


@pytest.fixture()
def small_disk(tmp_path: Path):
    """A 64 kB tmpfs (root only); skipped where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\n")


def test_full_disk_leaves_only_whole_records_and_says_so(small_disk: Path):
    store = FeedbackStore(small_disk / "feedback.jsonl")
    long_question = dict(RESULT, question="Кто несет расходы? " * 40)
    saved = 0
    with pytest.raises(FeedbackNotSaved) as failure:
        for _ in range(10_000):
            store.record("helpful", long_question, ui_language="ru")
            saved += 1
    assert saved > 10  # the disk held some records before it filled
    assert "нет места" in failure.value.message("ru")
    assert "орын жоқ" in failure.value.message("kk")
    lines = _lines(small_disk / "feedback.jsonl")
    assert lines[-1] == ""  # the file ends with a whole line
    assert [json.loads(x)["verdict"] for x in lines[:-1]] == ["helpful"] * saved
    assert len(store.read()) == saved

    # space comes back: the next record is whole and stands alone
    os.truncate(small_disk / "feedback.jsonl", 0)
    store.record("wrong_citation", RESULT, ui_language="kk")
    assert [r["verdict"] for r in store.read()] == ["wrong_citation"]


def test_short_write_is_continued_not_ignored(tmp_path: Path, monkeypatch):
    """The OS writes 7 bytes at a time: the record still lands whole."""
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    store.record("helpful", RESULT, ui_language="ru")
    store.record("wrong_citation", RESULT, ui_language="ru")
    assert [r["verdict"] for r in store.read()] == ["helpful", "wrong_citation"]


def test_write_failing_midway_is_cut_back(tmp_path: Path, monkeypatch):
    """Half a record written, then ENOSPC: the file is exactly what it was before."""
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    store.record("helpful", RESULT, ui_language="ru")
    before = (tmp_path / "feedback.jsonl").read_bytes()
    real_write = os.write
    calls = []

    def half_then_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(FeedbackNotSaved):
        store.record("wrong_citation", RESULT, ui_language="kk")
    assert (tmp_path / "feedback.jsonl").read_bytes() == before


def test_reader_survives_a_broken_last_line_and_the_next_record_stands_alone(tmp_path: Path):
    path = tmp_path / "feedback.jsonl"
    store = FeedbackStore(path)
    store.record("helpful", RESULT)
    with path.open("ab") as f:  # what an old version or a crash left: half a record
        f.write(b'{"time": "2026-01-01", "verdict": "hel')
    assert [r["verdict"] for r in store.read()] == ["helpful"]
    store.record("wrong_citation", RESULT)
    assert [r["verdict"] for r in store.read()] == ["helpful", "wrong_citation"]
    assert path.read_bytes().endswith(b"\n")


def test_unwritable_folder_is_a_plain_message(tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    with pytest.raises(FeedbackNotSaved) as failure:
        FeedbackStore(folder / "feedback.jsonl").record("helpful", RESULT)
    assert "прав" in failure.value.message("ru")

"""Counted progress: lines at every tenth, a bar, the ETA (no model, no index)."""

from __future__ import annotations

import io
import re

from treatyqa.console import ConsoleProgress, wants_bar
from treatyqa.progress import Step, Steps, TenthLines, eta_seconds, format_seconds, progress_line, tenth
from treatyqa.web.startup import StartupState


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_eta_is_the_pace_so_far_and_none_before_the_first_unit():
    assert eta_seconds(0, 1542, 12.0) is None
    assert eta_seconds(771, 1542, 60.0) == 60.0
    assert eta_seconds(1542, 1542, 93.0) == 0.0
    assert eta_seconds(5, 0, 1.0) is None


def test_progress_line_names_counts_percent_elapsed_and_what_is_left():
    assert progress_line(Step("index", 428, 1542, 45.2)) == (
        "Building the index: 428 of 1542 documents (27 %), 45 s, about 1 min 58 s left"
    )
    assert progress_line(Step("model", 200, 200, 3.0)) == "Converting the embedding model: 200 of 200 tensors (100 %), 3 s"
    assert format_seconds(59.4) == "59 s" and format_seconds(61) == "1 min 01 s"


def test_lines_come_at_every_tenth_even_when_counts_jump_in_slices():
    said: list[str] = []
    lines = TenthLines(said.append)
    for done in [0, 32, 64, 96, 128, 160, 172, 300, 428, 556, 684, 812, 940, 1068, 1196, 1324, 1452, 1542]:
        lines(Step("index", done, 1542, float(done)))
    reached = [int(re.search(r"(\d+) of", line).group(1)) for line in said]
    assert reached == [160, 428, 556, 684, 812, 940, 1196, 1324, 1452, 1542]
    assert [tenth(d, 1542) for d in reached] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_steps_give_every_count_to_a_counting_callback_and_restart_the_clock():
    clock = Clock()
    state = StartupState(lambda message: None, clock=clock)
    steps = Steps(state, "index", 100, clock=clock)
    clock.now = 50.0  # the model's load: not part of the pace
    steps.start()
    clock.now = 60.0
    steps.advance(25)
    view = state.view()
    assert (view.stage, view.done, view.total, view.eta) == ("index", 25, 100, 30.0)
    steps.advance(1000)  # never past the total
    assert steps.done == 100 and state.view().stage == "loading"


def test_console_bar_draws_counts_and_keeps_messages_readable():
    stream, said = io.StringIO(), []
    console = ConsoleProgress(said.append, bar=True, stream=stream)
    steps = Steps(console, "index", 1542)
    steps.start()
    steps.advance(771)
    console("Writing the index…")
    steps.advance(771)
    console.close()
    drawn = stream.getvalue()
    assert "Building the index" in drawn and "1542/1542" in drawn
    assert said == ["Writing the index…"]
    assert wants_bar("auto", stream) is False  # not a terminal: lines

"""Training progress in a log file (CI, a service's log): a plain line per tenth of the run, no redrawn bars."""

from __future__ import annotations

import pytest

from training.tagger import steps_progress


def test_progress_in_a_log_is_one_plain_line_per_tenth(capsys: pytest.CaptureFixture[str]) -> None:
    with steps_progress(100, "train tagger", True) as step:
        for _ in range(100):
            step(0.25)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 10 and "\r" not in err
    assert lines[0].startswith("train tagger: 10/100 steps (10%), loss 0.250")
    assert lines[-1].startswith("train tagger: 100/100 steps (100%)")


def test_no_progress_when_it_is_off(capsys: pytest.CaptureFixture[str]) -> None:
    with steps_progress(10, "train tagger", False) as step:
        for _ in range(10):
            step(0.1)
    assert capsys.readouterr().err == ""

"""The side-by-side comparison runs the real pipeline once per extractor and scores it as the contract does."""

from __future__ import annotations

from pathlib import Path

from evaluation.compare_extractors import FIGURES, compare
from training.synth.writer import write_trade


def test_each_extractor_is_scored_on_the_same_cases(tmp_path: Path) -> None:
    write_trade("electrical", 3, 6, tmp_path / "set")
    got = compare(tmp_path / "set", tmp_path / "set" / "cases.jsonl", ("rules", "hybrid"))
    assert set(got) == {"rules", "hybrid"}
    for figures in got.values():
        assert set(figures) == set(FIGURES) and all(0.0 <= v <= 1.0 for v in figures.values())
    assert got["rules"]["line_f1"] > 0.5  # a real reading, not an empty one

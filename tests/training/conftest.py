"""A small real tagger, trained once per test session on synthetic lines (the same code path as production)."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.tagger import TrainConfig, TrainResult, train
from training.tagger_data import synthetic_lines


@pytest.fixture(scope="session")
def small_tagger(tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """MiniLM fine-tuned for a few hundred steps on three invented trades, scored on a fourth it never saw."""
    train_set = synthetic_lines(["electrical", "hardware", "fmcg"], 200, seed=5, ocr_rate=0.1, size_rate=0.25)
    heldout = synthetic_lines(["pharmacy"], 120, seed=6, ocr_rate=0.0)  # ~1,500 spans: 0.5 pt is 7 spans, not 2
    out: Path = tmp_path_factory.mktemp("tagger") / "model"
    return train(train_set, heldout, TrainConfig(epochs=4, batch_size=16, learning_rate=1.5e-4, seed=5), out, progress=False)

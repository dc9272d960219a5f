"""The pipeline's tag stage with the trained int8 tagger as the rules' second opinion (the default once built)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import lines_of, msg, write_trade

from models.tagger import TokenTagger
from ordex.pipeline import Engine
from ordex.settings import Settings
from training.tagger import TrainResult

pytestmark = pytest.mark.slow


def test_orders_read_by_the_tagger(tmp_path: Path, small_tagger: TrainResult) -> None:
    settings = Settings(data_dir=tmp_path / "var", extractor="hybrid", matcher="rules", tagger_path=small_tagger.model_dir)
    engine = Engine.open(settings, write_trade(tmp_path / "md"))
    assert isinstance(engine.tagger, TokenTagger)
    pred = engine.submit(msg("LED bulb 12W 5 box, copper wire 2.5 sqmm 3 roll", sender="+911110000002"))
    assert lines_of(pred) == [("E200", "LED-12W", 5, "BOX"), ("E200", "WIRE-2.5", 3, "ROLL")]
    from ordex.store.tables import MessageRow

    with engine.store.session() as s:
        row = s.get(MessageRow, pred["message_id"])
        assert row is not None and row.case_json is not None
        models = {t["stage"]: t["model"] for t in row.case_json["trace"]}
    assert models["tag"] == "minilm-tagger-int8"

"""The pipeline's tag stage with the trained int8 tagger: the default extractor once built, the rules before."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import lines_of, msg, write_trade

from models.tagger import TokenTagger
from ordex.pipeline import Engine
from ordex.settings import Settings
from training.tagger import TrainResult

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("extractor", ["auto", "tagger", "hybrid"])
def test_orders_read_by_the_tagger(tmp_path: Path, small_tagger: TrainResult, extractor: str) -> None:
    settings = Settings(data_dir=tmp_path / "var", extractor=extractor, matcher="rules", tagger_path=small_tagger.model_dir)
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


def test_without_a_tagger_model_the_default_reads_with_the_rules(tmp_path: Path) -> None:
    engine = Engine.open(Settings(data_dir=tmp_path / "var", matcher="rules"), write_trade(tmp_path / "md"))
    assert engine.settings.extractor == "auto" and engine.tagger is None
    pred = engine.submit(msg("LED bulb 12W 5 box", sender="+911110000002"))
    assert lines_of(pred) == [("E200", "LED-12W", 5, "BOX")]

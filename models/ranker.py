"""The learned SKU ranker: a gradient-boosted model over candidate features, with calibrated probabilities.

Pure given its artifact (``ranker.joblib``): features in, the probability that each candidate is the SKU out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

RANK_CANDIDATES = 12
FEATURES: tuple[str, ...] = (
    "score", "similarity_without_sizes", "alias_customer", "alias_global", "alias_other_customer", "wratio",
    "token_set_ratio", "partial_ratio", "sizes_agree", "sizes_conflict", "size_not_in_sku", "customer_bought_log",
    "popularity_log", "active", "margin", "rank", "near_ties", "mention_words", "alias_similarity",
)


class Ranker:
    """A fitted, calibrated classifier: P(candidate is the SKU the mention means)."""

    name = "sku-ranker"

    def __init__(self, model: Any, version: str = "local") -> None:
        self.model = model
        self.version = version

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Calibrated probability per candidate row (one OpenMP thread: a dozen rows gain nothing from more,
        and spinning threads up per line costs more than the prediction)."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            return np.asarray(self.model.predict_proba(rows)[:, 1])

    @classmethod
    def load(cls, path: Path, version: str = "local") -> Ranker:
        """Load a ranker saved by ``save`` (joblib: it is our own artifact, never a downloaded one)."""
        import joblib

        return cls(joblib.load(path), version)

    def save(self, path: Path) -> None:
        """Write the fitted model (a few hundred KB)."""
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.model, path, compress=3)

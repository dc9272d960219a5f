"""``POST /v1/retrain`` and ``ordex train … --corrections``: retrain models from what people corrected.

Each model is retrained, logged to MLflow and promoted only if not worse on the same held-out data; the
answer says so per model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ordex.settings import Settings
from ordex.store import Store

MODELS = ("matcher", "tagger")


@dataclass(frozen=True)
class RunReport:
    """One retrained model, as the contract's answer lists it."""

    model: str
    run_id: str
    metrics: dict[str, float]
    promoted: bool
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"model": self.model, "run_id": self.run_id, "metrics": self.metrics, "promoted": self.promoted,
                "reason": self.reason}


def retrain(settings: Settings, store: Store, models: list[str]) -> list[RunReport]:
    """Retrain each named model from the store's corrections (and, for the matcher, its history)."""
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise ValueError(f"models must be a non-empty list of {', '.join(MODELS)}; got {models!r}")
    out = []
    for name in models:
        if name == "tagger":
            out.append(_tagger(settings, store))
        else:
            out.append(_matcher(settings, store))
    return out


def _tagger(settings: Settings, store: Store) -> RunReport:
    from training.corrections import correction_lines
    from training.train_tagger import train_tagger

    lines = correction_lines(store)
    if not lines:
        return RunReport("tagger", "", {}, False, "no corrections in the store yet: nothing to learn from")
    result, logged = train_tagger(settings, per_trade=settings.retrain_examples, epochs=settings.retrain_epochs,
                                  corrections=lines, progress=False)
    return RunReport("tagger", logged.run_id, logged.metrics, logged.promoted, logged.reason)


def _matcher(settings: Settings, store: Store) -> RunReport:
    from training.train_matcher import train_matcher

    logged = train_matcher(settings, store)
    return RunReport("matcher", logged.run_id, logged.metrics, logged.promoted, logged.reason)

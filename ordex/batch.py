"""Batch prediction: every case of a cases file through the one pipeline, against a fresh store (the contract's
``ordex predict``, also what evaluation and the benchmarks run)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from ordex.aliases import MatcherFactory, build_matcher
from ordex.intake.types import OcrFn
from ordex.messages import message_from_case
from ordex.pipeline import Engine
from ordex.prediction import Prediction
from ordex.settings import Settings

T = TypeVar("T")
Track = Callable[[Iterable[T]], Iterable[T]]


class CasesError(ValueError):
    """A cases file that cannot be read; the message names the file and the line."""


def read_cases(path: Path) -> list[dict[str, Any]]:
    """The labelled (or unlabelled) cases of a JSON Lines file, in ``received_at`` order."""
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as e:
            raise CasesError(f"{path}, line {n}, column {e.colno}: invalid JSON ({e.msg})") from None
        if not isinstance(case, dict):
            raise CasesError(f"{path}, line {n}: a case is a JSON object, got {type(case).__name__}")
        cases.append(case)
    cases.sort(key=lambda c: _when(c.get("received_at")))
    return cases


def predict_cases(settings: Settings, master_data: Path, cases_path: Path,
                  track: Callable[[list[dict[str, Any]]], Iterable[dict[str, Any]]] = iter,
                  ocr: OcrFn | None = None, make_matcher: MatcherFactory = build_matcher) -> list[Prediction]:
    """Every case through the pipeline, in ``received_at`` order, against a fresh store loaded from
    ``master_data`` (unless ``settings`` names a store); models and MLflow stay where the settings say. ``ocr`` and
    ``make_matcher`` replace the OCR engine and the matcher (a baseline's, in an evaluation)."""
    cases = read_cases(cases_path)
    with tempfile.TemporaryDirectory(prefix="ordex-predict-") as tmp:
        if not settings.database_url:
            settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(tmp) / 'predict.db'}"})
        engine = Engine.open(settings, master_data, ocr, make_matcher)
        try:
            if any(c.get("attachments") or c.get("raw") for c in cases):
                engine.warm_up()  # model loading counts toward the run, not toward a case's latency
            return [engine.submit(message_from_case(case, cases_path.parent)).prediction() for case in track(cases)]
        finally:
            engine.store.engine.dispose()


def write_predictions(predictions: Iterable[Prediction], out: Path) -> int:
    """The predictions as JSON Lines (the contract's section 3, each with its stage trace); how many."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for p in predictions:
            f.write(json.dumps(p.model_dump(mode="json"), ensure_ascii=False) + "\n")
            n += 1
    return n


def _when(value: object) -> datetime:
    if not isinstance(value, str) or not value:
        return datetime.max.replace(tzinfo=UTC)
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)
    return t if t.tzinfo else t.replace(tzinfo=UTC)

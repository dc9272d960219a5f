"""MLflow for every training run: params, metrics and artifacts, a registered model and its ``champion`` alias.

The tracking store is SQLite under the data folder by default (any URI by setting); artifacts go beside it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ordex.settings import Settings

log = logging.getLogger("ordex.tracking")


@dataclass(frozen=True)
class LoggedModel:
    """A training run logged to MLflow and the model version it registered."""

    run_id: str
    version: str
    promoted: bool
    reason: str
    metrics: dict[str, float]


def _mlflow(settings: Settings) -> Any:
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    import mlflow

    uri = settings.tracking_uri()
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    return mlflow


def _experiment(mlflow: Any, settings: Settings, name: str) -> str:
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    where = (settings.data_dir / "mlartifacts").resolve()
    where.mkdir(parents=True, exist_ok=True)
    return str(mlflow.create_experiment(name, artifact_location=where.as_uri()))


def champion(settings: Settings, model: str) -> tuple[str, dict[str, float], str] | None:
    """The champion's (version, metrics of its run, artifact source), or None when there is none."""
    mlflow = _mlflow(settings)
    client = mlflow.MlflowClient()
    try:
        v = client.get_model_version_by_alias(model, "champion")
    except mlflow.exceptions.MlflowException:
        return None
    metrics = client.get_run(v.run_id).data.metrics if v.run_id else {}
    return str(v.version), dict(metrics), str(v.source)


def log_and_register(settings: Settings, model: str, params: Mapping[str, Any], metrics: Mapping[str, float],
                     artifacts: Path, gate: str, tags: Mapping[str, str] | None = None) -> LoggedModel:
    """Log a run with its artifacts, register a new version, and move ``champion`` only if not worse on ``gate``."""
    mlflow = _mlflow(settings)
    exp = _experiment(mlflow, settings, model)
    previous = champion(settings, model)
    with mlflow.start_run(experiment_id=exp) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics(dict(metrics))
        mlflow.set_tags({"model": model, **(tags or {})})
        mlflow.log_artifacts(str(artifacts), artifact_path=model)
    client = mlflow.MlflowClient()
    try:
        client.create_registered_model(model)
    except mlflow.exceptions.MlflowException:
        pass  # already registered
    mv = client.create_model_version(model, source=f"{run.info.artifact_uri}/{model}", run_id=run.info.run_id)
    new = float(metrics.get(gate, 0.0))
    old = previous[1].get(gate) if previous else None
    if old is None or new >= float(old):
        client.set_registered_model_alias(model, "champion", mv.version)
        reason = f"{gate} {new:.4f} >= champion's {old:.4f}" if old is not None else "first model: champion"
        promoted = True
    else:
        reason = f"{gate} {new:.4f} < champion v{previous[0]}'s {float(old):.4f}: champion kept" if previous else ""
        promoted = False
    client.set_model_version_tag(model, mv.version, "promoted", str(promoted).lower())
    log.info("%s v%s: %s", model, mv.version, reason)
    return LoggedModel(run.info.run_id, str(mv.version), promoted, reason, dict(metrics))

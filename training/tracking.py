"""MLflow for every training run: params, metrics and artifacts, the model as a pyfunc (``training.pyfunc``), a
registered model and its ``champion`` alias.

The tracking store is SQLite under the data folder by default (any URI by setting); artifacts go beside it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.artifacts import champion, mlflow_at, verified_champion, write_checksums
from ordex.settings import Settings
from training.pyfunc import log_pyfunc

log = logging.getLogger("ordex.tracking")


@dataclass(frozen=True)
class LoggedModel:
    """A training run logged to MLflow and the model version it registered."""

    run_id: str
    version: str
    promoted: bool
    reason: str
    metrics: dict[str, float]
    pyfunc: str = ""  # the model as an MLflow pyfunc (``mlflow.pyfunc.load_model(pyfunc)``)


def run_name(*parts: str) -> str:
    """A run name that says what ran and is never used twice: the parts, the time, eight random hex digits."""
    import secrets
    import time

    return " · ".join([*(p for p in parts if p), f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"])


def _mlflow(settings: Settings) -> Any:
    return mlflow_at(settings.tracking_uri())


def _experiment(mlflow: Any, settings: Settings, name: str) -> str:
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    where = (settings.data_dir / "mlartifacts").resolve()
    where.mkdir(parents=True, exist_ok=True)
    return str(mlflow.create_experiment(name, artifact_location=where.as_uri()))


def log_and_register(settings: Settings, model: str, params: Mapping[str, Any], metrics: Mapping[str, float],
                     artifacts: Path, gate: str, tags: Mapping[str, str] | None = None,
                     baseline: float | None = None) -> LoggedModel:
    """Log a run with its artifacts, register a new version, and move ``champion`` only if not worse on ``gate``
    (the champion's figure re-measured on the same data when ``baseline`` is given, else the one logged with it)."""
    mlflow = _mlflow(settings)
    exp = _experiment(mlflow, settings, model)
    previous = champion(settings.tracking_uri(), model)
    if previous is not None and verified_champion(settings.model_source(), model) is None:
        log.warning("%s v%s: its files fail their checksums (or have none): the new model replaces it", model,
                    previous.version)
        previous = None
    sums = write_checksums(artifacts)  # checked whenever the model is loaded (models.artifacts)
    with mlflow.start_run(experiment_id=exp) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics(dict(metrics))
        mlflow.set_tags({"model": model, **{f"sha256.{k}": v for k, v in sums.items()}, **(tags or {})})
        mlflow.log_artifacts(str(artifacts), artifact_path=model)
        pyfunc = log_pyfunc(model, artifacts)
        if pyfunc:
            mlflow.set_tag("pyfunc", pyfunc)
    client = mlflow.MlflowClient()
    try:
        client.create_registered_model(model)
    except mlflow.exceptions.MlflowException:
        pass  # already registered
    mv = client.create_model_version(model, source=f"{run.info.artifact_uri}/{model}", run_id=run.info.run_id)
    new = float(metrics.get(gate, 0.0))
    old = (baseline if baseline is not None else previous.metrics.get(gate)) if previous else None
    if old is None or new >= float(old):
        client.set_registered_model_alias(model, "champion", mv.version)
        reason = f"{gate} {new:.4f} >= champion's {old:.4f}" if old is not None else "first model: champion"
        promoted = True
    else:
        reason = f"{gate} {new:.4f} < champion v{previous.version}'s {float(old):.4f}: champion kept" if previous else ""
        promoted = False
    client.set_model_version_tag(model, mv.version, "promoted", str(promoted).lower())
    if pyfunc:
        client.set_model_version_tag(model, mv.version, "pyfunc", pyfunc)
    log.info("%s v%s: %s", model, mv.version, reason)
    return LoggedModel(run.info.run_id, str(mv.version), promoted, reason, dict(metrics), pyfunc or "")

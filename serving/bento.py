"""The Bento with its models: the MLflow champions put in BentoML's model store, the Bento built from the
bentofile with exactly those model versions, and, at run time, the service reading the models of the Bento it
was loaded from (so a container never falls back to the rules because it has no MLflow).

A stored model keeps the champion's folder as ``v<registry version>/`` (with ``checksums.json``), so the files
are checked and the trace names the same version as on a developer's machine.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from models.artifacts import (
    RANKER,
    RANKER_FILE,
    TAGGER,
    ArtifactMissing,
    FoundModel,
    champion,
    verified_champion,
)
from ordex.settings import Settings

log = logging.getLogger("serving.bento")

ROOT = Path(__file__).resolve().parents[1]
BENTOFILE = ROOT / "bentofile.yaml"
PATH_SETTING = {TAGGER: "tagger_path", RANKER: "ranker_path"}


class BentoWithoutModels(RuntimeError):
    """The service was loaded from a Bento that carries no tagger: it was built without ``ordex bento build``."""


@dataclass(frozen=True)
class StoredModel:
    """A champion as a model of BentoML's store: its tag, and whether this call created it."""

    tag: str
    version: str
    created: bool


def store_model(found: FoundModel, run_id: str | None, metrics: dict[str, float]) -> StoredModel:
    """Put a champion's files in BentoML's model store, labelled with its registry version, MLflow run and
    sha256s; an already stored model with the same sha256s is reused (building twice adds nothing)."""
    import bentoml

    for existing in bentoml.models.list():
        if existing.tag.name != found.name:
            continue
        if existing.info.metadata.get("sha256") == found.sha256:
            return StoredModel(str(existing.tag), found.version, created=False)
    folder = found.path if found.name == TAGGER else found.path.parent
    labels = {"registry_version": found.version, "mlflow_run_id": run_id or "", "source": "mlflow-champion"}
    metadata = {"registry_version": found.version, "mlflow_run_id": run_id or "", "sha256": found.sha256,
                "metrics": {k: float(v) for k, v in sorted(metrics.items())}}
    with bentoml.models.create(found.name, labels=labels, metadata=metadata) as model:
        shutil.copytree(folder, Path(model.path) / f"v{found.version}")
    return StoredModel(str(model.tag), found.version, created=True)


def store_champions(settings: Settings) -> list[StoredModel]:
    """The tagger's (required) and the ranker's (when trained) champions, verified, in BentoML's model store."""
    src = settings.model_source()
    out = []
    for name in (TAGGER, RANKER):
        found = verified_champion(src, name)
        if found is None:
            if name == TAGGER:
                raise ArtifactMissing(f"no verified `{TAGGER}` champion in MLflow ({src.tracking_uri}): run "
                                      "`make models` (or `ordex train tagger`) before building the Bento")
            continue
        meta = champion(src.tracking_uri, name)
        out.append(store_model(found, meta.run_id if meta else None, meta.metrics if meta else {}))
    return out


def build(settings: Settings, bentofile: Path = BENTOFILE, version: str | None = None) -> tuple[Any, list[StoredModel]]:
    """Store the champions, then build the Bento from the bentofile with exactly those models."""
    import bentoml

    stored = store_champions(settings)
    config: dict[str, Any] = yaml.safe_load(bentofile.read_text(encoding="utf-8"))
    config["models"] = [m.tag for m in stored]
    with tempfile.TemporaryDirectory() as tmp:  # the bentofile with the models; paths in it stay the repo's
        with_models = Path(tmp) / "bentofile.yaml"
        with_models.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        bento = bentoml.bentos.build_bentofile(str(with_models), build_ctx=str(bentofile.parent), version=version)
    return bento, stored


def bento_model_paths(bento: Any | None) -> dict[str, Path]:
    """The settings (``tagger_path``, ``ranker_path``) that point at the models of the Bento the service was
    loaded from; nothing when it was not loaded from a Bento (``ordex serve`` finds the MLflow champions)."""
    if bento is None:
        return {}
    import bentoml

    out: dict[str, Path] = {}
    for info in bento.info.all_models:
        if info.tag.name not in PATH_SETTING:
            continue
        model = bentoml.models.get(info.tag)
        folder = Path(model.path) / f"v{str(model.info.metadata['registry_version'])}"
        out[PATH_SETTING[info.tag.name]] = folder if info.tag.name == TAGGER else folder / RANKER_FILE
        log.info("model %s from the Bento: %s", info.tag, folder)
    if "tagger_path" not in out:
        raise BentoWithoutModels(f"the Bento {bento.tag} carries no {TAGGER} model: build it with `ordex bento "
                                 "build` (or `make bento`), which puts the champions in it")
    return out

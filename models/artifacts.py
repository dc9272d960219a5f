"""Where model files are found: an explicit folder, else the MLflow registry's champion (cached locally).

Every failure names what is missing and the command that builds it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from models.tagger import FILES as TAGGER_FILES


class ArtifactMissing(FileNotFoundError):
    """A model the pipeline needs has not been built (or cannot be read)."""


def check_folder(path: Path, files: tuple[str, ...], build: str) -> Path:
    """The folder if it holds every file, else ArtifactMissing naming the missing files and the build command."""
    missing = [f for f in files if not (path / f).is_file()]
    if missing:
        raise ArtifactMissing(f"{path} lacks {', '.join(missing)}: build it with `{build}`")
    return path


def resolve_tagger(explicit: Path | None, cache: Path, champion_source: str | None, version: str | None) -> Path:
    """The tagger's folder: an explicit path, else the champion's artifacts copied into ``cache/<version>``."""
    build = "ordex train tagger"
    if explicit is not None:
        return check_folder(explicit, TAGGER_FILES, build)
    if champion_source is None or version is None:
        raise ArtifactMissing(f"no tagger model: no `ordex-tagger` champion in MLflow; build it with `{build}`")
    target = cache / f"v{version}"
    if not all((target / f).is_file() for f in TAGGER_FILES):
        import mlflow

        tmp = cache / f".v{version}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        got = Path(mlflow.artifacts.download_artifacts(artifact_uri=champion_source, dst_path=str(tmp)))
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        got.rename(target)
        shutil.rmtree(tmp, ignore_errors=True)
    return check_folder(target, TAGGER_FILES, build)


def resolve_matcher(cache: Path, champion_source: str | None, version: str | None) -> Path | None:
    """The ranker file of the ``ordex-matcher`` champion (cached locally), or None when none was trained."""
    if champion_source is None or version is None:
        return None
    target = cache / f"v{version}" / "ranker.joblib"
    if not target.is_file():
        import mlflow

        got = Path(mlflow.artifacts.download_artifacts(artifact_uri=champion_source, dst_path=str(cache / f".v{version}")))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(got / "ranker.joblib", target)
        shutil.rmtree(cache / f".v{version}", ignore_errors=True)
    return target

"""Every model file ordex loads is found here: the MLflow registry's champion (copied once into a local cache),
an explicit path, the files a server pins for its workers, and the OCR models the rapidocr wheel ships.

Each model folder carries ``checksums.json`` (a sha256 per file, written when the model is built); a file that
is missing or does not match fails with an error naming the file and the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # the runtime classes are imported where a model is loaded, not to find one
    from models.ranker import Ranker
    from models.tagger import TokenTagger

log = logging.getLogger("ordex.artifacts")

CHECKSUMS = "checksums.json"
TAGGER = "ordex-tagger"
RANKER = "ordex-matcher"
TAGGER_FILES = ("model.onnx", "tokenizer.json", "labels.json")
RANKER_FILE = "ranker.joblib"
BUILD = {TAGGER: "ordex train tagger", RANKER: "ordex train matcher"}


class ArtifactMissing(FileNotFoundError):
    """A model the pipeline needs has not been built, or its files are not the ones that were built."""


class ModelSource(BaseModel):
    """Where models are looked for: the MLflow registry, a local cache of its champions, explicit paths."""

    model_config = ConfigDict(frozen=True)

    tracking_uri: str = Field(description="MLflow tracking URI whose registry holds the champions")
    cache_dir: Path = Field(description="Local folder the champions' files are copied into, once per version")
    tagger_path: Path | None = Field(default=None, description="A tagger folder set by the user: used instead of the champion")
    ranker_path: Path | None = Field(default=None, description="A ranker file set by the user: used instead of the champion")
    pinned_tagger: Path | None = Field(default=None, description="The champion's folder a server resolved for its workers")
    pinned_ranker: Path | None = Field(default=None, description="The champion's file a server resolved for its workers")


@dataclass(frozen=True)
class Champion:
    """A registered model version carrying the ``champion`` alias, with its run's metrics."""

    name: str
    version: str
    run_id: str | None
    source: str
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FoundModel:
    """A model's files on local disk, checked against their checksums, and the version they are."""

    name: str
    version: str
    path: Path
    sha256: dict[str, str] = field(default_factory=dict)


# -- checksums -------------------------------------------------------------------------------------------
def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checksums(folder: Path) -> dict[str, str]:
    """Record the sha256 of every file in a model folder (``checksums.json``), as it is built."""
    sums = {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != CHECKSUMS}
    (folder / CHECKSUMS).write_text(json.dumps(sums, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return sums


def verify(folder: Path, files: tuple[str, ...], name: str) -> dict[str, str]:
    """The folder's checksums when each of ``files`` is there and matches what was recorded at build time."""
    build = BUILD.get(name, "ordex train")
    missing = [f for f in (*files, CHECKSUMS) if not (folder / f).is_file()]
    if missing:
        raise ArtifactMissing(f"{folder} lacks {', '.join(missing)}: rebuild it with `{build}`")
    sums: dict[str, str] = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))
    for f in files:
        if sums.get(f) != sha256_of(folder / f):
            raise ArtifactMissing(f"{folder / f} does not match its sha256 in {CHECKSUMS} (changed or damaged since "
                                  f"it was built): rebuild it with `{build}`")
    return {f: sums[f] for f in files}


# -- the registry ----------------------------------------------------------------------------------------
def mlflow_at(tracking_uri: str) -> Any:
    """MLflow, quiet, pointed at the tracking URI (a SQLite store's folder made if needed)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    import mlflow

    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    return mlflow


def champion(tracking_uri: str, name: str) -> Champion | None:
    """The registered model version with the ``champion`` alias, or None when there is none."""
    mlflow = mlflow_at(tracking_uri)
    client = mlflow.MlflowClient()
    try:
        v = client.get_model_version_by_alias(name, "champion")
    except mlflow.exceptions.MlflowException:
        return None
    metrics = client.get_run(v.run_id).data.metrics if v.run_id else {}
    return Champion(name, str(v.version), v.run_id, str(v.source), dict(metrics))


def _cached(src: ModelSource, found: Champion, files: tuple[str, ...]) -> Path:
    """The champion's files copied into ``cache_dir/<name>/v<version>`` (downloaded once)."""
    target = src.cache_dir / found.name / f"v{found.version}"
    if not all((target / f).is_file() for f in (*files, CHECKSUMS)):
        mlflow = mlflow_at(src.tracking_uri)
        tmp = target.parent / f".v{found.version}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        got = Path(mlflow.artifacts.download_artifacts(artifact_uri=found.source, dst_path=str(tmp)))
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        got.rename(target)
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def find_tagger(src: ModelSource) -> FoundModel:
    """The tagger's folder: the user's path, else the pinned one, else the ``ordex-tagger`` champion's."""
    folder = src.tagger_path or src.pinned_tagger
    if folder is not None:
        return FoundModel(TAGGER, _version_of(folder), folder, verify(folder, TAGGER_FILES, TAGGER))
    found = champion(src.tracking_uri, TAGGER)
    if found is None:
        raise ArtifactMissing(f"no tagger model: no `{TAGGER}` champion in MLflow; build it with `{BUILD[TAGGER]}`")
    folder = _cached(src, found, TAGGER_FILES)
    return FoundModel(TAGGER, found.version, folder, verify(folder, TAGGER_FILES, TAGGER))


def find_ranker(src: ModelSource) -> FoundModel | None:
    """The ranker's file: the user's path, else the pinned one, else the ``ordex-matcher`` champion's; None when
    no ranker was ever trained."""
    path = src.ranker_path or src.pinned_ranker
    if path is not None:
        return FoundModel(RANKER, _version_of(path.parent), path, verify(path.parent, (path.name,), RANKER))
    found = champion(src.tracking_uri, RANKER)
    if found is None:
        return None
    folder = _cached(src, found, (RANKER_FILE,))
    return FoundModel(RANKER, found.version, folder / RANKER_FILE, verify(folder, (RANKER_FILE,), RANKER))


def verified_champion(src: ModelSource, name: str) -> FoundModel | None:
    """The champion's files when there is a champion and they match their checksums (the user's and pinned
    paths ignored); None when it must be (re)built (the reason logged)."""
    src = src.model_copy(update={"tagger_path": None, "ranker_path": None, "pinned_tagger": None, "pinned_ranker": None})
    try:
        return find_tagger(src) if name == TAGGER else find_ranker(src)
    except ArtifactMissing as e:
        log.warning("%s: %s", name, e)
        return None


def _version_of(folder: Path) -> str:
    """A cached champion's version from its folder name (``v5`` -> ``5``); ``local`` for any other folder."""
    name = folder.name
    return name[1:] if name.startswith("v") and name[1:].isdigit() else "local"


def pin(src: ModelSource, tagger: bool = True, ranker: bool = True) -> ModelSource:
    """The source with the champions' local files resolved once, so a server's workers load them without
    MLflow (its import alone costs each worker about 100 MB). ``unpin`` forgets them after a promotion."""
    update: dict[str, object] = {}
    if tagger and src.tagger_path is None:
        try:
            update["pinned_tagger"] = find_tagger(src).path
        except ArtifactMissing:
            pass  # the rule extractor then reads, as the pipeline's settings allow (logged when loaded)
    if ranker and src.ranker_path is None:
        found = find_ranker(src)
        if found is not None:
            update["pinned_ranker"] = found.path
    return src.model_copy(update=update)


def unpin(src: ModelSource) -> ModelSource:
    """The source with the pinned champions forgotten (the user's own paths kept): looked up again."""
    return src.model_copy(update={"pinned_tagger": None, "pinned_ranker": None})


# -- loading ---------------------------------------------------------------------------------------------
def load_tagger(src: ModelSource, threads: int = 1, required: bool = False) -> TokenTagger | None:
    """The token classifier, or None (logged) when none is built and it is not ``required``."""
    from models.tagger import TokenTagger

    try:
        found = find_tagger(src)
    except ArtifactMissing:
        if required:
            raise
        log.warning("no tagger model found: extracting order lines with the rules (build one: ordex train tagger)")
        return None
    tagger = TokenTagger(found.path, threads=threads)
    tagger.version = found.version
    return tagger


def load_ranker(src: ModelSource, required: bool = False) -> Ranker | None:
    """The learned SKU ranker, or None (logged) when none is trained and it is not ``required``."""
    from models.ranker import Ranker

    found = find_ranker(src)
    if found is None:
        if required:
            raise ArtifactMissing(f"no `{RANKER}` champion in MLflow: build it with `{BUILD[RANKER]}`")
        log.warning("no SKU ranker found: matching with hand-set scores (build one: ordex train matcher)")
        return None
    return Ranker.load(found.path, version=found.version)


# -- OCR ---------------------------------------------------------------------------------------------------
OCR_VERSIONS = ("PP-OCRv6", "PP-OCRv5")  # preferred first


@dataclass(frozen=True)
class OcrModels:
    """The PP-OCR detection, direction-classification and recognition model files, and their version."""

    det: Path
    cls: Path
    rec: Path
    version: str


def bundled_ocr_dir() -> Path:
    """The folder of ONNX models the rapidocr wheel ships."""
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


def find_ocr_models(model_dir: Path | None = None) -> OcrModels:
    """The newest PP-OCR det and rec models (and the classifier) in ``model_dir`` (default: the wheel's), each
    checked against the sha256 rapidocr records for it when it records one."""
    model_dir = model_dir or bundled_ocr_dir()
    cls = sorted(model_dir.glob("*cls*.onnx"))
    for version in OCR_VERSIONS:
        det = sorted(model_dir.glob(f"{version}_det_*.onnx"))
        rec = sorted(model_dir.glob(f"{version}_rec_*.onnx"))
        if det and rec and cls:
            found = OcrModels(det=det[0], cls=cls[0], rec=rec[0], version=version)
            _check_ocr(found)
            return found
    raise ArtifactMissing(
        f"no PP-OCR det/rec/cls ONNX models ({' or '.join(OCR_VERSIONS)}) in {model_dir}; "
        "reinstall the rapidocr wheel (pip install --force-reinstall rapidocr), which ships them"
    )


def _check_ocr(models: OcrModels) -> None:
    """Each OCR file against the sha256 in rapidocr's own model list (``default_models.yaml``), where listed."""
    known = _rapidocr_sums()
    for path in (models.det, models.cls, models.rec):
        want = known.get(path.name)
        if want and sha256_of(path) != want:
            raise ArtifactMissing(f"{path} does not match rapidocr's sha256 for it: reinstall the rapidocr wheel "
                                  "(pip install --force-reinstall rapidocr)")


def _rapidocr_sums() -> dict[str, str]:
    """File name -> sha256 from the rapidocr wheel's model list, or {} when the wheel has none."""
    import yaml

    listing = bundled_ocr_dir().parent / "default_models.yaml"
    if not listing.is_file():
        return {}
    out: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            url, sha = node.get("model_dir"), node.get("SHA256")
            if isinstance(url, str) and isinstance(sha, str):
                out[url.rsplit("/", 1)[-1]] = sha
            for v in node.values():
                walk(v)

    walk(yaml.safe_load(listing.read_text(encoding="utf-8")))
    return out

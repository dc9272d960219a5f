"""The repository's shape: datasets/ stays data-only so it never shadows Hugging Face's `datasets`."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_datasets_is_not_a_package() -> None:
    assert not (ROOT / "datasets" / "__init__.py").exists()
    assert not list((ROOT / "datasets").rglob("*.py"))


def test_no_model_file_over_5_mb_is_tracked() -> None:
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    big = [f for f in files if (ROOT / f).is_file() and (ROOT / f).stat().st_size > 5 * 1024 * 1024]
    assert big == []


def test_every_module_of_the_core_has_a_layer() -> None:
    """A new module of ``ordex/`` must be placed in the layers contract, or import-linter would not check it."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["id"] == "layers")["layers"]
    named = {m.strip() for layer in layers for m in layer.replace(":", "|").split("|")}
    core = {f"ordex.{p.stem}" for p in (ROOT / "ordex").glob("*.py") if p.stem != "__init__"}
    core |= {f"ordex.{p.parent.name}" for p in (ROOT / "ordex").glob("*/__init__.py")}
    assert core - named == set()


def test_the_layers_contracts_hold() -> None:
    """import-linter's contracts (pyproject.toml): no module imports a higher layer, not even inside a function."""
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]

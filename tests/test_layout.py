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

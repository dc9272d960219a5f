"""``bentoml build`` on the repository's bentofile: the Bento carries every file the service reads at run time
(the lexicon, the templates, the migrations, the rules and the release gate), so a container built from it
starts as ``ordex serve`` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENTOML = Path(sys.executable).with_name("bentoml")
NEEDED = ("datasets/lexicon/units.csv", "datasets/lexicon/numbers.csv", "datasets/lexicon/CARD.md",
          "ordex/conversation/templates/en", "ordex/conversation/templates/hi", "ordex/migrations/versions",
          "rules/rules.yaml", "models/release_gate.json", "serving/templates/review",
          "serving/static", "serving/service.py")


@pytest.mark.slow
def test_the_bento_carries_what_the_service_reads_at_run_time(tmp_path: Path) -> None:
    env = {**os.environ, "BENTOML_HOME": str(tmp_path / "bentoml"), "BENTOML_DO_NOT_TRACK": "True"}
    done = subprocess.run([str(BENTOML), "build", str(ROOT)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    built = [p for p in (tmp_path / "bentoml" / "bentos" / "ordex").iterdir() if p.name != "latest"]
    assert len(built) == 1
    src = built[0] / "src"
    missing = [n for n in NEEDED if not (src / n).exists()]
    assert not missing, missing
    assert not any(src.glob("tests")) and not any(src.glob("var"))  # no tests, no local store or models
    assert "serving.service:Ordex" in (built[0] / "bento.yaml").read_text()

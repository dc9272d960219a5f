"""Leave one language out: the reduced lexicon lacks exactly that language's rows, and ordex reads with it when
``ORDEX_LEXICON_DIR`` points at it (the lexicon's version changes with it)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from evaluation.leave_one_language_out import reduced_lexicon
from models.units import LEXICON_DIR


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_reduced_lexicon_lacks_one_language_and_keeps_the_rest(tmp_path: Path) -> None:
    out = reduced_lexicon("mr", tmp_path / "lex")
    for name in ("units.csv", "numbers.csv"):
        full, reduced = rows(LEXICON_DIR, name), rows(out, name)
        marathi = {r["word"] for r in full if r["language"] == "mr"}
        assert marathi and not marathi & {r["word"] for r in reduced}  # not even spelled the same in Hindi
        assert [r for r in full if r["word"] not in marathi] == reduced
    assert (out / "CARD.md").is_file()


def test_ordex_reads_the_lexicon_the_environment_names(tmp_path: Path) -> None:
    out = reduced_lexicon("mr", tmp_path / "lex")
    probe = "from models.units import NUMBER_WORDS, VOCABULARY_VERSION; print('paach' in NUMBER_WORDS, VOCABULARY_VERSION)"
    env = {**os.environ, "ORDEX_LEXICON_DIR": str(out)}
    reduced = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    full = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert reduced.split()[0] == "False" and full.split()[0] == "True"
    assert reduced.split()[1] != full.split()[1]

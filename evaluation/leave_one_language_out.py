"""Leave one language out: the lexicon without one language's number and unit words, tested on the typed messages
of the strangers' dealers who write in it, with and without the words learned from the distributor's history.

    python -m evaluation.leave_one_language_out [--seed 3] [--cases 150] [--no-log]

What it shows is what learning recovers when the lexicon does not know a language. Each run is ``ordex predict``
in a child process (the lexicon is data read once at import; ``ORDEX_LEXICON_DIR`` points at the reduced copy,
``ORDEX_LEARN_WORDS`` switches learning). The tagger keeps its weights: it was trained with lexicon words of
every language, so this measures the lexicon and the learning, not a tagger that never saw the language.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track
from rich.table import Table

from evaluation.score import load_jsonl, score
from evaluation.strangers.vocab import NUMBER_WORDS, TRADES
from evaluation.strangers.write import write_strangers
from models.units import LEXICON_DIR
from training.tracking import run_name

FIGURES = ("line_f1", "auto_precision", "auto_cases", "exception_f1")


# The strangers' generator names its languages; the lexicon uses ISO 639-1 codes.
ISO = {"marathi": "mr", "gujarati": "gu", "tamil": "ta", "telugu": "te", "kannada": "kn", "bengali": "bn",
       "punjabi": "pa", "english": "en", "hindi": "hi"}


def reduced_lexicon(language: str | None, out: Path) -> Path:
    """A copy of the lexicon without ``language`` (an ISO code): every row of it, and every row of another
    language that spells one of its words ("ek" is Hindi, Marathi, Gujarati and Bengali), so that none of its
    words is known; the whole lexicon for None."""
    out.mkdir(parents=True, exist_ok=True)
    for f in LEXICON_DIR.iterdir():
        if f.suffix != ".csv":
            if f.is_file():
                (out / f.name).write_bytes(f.read_bytes())
            continue
        with f.open(encoding="utf-8", newline="") as src:
            reader = csv.DictReader(src)
            fields, rows = reader.fieldnames or [], list(reader)
        words = {r.get("word", "").strip().lower() for r in rows if r.get("language") == language}
        with (out / f.name).open("w", encoding="utf-8", newline="") as dst:
            w = csv.DictWriter(dst, fieldnames=fields)
            w.writeheader()
            w.writerows(r for r in rows if language is None or (r.get("language") != language
                                                                and r.get("word", "").strip().lower() not in words))
    return out


def predict(folder: Path, cases: Path, out: Path, lexicon: Path, learn: bool) -> list[dict[str, Any]]:
    """``ordex predict`` in a child process with this lexicon and learning on or off."""
    env = {**os.environ, "ORDEX_LEXICON_DIR": str(lexicon), "ORDEX_LEARN_WORDS": "true" if learn else "false"}
    subprocess.run([sys.executable, "-m", "ordex.cli", "predict", "--master-data", str(folder), "--cases", str(cases),
                    "--out", str(out)], env=env, check=True, capture_output=True)
    return load_jsonl(out)


TYPED = ("whatsapp", "sms", "email", "portal", "agent", "spreadsheet")  # photos and PDFs add OCR time, not words


def language_cases(folder: Path, customers: dict[str, str], language: str, out: Path) -> Path:
    """The typed cases of one folder whose gold orders are for dealers writing in ``language`` (written beside
    the folder's own cases file: attachments are found relative to it)."""
    rows = [c for c in load_jsonl(folder / "cases.jsonl") if c.get("channel") in TYPED
            and any(customers.get(o.get("customer_id") or "") == language for o in c["expected"]["orders"])]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return out


def run(seed: int, n: int, work: Path) -> dict[str, dict[str, Any]]:
    """{language: {"learning": figures, "lexicon only": figures, "full lexicon": figures}} over the three trades."""
    folders: dict[str, tuple[Path, dict[str, str]]] = {}
    for trade in TRADES:
        world = write_strangers(trade, seed, n, work / trade)
        folders[trade] = (work / trade, {d.customer_id: d.language for d in world.dealers})
    results: dict[str, dict[str, Any]] = {}
    languages = [lang for lang in NUMBER_WORDS if lang != "english"]
    full = reduced_lexicon(None, work / "lexicon-full")
    for lang in track(languages, description="leave one language out"):
        lex = reduced_lexicon(ISO[lang], work / f"lexicon-without-{lang}")
        row: dict[str, Any] = {}
        for label, lexicon, learn in (("full lexicon", full, True), ("without, learning", lex, True),
                                      ("without, lexicon only", lex, False)):
            cases, preds = [], []
            for trade, (folder, customers) in folders.items():
                picked = language_cases(folder, customers, lang, folder / f"cases-{lang}.jsonl")
                if not picked.read_text(encoding="utf-8").strip():
                    continue
                preds += predict(folder, picked, work / f"{trade}-{lang}-{label.replace(' ', '_')}.pred.jsonl", lexicon, learn)
                cases += load_jsonl(picked)
            row[label] = {k: score(cases, preds)["all"].get(k) for k in FIGURES} | {"cases": len(cases)}
        results[lang] = row
    return results


def table(results: dict[str, dict[str, Any]]) -> Table:
    t = Table(title="Leave one language out (strangers' dealers writing in the language)")
    t.add_column("language")
    t.add_column("cases")
    for label in ("full lexicon", "without, learning", "without, lexicon only"):
        t.add_column(f"{label}: line_f1")
        t.add_column(f"{label}: auto_precision (autos)")
    for lang, row in results.items():
        cells = [lang, str(row["full lexicon"]["cases"])]
        for label in ("full lexicon", "without, learning", "without, lexicon only"):
            f = row[label]
            cells += [str(f["line_f1"]), f"{f['auto_precision']} ({f['auto_cases']})"]
        t.add_row(*cells)
    return t


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evaluation.leave_one_language_out", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--cases", type=int, default=150)
    ap.add_argument("--no-log", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ordex-lolo-") as tmp:
        results = run(args.seed, args.cases, Path(tmp))
    Console().print(table(results))
    if not args.no_log:
        import mlflow

        from ordex.settings import Settings

        mlflow.set_tracking_uri(Settings().tracking_uri())
        mlflow.set_experiment("ordex-evaluation")
        with mlflow.start_run(run_name=run_name(f"leave-one-language-out-seed{args.seed}")) as r:
            for lang, row in results.items():
                for label, figures in row.items():
                    for k, v in figures.items():
                        if isinstance(v, int | float):
                            mlflow.log_metric(f"lolo_{lang}_{label.replace(', ', '_').replace(' ', '_')}_{k}", float(v))
            mlflow.log_text(json.dumps(results, indent=1), "leave_one_language_out.json")
            Console(stderr=True).print(f"MLflow run {r.info.run_id} (experiment ordex-evaluation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

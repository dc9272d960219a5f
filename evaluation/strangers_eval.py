"""ordex on strangers' messages, side by side with the training generator's held-out trade, per channel, logged
to MLflow (experiment ``ordex-evaluation``): the figures a release is judged by. Never tune on these sets.

    python -m evaluation.strangers_eval [--out DIR] [--cases 150] [--seed 1] [--no-log]

Each strangers' trade (``evaluation.strangers``, a generator written apart from training) and the held-out trade
of ``training.synth`` are written, run through ``ordex predict``'s path (a fresh store each) and scored as the
contract scores; the unit words each distributor's history taught are reported with their time-split precision.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from evaluation.score import load_jsonl, score
from evaluation.strangers.write import STRANGER_TRADES, write_strangers
from ordex.batch import predict_cases, write_predictions
from ordex.masterdata import load_master_data
from ordex.settings import Settings
from ordex.unit_words import history_split, learn_from_history
from training.tagger_data import HOLDOUT_TRADE
from training.tracking import run_name

FIGURES = ("line_f1", "exception_f1", "auto_precision", "auto_cases", "stp_correct", "stp_max", "case_exact", "cer")


def run(folder: Path, settings: Settings) -> dict[str, Any]:
    """One contract folder through the pipeline, scored overall and per channel; plus the words it learned."""
    pred = folder / "pred.jsonl"
    write_predictions(predict_cases(settings, folder, folder / "cases.jsonl"), pred)
    figures = score(load_jsonl(folder / "cases.jsonl"), load_jsonl(pred))
    md = load_master_data(folder)
    split = history_split(md)
    figures["learning"] = {"words_learned": len(learn_from_history(md)), "split_learned": split.learned,
                           "split_checked": split.checked, "split_precision": split.precision}
    return figures


def sets(out: Path, n: int, seed: int) -> dict[str, Path]:
    """The strangers' trades and the training generator's held-out trade, written under ``out``."""
    from training.synth.writer import write_trade

    folders = {}
    for trade in STRANGER_TRADES:
        write_strangers(trade, seed, n, out / f"strangers-{trade}")
        folders[f"strangers-{trade}"] = out / f"strangers-{trade}"
    write_trade(HOLDOUT_TRADE, seed + 20, n, out / f"synth-{HOLDOUT_TRADE}")
    folders[f"synth-{HOLDOUT_TRADE}"] = out / f"synth-{HOLDOUT_TRADE}"
    return folders


def pooled(results: dict[str, dict[str, Any]], prefix: str) -> dict[str, float]:
    """auto precision and STP over all sets with a prefix, from their counts (the figure the acceptance asks)."""
    autos = sum(r["all"]["auto_cases"] for k, r in results.items() if k.startswith(prefix))
    right = sum(r["all"]["auto_cases"] * (r["all"]["auto_precision"] or 0) for k, r in results.items() if k.startswith(prefix))
    return {"auto_cases": autos, "auto_precision": round(right / autos, 4) if autos else float("nan")}


def log(results: dict[str, dict[str, Any]], settings: Settings) -> str:
    """Every figure as ``<set>_<channel>_<figure>`` in one MLflow run, with the tagger and lexicon versions."""
    import mlflow

    from models.gate import packaged_gate
    from models.units import VOCABULARY_VERSION

    mlflow.set_tracking_uri(settings.tracking_uri())
    mlflow.set_experiment("ordex-evaluation")
    with mlflow.start_run(run_name=run_name("strangers-vs-synth")) as r:
        gate = packaged_gate()
        mlflow.set_tags({"lexicon": VOCABULARY_VERSION, "kind": "strangers",
                         "release_gate": "off" if gate is None or not settings.release_gate else gate.version,
                         "release_threshold": str(settings.release_threshold or (gate.threshold if gate else ""))})
        for name, figures in results.items():
            for channel, values in figures.items():
                for k, v in values.items():
                    if isinstance(v, int | float) and v is not None:
                        mlflow.log_metric(f"{name}_{channel}_{k}".replace("-", "_"), float(v))
        mlflow.log_text(json.dumps(results, indent=1), "strangers.json")
        return str(r.info.run_id)


def table(results: dict[str, dict[str, Any]]) -> Table:
    t = Table(title="ordex on strangers' messages and on the training generator's held-out trade")
    for col in ("set", "channel", *FIGURES):
        t.add_column(col)
    for name, figures in results.items():
        for channel, values in sorted(figures.items(), key=lambda kv: (kv[0] != "all", kv[0])):
            if channel == "learning":
                continue
            t.add_row(name, channel, *[str(values.get(f)) for f in FIGURES])
    return t


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evaluation.strangers_eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="where to write the sets (a temporary folder by default)")
    ap.add_argument("--cases", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-log", action="store_true")
    args = ap.parse_args(argv)
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="ordex-strangers-") as tmp:
        out = args.out or Path(tmp)
        results = {name: run(folder, settings) for name, folder in sets(out, args.cases, args.seed).items()}
    console = Console(stderr=True)
    console.print(table(results))
    for name, r in results.items():
        console.print(f"{name}: learned {r['learning']}")
    console.print(f"strangers pooled: {pooled(results, 'strangers-')}")
    if not args.no_log:
        console.print(f"MLflow run {log(results, settings)} (experiment ordex-evaluation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The whole pipeline read by the token classifier and by the rule extractor (the baseline), side by side on one
labelled set, scored as the contract scores; the figures go to the tagger champion's MLflow run.

usage: python -m evaluation.compare_extractors --master-data DIR [--cases FILE] [--name NAME] [--no-log]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evaluation.score import load_jsonl, score

FIGURES = ("line_f1", "sku_f1", "exception_f1", "case_exact", "stp_correct", "auto_precision")


def compare(master_data: Path, cases: Path, extractors: Sequence[str] = ("rules", "tagger")) -> dict[str, dict[str, float]]:
    """Each extractor's overall figures on the set (``ordex predict`` with that extractor, a fresh store each)."""
    from ordex.cli import predict

    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ordex-compare-") as tmp:
        for ex in extractors:
            pred = Path(tmp) / f"{ex}.jsonl"
            predict(master_data, cases, pred, extractor=ex)
            result = score(load_jsonl(cases), load_jsonl(pred))["all"]
            out[ex] = {k: float(result[k]) for k in FIGURES}
    return out


def log_to_champion(name: str, figures: dict[str, dict[str, float]]) -> str | None:
    """Log the figures as metrics (``pipeline_<set>_<extractor>_<figure>``) on the tagger champion's run."""
    import mlflow

    from ordex.settings import Settings
    from training.tracking import champion

    settings = Settings()
    found = champion(settings, "ordex-tagger")
    if found is None:
        return None
    client = mlflow.MlflowClient(settings.tracking_uri())
    run_id = client.get_model_version("ordex-tagger", found[0]).run_id
    assert run_id is not None
    for ex, values in figures.items():
        for k, v in values.items():
            client.log_metric(run_id, f"pipeline_{name}_{ex}_{k}", v)
    return run_id


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--master-data", type=Path, required=True)
    ap.add_argument("--cases", type=Path, default=None, help="labelled cases (default: MASTER_DATA/cases.jsonl)")
    ap.add_argument("--name", default="", help="the set's name in the metric names (default: the folder's)")
    ap.add_argument("--no-log", action="store_true", help="print only, log nothing to MLflow")
    args = ap.parse_args(argv)
    figures = compare(args.master_data, args.cases or args.master_data / "cases.jsonl")
    table = Table("extractor", *FIGURES, title=f"pipeline on {args.master_data}")
    for ex, values in figures.items():
        table.add_row(ex, *(f"{values[k]:.4f}" for k in FIGURES))
    Console().print(table)
    if not args.no_log:
        run_id = log_to_champion(args.name or args.master_data.resolve().name, figures)
        Console(stderr=True).print(f"logged to the tagger champion's run {run_id}" if run_id else "no tagger champion: nothing logged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

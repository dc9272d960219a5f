"""The whole pipeline read by the token classifier and by the rule extractor (the baseline), side by side on one
labelled set, scored as the contract scores; with ``--ablation`` also the tagger with no hand rule, then each span
and line rule added in turn (``models.span_rules``); with ``--checks`` the same for the line checks
(``models.accounting.LINE_CHECKS``). The figures go to the tagger champion's MLflow run.

usage: python -m evaluation.compare_extractors --master-data DIR [--cases FILE] [--name NAME] [--ablation] [--checks]
       [--no-log]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evaluation.score import load_jsonl, score
from models.accounting import ALL_CHECKS
from models.span_rules import ALL_RULES
from ordex.batch import predict_cases, write_predictions
from ordex.settings import Settings

FIGURES = ("line_f1", "sku_f1", "exception_f1", "case_exact", "stp_correct", "auto_precision")


def run_set(master_data: Path, cases: Path, settings: Settings) -> dict[str, float]:
    """The pipeline with these settings on one labelled set (a fresh store), scored as the contract scores."""
    with tempfile.TemporaryDirectory(prefix="ordex-compare-") as tmp:
        pred = Path(tmp) / "pred.jsonl"
        write_predictions(predict_cases(settings, master_data, cases), pred)
        result = score(load_jsonl(cases), load_jsonl(pred))["all"]
    return {k: float(result[k]) for k in FIGURES}


def compare(master_data: Path, cases: Path, extractors: Sequence[str] = ("rules", "tagger")) -> dict[str, dict[str, float]]:
    """Each extractor's overall figures on the set."""
    return {ex: run_set(master_data, cases, Settings(extractor=ex)) for ex in extractors}  # type: ignore[arg-type]


def ablation(master_data: Path, cases: Path) -> dict[str, dict[str, float]]:
    """The tagger's pipeline with no hand rule (``raw``), then with each rule of ``ALL_RULES`` added in turn."""
    out: dict[str, dict[str, float]] = {}
    for k in range(len(ALL_RULES) + 1):
        label = f"+{ALL_RULES[k - 1]}" if k else "raw"
        out[label] = run_set(master_data, cases, Settings(extractor="tagger", span_rules=ALL_RULES[:k]))
    return out


def checks_ablation(master_data: Path, cases: Path) -> dict[str, dict[str, float]]:
    """The tagger's pipeline with no line check (``models.accounting.LINE_CHECKS``), then each added in turn."""
    out: dict[str, dict[str, float]] = {}
    for k in range(len(ALL_CHECKS) + 1):
        label = f"+{ALL_CHECKS[k - 1]}" if k else "none"
        out[label] = run_set(master_data, cases, Settings(extractor="tagger", line_checks=ALL_CHECKS[:k]))
    return out


def log_to_champion(name: str, figures: dict[str, dict[str, float]]) -> str | None:
    """Log the figures as metrics (``pipeline_<set>_<extractor>_<figure>``) on the tagger champion's run."""
    import mlflow

    from models.artifacts import champion

    settings = Settings()
    found = champion(settings.tracking_uri(), "ordex-tagger")
    if found is None or found.run_id is None:
        return None
    client = mlflow.MlflowClient(settings.tracking_uri())
    for ex, values in figures.items():
        for k, v in values.items():
            client.log_metric(found.run_id, f"pipeline_{name}_{ex.replace('+', 'plus_')}_{k}", v)
    return found.run_id


def table(title: str, figures: dict[str, dict[str, float]]) -> Table:
    """A rich table of the figures, one row per extractor (or ablation step)."""
    t = Table("extractor", *FIGURES, title=title)
    for ex, values in figures.items():
        t.add_row(ex, *(f"{values[k]:.4f}" for k in FIGURES))
    return t


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--master-data", type=Path, required=True)
    ap.add_argument("--cases", type=Path, default=None, help="labelled cases (default: MASTER_DATA/cases.jsonl)")
    ap.add_argument("--name", default="", help="the set's name in the metric names (default: the folder's)")
    ap.add_argument("--ablation", action="store_true", help="also the tagger with no hand rule, then each rule added")
    ap.add_argument("--checks", action="store_true", help="also the tagger with no line check, then each check added")
    ap.add_argument("--no-log", action="store_true", help="print only, log nothing to MLflow")
    args = ap.parse_args(argv)
    cases = args.cases or args.master_data / "cases.jsonl"
    figures = compare(args.master_data, cases)
    Console().print(table(f"pipeline on {args.master_data}", figures))
    if args.ablation:
        steps = ablation(args.master_data, cases)
        Console().print(table(f"ablation: the tagger's hand rules on {args.master_data}", steps))
        figures.update({f"ablation_{k}": v for k, v in steps.items()})
    if args.checks:
        steps = checks_ablation(args.master_data, cases)
        Console().print(table(f"ablation: the line checks on {args.master_data}", steps))
        figures.update({f"checks_{k}": v for k, v in steps.items()})
    if not args.no_log:
        run_id = log_to_champion(args.name or args.master_data.resolve().name, figures)
        Console(stderr=True).print(f"logged to the tagger champion's run {run_id}" if run_id else "no tagger champion: nothing logged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

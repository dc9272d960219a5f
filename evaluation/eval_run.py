"""``ordex eval``: a labelled set through the pipeline, scored per channel and per message kind (the contract's
section 5, ``evaluation.score``), logged as one MLflow run an evaluator compares across model versions.

One experiment per evaluation set (``ordex-eval-<name>``); the run is named after the set and the model versions
(tagger, matcher, lexicon) plus a time stamp, so runs of one set line up in the MLflow UI and names never clash.
Artifacts: the predictions, and an error analysis (the worst cases with text, gold and prediction side by side,
grouped by error kind: unit misread, unknown word, wrong SKU, missed code, extra code, lost line, extra line).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.score import load_jsonl, score
from ordex.aliases import MatcherFactory, build_matcher
from ordex.batch import predict_cases, read_cases
from ordex.intake.types import OcrFn
from ordex.settings import Settings
from training.tracking import run_name

WORST = 40  # cases shown in the error analysis


@dataclass(frozen=True)
class EvalRun:
    """What ``ordex eval`` logged."""

    run_id: str
    experiment: str
    run_name: str
    figures: dict[str, dict[str, Any]]


def message_kind(case: dict[str, Any]) -> str:
    """text, photo, pdf, spreadsheet or email: what a message was read from."""
    types = " ".join(str(a.get("content_type") or a.get("path") or "") for a in case.get("attachments") or []).lower()
    if "pdf" in types:
        return "pdf"
    if "image" in types or any(x in types for x in (".jpg", ".jpeg", ".png")):
        return "photo"
    if any(x in types for x in ("sheet", "excel", "csv", ".xlsx")):
        return "spreadsheet"
    if case.get("raw") or case.get("channel") == "email":
        return "email"
    return "text"


def errors_of(case: dict[str, Any], pred: dict[str, Any] | None) -> list[str]:
    """The kinds of error a prediction makes against its gold, one entry per error."""
    if pred is None:
        return ["missing"]
    gold_lines = [ln for o in (case.get("expected") or {}).get("orders") or [] for ln in o.get("lines") or []]
    got_lines = [ln for o in pred.get("orders") or [] for ln in o.get("lines") or []]
    out: list[str] = []
    want = Counter((ln.get("sku"), ln.get("qty")) for ln in gold_lines)
    have = Counter((ln.get("sku"), ln.get("qty")) for ln in got_lines)
    missing, extra = want - have, have - want
    extra_skus = Counter(s for s, _ in extra.elements())
    for sku, _qty in missing.elements():
        if sku is not None and extra_skus.get(sku):
            out.append("unit_misread")
            extra_skus[sku] -= 1
        elif sku is not None and extra_skus.get(None):
            out.append("unknown_word")
            extra_skus[None] -= 1
        elif sku is not None and sum(extra_skus.values()) > 0:
            out.append("wrong_sku")
            k = next(k for k, v in extra_skus.items() if v > 0)
            extra_skus[k] -= 1
        else:
            out.append("lost_line")
    out.extend("extra_line" for _ in range(sum(v for v in extra_skus.values() if v > 0)))
    gold_codes = {e if isinstance(e, str) else e["code"] for e in (case.get("expected") or {}).get("exceptions") or []}
    got_codes = {e["code"] for e in pred.get("exceptions") or []}
    out.extend("missed_code" for _ in gold_codes - got_codes)
    out.extend("extra_code" for _ in got_codes - gold_codes)
    return out


def analysis(cases: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    """Error counts by kind, and the worst cases side by side grouped by their first error kind."""
    by_id = {p["id"]: p for p in preds}
    counts: Counter[str] = Counter()
    worst: list[tuple[int, dict[str, Any]]] = []
    for c in cases:
        errs = errors_of(c, by_id.get(c["id"]))
        counts.update(errs)
        if errs:
            p = by_id.get(c["id"]) or {}
            worst.append((len(errs), {"id": c["id"], "channel": c.get("channel"), "errors": errs,
                                      "text": (c.get("text") or "")[:500], "gold": c.get("expected"),
                                      "predicted": {k: p.get(k) for k in ("status", "orders", "exceptions")}}))
    worst.sort(key=lambda x: -x[0])
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, w in worst[:WORST]:
        grouped[w["errors"][0]].append(w)
    return {"counts": dict(counts), "worst": dict(grouped)}


def evaluate(settings: Settings, master_data: Path, cases_path: Path, name: str | None = None,
             baseline: str = "", ocr: OcrFn | None = None, ocr_name: str = "",
             make_matcher: MatcherFactory = build_matcher) -> EvalRun:
    """Predict, score per channel and per message kind, log one MLflow run; the figures and the run. ``baseline``
    names a baseline configuration (tagged, and in the run's name) logged beside the pipeline's runs; ``ocr``
    (named ``ocr_name``) and ``make_matcher`` replace the OCR engine and the matcher for it."""
    import mlflow

    from models.units import VOCABULARY_VERSION

    cases = read_cases(cases_path)
    preds = [p.model_dump(mode="json") for p in predict_cases(settings, master_data, cases_path, ocr=ocr,
                                                              make_matcher=make_matcher)]
    figures = score(cases, preds)
    kinds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in cases:
        kinds[message_kind(c)].append(c)
    for kind, members in kinds.items():
        figures[f"kind:{kind}"] = score(members, preds)["all"]
    models = _models(preds)
    set_name = name or cases_path.parent.name or "set"
    name_of_run = run_name(set_name, baseline, f"tagger {models['tagger']}", f"matcher {models['matcher']}")
    mlflow.set_tracking_uri(settings.tracking_uri())
    experiment = f"ordex-eval-{set_name}"
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=name_of_run) as run:
        mlflow.set_tags({"set": set_name, "lexicon": VOCABULARY_VERSION, "baseline": baseline or "no",
                         **{f"model.{k}": v for k, v in models.items()}})
        mlflow.log_params({"cases": len(cases), "sku_threshold": settings.sku_threshold,
                           "qty_threshold": settings.qty_threshold, "release_gate": settings.release_gate,
                           "release_precision": settings.release_precision, "extractor": settings.extractor,
                           "matcher": settings.matcher, "tagger": models["tagger"], "ranker": models["matcher"],
                           "lexicon": VOCABULARY_VERSION, "ocr": ocr_name or models["ocr"],
                           "matcher_impl": models["matcher"].split("@")[0]})
        for group, values in figures.items():
            for k, v in values.items():
                if isinstance(v, int | float) and not isinstance(v, bool) and v is not None:
                    mlflow.log_metric(f"{k}/{group}".replace(":", "_") if group != "all" else k, float(v))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            (out / "predictions.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds),
                                                   encoding="utf-8")
            (out / "figures.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
            (out / "errors.json").write_text(json.dumps(analysis(cases, preds), indent=1, ensure_ascii=False),
                                             encoding="utf-8")
            mlflow.log_artifacts(str(out))
        return EvalRun(run.info.run_id, experiment, name_of_run, figures)


def _models(preds: list[dict[str, Any]]) -> dict[str, str]:
    """The tagger's and the matcher's name and version, from the predictions' stage traces."""
    out = {"tagger": "none", "matcher": "none", "ocr": "none"}
    for p in preds:
        for t in p.get("trace") or []:
            if t.get("stage") == "tag":
                out["tagger"] = f"{t.get('model')}@{str(t.get('version'))[:40]}"
            elif t.get("stage") == "match":
                out["matcher"] = f"{t.get('model')}@{str(t.get('version'))[:40]}"
            elif t.get("stage") == "read" and t.get("model"):
                out["ocr"] = f"{t.get('model')}@{t.get('version')}"
    return out


def rescore(cases_path: Path, predictions: Path) -> dict[str, dict[str, Any]]:
    """The figures of a predictions file (what the run's metrics must equal)."""
    return score(read_cases(cases_path), load_jsonl(predictions))

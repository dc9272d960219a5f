"""``ordex eval``: one MLflow run per evaluation whose figures are the scorer's on its own predictions, per channel
and per message kind, with an error analysis; runs of two model versions side by side in one search."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from builders import photo_jpeg
from support import write_trade

from evaluation.eval_run import errors_of, evaluate, rescore
from ordex.settings import Settings


def case(i: int, sender: str, text: str, lines: list[tuple[str | None, float, str]], customer: str,
         channel: str = "whatsapp", codes: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"id": f"ev-{i}", "channel": channel, "sender": sender, "received_at": f"2026-11-0{2 + i % 5}T10:00:00+05:30",
            "subject": "", "text": text, "attachments": [], "raw": None,
            "expected": {"orders": [{"customer_id": customer, "lines": [{"sku": s, "qty": q, "uom": u} for s, q, u in lines]}],
                         "exceptions": list(codes)}}


CASES = [
    case(0, "+911110000001", "led 9w 5 box", [("LED-9W", 5, "BOX")], "E100"),
    case(1, "+911110000002", "mcb 32a 4 pcs\nwire 2.5 sqmm 2 roll", [("MCB-32A", 4, "PCS"), ("WIRE-2.5", 2, "ROLL")], "E200"),
    case(2, "+911110000006", "blinker gadget 3 pcs", [(None, 3, "PCS")], "E600", codes=("SKU_UNMATCHED",)),
    case(3, "buy@voltelec.example", "Please send LED 12W 30 pcs", [("LED-12W", 3, "BOX")], "E100", channel="email"),
    case(4, "+911110000005", "kala tape 2 pkt", [("TAPE-PVC", 2, "PKT")], "E500", channel="sms"),
]


@pytest.mark.slow
def test_two_model_versions_are_logged_with_the_scorers_figures_and_compared_in_one_search(
        tmp_path: Path, champions: Settings) -> None:
    import mlflow

    md = write_trade(tmp_path / "md")
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    base = champions.model_copy(update={"data_dir": tmp_path / "var"})
    runs = [evaluate(base.model_copy(update={"extractor": "rules", "matcher": "rules"}), md, cases, "electrical",
                     "baseline: rules for both"),
            evaluate(base, md, cases, "electrical")]
    client = mlflow.MlflowClient(base.tracking_uri())
    for run in runs:
        logged = client.get_run(run.run_id).data.metrics
        local = client.download_artifacts(run.run_id, "predictions.jsonl", str(tmp_path / run.run_id))
        figures = rescore(cases, Path(local))
        assert logged["line_f1"] == figures["all"]["line_f1"] and logged["exception_f1"] == figures["all"]["exception_f1"]
        for channel in ("whatsapp", "email", "sms"):
            assert logged[f"line_f1/{channel}"] == figures[channel]["line_f1"]
            assert logged[f"cases/{channel}"] == figures[channel]["cases"]
        assert logged["cases/kind_text"] == 4 and logged["cases/kind_email"] == 1
        errors = json.loads(Path(client.download_artifacts(run.run_id, "errors.json", str(tmp_path / run.run_id)))
                            .read_text())
        assert set(errors) == {"counts", "worst"}
    mlflow.set_tracking_uri(base.tracking_uri())
    found = mlflow.search_runs(experiment_names=["ordex-eval-electrical"])
    assert len(found) == 2 and found["params.tagger"].nunique() == 2  # the rules beside the trained tagger
    assert found["tags.mlflow.runName"].nunique() == 2
    assert sorted(found["tags.baseline"]) == ["baseline: rules for both", "no"]


def test_errors_are_sorted_by_kind() -> None:
    gold = case(9, "+1", "x", [("A", 5, "BOX"), ("B", 2, "PCS"), ("C", 1, "PCS")], "E1", codes=("BELOW_MOQ",))
    pred = {"id": "ev-9", "orders": [{"lines": [{"sku": "A", "qty": 50}, {"sku": None, "qty": 2}, {"sku": "D", "qty": 1}]}],
            "exceptions": [{"code": "QTY_UNCLEAR"}]}
    assert sorted(errors_of(gold, pred)) == ["extra_code", "missed_code", "unit_misread", "unknown_word", "wrong_sku"]
    assert errors_of(gold, None) == ["missing"]


@pytest.mark.slow
def test_the_baselines_are_logged_beside_the_pipeline_extractone_matching_and_tesseract_reading(
        tmp_path: Path, champions: Settings) -> None:
    import mlflow

    from evaluation import tesseract
    from evaluation.baseline_matcher import extract_one_matcher

    if not tesseract.available():
        if os.environ.get("ORDEX_REQUIRE_TESSERACT"):
            pytest.fail("tesseract is not installed (CI installs Debian's tesseract-ocr)")
        pytest.skip("tesseract is not installed")
    md = write_trade(tmp_path / "md")
    (tmp_path / "files").mkdir()
    written = ["LED 9W 5 box", "MCB 32A 4 pcs"]
    (tmp_path / "files" / "list.jpg").write_bytes(photo_jpeg(written))
    photo = case(5, "+911110000001", "", [("LED-9W", 5, "BOX"), ("MCB-32A", 4, "PCS")], "E100")
    photo["attachments"] = [{"path": "files/list.jpg", "content_type": "image/jpeg"}]
    photo["expected"]["transcript"] = "\n".join(written)
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in [*CASES[:2], photo]), encoding="utf-8")
    base = champions.model_copy(update={"data_dir": tmp_path / "var"})
    pp = evaluate(base, md, cases, "baselines")
    tess = evaluate(base, md, cases, "baselines", "baseline: Tesseract OCR", ocr=tesseract.tesseract_ocr,
                    ocr_name=tesseract.version())
    fuzzy = evaluate(base, md, cases, "baselines", "baseline: extractOne matcher", make_matcher=extract_one_matcher)
    client = mlflow.MlflowClient(base.tracking_uri())
    runs = {r.run_name: client.get_run(r.run_id).data for r in (pp, tess, fuzzy)}
    assert runs[pp.run_name].params["ocr"].startswith("rapidocr")
    assert runs[tess.run_name].params["ocr"].startswith("tesseract")
    assert runs[fuzzy.run_name].params["matcher_impl"] == "rapidfuzz-extractone"
    for run in (pp, tess):  # the same image read by each: its CER, as the scorer computes it
        assert runs[run.run_name].metrics["cer"] == run.figures["all"]["cer"] is not None
    assert pp.figures["all"]["cer"] <= 0.2  # PP-OCR reads the rendered list
    mlflow.set_tracking_uri(base.tracking_uri())
    found = mlflow.search_runs(experiment_names=["ordex-eval-baselines"])
    assert sorted(found["tags.baseline"]) == ["baseline: Tesseract OCR", "baseline: extractOne matcher", "no"]


def test_run_names_say_what_ran_and_never_repeat() -> None:
    from training.tracking import run_name

    names = {run_name("electrical", "", "tagger v4") for _ in range(50)}
    assert len(names) == 50 and all(n.startswith("electrical · tagger v4 · ") for n in names)

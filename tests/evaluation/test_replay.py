"""``ordex replay``: weeks lived through in order, the queue worked with the gold at each week's end, so a name a
person taught in week one is released on its second use in week two; the curve is logged to MLflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support import write_trade

from evaluation.replay import log_replay, replay, stp_svg
from ordex.settings import Settings


def case(i: int, day: int, sender: str, text: str, lines: list[tuple[str, int, str]], customer: str) -> dict[str, Any]:
    return {"id": f"rp-{i}", "channel": "whatsapp", "sender": sender, "received_at": f"2026-11-{day:02d}T10:00:00+05:30",
            "text": text, "attachments": [],
            "expected": {"orders": [{"customer_id": customer, "lines": [{"sku": s, "qty": q, "uom": u} for s, q, u in lines]}],
                         "exceptions": []}}


CASES = [
    case(0, 2, "+911110000001", "blinker gadget 3 pcs", [("MCB-32A", 3, "PCS")], "E100"),  # week 45: a new name, held
    case(1, 3, "+911110000002", "led 9w 5 box", [("LED-9W", 5, "BOX")], "E200"),
    case(2, 10, "+911110000001", "blinker gadget 5 pcs", [("MCB-32A", 5, "PCS")], "E100"),  # week 46: its second use
    case(3, 11, "+911110000002", "led 12w 2 box", [("LED-12W", 2, "BOX")], "E200"),
]


def test_a_name_taught_in_week_one_is_released_on_its_second_use(tmp_path: Path) -> None:
    md = write_trade(tmp_path / "md")
    cases = md / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "var", extractor="rules", matcher="rules")
    result = replay(settings, md, cases, retrain=False)
    assert [w["week"] for w in result["weeks"]] == ["2026-W45", "2026-W46"]
    assert [w["stp"] for w in result["weeks"]] == [0.5, 1.0]
    assert result["stp_last_over_first"] == 2.0
    assert (result["second_uses"], result["second_use_release_rate"]) == (1, 1.0)
    run_id = log_replay(settings, result, "electrical")
    import mlflow

    history = mlflow.MlflowClient(settings.tracking_uri()).get_metric_history(run_id, "week_stp")
    assert [(m.step, m.value) for m in history] == [(0, 0.5), (1, 1.0)]
    assert "<polyline" in stp_svg(result["weeks"])

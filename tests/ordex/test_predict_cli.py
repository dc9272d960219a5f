"""The contract's ``ordex predict`` as a user runs it: the installed console script on a small cases file.

The cases (contract section 2) are of the invented electrical trade in ``tests/support.py``, with their
files (an .xlsx, a raw .eml with a PDF purchase order, a raw WhatsApp webhook) written next to the cases
file; the predictions are scored with ``evaluation.score`` exactly as an evaluation set would be.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from builders import eml, table_pdf, whatsapp_text_webhook, xlsx_bytes
from support import write_trade

from evaluation.score import score

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Json = dict[str, Any]


def ordex_script() -> str:
    """The installed ``ordex`` console script of this environment."""
    beside = Path(sys.executable).parent / "ordex"
    found = str(beside) if beside.exists() else shutil.which("ordex")
    if not found:
        pytest.fail("the `ordex` console script is not installed: pip install -e .")
    return found


def order(customer_id: str | None, *lines: tuple[str | None, int, str]) -> Json:
    """An expected order of the contract: its customer and (sku, qty, uom) lines."""
    return {"customer_id": customer_id, "lines": [{"sku": s, "qty": q, "uom": u} for s, q, u in lines]}


def case(id: str, channel: str, sender: str, at: str, text: str = "", *, orders: list[Json], exceptions: list[str],
         attachments: list[Json] | None = None, raw: str | None = None, subject: str = "") -> Json:
    """One case line of the contract (section 2), with its expected result."""
    return {"id": id, "channel": channel, "sender": sender, "received_at": at, "subject": subject, "text": text,
            "attachments": attachments or [], "raw": raw,
            "expected": {"orders": orders, "exceptions": exceptions, "transcript": None}}


SUB_DEALER_MAIL = (
    "Dear sir,\nOrders for this week:\n\n1) Volt Electricals\n- LED bulb 9W x 3 box\n- MCB 32A x 2 pcs\n\n"
    "2) Ganesh Wiring Works\n- copper wire 1.5 sqmm x 2 roll\n\n3) Sai Electric Point\n- LED 12W x 1 box\n\n"
    "Thanks & regards\nPurchase Dept, Northern Power Agencies"
)


def write_case_files(files: Path) -> None:
    """The files the cases refer to: an order sheet, a raw e-mail with a PDF purchase order, a raw webhook."""
    files.mkdir(parents=True, exist_ok=True)
    sheet = xlsx_bytes([["Volt Electricals - order sheet"], [], ["Sr", "Item", "Qty", "Unit"],
                        [1, "Copper wire 2.5 sqmm", 6, "roll"], [2, "LED bulb 12W", 4, "box"], [3, "PVC tape", 2, "pkt"]])
    (files / "em-0103-order.xlsx").write_bytes(sheet)
    po = table_pdf(["PURCHASE ORDER PO-5120", "Buyer: Volt Electricals"], ["Sr", "Item", "Qty", "Unit", "Rate"],
                   [(1, "LED Bulb 9W Cool Day Light", "8", "box", "650.00"), (2, "MCB Single Pole 16A", "20", "pcs", "180.00")])
    mail = eml(from_="Volt Purchase <buy@voltelec.example>", subject="PO-5120",
               body="Dear sir,\n\nPO attached, please deliver by Friday.\n\nRegards,\nVolt Electricals",
               date="Wed, 04 Nov 2026 09:30:00 +0530", attachments=[("PO-5120.pdf", "application/pdf", po)])
    (files / "em-0104.eml").write_bytes(mail)
    webhook = whatsapp_text_webhook("911110000005", "laal taar dedh 4 roll", "wamid.HBgMOTExMTEwMDAwMDA1", "1793856600")
    (files / "wa-0105.json").write_bytes(webhook)


def small_cases() -> list[Json]:
    """Twelve cases of the electrical trade, one per behaviour worth scoring."""
    return [
        case("wa-0101", "whatsapp", "+911110000001", "2026-11-02T09:00:00+05:30",
             "bhai 9 watt 5 dabba aur 16 amp mcb 10 pc bhejo",
             orders=[order("E100", ("LED-9W", 5, "BOX"), ("MCB-16A", 10, "PCS"))], exceptions=[]),
        case("sm-0102", "sms", "+911110000002", "2026-11-02T11:00:00+05:30",
             "LED bulb 12W - 20 pcs, 2.5 sqmm wire 3 rolls",
             orders=[order("E200", ("LED-12W", 2, "BOX"), ("WIRE-2.5", 3, "ROLL"))], exceptions=[]),
        case("em-0103", "email", "buy@voltelec.example", "2026-11-03T10:00:00+05:30",
             "Dear sir, order sheet attached.\n\nRegards,\nVolt Electricals", subject="Order sheet",
             attachments=[{"path": "files/em-0103-order.xlsx", "content_type": XLSX_TYPE}],
             orders=[order("E100", ("WIRE-2.5", 6, "ROLL"), ("LED-12W", 4, "BOX"), ("TAPE-PVC", 2, "PKT"))],
             exceptions=[]),
        case("em-0104", "email", "", "2026-11-04T09:30:00+05:30", raw="files/em-0104.eml",
             orders=[order("E100", ("LED-9W", 8, "BOX"), ("MCB-16A", 20, "PCS"))], exceptions=[]),
        case("wa-0105", "whatsapp", "", "2026-11-05T08:00:00+05:30", raw="files/wa-0105.json",
             orders=[order("E500", ("WIRE-1.5", 4, "ROLL"))], exceptions=[]),
        case("wa-0106", "whatsapp", "+911110000001", "2026-11-05T10:00:00+05:30",
             "ok thanks, when will the goods arrive?", orders=[], exceptions=[]),
        case("wa-0107", "whatsapp", "+919999999999", "2026-11-05T12:00:00+05:30",
             "Hello, this is Sai Electric Point. Please send led 12w 5 box",
             orders=[order(None, ("LED-12W", 5, "BOX"))], exceptions=["CUSTOMER_UNKNOWN"]),
        case("wa-0108", "whatsapp", "+911110000002", "2026-11-06T09:00:00+05:30", "mcb 16a 2 pcs",
             orders=[order("E200", ("MCB-16A", 2, "PCS"))], exceptions=["BELOW_MOQ"]),
        case("em-0109", "email", "purchase@northernpower.example", "2026-11-06T17:00:00+05:30", SUB_DEALER_MAIL,
             subject="Sub-dealer orders",
             orders=[order("E100", ("LED-9W", 3, "BOX"), ("MCB-32A", 2, "PCS")), order("E500", ("WIRE-1.5", 2, "ROLL")),
                     order(None, ("LED-12W", 1, "BOX"))],
             exceptions=["CUSTOMER_UNKNOWN"]),
        case("ag-0110", "agent", "+917777777777", "2026-11-07T12:00:00+05:30",
             "Visited Ganesh Wiring Works today. led 9w 4 box",
             orders=[order("E500", ("LED-9W", 4, "BOX"))], exceptions=[]),
        case("wa-0111", "whatsapp", "+911110000001", "2026-11-07T15:00:00+05:30",
             "led 9w 2 box and solar panel 300 W 5 pcs",
             orders=[order("E100", ("LED-9W", 2, "BOX"), (None, 5, "PCS"))], exceptions=["SKU_UNMATCHED"]),
        case("wa-0112", "whatsapp", "+911110000003", "2026-11-08T10:00:00+05:30", "led 12w 5 box",
             orders=[order("E300", ("LED-12W", 5, "BOX"))], exceptions=["CREDIT_LIMIT"]),
    ]


def run_predict(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``ordex`` with the given arguments, away from any ``.env`` or ORDEX_ setting of the caller and from the
    checkout's models (a data folder of its own: the rules read, as on a machine with no models built)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDEX_")} | {"ORDEX_DATA_DIR": str(cwd / "var")}
    return subprocess.run([ordex_script(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def predicted(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Json], list[Json]]:
    """The small cases and what ``ordex predict`` said about them, run once for this module."""
    root = tmp_path_factory.mktemp("predict")
    md = write_trade(root / "md")
    cases = small_cases()
    data = root / "set"
    write_case_files(data / "files")
    (data / "cases.jsonl").write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    out = root / "out" / "pred.jsonl"
    done = run_predict(["predict", "--master-data", str(md), "--cases", str(data / "cases.jsonl"), "--out", str(out)], root)
    assert done.returncode == 0, done.stderr
    assert f"{len(cases)} predictions written" in done.stderr
    preds = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return cases, preds


def test_one_prediction_per_case_with_the_same_ids(predicted: tuple[list[Json], list[Json]]) -> None:
    cases, preds = predicted
    assert sorted(p["id"] for p in preds) == sorted(c["id"] for c in cases)
    for p in preds:
        assert p["status"] in ("auto", "exception", "no_order")
        assert set(p) >= {"id", "status", "orders", "exceptions", "transcript", "latency_ms"}
        assert "message_id" not in p  # the store's row id is not part of the contract's prediction


def test_every_prediction_reports_its_latency(predicted: tuple[list[Json], list[Json]]) -> None:
    _, preds = predicted
    assert all(isinstance(p["latency_ms"], int | float) and p["latency_ms"] >= 0 for p in preds)


def test_the_small_set_scores_perfectly(predicted: tuple[list[Json], list[Json]]) -> None:
    cases, preds = predicted
    by_id = {p["id"]: p for p in preds}
    wrong = {}
    for c in cases:
        one = score([c], [by_id[c["id"]]])["all"]
        if (one["line_f1"], one["exception_f1"]) != (1.0, 1.0) or one["auto_precision"] not in (None, 1.0):
            p = by_id[c["id"]]
            wrong[c["id"]] = {"status": p["status"], "exceptions": [e["code"] for e in p["exceptions"]],
                              "lines": [(o["customer_id"], ln["sku"], ln["qty"], ln["uom"])
                                        for o in p["orders"] for ln in o["lines"]]}
    result = score(cases, preds)["all"]
    assert not wrong, wrong
    assert (result["line_f1"], result["exception_f1"], result["auto_precision"]) == (1.0, 1.0, 1.0)
    assert result["cases"] == len(cases) and result["missing"] == 0
    assert result["auto_cases"] == 6 and result["stp_correct"] == result["stp_max"]


def test_bad_master_data_exits_with_an_error(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(small_cases()[0]) + "\n", encoding="utf-8")
    done = run_predict(["predict", "--master-data", str(tmp_path / "missing"), "--cases", str(cases),
                        "--out", str(tmp_path / "pred.jsonl")], tmp_path)
    assert done.returncode == 2
    assert "error" in done.stderr.lower() and not (tmp_path / "pred.jsonl").exists()


def test_version_names_ordex_its_lexicon_and_its_store_schema(tmp_path: Path) -> None:
    done = run_predict(["--version"], tmp_path)
    assert done.returncode == 0
    assert re.fullmatch(r"ordex \S+ \(lexicon [0-9a-f]{12}, store schema \d{4}\)\n", done.stdout), done.stdout


def test_run_from_another_folder_ordex_uses_the_checkouts_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ordex.settings import Settings

    monkeypatch.chdir(tmp_path)  # a folder with no var/ of its own
    monkeypatch.delenv("ORDEX_DATA_DIR", raising=False)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "var").is_dir():
        assert Settings().data_dir == checkout / "var"
    (tmp_path / "var").mkdir()  # a var/ here is the user's own
    assert Settings().data_dir == Path("var")


def test_every_subcommand_and_option_has_help_text() -> None:
    import argparse

    from ordex.cli import _parser

    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing.extend(f"{path} {c.dest}" for c in action._choices_actions if not c.help)
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")
            elif not action.help and action.dest != "help":
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(_parser(), "ordex")
    assert not missing, missing

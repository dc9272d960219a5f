"""``make bench``'s parts that are not timing: the realistic distributor it generates, the requests it sends per
channel, and the figures it logs to MLflow and writes into the README."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from evaluation.bench_matcher import bench_size
from evaluation.bench_report import BEGIN, END, log_run, matcher_figures, service_figures, table, write_readme
from evaluation.bench_service import Request, Result, requests_by_kind
from evaluation.realistic import write_realistic
from ordex.masterdata import load_master_data


def test_the_realistic_distributor_has_the_size_of_one(tmp_path: Path) -> None:
    d = write_realistic(tmp_path / "d", cases=20)
    md = load_master_data(d.path)
    assert len(md.products) >= 100 and len(md.customers) >= 30 and d.skus == len(md.products)
    history = [json.loads(x) for x in (d.path / "history.jsonl").read_text().splitlines()]
    days = [datetime.fromisoformat(h["received_at"]) for h in history]
    assert (max(days) - min(days)).days >= 150  # six months of orders
    ids = {c.customer_id for c in md.customers}
    assert {h["customer_id"] for h in history} <= ids
    skus = {p.sku for p in md.products}
    for line in (d.path / "cases.jsonl").read_text().splitlines():
        case = json.loads(line)
        for o in case["expected"]["orders"]:
            assert (o["customer_id"] or None) in ids | {None} and {ln["sku"] for ln in o["lines"]} - {None} <= skus
        for a in case.get("attachments") or []:
            assert (d.path / a["path"]).is_file()
        if case.get("raw"):
            assert (d.path / case["raw"]).is_file()


def test_every_channel_becomes_a_request_with_an_id_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "p.png").write_bytes(b"\x89PNG not really")
    (tmp_path / "files" / "m.eml").write_bytes(b"From: a@b.in\r\nMessage-ID: <m@b.in>\r\n\r\n2 ctn milk")
    cases = [{"id": "1", "channel": "whatsapp", "text": "2 ctn milk"},
             {"id": "2", "channel": "sms", "text": "milk 2"},
             {"id": "3", "channel": "whatsapp", "text": "", "attachments": [{"path": "files/p.png", "content_type": "image/png"}]},
             {"id": "4", "channel": "email", "raw": "files/m.eml"},
             {"id": "5", "channel": "whatsapp", "raw": "files/hook.json"}]  # a signed webhook: not timed
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    kinds = requests_by_kind(tmp_path)
    assert {k: len(v) for k, v in kinds.items()} == {"whatsapp": 1, "sms": 1, "photo": 1, "email (raw)": 1}
    photo = json.loads(kinds["photo"][0].fresh(7))
    assert photo["message_id"] == "bench-7" and photo["attachments"][0]["content_base64"]
    assert kinds["email (raw)"][0].path == "/v1/messages/email"
    mail = Request("/v1/messages/email", b"From: a@b.in\r\nMessage-ID: <x@y>\r\nSubject: po\r\n\r\n2 ctn milk", "message/rfc822")
    assert mail.fresh(3).count(b"Message-ID:") == 1 and b"<bench-3@ordex.bench>" in mail.fresh(3)
    bare = Request("/v1/messages/email", b"From: a@b.in\r\n\r\nhi", "message/rfc822")
    assert bare.fresh(4).startswith(b"Message-ID: <bench-4@ordex.bench>\r\n")


def test_the_figures_go_to_mlflow_and_into_the_readme(tmp_path: Path) -> None:
    import mlflow

    served = Result(p50_ms=12.5, p95_ms=20.0, latency_n=10, rps=90.0, throughput_n=100, throughput_s=1.1, errors=0,
                    rss_mb=900.0, rss_after_load_mb=950.0, ready_s=11.0,
                    kinds={"whatsapp": (12.0, 18.0, 5), "email (raw)": (30.0, 40.0, 3)})
    figures = service_figures("example", served) | matcher_figures([bench_size(200, 30, 20, budget_s=5.0)])
    assert figures["example/email_raw_p50_ms"] == 30.0 and "match/200/p50_ms" in figures
    text = table(figures, {"example": "12 SKUs"}, "2026-12-05", "2 cores")
    assert "| text message p50 / p95 (ms) | 12.5 / 20 |" in text and "| email raw p50 / p95 (ms) | 30 / 40 |" in text
    assert "200 SKUs" in text
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{BEGIN}\nOLD TABLE\n{END}\n\nafter\n")
    write_readme(readme, text)
    body = readme.read_text()
    assert "OLD TABLE" not in body and text in body and body.endswith("after\n")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run_id = log_run(uri, figures, {"machine": "2 cores"}, text)
    mlflow.set_tracking_uri(uri)
    run = mlflow.get_run(run_id)
    assert run.data.metrics["example/text_p50_ms"] == 12.5 and run.data.params["machine"] == "2 cores"

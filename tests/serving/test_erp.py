"""Released orders into the ERP: a receiving server over real HTTP that checks the signature, fails the first
attempts and logs every idempotency key it accepts; dead letters and their re-drive; a crash mid-delivery; a
file drop; and the orders an ERP pulls page by page."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from support import write_trade
from support_serving import client_for, open_host, wait_for

from ordex.conversation.options import ConversationOptions
from ordex.keys import create_key
from serving.schemas import ErpOrder

SECRET = "erp-shared-secret"
QUICK = ConversationOptions(poll_seconds=0.05, backoff_seconds=0.05, burst_minutes=0, settle_seconds=0)


class Erp:
    """An ERP endpoint: verifies ``X-Ordex-Signature``, answers ``fail`` (a list of statuses) first, keeps the
    orders it accepted by idempotency key, and answers 409 for a key it has."""

    def __init__(self) -> None:
        self.accepted: dict[str, dict[str, Any]] = {}
        self.log: list[str] = []  # keys accepted, in order (each must appear once)
        self.fail: list[int] = []
        self.bad_signatures = 0
        erp = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                stamp = self.headers.get("x-ordex-timestamp", "")
                want = "sha256=" + hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(want, self.headers.get("x-ordex-signature", "")):
                    erp.bad_signatures += 1
                    return self.answer(401)
                if erp.fail:
                    return self.answer(erp.fail.pop(0))
                key = self.headers["idempotency-key"]
                if key in erp.accepted:
                    return self.answer(409)
                erp.accepted[key] = json.loads(body)
                erp.log.append(key)
                return self.answer(201)

            def answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/orders"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def erp() -> Iterator[Erp]:
    e = Erp()
    yield e
    e.httpd.shutdown()
    e.httpd.server_close()




ORDERS = [("+911110000001", "led 9w 5 box"), ("+911110000002", "mcb 32a 4 pcs"), ("+911110000006", "led 12w 2 box")]


def post_orders(host: Any, key: str, prefix: str) -> list[int]:
    client = client_for(host)
    ids = []
    for i, (sender, text) in enumerate(ORDERS):
        r = client.post("/v1/messages", json={"sender": sender, "text": text, "message_id": f"{prefix}-{i}"},
                        headers={"authorization": f"Bearer {key}"})
        assert r.json()["status"] == "auto", r.text
        ids.append(r.json()["order_ids"][0])
    return ids


def test_released_orders_reach_the_erp_signed_once_each_through_failures(tmp_path: Path, erp: Erp) -> None:
    erp.fail = [500, 503, 429]
    host = open_host(tmp_path, write_trade(tmp_path / "md"), erp_url=erp.url, erp_secret=SECRET, conversation=QUICK)
    try:
        ingest = create_key(host.store, "ingest", "upstream")
        ids = post_orders(host, ingest, "erp")
        wait_for(lambda: len(erp.log) == 3)
        time.sleep(0.3)
        assert sorted(erp.log) == sorted(f"ordex-order-{i}" for i in ids) and erp.bad_signatures == 0
        sent = erp.accepted[f"ordex-order-{ids[0]}"]
        ErpOrder.model_validate(sent)  # the body is what the OpenAPI page documents
        documented = client_for(host).get("/openapi.json").json()
        assert "erp-order" in documented["webhooks"] and "ErpOrder" in documented["components"]["schemas"]
        assert sent["customer_id"] == "E100" and sent["reference"] == f"ORD-{ids[0]}"
        assert sent["lines"] == [{"sku": "LED-9W", "description": "LED Bulb 9 W Cool Day Light", "qty": 5.0,
                                  "uom": "BOX", "unit_price": 600.0, "amount": 3000.0, "text": "led 9w 5 box"}]
        client = client_for(host)
        auth = {"authorization": f"Bearer {ingest}"}
        first = client.get("/v1/orders", params={"limit": 2}, headers=auth).json()
        second = client.get("/v1/orders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth).json()
        assert [o["order_id"] for o in first["orders"] + second["orders"]] == ids and second["next_cursor"] is None
        assert all(o["delivery"]["state"] == "sent" for o in first["orders"] + second["orders"])
        assert client.get(f"/v1/orders/{ids[1]}", headers=auth).json()["delivery"]["state"] == "sent"
        only = client.get("/v1/orders", params={"customer_id": "E200", "status": "released"}, headers=auth).json()
        assert [o["order_id"] for o in only["orders"]] == [ids[1]]
    finally:
        host.close()


def test_a_refused_order_is_a_dead_letter_that_ops_re_drive(tmp_path: Path, erp: Erp) -> None:
    erp.fail = [422]  # a permanent refusal: no retry
    host = open_host(tmp_path, write_trade(tmp_path / "md"), erp_url=erp.url, erp_secret=SECRET, conversation=QUICK)
    try:
        ingest, ops = create_key(host.store, "ingest", "up"), create_key(host.store, "ops", "ops")
        client = client_for(host)
        r = client.post("/v1/messages", json={"sender": "+911110000001", "text": "led 9w 5 box", "message_id": "dl-1"},
                        headers={"authorization": f"Bearer {ingest}"})
        order_id = r.json()["order_ids"][0]
        dead = wait_for(lambda: client.get("/v1/deliveries", headers={"authorization": f"Bearer {ops}"})
                        .json()["deliveries"])
        assert dead[0]["order_id"] == order_id and "422" in dead[0]["error"] and erp.log == []
        assert client.get("/v1/deliveries", headers={"authorization": f"Bearer {ingest}"}).status_code == 403
        again = client.post(f"/v1/deliveries/{dead[0]['delivery_id']}/redrive", headers={"authorization": f"Bearer {ops}"})
        assert again.status_code == 200 and again.json()["state"] == "pending"
        wait_for(lambda: erp.log == [f"ordex-order-{order_id}"])
        assert client.post(f"/v1/deliveries/{dead[0]['delivery_id']}/redrive",
                           headers={"authorization": f"Bearer {ops}"}).status_code == 409
        events = [e["event"] for e in host.store.views.audit(r.json()["message_id"])]
        assert "dealer_message_dead" in events and "delivery_redriven" in events
    finally:
        host.close()


def test_a_delivery_interrupted_by_a_crash_is_delivered_once_after_the_restart(tmp_path: Path, erp: Erp) -> None:
    md = write_trade(tmp_path / "md")
    erp.fail = [500] * 10**6  # the ERP is down, then the process dies
    host = open_host(tmp_path, md, erp_url=erp.url, erp_secret=SECRET, conversation=QUICK)
    ids = post_orders(host, create_key(host.store, "ingest", "up"), "crash")
    wait_for(lambda: all(o.attempts >= 1 for o in host.store.outbox.listing(channel="erp")))
    host.close()
    # a dispatcher that died holding one mid-delivery (claimed once its retry is due: the backoff may still run)
    held = wait_for(lambda: host.store.outbox.claim_next(lease_seconds=1.0))
    assert held.channel == "erp"
    erp.fail = []
    again = open_host(tmp_path, md, erp_url=erp.url, erp_secret=SECRET, conversation=QUICK)
    try:
        wait_for(lambda: len(erp.log) == 3)
        time.sleep(1.5)  # the dead dispatcher's lease lapses: still nothing twice
        assert sorted(erp.log) == sorted(f"ordex-order-{i}" for i in ids)
    finally:
        again.close()


def test_a_file_drop_writes_each_order_as_json_and_csv(tmp_path: Path) -> None:
    drop = tmp_path / "erp-in"
    host = open_host(tmp_path, write_trade(tmp_path / "md"), erp_drop_dir=drop, conversation=QUICK)
    try:
        ids = post_orders(host, create_key(host.store, "ingest", "up"), "drop")
        wait_for(lambda: len(list(drop.glob("order-*.csv"))) == 3)
        assert sorted(p.name for p in drop.iterdir()) == sorted(
            f"order-{i}{s}" for i in ids for s in (".csv", ".json"))  # no temporary file left behind
        rows = list(csv.DictReader((drop / f"order-{ids[1]}.csv").open()))
        assert [(r["sku"], r["qty"], r["uom"]) for r in rows] == [("MCB-32A", "4.0", "PCS")]
        assert json.loads((drop / f"order-{ids[1]}.json").read_text())["customer_id"] == "E200"
    finally:
        host.close()


def test_the_review_page_lists_dead_letters_and_ops_re_drive_them_there(tmp_path: Path, erp: Erp) -> None:
    erp.fail = [422]
    host = open_host(tmp_path, write_trade(tmp_path / "md"), erp_url=erp.url, erp_secret=SECRET, conversation=QUICK)
    try:
        ingest, ops = create_key(host.store, "ingest", "up"), create_key(host.store, "ops", "ops-desk")
        client = client_for(host)
        r = client.post("/v1/messages", json={"sender": "+911110000001", "text": "led 9w 5 box", "message_id": "dl-page"},
                        headers={"authorization": f"Bearer {ingest}"})
        order_id = r.json()["order_ids"][0]
        wait_for(lambda: host.store.outbox.listing(10, "erp", "dead"))
        login = client.post("/review/login", content=f"key={ops}".encode(), follow_redirects=False,
                            headers={"content-type": "application/x-www-form-urlencoded"})
        assert login.status_code == 303
        page = client.get("/review/deliveries")
        assert page.status_code == 200 and f"ORD-{order_id}" in page.text and "422" in page.text
        delivery_id = int(re.search(r'/review/deliveries/(\d+)/redrive', page.text).group(1))  # type: ignore[union-attr]
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        forged = client.post(f"/review/deliveries/{delivery_id}/redrive", data={"csrf": "x"}, follow_redirects=False)
        assert forged.status_code == 403
        done = client.post(f"/review/deliveries/{delivery_id}/redrive", data={"csrf": csrf}, follow_redirects=False)
        assert done.status_code == 303 and "queued%20again" in done.headers["location"]
        wait_for(lambda: erp.log == [f"ordex-order-{order_id}"])
        assert "No dead letters" in client.get("/review/deliveries").text
        redriven = host.store.views.audit(event="delivery_redriven")
        assert redriven and redriven[-1]["actor"] == "ops-desk"
    finally:
        host.close()

"""The HTTP API in process: every route, role and refusal, on a real engine, SQLite store and worker thread."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import csv_bytes, whatsapp_media_webhook
from fastapi.testclient import TestClient
from support import PRICES, lines_of, write_trade
from support_serving import (
    HOSTILE,
    MAX_BODY,
    ORDER_LINES,
    ORDER_TEXT,
    QUEUE_MESSAGES,
    VERIFY_TOKEN,
    VOLT_PHONE,
    Svc,
    check_route_table,
    client_for,
    open_host,
    raw_mail,
    signature,
    status_webhook,
    text_webhook,
    webhook,
)

from ordex.keys import create_key
from ordex.pipeline import Engine
from ordex.schema import Message
from ordex.settings import Settings
from serving.host import EngineHost
from serving.settings import ServiceSettings


def post_json(svc: Svc, body: dict[str, Any] | bytes, role: str = "ingest", **headers: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return svc.client.post("/v1/messages", content=data, headers={**svc.auth(role), **headers})


def post_webhook(client: TestClient, body: bytes, sig: str | bytes | None) -> Any:
    headers = [(b"content-type", b"application/json")]
    if sig is not None:
        headers.append((b"x-hub-signature-256", sig if isinstance(sig, bytes) else sig.encode()))
    return client.post("/v1/webhooks/whatsapp", content=body, headers=headers)


def processed(svc: Svc, message_id: int, timeout_s: float = 90.0) -> dict[str, Any]:
    """The stored message once the background worker has processed it."""
    deadline = time.monotonic() + timeout_s
    while True:
        view = svc.client.get(f"/v1/messages/{message_id}", headers=svc.auth("ingest")).json()
        if view["state"] in ("done", "failed") or time.monotonic() > deadline:
            return view  # type: ignore[no-any-return]
        time.sleep(0.05)


# -- messages -----------------------------------------------------------------------------------------------
def test_a_chat_order_comes_back_as_a_prediction_with_store_ids(svc: Svc) -> None:
    r = post_json(svc, {"channel": "whatsapp", "sender": VOLT_PHONE, "text": ORDER_TEXT, "message_id": "m-1"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["id"] == "m-1" and answer["status"] == "auto"
    assert lines_of(answer) == ORDER_LINES
    assert isinstance(answer["message_id"], int) and answer["order_ids"] and answer["exception_ids"] == []
    order = svc.client.get(f"/v1/orders/{answer['order_ids'][0]}", headers=svc.auth("ingest")).json()
    assert order["state"] == "released" and order["customer_id"] == "E100" and order["exceptions"] == []
    view = svc.client.get("/v1/messages", params={"external_id": "m-1"}, headers=svc.auth("ingest")).json()
    assert view["message_id"] == answer["message_id"] and view["state"] == "done"
    assert view["prediction"] == answer and view["order_ids"] == answer["order_ids"]


def test_message_id_then_id_then_a_new_uuid_name_the_message(svc: Svc) -> None:
    base = {"sender": VOLT_PHONE, "text": "ok thanks"}
    assert post_json(svc, {**base, "id": "the-id"}).json()["id"] == "the-id"
    assert post_json(svc, {**base, "id": "x", "message_id": "the-mid"}).json()["id"] == "the-mid"
    fresh = post_json(svc, base).json()["id"]
    assert len(fresh) == 32 and fresh != post_json(svc, base).json()["id"]


def test_a_retry_gets_the_first_answer_creates_nothing_and_a_reused_id_is_a_conflict(svc: Svc) -> None:
    body = {"sender": "+911110000005", "text": "led 12w 4 box", "message_id": "retry-1"}
    first = post_json(svc, body).json()
    assert post_json(svc, body).json() == first
    view = svc.client.get(f"/v1/messages/{first['message_id']}", headers=svc.auth("ingest")).json()
    assert len(view["order_ids"]) == 1
    audit = svc.client.get("/v1/audit", params={"message_id": first["message_id"]}, headers=svc.auth("ops")).json()
    assert [e["event"] for e in audit["events"]].count("received") == 1
    r = post_json(svc, {**body, "text": "led 12w 3 box"})
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (b"{not json", "application/json", 400, "malformed_json"),
    (b"\xff\xfe\xfa", "application/json", 400, "malformed_json"),
    (b"[1, 2]", "application/json", 422, "invalid_body"),
    (b'{"channel": "fax", "text": "hi"}', "application/json", 422, "invalid_body"),
    (b'{"message_id": "' + b"x" * 600 + b'"}', "application/json", 422, "invalid_body"),
    (b'{"text": "hi"}', "text/plain", 415, "unsupported_media_type"),
    (b'{"text": "' + b"a" * MAX_BODY + b'"}', "application/json", 413, "body_too_large"),
])
def test_bad_bodies_are_refused_with_a_code(svc: Svc, body: bytes, content_type: str, status: int, code: str) -> None:
    r = svc.client.post("/v1/messages", content=body, headers=svc.auth("ingest", content_type))
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert r.json()["message"]


def test_an_invalid_body_lists_the_field_errors(svc: Svc) -> None:
    r = post_json(svc, {"channel": "fax", "attachments": "none"})
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {("channel",), ("attachments",)}


def test_charset_parameter_is_accepted(svc: Svc) -> None:
    r = svc.client.post("/v1/messages", content=b'{"text": "ok"}',
                        headers=svc.auth("ingest", "application/json; charset=utf-8"))
    assert r.status_code == 200


def test_a_raw_email_is_named_by_its_message_id_and_read(svc: Svc) -> None:
    r = svc.client.post("/v1/messages/email", content=raw_mail(ORDER_TEXT), headers=svc.auth("ingest", "message/rfc822"))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "po-77@voltelec.example"
    assert lines_of(r.json()) == ORDER_LINES


def test_an_email_without_message_id_is_named_by_its_hash_and_idempotent(svc: Svc) -> None:
    mail = raw_mail("led 12w 3 box", message_id=None)
    first = svc.client.post("/v1/messages/email", content=mail, headers=svc.auth("ingest", "text/plain")).json()
    assert first["id"].startswith("eml-") and len(first["id"]) == 4 + 64
    again = svc.client.post("/v1/messages/email", content=mail, headers=svc.auth("ingest", "application/octet-stream"))
    assert again.json() == first


def relayed(mail: bytes, relay: str) -> bytes:
    """The e-mail as another relay hands it on: one more Received header on top, a new Delivered-To."""
    return (f"Received: from {relay} (mx.{relay} [10.1.2.3])\r\n\tby mx.ordex.example with ESMTPS; "
            f"Sat, 5 Dec 2026 18:00:00 +0530\r\nDelivered-To: orders@ordex.example\r\n").encode() + mail


@pytest.mark.parametrize("message_id", ["<po-re-1@voltelec.example>", None])
def test_an_email_redelivered_through_another_relay_is_the_same_message(svc: Svc, message_id: str | None) -> None:
    mail = raw_mail("led 12w 4 box", message_id=message_id)
    first = svc.client.post("/v1/messages/email", content=mail, headers=svc.auth("ingest", "message/rfc822"))
    again = svc.client.post("/v1/messages/email", content=relayed(mail, "relay-b.example"),
                            headers=svc.auth("ingest", "message/rfc822"))
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()  # one message, one answer
    edited = mail.replace(b"led 12w 4 box", b"led 12w 40 box")
    if message_id is not None:  # the same id with another text is a conflict, whatever the relays
        r = svc.client.post("/v1/messages/email", content=relayed(edited, "relay-c.example"),
                            headers=svc.auth("ingest", "message/rfc822"))
        assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"


def test_broken_and_empty_emails(svc: Svc) -> None:
    r = svc.client.post("/v1/messages/email", content=b"\x00\x01 not a mail", headers=svc.auth("ingest", "message/rfc822"))
    assert r.status_code == 200 and r.json()["status"] in ("exception", "no_order")
    r = svc.client.post("/v1/messages/email", content=b"  \r\n", headers=svc.auth("ingest", "message/rfc822"))
    assert (r.status_code, r.json()["code"]) == (400, "empty_body")
    r = svc.client.post("/v1/messages/email", content=raw_mail("x"), headers=svc.auth("ingest"))
    assert r.status_code == 415


# -- keys and roles -------------------------------------------------------------------------------------------
def exceptions_by_queue(svc: Svc, tag: str) -> dict[str, int]:
    """Post one message per queue; the first exception each raised in that queue."""
    out = {}
    for queue, body in QUEUE_MESSAGES.items():
        answer = post_json(svc, {**body, "message_id": f"{tag}-{queue}"}).json()
        view = svc.client.get(f"/v1/messages/{answer['message_id']}", headers=svc.auth("ingest")).json()
        out[queue] = next(e["exception_id"] for e in view["exceptions"] if e["queue"] == queue)
    return out


def test_every_role_reaches_exactly_the_routes_of_the_contract(svc: Svc) -> None:
    from support_serving import route_table

    first = post_json(svc, {"sender": VOLT_PHONE, "text": "led 9w 1 box", "message_id": "table-1"}).json()
    table = route_table(first["message_id"], first["order_ids"][0], "table-1", exceptions_by_queue(svc, "table"))
    misses = check_route_table(svc.client.request, svc.keys, table)
    assert not misses, "\n".join(misses)


def test_no_key_is_401_with_a_challenge_and_health_needs_none(svc: Svc) -> None:
    r = svc.client.post("/v1/messages", content=b"{}", headers={"content-type": "application/json"})
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = svc.client.get("/v1/exceptions", headers={"authorization": "Bearer nope"})
    assert (r.status_code, r.json()["code"]) == (401, "invalid_key")


def test_a_key_revoked_by_another_process_is_refused_at_once(svc: Svc) -> None:
    from ordex.keys import Authenticator, create_key
    from ordex.store import Store

    key = create_key(svc.host.store, "ops", "leaving-soon")
    headers = {"authorization": f"Bearer {key}"}
    assert svc.client.get("/v1/exceptions", headers=headers).status_code == 200  # remembered by this process now
    other = Store(svc.host.store.url)  # another worker or replica on the same store revokes it
    record = next(k for k in other.keys.all() if k.name == "leaving-soon")
    assert other.keys.revoke(record.id, actor="admin-elsewhere")
    assert svc.client.get("/v1/exceptions", headers=headers).status_code == 401
    assert Authenticator(other).check(key) is None
    other.engine.dispose()


def test_keys_are_created_listed_and_revoked_by_admin_and_stored_hashed(svc: Svc) -> None:
    r = svc.client.post("/v1/keys", content=b'{"role": "credit", "name": "meera"}', headers=svc.auth("admin"))
    assert r.status_code == 201
    key = r.json()["key"]
    assert key.startswith("ordex_") and len(key) > 40
    assert svc.client.get("/v1/exceptions", headers={"authorization": f"Bearer {key}"}).status_code == 200
    listed = svc.client.get("/v1/keys", headers=svc.auth("admin")).json()["keys"]
    mine = next(k for k in listed if k["name"] == "meera")
    assert mine["role"] == "credit" and key not in json.dumps(listed)
    assert key not in json.dumps([k.key_hash for k in svc.host.store.keys.all()])
    assert svc.client.delete(f"/v1/keys/{mine['key_id']}", headers=svc.auth("admin")).json()["revoked"]
    assert svc.client.get("/v1/exceptions", headers={"authorization": f"Bearer {key}"}).status_code == 401
    events = svc.client.get("/v1/audit", params={"event": "key_created"}, headers=svc.auth("ops")).json()["events"]
    assert any(e["detail"]["name"] == "meera" and e["actor"] == "admin-tester" for e in events)


# -- exceptions and resolving -----------------------------------------------------------------------------------
def test_an_exception_shows_the_message_what_was_extracted_and_what_it_needs(svc: Svc) -> None:
    answer = post_json(svc, {"sender": VOLT_PHONE, "text": "bulb 9w 3 box\nblinker gadget 4 pcs",
                             "message_id": "view-1"}).json()
    assert answer["status"] == "exception" and len(answer["exception_ids"]) == 1
    listed = svc.client.get("/v1/exceptions", params={"queue": "catalog"}, headers=svc.auth("ops")).json()
    view = next(e for e in listed["exceptions"] if e["exception_id"] == answer["exception_ids"][0])
    assert view["code"] == "SKU_UNMATCHED" and view["state"] == "open"
    assert view["message"]["text"] == "bulb 9w 3 box\nblinker gadget 4 pcs" and view["message"]["sender"] == VOLT_PHONE
    assert view["extracted"]["line"]["text"].startswith("blinker gadget") and view["line"] == 1
    assert [ln["sku"] for ln in view["order"]["lines"]] == ["LED-9W", None]
    assert "SKU" in view["needs"]["summary"] and view["needs"]["actions"] == ["approve", "reject"]
    one = svc.client.get(f"/v1/exceptions/{view['exception_id']}", headers=svc.auth("ops")).json()
    assert one["exception_id"] == view["exception_id"] and one["needs"] == view["needs"]


def resolve(svc: Svc, exception_id: int, body: dict[str, Any], role: str = "ops") -> Any:
    return svc.client.post(f"/v1/exceptions/{exception_id}/resolve", content=json.dumps(body).encode(),
                           headers=svc.auth(role))


def test_a_corrected_line_releases_the_order_and_teaches_that_customer_only(svc: Svc) -> None:
    text = "shiny gizmo 3 pcs"
    first = post_json(svc, {"sender": "+911110000002", "text": text, "message_id": "learn-1"}).json()
    assert first["status"] == "exception" and {e["code"] for e in first["exceptions"]} == {"SKU_UNMATCHED"}
    fixed = resolve(svc, first["exception_ids"][0], {"action": "approve", "lines": [{"sku": "MCB-32A", "qty": 3}]})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["released"] and fixed.json()["order"]["state"] == "released"
    assert fixed.json()["learned"] == [{"customer_id": "E200", "alias": "shiny gizmo", "sku": "MCB-32A"}]
    again = post_json(svc, {"sender": "+911110000002", "text": "shiny gizmo 5 pcs", "message_id": "learn-2"}).json()
    assert again["status"] == "auto" and lines_of(again) == [("E200", "MCB-32A", 5, "PCS")]
    other = post_json(svc, {"sender": "+911110000005", "text": "shiny gizmo 5 pcs", "message_id": "learn-3"}).json()
    assert other["status"] == "exception" and lines_of(other)[0][1] is None


def test_resolving_a_phrase_settles_the_customers_other_open_exceptions_with_it(svc: Svc) -> None:
    sender = "+911110000006"
    held = [post_json(svc, {"sender": sender, "text": text, "message_id": f"recheck-{i}"}).json()
            for i, text in enumerate(["zappy widget 3 pcs", "zappy widget 7 pcs", "mcb 32a 2 pcs\nzappy widget 6 pcs"])]
    assert all(h["status"] == "exception" for h in held)
    elsewhere = post_json(svc, {"sender": "+911110000005", "text": "zappy widget 2 pcs", "message_id": "recheck-x"}).json()
    fixed = resolve(svc, held[0]["exception_ids"][0], {"action": "approve", "lines": [{"sku": "MCB-16A", "qty": 3}]})
    assert fixed.status_code == 200, fixed.text
    again = fixed.json()["rechecked"]
    assert sorted(again["rechecked"]) == sorted(h["exception_ids"][0] for h in held[1:])
    assert sorted(again["released_order_ids"]) == sorted(h["order_ids"][0] for h in held[1:])
    order = svc.host.store.views.order(held[2]["order_ids"][0])
    assert order["state"] == "released"
    assert [(ln["sku"], ln["qty"]) for ln in order["lines"]] == [("MCB-32A", 2), ("MCB-16A", 6)]
    other = svc.host.store.views.exception(elsewhere["exception_ids"][0])
    assert other["state"] == "open"  # another customer's words are not this one's


def test_resolving_twice_answers_the_same_and_another_decision_is_409(svc: Svc) -> None:
    first = post_json(svc, {"sender": "+911110000006", "text": "ceiling fan 1200 brown 2 pcs", "message_id": "twice-1"}).json()
    exc = first["exception_ids"][0]
    one = resolve(svc, exc, {"action": "approve"})
    assert one.status_code == 200 and one.json()["released"]
    two = resolve(svc, exc, {"action": "approve"})
    assert two.status_code == 200 and two.json()["replayed"] and two.json()["order"] == one.json()["order"]
    three = resolve(svc, exc, {"action": "reject"})
    assert (three.status_code, three.json()["code"]) == (409, "already_resolved")


def test_reject_cancels_the_order_and_closes_its_other_exceptions(svc: Svc) -> None:
    first = post_json(svc, {"sender": "+919999999998", "text": "modular switch 6a 3 box", "message_id": "reject-1"}).json()
    codes = {e["code"] for e in first["exceptions"]}
    assert {"CUSTOMER_UNKNOWN", "PRICE_MISSING"} <= codes
    customer = next(i for i in first["exception_ids"]
                    if svc.host.store.views.exception(i)["code"] == "CUSTOMER_UNKNOWN")  # type: ignore[index]
    r = resolve(svc, customer, {"action": "reject"})
    assert r.status_code == 200 and r.json()["order"]["state"] == "rejected" and not r.json()["released"]
    states = {e["code"]: e["state"] for e in r.json()["order"]["exceptions"]}
    assert states["CUSTOMER_UNKNOWN"] == "rejected" and states["PRICE_MISSING"] == "closed"


def test_a_role_resolves_only_its_queues_and_bad_resolutions_are_422(svc: Svc) -> None:
    ids = exceptions_by_queue(svc, "queues")
    r = resolve(svc, ids["credit"], {"action": "approve"}, role="ops")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert resolve(svc, 10**9, {"action": "approve"}).status_code == 404
    for body, code in (({"action": "approve", "lines": [{"sku": "NOPE", "qty": 1}]}, "unknown_sku"),
                       ({"action": "approve", "lines": [{"sku": "LED-9W", "qty": 5, "uom": "PCS"}]}, "qty_not_convertible"),
                       ({"action": "approve", "customer_id": "E999"}, "unknown_customer"),
                       ({"action": "approve", "lines": []}, "invalid_body"),
                       ({"action": "approve", "extra": 1}, "invalid_body")):
        r = resolve(svc, ids["catalog"], body)
        assert (r.status_code, r.json()["code"]) == (422, code), body
    r = resolve(svc, ids["credit"], {"action": "approve"}, role="credit")
    assert r.status_code == 200 and r.json()["exception"]["state"] == "approved"
    still_open = [e["code"] for e in r.json()["order"]["exceptions"] if e["state"] == "open"]
    assert still_open in ([], ["DUPLICATE_ORDER"])  # the table test may have sent the same lines before
    assert r.json()["released"] == (not still_open)
    r = resolve(svc, ids["intake"], {"action": "approve", "customer_id": "E100"})
    assert (r.status_code, r.json()["code"]) == (422, "no_order")


# -- webhooks ---------------------------------------------------------------------------------------------------
def test_webhook_handshake_echoes_the_challenge_only_for_the_right_token(svc: Svc) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    r = svc.client.get("/v1/webhooks/whatsapp", params=params)
    assert (r.status_code, r.text) == (200, "1158201444")
    assert r.headers["content-type"].startswith("text/plain")
    for wrong in ({"hub.verify_token": "nope"}, {"hub.mode": "unsubscribe"}, {"hub.verify_token": ""}):
        r = svc.client.get("/v1/webhooks/whatsapp", params={**params, **wrong})
        assert (r.status_code, r.json()["code"]) == (403, "verification_failed")


def test_a_signed_webhook_is_stored_under_its_wamid_and_processed_in_the_background(svc: Svc) -> None:
    body = text_webhook(ORDER_TEXT, "wamid.A1")
    r = post_webhook(svc.client, body, signature(body))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok" and r.json()["id"] == "wamid.A1"
    stored = processed(svc, r.json()["message_id"])
    assert stored["state"] == "done" and lines_of(stored["prediction"]) == ORDER_LINES
    assert post_webhook(svc.client, body, signature(body)).json() == r.json()  # WhatsApp's retry


def test_webhook_signature_must_match(svc: Svc) -> None:
    body = text_webhook(ORDER_TEXT, "wamid.B1")
    for sig in (None, "", "sha256=00", signature(body, "other-secret"), signature(body).upper(), "sha256=é".encode("latin-1")):
        r = post_webhook(svc.client, body, sig)
        assert (r.status_code, r.json()["code"]) == (401, "bad_signature"), sig


def test_status_only_webhooks_are_stored_as_no_order(svc: Svc) -> None:
    body = status_webhook("wamid.OUT1")
    r = post_webhook(svc.client, body, signature(body))
    assert r.status_code == 200 and r.json()["id"].startswith("wa-status-")
    stored = processed(svc, r.json()["message_id"])
    assert stored["status"] == "no_order" and stored["order_ids"] == []


def test_a_wamid_arriving_with_another_body_is_acknowledged_not_refused(svc: Svc) -> None:
    first = text_webhook(ORDER_TEXT, "wamid.C1")
    post_webhook(svc.client, first, signature(first))
    other = text_webhook("led 12w 3 box", "wamid.C1")
    r = post_webhook(svc.client, other, signature(other))
    assert r.status_code == 200 and r.json()["status"] == "duplicate"


def test_a_delivery_of_two_messages_stores_and_processes_both(svc: Svc) -> None:
    one = {"from": "911110000001", "id": "wamid.D1", "timestamp": "1793776680", "type": "text",
           "text": {"body": "led 12w 2 box"}}
    two = {**one, "id": "wamid.D2", "from": "911110000005", "text": {"body": "copper wire 1.5 sqmm 2 roll"}}
    body = webhook({"messages": [one, two]})
    r = post_webhook(svc.client, body, signature(body)).json()
    assert [m["id"] for m in r["messages"]] == ["wamid.D1", "wamid.D2"]
    first, second = (processed(svc, m["message_id"])["prediction"] for m in r["messages"])
    assert lines_of(first) == [("E100", "LED-12W", 2, "BOX")]
    assert lines_of(second) == [("E500", "WIRE-1.5", 2, "ROLL")]


def test_a_document_is_fetched_from_the_graph_api_and_read(svc: Svc) -> None:
    svc.media.add("media-csv-1", csv_bytes([["Item", "Qty"], ["LED Bulb 12 W", 6], ["MCB 32 A", 4]]), "text/csv")
    body = whatsapp_media_webhook("911110000001", "document", "media-csv-1", "text/csv", filename="order.csv",
                                  wamid="wamid.E1")
    r = post_webhook(svc.client, body, signature(body))
    view = processed(svc, r.json()["message_id"])
    assert lines_of(view["prediction"]) == [("E100", "LED-12W", 6, "BOX"), ("E100", "MCB-32A", 4, "PCS")]
    assert view["attachments"][0]["filename"] == "order.csv"  # kept with the message, never fetched twice


def test_media_that_cannot_be_fetched_is_unreadable_with_the_reason(svc: Svc) -> None:
    body = whatsapp_media_webhook("911110000001", "image", "media-gone", "image/jpeg", wamid="wamid.E2")
    view = processed(svc, post_webhook(svc.client, body, signature(body)).json()["message_id"])
    exceptions = view["prediction"]["exceptions"]
    assert [e["code"] for e in exceptions] == ["UNREADABLE"] and "HTTP 404" in exceptions[0]["detail"]


def test_a_transient_media_failure_is_retried(svc: Svc) -> None:
    svc.media.add("media-flaky", csv_bytes([["Item", "Qty"], ["Copper Wire 2.5 sqmm", 2]]), "text/csv")
    svc.media.fail("media-flaky", 503)
    options = svc.host.processor.options
    svc.host.processor.options = options.model_copy(update={"retry_seconds": 0.1})
    try:
        body = whatsapp_media_webhook("911110000005", "document", "media-flaky", "text/csv", filename="o.csv",
                                      wamid="wamid.E3")
        view = processed(svc, post_webhook(svc.client, body, signature(body)).json()["message_id"])
    finally:
        svc.host.processor.options = options
    assert view["attempts"] == 2 and lines_of(view["prediction"]) == [("E500", "WIRE-2.5", 2, "ROLL")]


@pytest.mark.parametrize(("body", "code"), [(b"not json", "malformed_json"), (b'{"object": "x"}', "malformed_webhook")])
def test_a_webhook_that_is_no_webhook_is_refused(svc: Svc, body: bytes, code: str) -> None:
    r = post_webhook(svc.client, body, signature(body))
    assert (r.status_code, r.json()["code"]) == (400, code)


# -- administration ------------------------------------------------------------------------------------------------
def test_master_data_reloads_atomically_keeping_open_exceptions_and_learned_aliases(svc: Svc) -> None:
    held = post_json(svc, {"sender": VOLT_PHONE, "text": "modular switch 6a 1 box", "message_id": "md-1"}).json()
    assert {e["code"] for e in held["exceptions"]} == {"PRICE_MISSING"}
    files = {p.name: p.read_text() for p in svc.md.iterdir()}
    files["prices.csv"] = PRICES + "*,SW-6A,310\n"
    r = svc.client.post("/v1/master-data", content=json.dumps(files).encode(), headers=svc.auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["changes"]["prices"]["added"] == 1 and r.json()["changes"]["prices"]["added_keys"] == [["*", "SW-6A"]]
    now = post_json(svc, {"sender": "+911110000005", "text": "modular switch 6a 1 box", "message_id": "md-2"}).json()
    assert now["status"] == "auto"
    still = svc.client.get(f"/v1/exceptions/{held['exception_ids'][0]}", headers=svc.auth("commercial")).json()
    assert still["state"] == "open"
    event = svc.client.get("/v1/audit", params={"event": "master_data_loaded"}, headers=svc.auth("ops")).json()["events"][-1]
    assert event["actor"] == "admin-tester" and event["detail"]["changes"]["prices"]["added"] == 1
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        for name, text in files.items():
            z.writestr(f"export/{name}", text)
    r = svc.client.post("/v1/master-data", content=zipped.getvalue(), headers=svc.auth("admin", "application/zip"))
    assert r.status_code == 200 and r.json()["changes"]["prices"] == {**r.json()["changes"]["prices"], "added": 0}


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (zipped({f"f{i}.csv": b"x" for i in range(100)}), "application/zip", 400, "malformed_zip"),
    (zipped({"products.csv": bytes(64 * 2**20)}), "application/zip", 413, "body_too_large"),  # a zip bomb
    (b"{}", "application/json", 422, "invalid_master_data"),
    (b'{"passwords.txt": "x"}', "application/json", 422, "invalid_body"),
    (b"PK not a zip", "application/zip", 400, "malformed_zip"),
    (b"a,b", "text/csv", 415, "unsupported_media_type"),
])
def test_bad_master_data_is_refused_and_nothing_changes(svc: Svc, body: bytes, content_type: str, status: int,
                                                        code: str) -> None:
    before = svc.host.store.master_data()
    r = svc.client.post("/v1/master-data", content=body, headers=svc.auth("admin", content_type))
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert svc.host.store.master_data()[0] == before[0]  # type: ignore[index]


def test_audit_gives_a_messages_whole_history(svc: Svc) -> None:
    first = post_json(svc, {"sender": "+911110000003", "text": "copper wire 2.5 sqmm 4 roll", "message_id": "audit-1"}).json()
    resolve(svc, first["exception_ids"][0], {"action": "approve"}, role="credit")
    trail = svc.client.get("/v1/audit", params={"external_id": "audit-1"}, headers=svc.auth("ops")).json()["events"]
    assert [e["event"] for e in trail] == ["received", "exception_raised", "processed", "resolved", "released"]
    assert trail[0]["actor"] == "ingest-tester" and trail[0]["role"] == "ingest" and trail[0]["channel"] == "portal"
    assert trail[3]["actor"] == "credit-tester" and trail[3]["detail"]["before"]["order"]["state"] == "held"
    assert all(e["at"] and e["message_id"] == first["message_id"] for e in trail)


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/v1/nowhere", 404, "not_found"),
    ("PUT", "/v1/messages", 405, "method_not_allowed"),
    ("GET", "/v1/messages/abc", 422, "invalid_request"),
    ("GET", "/v1/exceptions?limit=0", 422, "invalid_request"),
    ("GET", "/v1/exceptions?queue=nowhere", 422, "invalid_request"),
    ("GET", "/v1/orders/99999999", 404, "not_found"),
])
def test_every_refusal_is_json_with_a_code(svc: Svc, method: str, path: str, status: int, code: str) -> None:
    r = svc.client.request(method, path, headers=svc.auth("admin"))
    assert (r.status_code, r.json()["code"]) == (status, code)


def test_nothing_a_client_sends_yields_a_500(svc: Svc) -> None:
    for method, path, body, role, status in HOSTILE:
        r = svc.client.request(method, path, content=body or None, headers=svc.auth(role))
        assert r.status_code == status, (path, body[:80], r.status_code, r.text)
        assert "code" in r.json() or status == 200
    held = post_json(svc, {"sender": VOLT_PHONE, "text": "blinker \u0000 gadget 3 pc", "message_id": "nul-1"}).json()
    r = svc.client.post(f"/v1/exceptions/{held['exception_ids'][0]}/resolve", headers=svc.auth("ops"),
                        content=b'{"action": "approve", "lines": [{"sku": "MCB-32A", "qty": 1e309}]}')
    assert (r.status_code, r.json()["code"]) == (422, "invalid_body")


def test_an_unexpected_failure_is_a_json_500(svc: Svc, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(message: Message, raw_kind: str, principal: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(svc.host, "submit", boom)
    r = svc.client.post("/v1/messages", content=b'{"text": "x"}', headers=svc.auth("ingest"))
    assert (r.status_code, r.json()["code"]) == (500, "internal_error")
    assert "boom" not in r.text


# -- a second host: no secrets configured, a fresh store -----------------------------------------------------------
@pytest.fixture(scope="module")
def lax(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineHost, TestClient, str]]:
    tmp = tmp_path_factory.mktemp("lax")
    host = open_host(tmp, write_trade(tmp / "md"), whatsapp_app_secret="", whatsapp_verify_token="",
                     whatsapp_allow_unsigned=True)
    yield host, client_for(host), create_key(host.store, "ml", "ml-tester")
    host.close()


def test_without_secrets_the_handshake_fails_and_unsigned_webhooks_pass_only_when_allowed(
        lax: tuple[EngineHost, TestClient, str], monkeypatch: pytest.MonkeyPatch) -> None:
    host, client, _ = lax
    r = client.get("/v1/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert r.status_code == 403
    assert post_webhook(client, text_webhook("ok", "wamid.F1"), None).status_code == 200
    monkeypatch.setattr(host.settings, "whatsapp_allow_unsigned", False)  # the default
    r = post_webhook(client, text_webhook("ok", "wamid.F1b"), None)
    assert (r.status_code, r.json()["code"]) == (401, "unsigned_refused")
    assert "ORDEX_WHATSAPP_APP_SECRET" in r.json()["message"] and host.store.views.message_row("wamid.F1b") is None


def test_without_a_graph_token_media_stays_unreadable(lax: tuple[EngineHost, TestClient, str]) -> None:
    host, client, _ = lax
    body = whatsapp_media_webhook("911110000001", "image", "media-x", "image/jpeg", wamid="wamid.F2")
    row = post_webhook(client, body, None).json()["message_id"]
    deadline = time.monotonic() + 90
    while host.store.prediction(row) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    exceptions = host.store.prediction(row)["exceptions"]  # type: ignore[index]
    assert [e["code"] for e in exceptions] == ["UNREADABLE"] and "not fetched" in exceptions[0]["detail"]


def test_retrain_answers_runs_and_refuses_unknown_models(lax: tuple[EngineHost, TestClient, str]) -> None:
    host, client, key = lax
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    r = client.post("/v1/retrain", content=b'{"models": ["weather"]}', headers=headers)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_body") and "models" in r.text  # an enum of the schema
    r = client.post("/v1/retrain", content=b'{"models": ["tagger"]}', headers=headers)  # no corrections yet
    assert r.status_code == 200, r.text
    assert r.json() == {"runs": [{"model": "tagger", "run_id": "", "metrics": {}, "promoted": False,
                                  "reason": "no corrections in the store yet: nothing to learn from"}]}
    events = host.store.views.audit(event="retrained")
    assert events[-1]["actor"] == "ml-tester" and events[-1]["detail"]["model"] == "tagger"


def test_retraining_a_model_served_from_a_fixed_path_is_refused(lax: tuple[EngineHost, TestClient, str],
                                                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    host, client, key = lax
    monkeypatch.setattr(host.settings, "tagger_path", tmp_path)  # as in a Bento: its models are fixed
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    r = client.post("/v1/retrain", content=b'{"models": ["matcher", "tagger"]}', headers=headers)
    assert (r.status_code, r.json()["code"]) == (409, "models_pinned") and "ordex bento build" in r.json()["message"]


def test_before_the_engine_is_warm_messages_get_503_with_retry_after(tmp_path: Path, trade_dir: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path / "var", database_url="", extractor="rules")
    cold = EngineHost(Engine.open(settings, trade_dir), settings)
    key = create_key(cold.store, "ingest", "i")
    r = client_for(cold).post("/v1/messages", content=json.dumps({"text": ORDER_TEXT}).encode(),
                              headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    assert (r.status_code, r.json()["code"]) == (503, "not_ready")
    assert r.headers["retry-after"] == "5" and "loading" in r.json()["message"]
    cold.close()


def test_openapi_documents_the_routes_the_bodies_and_the_bearer_scheme(svc: Svc) -> None:
    spec = svc.client.get("/openapi.json").json()
    assert {"/v1/messages", "/v1/messages/email", "/v1/webhooks/whatsapp", "/v1/exceptions",
            "/v1/exceptions/{exception_id}", "/v1/exceptions/{exception_id}/resolve", "/v1/retrain",
            "/v1/messages/{message_id}", "/v1/orders/{order_id}", "/v1/audit", "/v1/master-data",
            "/v1/keys"} <= set(spec["paths"])
    body = spec["paths"]["/v1/messages"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"message_id", "channel", "sender", "text", "attachments"} <= set(body["properties"])
    assert "$ref" not in json.dumps(body)
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert "Answer" in spec["components"]["schemas"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside BentoML's own imports
def test_the_service_declares_the_routes_bentoml_builds_into_its_schema() -> None:
    from serving.service import Ordex

    schema = Ordex.schema()  # type: ignore[attr-defined]  # bentoml.service wraps the class
    assert {"/v1/messages", "/v1/messages/email", "/v1/webhooks/whatsapp", "/v1/exceptions"} <= set(schema["paths"])


def test_settings_reach_the_worker() -> None:
    s = ServiceSettings(lease_seconds=7, worker_poll_seconds=0.5)
    assert (s.worker_options().lease_seconds, s.worker_options().poll_seconds) == (7, 0.5)
    assert isinstance(s, Settings)


def test_a_lone_surrogate_is_read_as_a_replacement_character_not_an_internal_error(svc: Svc) -> None:
    body = b'{"sender": "+911110000001", "message_id": "surrogate-1", "text": "led 12w 6 box \\ud800 pls"}'
    r = svc.client.post("/v1/messages", content=body, headers=svc.auth("ingest"))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert lines_of(answer) == [("E100", "LED-12W", 6, "BOX")], answer
    assert "Error" not in json.dumps(answer.get("exceptions"))


@pytest.mark.parametrize("body, field", [
    ({}, "a message needs text"),
    ({"sender": "+911110000001", "txt": "led 12w 2 box"}, "txt"),  # a misspelt field is not an empty message
    ({"sender": "+911110000001", "text": "see file",
      "attachments": [{"filename": "po.pdf", "content": "JVBERi0="}]}, "content"),
    ({"sender": "+911110000001", "text": "see file", "attachments": [{"filename": "po.pdf"}]}, "content_base64"),
    ({"sender": "+911110000001", "text": "x", "raw": "files/po.eml"}, "raw"),
])
def test_unknown_fields_empty_messages_and_attachments_without_content_are_refused(
        svc: Svc, body: dict[str, Any], field: str) -> None:
    r = svc.client.post("/v1/messages", json=body, headers=svc.auth("ingest"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_body", r.text
    assert field in r.text


def test_a_case_line_can_be_posted_as_it_is(svc: Svc) -> None:
    case = {"id": "case-as-is-1", "channel": "sms", "sender": "+911110000001", "received_at": "2026-11-02T10:00:00+05:30",
            "subject": "", "text": "led 12w 7 box", "attachments": [], "raw": None,
            "expected": {"orders": [], "exceptions": []}}
    r = svc.client.post("/v1/messages", json=case, headers=svc.auth("ingest"))
    assert r.status_code == 200, r.text
    assert lines_of(r.json()) == [("E100", "LED-12W", 7, "BOX")]

"""The HTTP API in process: every route and refusal, on a real engine and SQLite store, without BentoML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import lines_of
from support_serving import (
    ORDER_LINES,
    ORDER_TEXT,
    SECRET,
    VERIFY_TOKEN,
    VOLT_PHONE,
    raw_mail,
    signature,
    status_webhook,
    text_webhook,
)

from ordex.pipeline import Engine
from ordex.schema import Message
from ordex.settings import Settings
from serving.api import create_app, current_host
from serving.host import EngineHost

MAX_BODY = 64 * 1024


def no_ocr(image: Any) -> list[Any]:
    """Stands in for OCR: these tests post text only, and a non-None OCR marks the engine warm."""
    raise AssertionError("no test here posts an image")


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url="", whatsapp_app_secret=SECRET,
                    whatsapp_verify_token=VERIFY_TOKEN, max_body_bytes=MAX_BODY)


def client_for(host: EngineHost) -> TestClient:
    app = create_app()
    app.dependency_overrides[current_host] = lambda: host
    return TestClient(app)


@pytest.fixture
def host(tmp_path: Path, trade_dir: Path) -> Iterator[EngineHost]:
    h = EngineHost(Engine.open(settings(tmp_path), trade_dir, ocr=no_ocr))
    yield h
    h.close()


@pytest.fixture
def client(host: EngineHost) -> TestClient:
    return client_for(host)


def post_json(client: TestClient, body: dict[str, Any] | bytes, **headers: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/v1/messages", content=data, headers={"content-type": "application/json", **headers})


def test_a_chat_order_comes_back_as_a_prediction_with_store_ids(client: TestClient) -> None:
    r = post_json(client, {"channel": "whatsapp", "sender": VOLT_PHONE, "text": ORDER_TEXT, "message_id": "m-1"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["id"] == "m-1" and answer["status"] == "auto"
    assert lines_of(answer) == ORDER_LINES
    assert isinstance(answer["message_id"], int) and answer["order_ids"] and answer["exception_ids"] == []


def test_message_id_then_id_then_a_new_uuid_name_the_message(client: TestClient) -> None:
    base = {"sender": VOLT_PHONE, "text": "ok thanks"}
    assert post_json(client, {**base, "id": "the-id"}).json()["id"] == "the-id"
    assert post_json(client, {**base, "id": "x", "message_id": "the-mid"}).json()["id"] == "the-mid"
    fresh = post_json(client, base).json()["id"]
    assert len(fresh) == 32 and fresh != post_json(client, base).json()["id"]


def test_a_retry_gets_the_first_answer_and_a_reused_id_is_a_conflict(client: TestClient) -> None:
    body = {"sender": VOLT_PHONE, "text": ORDER_TEXT, "message_id": "retry-1"}
    first = post_json(client, body).json()
    assert post_json(client, body).json() == first
    r = post_json(client, {**body, "text": "led 12w 3 box"})
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
def test_bad_bodies_are_refused_with_a_code(client: TestClient, body: bytes, content_type: str, status: int,
                                            code: str) -> None:
    r = client.post("/v1/messages", content=body, headers={"content-type": content_type})
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert r.json()["message"]


def test_an_invalid_body_lists_the_field_errors(client: TestClient) -> None:
    r = post_json(client, {"channel": "fax", "attachments": "none"})
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {("channel",), ("attachments",)}


def test_charset_parameter_is_accepted(client: TestClient) -> None:
    r = client.post("/v1/messages", content=b'{"text": "ok"}', headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_a_raw_email_is_named_by_its_message_id_and_read(client: TestClient) -> None:
    r = client.post("/v1/messages/email", content=raw_mail(ORDER_TEXT), headers={"content-type": "message/rfc822"})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "po-77@voltelec.example"
    assert lines_of(r.json()) == ORDER_LINES


def test_an_email_without_message_id_is_named_by_its_hash_and_idempotent(client: TestClient) -> None:
    mail = raw_mail("led 12w 3 box", message_id=None)
    first = client.post("/v1/messages/email", content=mail, headers={"content-type": "text/plain"}).json()
    assert first["id"].startswith("eml-") and len(first["id"]) == 4 + 64
    again = client.post("/v1/messages/email", content=mail, headers={"content-type": "application/octet-stream"})
    assert again.json() == first


def test_broken_and_empty_emails(client: TestClient) -> None:
    r = client.post("/v1/messages/email", content=b"\x00\x01 not a mail", headers={"content-type": "message/rfc822"})
    assert r.status_code == 200 and r.json()["status"] in ("exception", "no_order")
    r = client.post("/v1/messages/email", content=b"  \r\n", headers={"content-type": "message/rfc822"})
    assert (r.status_code, r.json()["code"]) == (400, "empty_body")
    r = client.post("/v1/messages/email", content=raw_mail("x"), headers={"content-type": "application/json"})
    assert r.status_code == 415


def test_webhook_handshake_echoes_the_challenge_only_for_the_right_token(client: TestClient) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    r = client.get("/v1/webhooks/whatsapp", params=params)
    assert (r.status_code, r.text) == (200, "1158201444")
    assert r.headers["content-type"].startswith("text/plain")
    for wrong in ({"hub.verify_token": "nope"}, {"hub.mode": "unsubscribe"}, {"hub.verify_token": ""}):
        r = client.get("/v1/webhooks/whatsapp", params={**params, **wrong})
        assert (r.status_code, r.json()["code"]) == (403, "verification_failed")


def test_webhook_handshake_fails_when_no_token_is_configured(tmp_path: Path, trade_dir: Path) -> None:
    s = settings(tmp_path).model_copy(update={"whatsapp_verify_token": ""})
    client = client_for(EngineHost(Engine.open(s, trade_dir, ocr=no_ocr)))
    r = client.get("/v1/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert r.status_code == 403


def post_webhook(client: TestClient, body: bytes, sig: str | bytes | None) -> Any:
    headers = [(b"content-type", b"application/json")]
    if sig is not None:
        headers.append((b"x-hub-signature-256", sig if isinstance(sig, bytes) else sig.encode()))
    return client.post("/v1/webhooks/whatsapp", content=body, headers=headers)


def test_a_signed_webhook_is_stored_under_its_wamid_and_processed(client: TestClient, host: EngineHost) -> None:
    body = text_webhook(ORDER_TEXT, "wamid.A1")
    r = post_webhook(client, body, signature(body))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok" and r.json()["id"] == "wamid.A1"
    stored = host.engine.store.prediction(r.json()["message_id"])
    assert stored is not None and lines_of(stored) == ORDER_LINES
    assert post_webhook(client, body, signature(body)).json() == r.json()  # WhatsApp's retry


def test_webhook_signature_must_match(client: TestClient) -> None:
    body = text_webhook(ORDER_TEXT, "wamid.B1")
    for sig in (None, "", "sha256=00", signature(body, "other-secret"), signature(body).upper(), "sha256=é".encode("latin-1")):
        r = post_webhook(client, body, sig)
        assert (r.status_code, r.json()["code"]) == (401, "bad_signature"), sig


def test_status_only_webhooks_are_stored_as_no_order(client: TestClient, host: EngineHost) -> None:
    body = status_webhook("wamid.OUT1")
    r = post_webhook(client, body, signature(body))
    assert r.status_code == 200 and r.json()["id"].startswith("wa-status-")
    stored = host.engine.store.prediction(r.json()["message_id"])
    assert stored is not None and stored["status"] == "no_order"


def test_a_wamid_arriving_with_another_body_is_acknowledged_not_refused(client: TestClient) -> None:
    first = text_webhook(ORDER_TEXT, "wamid.C1")
    post_webhook(client, first, signature(first))
    other = text_webhook("led 12w 3 box", "wamid.C1")
    r = post_webhook(client, other, signature(other))
    assert r.status_code == 200 and r.json()["status"] == "duplicate"


@pytest.mark.parametrize(("body", "code"), [(b"not json", "malformed_json"), (b'{"object": "x"}', "malformed_webhook")])
def test_a_webhook_that_is_no_webhook_is_refused(client: TestClient, body: bytes, code: str) -> None:
    r = post_webhook(client, body, signature(body))
    assert (r.status_code, r.json()["code"]) == (400, code)


def test_unsigned_webhooks_pass_when_no_secret_is_configured(tmp_path: Path, trade_dir: Path) -> None:
    s = settings(tmp_path).model_copy(update={"whatsapp_app_secret": ""})
    client = client_for(EngineHost(Engine.open(s, trade_dir, ocr=no_ocr)))
    assert post_webhook(client, text_webhook("ok", "wamid.D1"), None).status_code == 200


def test_before_the_engine_is_warm_messages_get_503_with_retry_after(tmp_path: Path, trade_dir: Path) -> None:
    cold = EngineHost(Engine.open(settings(tmp_path), trade_dir))
    r = post_json(client_for(cold), {"text": ORDER_TEXT})
    assert (r.status_code, r.json()["code"]) == (503, "not_ready")
    assert r.headers["retry-after"] == "5" and "loading" in r.json()["message"]


def test_an_unexpected_failure_is_a_json_500(host: EngineHost) -> None:
    class Broken(EngineHost):
        def submit(self, message: Message) -> dict[str, Any]:
            raise RuntimeError("boom")

    r = post_json(client_for(Broken(host.engine)), {"text": "x"})
    assert (r.status_code, r.json()["code"]) == (500, "internal_error")
    assert "boom" not in r.text


def test_openapi_documents_the_routes_and_the_message_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/messages", "/v1/messages/email", "/v1/webhooks/whatsapp"} <= set(spec["paths"])
    body = spec["paths"]["/v1/messages"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"message_id", "channel", "sender", "text", "attachments"} <= set(body["properties"])
    assert "$ref" not in json.dumps(body)
    assert "Answer" in spec["components"]["schemas"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside BentoML's own imports
def test_the_service_declares_the_routes_bentoml_builds_into_its_schema() -> None:
    from serving.service import Ordex

    schema = Ordex.schema()  # type: ignore[attr-defined]  # bentoml.service wraps the class
    assert {"/v1/messages", "/v1/messages/email", "/v1/webhooks/whatsapp"} <= set(schema["paths"])

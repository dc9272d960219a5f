"""The WhatsApp Cloud API webhook: the verification handshake, and deliveries answered once they are stored.

A delivery is authenticated by its ``X-Hub-Signature-256``, not by an API key; with no app secret configured
deliveries are refused unless ``ORDEX_WHATSAPP_ALLOW_UNSIGNED`` says otherwise. Each inbound message in it is stored under its wamid and processed by the background worker;
status updates and other events are stored too and come out as ``no_order``. WhatsApp retries a delivery
for days until it gets a 2xx, so a wamid that arrives again with a *different* body is answered
``200 {"status": "duplicate"}`` (the first body is kept and the event logged) rather than refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ordex.intake.errors import Unreadable
from ordex.intake.whatsapp import WhatsAppEvent, parse_webhook
from ordex.schema import Message
from ordex.store import IdempotencyConflict
from serving.host import EngineHost, current_host
from serving.http import parse_json, read_body
from serving.routes.messages import usable_id
from serving.schemas import ApiError, WebhookAnswer, error_responses

log = logging.getLogger("serving.webhooks")

Host = Annotated[EngineHost, Depends(current_host)]


def check_signature(raw: bytes, header: str | None, secret: str, allow_unsigned: bool = False) -> None:
    """Refuse (401) a webhook body whose ``X-Hub-Signature-256`` is not the HMAC of the app secret; with no secret
    set, refuse every delivery unless the operator explicitly allowed unsigned ones."""
    if not secret:
        if allow_unsigned:
            return
        raise ApiError(401, "unsigned_refused", "no WhatsApp app secret is configured (ORDEX_WHATSAPP_APP_SECRET), "
                                                "so deliveries cannot be checked; set it, or allow unsigned "
                                                "deliveries explicitly with ORDEX_WHATSAPP_ALLOW_UNSIGNED=1")
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    # Starlette decodes headers as latin-1, so this encoding round-trips whatever bytes were sent.
    if header is None or not hmac.compare_digest(expected.encode(), header.strip().encode("latin-1")):
        raise ApiError(401, "bad_signature", "X-Hub-Signature-256 is missing or does not match the body")


def webhook_events(raw: bytes) -> list[WhatsAppEvent]:
    """The events of a delivery; 400 when the body is not JSON or not a webhook."""
    parse_json(raw)
    try:
        return parse_webhook(raw)
    except Unreadable as e:
        raise ApiError(400, "malformed_webhook", e.reason) from e


def messages_of(raw: bytes, events: list[WhatsAppEvent]) -> list[Message]:
    """One Message per inbound message of the delivery (by wamid), or one for a delivery of status events only."""
    now = datetime.now(UTC)
    out: dict[str, Message] = {}
    for e in events:
        if e.kind == "message" and usable_id(e.wamid) and e.wamid not in out:
            out[e.wamid] = Message(id=e.wamid, channel="whatsapp", sender=e.from_, received_at=e.received_at or now,
                                   raw=raw, raw_kind="whatsapp")
    if not out:
        wamid = "wa-status-" + hashlib.sha256(raw).hexdigest()[:16]
        out[wamid] = Message(id=wamid, channel="whatsapp", received_at=now, raw=raw, raw_kind="whatsapp")
    return list(out.values())


async def verify_whatsapp(
    host: Host,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge")] = "",
) -> PlainTextResponse:
    """Echo ``hub.challenge`` when the mode is subscribe and the token is the configured one."""
    expected = host.settings.whatsapp_verify_token
    if mode != "subscribe" or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(403, "verification_failed", "hub.mode or hub.verify_token is wrong")
    return PlainTextResponse(challenge)


async def post_whatsapp(request: Request, host: Host) -> JSONResponse:
    """Check the signature, store each message under its wamid, answer 200; the worker processes them."""
    raw = await read_body(request, host.settings.max_body_bytes)
    check_signature(raw, request.headers.get("x-hub-signature-256"), host.settings.whatsapp_app_secret,
                    host.settings.whatsapp_allow_unsigned)
    stored: list[dict[str, Any]] = []
    events = webhook_events(raw)
    for e in events:
        if e.kind == "status" and e.wamid:  # how a confirmation or question we sent fared
            await run_in_threadpool(host.store.outbox.delivery, e.wamid, e.type)
    for message in messages_of(raw, events):
        try:
            accepted = await run_in_threadpool(host.enqueue, message, "whatsapp")
        except IdempotencyConflict:
            log.warning("webhook for %s arrived again with a different body; kept the first", message.id)
            stored.append({"id": message.id, "message_id": None, "status": "duplicate"})
            continue
        stored.append({"id": message.id, "message_id": accepted.id, "status": "ok"})
    status = "ok" if any(s["status"] == "ok" for s in stored) else "duplicate"
    return JSONResponse({"status": status, "id": stored[0]["id"], "message_id": stored[0]["message_id"],
                         "messages": stored})


def add_routes(app: FastAPI) -> None:
    """Register this module's routes."""
    app.get(
        "/v1/webhooks/whatsapp", response_model=None, summary="WhatsApp verification handshake",
        tags=["webhooks"], responses={200: {"description": "The challenge, echoed",
                                            "content": {"text/plain": {"schema": {"type": "string"}}}},
                                      **error_responses(403)},
    )(verify_whatsapp)
    app.post(
        "/v1/webhooks/whatsapp", response_model=None, summary="WhatsApp Cloud API webhook", tags=["webhooks"],
        description="Authenticated by X-Hub-Signature-256 (HMAC-SHA256 of the body with the app secret). 200 "
                    "once every message is stored; a wamid seen before with another body is answered "
                    "`duplicate` (200, so WhatsApp stops retrying) and the first body is kept.",
        responses={200: {"model": WebhookAnswer}, **error_responses(400, 401, 413)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
    )(post_whatsapp)

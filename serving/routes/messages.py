"""Posting messages (synchronous: the answer is the prediction) and reading messages and orders back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ordex.keys import Principal
from ordex.messages import ApiMessage, message_from_api
from ordex.pipeline import NotLoaded
from ordex.schema import Message
from ordex.store import IdempotencyConflict, identity_digest
from ordex.worker import StillProcessing
from serving.auth import require
from serving.host import EngineHost, current_host
from serving.http import JSON_TYPES, NO_NUL, RowId, parse_model, read_body, require_media_type
from serving.schemas import Answer, ApiError, MessageOut, StoredOrder, error_responses, inline_schema

EMAIL_TYPES = frozenset({"message/rfc822", "text/plain", "application/octet-stream"})
MAX_ID_CHARS = 500
MIN_YEAR, MAX_YEAR = 1970, 2999  # a received_at outside is a client's mistake (and would overflow time windows)

Host = Annotated[EngineHost, Depends(current_host)]
Ingest = Annotated[Principal, Depends(require("messages.write", "post messages"))]
Reader = Annotated[Principal, Depends(require("messages.read", "read messages"))]
OrderReader = Annotated[Principal, Depends(require("orders.read", "read orders"))]


def usable_id(value: str) -> bool:
    """Whether a client-given id can serve as the message id (non-empty, storable, not huge)."""
    if not value or len(value) > MAX_ID_CHARS or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def api_message_id(body: ApiMessage) -> str:
    """``message_id``, else ``id``, else a new uuid; an id that cannot be stored is refused, not replaced."""
    given = body.message_id or body.id
    if not given:
        return uuid.uuid4().hex
    if not usable_id(given):
        raise ApiError(422, "invalid_body", f"message_id must be 1 to {MAX_ID_CHARS} characters of UTF-8",
                       errors=[{"loc": ["message_id"], "msg": "unusable id", "type": "value_error"}])
    return given


def email_message_id(raw: bytes) -> str:
    """The e-mail's Message-ID header without angle brackets, else ``eml-`` and the sha256 of the message without
    the headers relays add (``identity_digest``: a re-delivery is the same message)."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    value = str(headers.get("Message-ID") or "").strip().strip("<>").strip()
    return value if usable_id(value) else "eml-" + identity_digest(raw, "eml")


async def submit(host: EngineHost, message: Message, raw_kind: str, principal: Principal) -> dict[str, Any]:
    """Accept and process a message off the event loop: 503 before the engine is ready, 409 on a reused id."""
    if not host.ready:
        raise ApiError(503, "not_ready", host.not_ready_reason())
    try:
        answer = await run_in_threadpool(host.submit, message, raw_kind, principal)
    except IdempotencyConflict as e:
        raise ApiError(409, "idempotency_conflict", str(e)) from e
    except StillProcessing as e:
        raise ApiError(503, "still_processing", str(e)) from e
    except NotLoaded as e:
        raise ApiError(503, "not_ready", str(e)) from e
    encoded: dict[str, Any] = jsonable_encoder(answer)
    return encoded


async def post_message(request: Request, host: Host, principal: Ingest) -> JSONResponse:
    """A case without ``expected``; attachments carry base64 content; ``message_id`` makes it idempotent."""
    require_media_type(request, JSON_TYPES)
    raw = await read_body(request, host.settings.max_body_bytes)
    body = parse_model(raw, ApiMessage, "a valid message")
    if body.received_at is not None and not MIN_YEAR <= body.received_at.year <= MAX_YEAR:
        raise ApiError(422, "invalid_body", f"received_at must fall between {MIN_YEAR} and {MAX_YEAR}",
                       errors=[{"loc": ["received_at"], "msg": "out of range", "type": "value_error"}])
    message = message_from_api(body, api_message_id(body), raw)
    return JSONResponse(await submit(host, message, "json", principal))


async def post_email(request: Request, host: Host, principal: Ingest) -> JSONResponse:
    """A raw RFC 5322 message; its Message-ID makes it idempotent, and intake parses it."""
    require_media_type(request, EMAIL_TYPES)
    raw = await read_body(request, host.settings.max_body_bytes)
    if not raw.strip():
        raise ApiError(400, "empty_body", "the body is empty; send the whole RFC 5322 message")
    message = Message(id=email_message_id(raw), channel="email", received_at=datetime.now(UTC),
                      raw=raw, raw_kind="eml")
    return JSONResponse(await submit(host, message, "eml", principal))


async def find_message(host: Host, _: Reader,
                       external_id: Annotated[str, Query(min_length=1, max_length=MAX_ID_CHARS, pattern=NO_NUL,
                                                         description="The id the message was posted with")]
                       ) -> JSONResponse:
    """A message by the id its sender gave it (``message_id``, Message-ID, wamid)."""
    row = await run_in_threadpool(host.store.views.message_row, external_id)
    if row is None:
        raise ApiError(404, "not_found", f"there is no message with id {external_id!r}")
    return await get_message(row, host, _)


async def get_message(message_id: RowId, host: Host, _: Reader) -> JSONResponse:
    """A stored message: queue state, prediction once processed, orders and exceptions, attachments."""
    view = await run_in_threadpool(host.store.views.message, message_id)
    if view is None:
        raise ApiError(404, "not_found", f"there is no message {message_id}")
    return JSONResponse(jsonable_encoder(view))


async def get_order(order_id: RowId, host: Host, _: OrderReader) -> JSONResponse:
    """An order: customer, lines, state (held, released, rejected) and its exceptions."""
    view = await run_in_threadpool(host.store.views.order, order_id)
    if view is None:
        raise ApiError(404, "not_found", f"there is no order {order_id}")
    return JSONResponse(jsonable_encoder(view))


def add_routes(app: FastAPI) -> None:
    """Register this module's routes."""
    app.post(
        "/v1/messages", response_model=None, summary="Submit a message", tags=["messages"],
        responses={200: {"model": Answer}, **error_responses(400, 401, 403, 409, 413, 415, 422, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": inline_schema(ApiMessage)}}}},
    )(post_message)
    app.post(
        "/v1/messages/email", response_model=None, summary="Submit a raw e-mail", tags=["messages"],
        responses={200: {"model": Answer}, **error_responses(400, 401, 403, 409, 413, 415, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {
            t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(EMAIL_TYPES)}}},
    )(post_email)
    app.get("/v1/messages", response_model=None, summary="Find a message by its own id", tags=["messages"],
            responses={200: {"model": MessageOut}, **error_responses(401, 403, 404, 422)})(find_message)
    app.get("/v1/messages/{message_id}", response_model=None, summary="A stored message", tags=["messages"],
            responses={200: {"model": MessageOut}, **error_responses(401, 403, 404, 422)})(get_message)
    app.get("/v1/orders/{order_id}", response_model=None, summary="An order", tags=["orders"],
            responses={200: {"model": StoredOrder}, **error_responses(401, 403, 404, 422)})(get_order)

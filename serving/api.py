"""The HTTP API (contract section 4) as a FastAPI app that the BentoML service mounts at ``/``.

Routes read the raw bytes themselves, so that the stored message is exactly what was sent and every
refusal is a JSON error with a stable ``code``; the blocking pipeline runs in a worker thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ordex.intake.errors import Unreadable
from ordex.intake.whatsapp import parse_webhook
from ordex.messages import ApiMessage, message_from_api
from ordex.schema import Message
from ordex.store import IdempotencyConflict
from serving.host import EngineHost
from serving.schemas import Answer, ApiError, WebhookAnswer, error_responses, inline_schema

log = logging.getLogger("serving.api")

JSON_TYPES = frozenset({"application/json"})
EMAIL_TYPES = frozenset({"message/rfc822", "text/plain", "application/octet-stream"})
MAX_ID_CHARS = 500


def current_host() -> EngineHost:
    """The EngineHost of the running BentoML service instance (overridden in tests)."""
    import bentoml

    host: EngineHost = bentoml.get_current_service().host
    return host


Host = Annotated[EngineHost, Depends(current_host)]


class GuardedRoute(APIRoute):
    """A route whose unexpected exceptions become a logged JSON 500 instead of propagating to the server."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (ApiError, HTTPException):
                raise
            except Exception:
                log.exception("%s %s failed", request.method, request.url.path)
                body = {"code": "internal_error", "message": "the server failed on this request; it was logged"}
                return JSONResponse(body, status_code=500)

        return guarded


# -- reading requests -----------------------------------------------------------------------------------
def media_type(request: Request) -> str:
    """The request's content type without parameters, lower-cased."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_media_type(request: Request, allowed: frozenset[str]) -> None:
    """Refuse a body whose content type the route does not take (415)."""
    got = media_type(request)
    if got not in allowed:
        raise ApiError(415, "unsupported_media_type",
                       f"content type {got or '(none)'!r} is not accepted here; send one of {', '.join(sorted(allowed))}")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def too_large(limit: int) -> ApiError:
    """The 413 error for a body over the limit."""
    return ApiError(413, "body_too_large", f"the body exceeds the limit of {limit} bytes")


def parse_api_message(raw: bytes) -> ApiMessage:
    """The body of ``POST /v1/messages``: 400 when it is not JSON, 422 when it is not a message."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {e}") from e
    try:
        return ApiMessage.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False, include_context=False, include_input=False)
        raise ApiError(422, "invalid_body", f"the body is not a valid message ({e.error_count()} errors)",
                       errors=jsonable_encoder(errors)) from e


def usable_id(value: str) -> bool:
    """Whether a client-given id can serve as the message id (non-empty, storable, not huge)."""
    if not value or len(value) > MAX_ID_CHARS:
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
    """The e-mail's Message-ID header without angle brackets, else ``eml-`` and the sha256 of the bytes."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    value = str(headers.get("Message-ID") or "").strip().strip("<>").strip()
    return value if usable_id(value) else "eml-" + hashlib.sha256(raw).hexdigest()


def check_signature(raw: bytes, header: str | None, secret: str) -> None:
    """Refuse (401) a webhook body whose ``X-Hub-Signature-256`` is not the HMAC of the app secret."""
    if not secret:
        return
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    # Starlette decodes headers as latin-1, so this encoding round-trips whatever bytes were sent.
    if header is None or not hmac.compare_digest(expected.encode(), header.strip().encode("latin-1")):
        raise ApiError(401, "bad_signature", "X-Hub-Signature-256 is missing or does not match the body")


def webhook_message_id(raw: bytes) -> str:
    """The first inbound message's wamid, or ``wa-status-`` and a hash for a body of status events only."""
    try:
        json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {e}") from e
    try:
        events = parse_webhook(raw)
    except Unreadable as e:
        raise ApiError(400, "malformed_webhook", e.reason) from e
    first = next((e for e in events if e.kind == "message" and usable_id(e.wamid)), None)
    return first.wamid if first else "wa-status-" + hashlib.sha256(raw).hexdigest()[:16]


# -- running the pipeline -------------------------------------------------------------------------------
async def submit(host: EngineHost, message: Message) -> dict[str, Any]:
    """Store and process a message off the event loop; 503 before the engine is ready, 409 on a reused id."""
    if not host.ready:
        raise ApiError(503, "not_ready", host.not_ready_reason())
    try:
        answer = await run_in_threadpool(host.submit, message)
    except IdempotencyConflict as e:
        raise ApiError(409, "idempotency_conflict", str(e)) from e
    encoded: dict[str, Any] = jsonable_encoder(answer)
    return encoded


# -- routes -----------------------------------------------------------------------------------------------
async def post_message(request: Request, host: Host) -> JSONResponse:
    """A case without ``expected``; attachments carry base64 content; ``message_id`` makes it idempotent."""
    require_media_type(request, JSON_TYPES)
    raw = await read_body(request, host.settings.max_body_bytes)
    body = parse_api_message(raw)
    return JSONResponse(await submit(host, message_from_api(body, api_message_id(body), raw)))


async def post_email(request: Request, host: Host) -> JSONResponse:
    """A raw RFC 5322 message; its Message-ID makes it idempotent, and intake parses it."""
    require_media_type(request, EMAIL_TYPES)
    raw = await read_body(request, host.settings.max_body_bytes)
    if not raw.strip():
        raise ApiError(400, "empty_body", "the body is empty; send the whole RFC 5322 message")
    message = Message(id=email_message_id(raw), channel="email", received_at=datetime.now(UTC),
                      raw=raw, raw_kind="eml")
    return JSONResponse(await submit(host, message))


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
    """Check the signature, store the body under its wamid and process it; 200 once it is stored."""
    raw = await read_body(request, host.settings.max_body_bytes)
    check_signature(raw, request.headers.get("x-hub-signature-256"), host.settings.whatsapp_app_secret)
    wamid = webhook_message_id(raw)
    message = Message(id=wamid, channel="whatsapp", received_at=datetime.now(UTC), raw=raw, raw_kind="whatsapp")
    try:
        answer = await submit(host, message)
    except ApiError as e:
        if e.code != "idempotency_conflict":
            raise
        # The wamid is already stored: a 4xx would only make WhatsApp retry the delivery for days.
        log.warning("webhook for %s arrived again with a different body; kept the first", wamid)
        return JSONResponse({"status": "duplicate", "id": wamid, "message_id": None})
    return JSONResponse({"status": "ok", "id": wamid, "message_id": answer.get("message_id")})


# -- the app -----------------------------------------------------------------------------------------------
async def api_error(_: Request, exc: Exception) -> JSONResponse:
    """Answer an ApiError as its JSON body and status."""
    assert isinstance(exc, ApiError)
    headers = {"Retry-After": "5"} if exc.status == 503 else None
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


def add_routes(app: FastAPI) -> None:
    """Register the routes on the app itself: BentoML's build schema lists only an app's direct routes."""
    app.post(
        "/v1/messages", response_model=None, summary="Submit a message", tags=["messages"],
        responses={200: {"model": Answer}, **error_responses(400, 409, 413, 415, 422, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": inline_schema(ApiMessage)}}}},
    )(post_message)
    app.post(
        "/v1/messages/email", response_model=None, summary="Submit a raw e-mail", tags=["messages"],
        responses={200: {"model": Answer}, **error_responses(400, 409, 413, 415, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {
            t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(EMAIL_TYPES)}}},
    )(post_email)
    app.get(
        "/v1/webhooks/whatsapp", response_class=PlainTextResponse, summary="WhatsApp verification handshake",
        tags=["webhooks"], responses=error_responses(403),
    )(verify_whatsapp)
    app.post(
        "/v1/webhooks/whatsapp", response_model=None, summary="WhatsApp Cloud API webhook", tags=["webhooks"],
        responses={200: {"model": WebhookAnswer}, **error_responses(400, 401, 413, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
    )(post_whatsapp)


def create_app() -> FastAPI:
    """The FastAPI app with the API's routes and its JSON error handling."""
    app = FastAPI(title="ordex", version="0.1.0",
                  description="Turns dealers' messages into validated sales orders.")
    app.router.route_class = GuardedRoute
    add_routes(app)
    app.add_exception_handler(ApiError, api_error)
    return app


app = create_app()

"""The HTTP API (contract section 4) as a FastAPI app that the BentoML service mounts at ``/``.

Routes read the raw bytes themselves, so that the stored message is exactly what was sent, and every refusal
is a JSON error with a stable ``code``; blocking work runs in worker threads. The routes live in
``serving/routes``; this module holds what they share and builds the app.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from serving.host import current_host
from serving.schemas import ApiError

log = logging.getLogger("serving.api")

JSON_TYPES = frozenset({"application/json"})
M = TypeVar("M", bound=BaseModel)
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a bigger one names nothing
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id, as the API answered it")]
QueryRowId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="A stored message's id")]

__all__ = ["ApiError", "app", "create_app", "current_host"]


class GuardedRoute(APIRoute):
    """A route whose unexpected exceptions become a logged JSON 500 instead of propagating to the server."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (ApiError, HTTPException, RequestValidationError):
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


def require_media_type(request: Request, allowed: frozenset[str]) -> str:
    """The body's content type, refused (415) when the route does not take it."""
    got = media_type(request)
    if got not in allowed:
        raise ApiError(415, "unsupported_media_type",
                       f"content type {got or '(none)'!r} is not accepted here; send one of {', '.join(sorted(allowed))}")
    return got


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


def parse_json(raw: bytes) -> Any:
    """A JSON body; 400 when it is not JSON."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {e}") from e
    except RecursionError as e:
        raise ApiError(400, "malformed_json", "the body is JSON nested too deeply") from e


def parse_model(raw: bytes, model: type[M], what: str) -> M:
    """A JSON body as a model: 400 when it is not JSON, 422 (with the field errors) when it is not ``what``."""
    data = parse_json(raw)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False, include_context=False, include_input=False)
        raise ApiError(422, "invalid_body", f"the body is not {what} ({e.error_count()} errors)",
                       errors=jsonable_encoder(errors)) from e


async def read_json_model(request: Request, model: type[M], what: str, limit: int) -> M:
    """Check the content type, read the body and parse it as a model."""
    require_media_type(request, JSON_TYPES)
    return parse_model(await read_body(request, limit), model, what)


# -- errors -----------------------------------------------------------------------------------------------------
async def api_error(_: Request, exc: Exception) -> JSONResponse:
    """Answer an ApiError as its JSON body and status."""
    assert isinstance(exc, ApiError)
    headers = dict(exc.headers or {})
    if exc.status == 503:
        headers.setdefault("Retry-After", "5")
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers or None)


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """A path or query parameter that is not what the route takes: 422 with the field errors."""
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
    body = {"code": "invalid_request", "message": f"the request's parameters are not valid ({len(errors)} errors)",
            "errors": jsonable_encoder(errors)}
    return JSONResponse(body, status_code=422)


HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}


async def http_error(_: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (no such route, wrong method) in the API's JSON shape."""
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = "there is no such route" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse({"code": code, "message": message}, status_code=exc.status_code, headers=exc.headers)


# -- the app -------------------------------------------------------------------------------------------------------
def create_app() -> FastAPI:
    """The FastAPI app with every route and its JSON error handling."""
    from serving.routes import admin, exceptions, messages, webhooks

    app = FastAPI(title="ordex", version="0.2.0",
                  description="Turns dealers' messages into validated sales orders. Every route but /healthz and "
                              "/readyz needs `Authorization: Bearer KEY`; the WhatsApp webhook is authenticated by "
                              "its X-Hub-Signature-256 instead. Errors are JSON: `{code, message}`.")
    app.router.route_class = GuardedRoute
    # Routes go on the app itself: BentoML's build schema lists only an app's direct routes.
    for module in (messages, webhooks, exceptions, admin):
        module.add_routes(app)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    return app


app = create_app()

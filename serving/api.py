"""The HTTP API (contract section 4) as a FastAPI app that the BentoML service mounts at ``/``.

Routes read the raw bytes themselves, so that the stored message is exactly what was sent, and every refusal
is a JSON error with a stable ``code``; blocking work runs in worker threads. The routes live in
``serving/routes`` (what they share to read a request is ``serving/http.py``); this module builds the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from serving.host import current_host
from serving.routes import admin, exceptions, kpis, messages, orders, review, webhooks
from serving.schemas import ApiError

log = logging.getLogger("serving.api")

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
    app = FastAPI(title="ordex", version="0.2.0",
                  description="Turns dealers' messages into validated sales orders. Every route but /healthz and "
                              "/readyz needs `Authorization: Bearer KEY`; the WhatsApp webhook is authenticated by "
                              "its X-Hub-Signature-256 instead. Errors are JSON: `{code, message}`.")
    app.router.route_class = GuardedRoute
    # Routes go on the app itself: BentoML's build schema lists only an app's direct routes.
    for module in (messages, orders, kpis, webhooks, exceptions, admin, review):
        module.add_routes(app)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    return app


app = create_app()

"""The exception queues: list and read exceptions with what a person needs to decide, and resolve them.

``ops`` works the customer, catalog and intake queues, ``credit`` and ``commercial`` their own, ``admin``
all of them; a role only sees and resolves exceptions of its queues.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ordex.keys import QUEUES, Principal
from ordex.resolve import Resolution, ResolveError, needs
from serving.auth import Caller, forbidden
from serving.host import EngineHost, current_host
from serving.http import RowId, read_json_model
from serving.schemas import ApiError, ExceptionView, ResolveAnswer, error_responses, inline_schema

Host = Annotated[EngineHost, Depends(current_host)]
States = Literal["open", "approved", "fixed", "rejected", "closed", "all"]
REFUSAL_STATUS = {"forbidden": 403, "not_found": 404, "conflict": 409, "invalid": 422}  # ResolveError.kind


def worked_queues(principal: Principal) -> tuple[str, ...]:
    """The queues a caller works; 403 for a role that works none."""
    queues = principal.queues()
    if not queues:
        raise forbidden(principal, "work exception queues")
    return queues


def with_needs(view: dict[str, Any]) -> dict[str, Any]:
    """An exception view with what resolving it takes."""
    return {**view, "needs": needs(view)}


async def list_exceptions(
    host: Host, principal: Caller,
    queue: Annotated[str | None, Query(description=f"One of {', '.join(QUEUES)}; default: every queue you work")] = None,
    status: Annotated[States, Query(description="open (default), a resolved state, or all")] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> JSONResponse:
    """Exceptions of a queue, oldest first, each with the original message, what was extracted and what it needs."""
    mine = worked_queues(principal)
    if queue is not None:
        if queue not in QUEUES:
            raise ApiError(422, "invalid_request", f"queue must be one of {', '.join(QUEUES)}")
        if queue not in mine:
            raise forbidden(principal, f"work the {queue} queue")
        mine = (queue,)
    views = await run_in_threadpool(host.store.views.exceptions, mine, None if status == "all" else status, limit,
                                    offset)
    return JSONResponse(jsonable_encoder({"exceptions": [with_needs(v) for v in views], "queues": list(mine),
                                          "status": status, "limit": limit, "offset": offset}))


async def get_exception(exception_id: RowId, host: Host, principal: Caller) -> JSONResponse:
    """One exception with the original message, what was extracted, its order and what it needs."""
    mine = worked_queues(principal)
    view = await run_in_threadpool(host.store.views.exception, exception_id)
    if view is None:
        raise ApiError(404, "not_found", f"there is no exception {exception_id}")
    if view["queue"] not in mine:
        raise forbidden(principal, f"work the {view['queue']} queue")
    return JSONResponse(jsonable_encoder(with_needs(view)))


async def resolve_exception(exception_id: RowId, request: Request, host: Host, principal: Caller) -> JSONResponse:
    """Approve (optionally with the customer and all the lines corrected) or reject; answers the order."""
    mine = worked_queues(principal)
    queue = await run_in_threadpool(host.store.views.exception_queue, exception_id)
    if queue is None:
        raise ApiError(404, "not_found", f"there is no exception {exception_id}")
    if queue not in mine:
        raise forbidden(principal, f"work the {queue} queue")
    body = await read_json_model(request, Resolution, "a resolution", host.settings.max_body_bytes)
    if not host.ready:
        raise ApiError(503, "not_ready", host.not_ready_reason())
    try:
        answer = await run_in_threadpool(host.resolve, exception_id, body, principal)
    except ResolveError as e:
        raise ApiError(REFUSAL_STATUS[e.kind], e.code, e.message, **e.extra) from e
    return JSONResponse(jsonable_encoder(answer))


def add_routes(app: FastAPI) -> None:
    """Register this module's routes."""
    app.get("/v1/exceptions", response_model=None, summary="Exceptions of a queue", tags=["exceptions"],
            responses={200: {"description": "`{exceptions: [ExceptionView], queues, status, limit, offset}`"},
                       **error_responses(401, 403, 422)})(list_exceptions)
    app.get("/v1/exceptions/{exception_id}", response_model=None, summary="One exception", tags=["exceptions"],
            responses={200: {"model": ExceptionView}, **error_responses(401, 403, 404, 422)})(get_exception)
    app.post(
        "/v1/exceptions/{exception_id}/resolve", response_model=None, summary="Resolve an exception",
        tags=["exceptions"],
        description="`approve` accepts the order as it stands; with `lines` (all of them) and/or `customer_id` "
                    "it replaces them and re-runs the rules first (findings already approved stay approved). "
                    "`reject` cancels the order and closes its other exceptions. The order is released when "
                    "none of its exceptions is open. Corrected lines teach the customer's aliases at once. "
                    "The same request again answers the same; another one on a resolved exception is 409.",
        responses={200: {"model": ResolveAnswer}, **error_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": inline_schema(Resolution)}}}},
    )(resolve_exception)

"""Orders for an ERP that pulls (cursor paging), and the hand-off's dead letters for ops to re-drive.

``GET /v1/orders?status=&customer_id=&since=&cursor=`` pages by order id: the answer's ``next_cursor`` is the
cursor of the next page (null at the end), so a poller never misses or repeats an order. Each order carries
``delivery``: its ERP hand-off's state (pending, sending, sent, dead) and attempts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ordex.keys import Principal
from ordex.store.outbox import Outbound
from serving.auth import require
from serving.host import EngineHost, current_host
from serving.http import RowId
from serving.schemas import ApiError, ErpOrder, error_responses

Host = Annotated[EngineHost, Depends(current_host)]
OrderReader = Annotated[Principal, Depends(require("orders.read", "read orders"))]
DeliveryWorker = Annotated[Principal, Depends(require("deliveries", "work the ERP deliveries"))]
STATES = ("held", "released", "rejected", "merged")


async def list_orders(host: Host, _: OrderReader,
                      status: Annotated[str | None, Query(description=f"One of {', '.join(STATES)}")] = None,
                      customer_id: Annotated[str | None, Query(max_length=100)] = None,
                      since: Annotated[datetime | None, Query(description="Received at or after (ISO 8601)")] = None,
                      cursor: Annotated[int, Query(ge=0, description="next_cursor of the previous page")] = 0,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> JSONResponse:
    """Orders in id order after ``cursor``."""
    if status is not None and status not in STATES:
        raise ApiError(422, "invalid_status", f"status must be one of {', '.join(STATES)}")
    rows = await run_in_threadpool(host.store.views.orders, status, customer_id, since, cursor, limit)
    next_cursor = rows[-1]["order_id"] if len(rows) == limit else None
    return JSONResponse(jsonable_encoder({"orders": rows, "next_cursor": next_cursor}))


def _delivery(o: Outbound) -> dict[str, Any]:
    return {"delivery_id": o.id, "order_id": o.order_id, "state": o.state, "attempts": o.attempts,
            "error": o.error, "delivered_at": o.sent_at.isoformat() if o.sent_at else None}


async def list_deliveries(host: Host, _: DeliveryWorker,
                          state: Annotated[str, Query(description="pending, sending, sent, dead")] = "dead",
                          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> JSONResponse:
    """The ERP deliveries in a state, newest first (dead letters by default)."""
    rows = await run_in_threadpool(host.store.outbox.listing, limit, "erp", state)
    return JSONResponse({"deliveries": [_delivery(o) for o in rows]})


async def redrive(delivery_id: RowId, host: Host, principal: DeliveryWorker) -> JSONResponse:
    """A dead letter due again now (audited with the caller)."""
    row = await run_in_threadpool(host.store.outbox.redrive, delivery_id, principal.name, principal.role)
    if row is None or row.channel != "erp":
        raise ApiError(409, "not_dead", f"delivery {delivery_id} is not a dead letter")
    host.dispatcher.notify()
    return JSONResponse(_delivery(row))


def erp_order(body: ErpOrder) -> None:
    """What ordex sends the ERP for each released order (see the schema's description for the headers)."""


def add_routes(app: FastAPI) -> None:
    """Register this module's routes (and document the ERP hand-off as an outgoing webhook)."""
    app.webhooks.post("erp-order", summary="A released order, to the ERP", tags=["orders"])(erp_order)
    app.get("/v1/orders", response_model=None, summary="Orders, paged by cursor", tags=["orders"],
            responses={200: {"description": "`{orders: [StoredOrder with delivery], next_cursor}`"},
                       **error_responses(401, 403, 422)})(list_orders)
    app.get("/v1/deliveries", response_model=None, summary="ERP deliveries (dead letters)", tags=["orders"],
            responses={200: {"description": "`{deliveries: [...]}`"}, **error_responses(401, 403, 422)})(
        list_deliveries)
    app.post("/v1/deliveries/{delivery_id}/redrive", response_model=None, summary="Re-drive a dead letter",
             tags=["orders"], responses={200: {"description": "the delivery, pending again"},
                                         **error_responses(401, 403, 409, 422)})(redrive)

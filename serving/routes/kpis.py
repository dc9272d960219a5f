"""``GET /v1/kpis?from=&to=&channel=``: the sales-ops figures of a time range (``ordex.store.kpis``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from models.matcher import normalize
from ordex.keys import Principal
from ordex.store.kpis import Range
from serving.auth import require
from serving.host import EngineHost, current_host
from serving.schemas import error_responses

Host = Annotated[EngineHost, Depends(current_host)]
KpiReader = Annotated[Principal, Depends(require("kpis.read", "read the KPIs"))]


def kpi_range(start: datetime | None, end: datetime | None, channel: str | None) -> Range:
    """The range asked for: the last 30 days by default; naive times are UTC."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    return Range(start if start.tzinfo else start.replace(tzinfo=UTC), end if end.tzinfo else end.replace(tzinfo=UTC),
                 channel or None)


def figures(host: EngineHost, r: Range) -> dict[str, Any]:
    """The KPIs of a range, the master data's aliases counted with the learned ones."""
    return host.store.kpis.figures(r, aliases=host.alias_pairs, normalize=normalize)


async def get_kpis(host: Host, _: KpiReader,
                   start: Annotated[datetime | None, Query(alias="from", description="Start (ISO 8601)")] = None,
                   end: Annotated[datetime | None, Query(alias="to", description="End, exclusive (ISO 8601)")] = None,
                   channel: Annotated[str | None, Query(max_length=32)] = None) -> JSONResponse:
    """STP by channel and week, exceptions by code and queue, touches per order, release and confirmation
    times, alias coverage, dead letters."""
    return JSONResponse(await run_in_threadpool(figures, host, kpi_range(start, end, channel)))


def add_routes(app: FastAPI) -> None:
    """Register this module's routes."""
    app.get("/v1/kpis", response_model=None, summary="Sales-ops KPIs of a time range", tags=["kpis"],
            responses={200: {"description": "the figures (see the description)"}, **error_responses(401, 403, 422)})(
        get_kpis)

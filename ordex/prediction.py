"""The contract's prediction (section 3) and the order records the store keeps, both read off a finished Case."""

from __future__ import annotations

from typing import Any

from ordex.masterdata import MasterData
from ordex.schema import Case, Line
from ordex.store import OrderRecord
from rules.validate import order_value, signature


def _line(ln: Line) -> dict[str, Any]:
    qty: float | int | None = ln.sku_qty if ln.sku else ln.qty
    if isinstance(qty, float) and qty == int(qty):
        qty = int(qty)
    return {"sku": ln.sku, "qty": qty, "uom": ln.uom, "text": ln.text, "confidence": round(ln.confidence, 4),
            "candidates": [c.model_dump() for c in ln.candidates[:3]]}


def orders_of(case: Case) -> list[tuple[int, list[Line]]]:
    """(section, lines) of every section that holds at least one line."""
    out = []
    for k in range(len(case.sections)):
        lines = [ln for ln in case.lines if ln.section == k]
        if lines:
            out.append((k, lines))
    return out


def prediction_of(case: Case, latency_ms: float, md: MasterData) -> dict[str, Any]:
    """One prediction line of the contract for a processed case."""
    orders = []
    for k, lines in orders_of(case):
        s = case.sections[k]
        order: dict[str, Any] = {"customer_id": s.customer_id, "lines": [_line(ln) for ln in lines]}
        if s.named:
            order["named"] = s.named
        orders.append(order)
    return {
        "id": case.message.id,
        "status": str(case.status),
        "orders": orders,
        "exceptions": [{"code": str(f.code), "queue": f.queue, "detail": f.detail} for f in case.findings],
        "transcript": case.transcript() or None,
        "latency_ms": round(latency_ms, 2),
    }


def order_records(case: Case, md: MasterData) -> list[OrderRecord]:
    """The orders to store, released only when the whole message went through untouched."""
    released = str(case.status) == "auto"
    out = []
    for k, lines in orders_of(case):
        s = case.sections[k]
        out.append(OrderRecord(
            section=k, customer_id=s.customer_id, released=released,
            value=order_value(lines, s.customer_id, md), signature=[list(x) for x in signature(lines)],
            lines=[_line(ln) for ln in lines],
            findings=[f.model_dump(mode="json") for f in case.findings if f.section == k],
        ))
    return out

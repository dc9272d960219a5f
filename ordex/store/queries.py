"""Reads and writes inside a caller's transaction, shared by the store and its parts (resolution, views): the
lowest level of the store, importing only the tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordex.schema import reply_channel
from ordex.store.tables import (
    CorrectionRow,
    LearnedAliasRow,
    LearnedUnitRow,
    MessageRow,
    OrderRow,
    OutboundRow,
    VersionRow,
)

DATA_VERSION = "data"  # master data and learned aliases: every Engine refreshes its matcher when it moves
KEYS_VERSION = "keys"  # API keys: every process forgets the keys it remembered when it moves (a revocation)


def bump_in(s: Session, name: str = DATA_VERSION) -> None:
    """Move a version counter inside the caller's transaction."""
    row = s.get(VersionRow, name, with_for_update=True)
    if row is None:
        s.add(VersionRow(name=name, value=1))
    else:
        row.value += 1


def learn_units_in(s: Session, rows: Sequence[tuple[str, str, str, int]], source: str) -> None:
    """Upsert learned unit words inside the caller's transaction; a word a person taught wins over history's."""
    for cid, word, unit, support in rows:
        hit = s.scalar(select(LearnedUnitRow).where(LearnedUnitRow.customer_id == cid, LearnedUnitRow.word == word))
        if hit is None:
            s.add(LearnedUnitRow(customer_id=cid, word=word, unit=unit, support=support, source=source))
            s.flush()
        elif hit.unit == unit:
            hit.support += support
        elif source != "history":  # a person's correction replaces what history suggested
            hit.unit, hit.support, hit.source = unit, support, source
    if rows:
        bump_in(s, DATA_VERSION)


def learn_in(s: Session, rows: Sequence[tuple[str, str, str, int]], source: str) -> None:
    """Upsert learned aliases inside the caller's transaction and move the data version."""
    for cid, alias, sku, support in rows:
        hit = s.scalar(select(LearnedAliasRow).where(LearnedAliasRow.customer_id == cid,
                                                     LearnedAliasRow.alias == alias, LearnedAliasRow.sku == sku))
        if hit is not None:
            hit.support += support
        else:
            s.add(LearnedAliasRow(customer_id=cid, alias=alias, sku=sku, support=support, source=source))
            s.flush()  # a second row with the same key in this batch must find this one
    if rows:
        bump_in(s, DATA_VERSION)


def correction_in(s: Session, message_row: int, *, customer_id: str | None, text: str, product: str,
                  sku: str | None, qty: Decimal | float | None, uom: str | None, actor: str,
                  order_id: int | None = None) -> int:
    """Record a corrected line inside the caller's transaction."""
    row = CorrectionRow(message_id=message_row, order_id=order_id, customer_id=customer_id, text=column_text(text),
                        product=column_text(product), sku=sku, qty=None if qty is None else Decimal(str(qty)), uom=uom,
                        actor=actor)
    s.add(row)
    s.flush()
    return row.id


def released_value_in(s: Session, customer_id: str, load_id: int | None) -> Decimal:
    """Value of the customer's orders released since a master-data load, read in the caller's transaction."""
    q = select(func.coalesce(func.sum(OrderRow.value), 0)).where(
        OrderRow.customer_id == customer_id, OrderRow.state == "released", OrderRow.load_id == load_id
    )
    return Decimal(str(s.scalar(q) or 0))


def recent_orders_in(s: Session, customer_id: str, before: datetime, hours: float) -> list[tuple[str, datetime, list[Any]]]:
    """(message id, received_at, signature) of the customer's orders in the window before a time."""
    before = as_utc(before)
    q = (
        select(MessageRow.external_id, OrderRow.received_at, OrderRow.signature)
        .join(MessageRow, MessageRow.id == OrderRow.message_id)
        .where(OrderRow.customer_id == customer_id, OrderRow.received_at >= before - timedelta(hours=hours),
               OrderRow.received_at <= before)
    )
    return [(m, aware_utc(r), sig) for m, r, sig in s.execute(q)]


def column_text(value: str) -> str:
    """Text for a column: PostgreSQL cannot store NUL characters (the raw bytes keep them)."""
    return value.replace("\x00", "")


def as_utc(t: datetime) -> datetime:
    """Times are stored in UTC (SQLite keeps no zone)."""
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).astimezone(UTC)


def aware_utc(t: datetime) -> datetime:
    """SQLite drops the zone of a stored time: read it back as UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def outbound_in(s: Session, key: str, kind: str, message: MessageRow, *, order_id: int | None = None,
                exception_id: int | None = None, payload: dict[str, Any] | None = None) -> int | None:
    """Queue a message to the dealer inside the caller's transaction, once per ``key``; None when the sender
    cannot be written back to or ``key`` is already queued."""
    channel = reply_channel(message.channel, message.sender)
    if channel is None:
        return None
    return _queue_once(s, OutboundRow(key=key, kind=kind, channel=channel, recipient=message.sender.strip(),
                                      message_id=message.id, order_id=order_id, exception_id=exception_id,
                                      payload=payload or {}))


def erp_in(s: Session, order: OrderRow) -> int | None:
    """Queue a released order for the ERP inside the release's own transaction, once per order id."""
    return _queue_once(s, OutboundRow(key=f"erp:{order.id}", kind="erp", channel="erp", recipient="erp",
                                      message_id=order.message_id, order_id=order.id, payload={}))


def _queue_once(s: Session, row: OutboundRow) -> int | None:
    """Add an outbox row unless its key is queued already; its id, or None."""
    if s.scalar(select(OutboundRow.id).where(OutboundRow.key == row.key)) is not None:
        return None
    s.add(row)
    s.flush()
    return row.id

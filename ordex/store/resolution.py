"""The write side of resolving an exception: one transaction that locks the message, its order and the exception.

``ordex.resolve`` decides what changes; this module only reads and writes rows, so that the whole resolution
(exception states, the order's lines, release, learned aliases, corrections, audit) commits or fails as one.
On PostgreSQL the rows are locked in a fixed order (message, order, exception); on SQLite the transaction
holds the write lock from its start. Two people resolving at once are serialised, and the second sees the
first one's result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ordex.store.queries import (
    column_text,
    correction_in,
    erp_in,
    learn_in,
    learn_units_in,
    outbound_in,
    recent_orders_in,
    released_value_in,
)
from ordex.store.tables import (
    AuditRow,
    ExceptionRow,
    MasterDataRow,
    MessageRow,
    OrderRow,
    OutboundRow,
    utcnow,
)

if TYPE_CHECKING:
    from ordex.store.store import Store


@dataclass
class OrderTxn:
    """The rows of one change to an order (a resolution, a dealer's amendment), locked, and the writes it may make."""

    s: Session
    order: OrderRow | None
    message: MessageRow

    # -- reads -----------------------------------------------------------------------------------------------
    def order_exceptions(self, order: OrderRow) -> list[ExceptionRow]:
        """The order's own exceptions, oldest first."""
        return list(self.s.scalars(select(ExceptionRow).where(ExceptionRow.order_id == order.id)
                                   .order_by(ExceptionRow.id)))

    def message_exceptions(self) -> list[ExceptionRow]:
        """The exceptions raised on the message as a whole (an unreadable attachment), oldest first."""
        return list(self.s.scalars(select(ExceptionRow).where(ExceptionRow.message_id == self.message.id,
                                                              ExceptionRow.order_id.is_(None))
                                   .order_by(ExceptionRow.id)))

    def orders(self) -> list[OrderRow]:
        """Every order of the message, locked."""
        return list(self.s.scalars(select(OrderRow).where(OrderRow.message_id == self.message.id)
                                   .order_by(OrderRow.id).with_for_update()))

    def current_load_id(self) -> int | None:
        """The newest master-data load."""
        return self.s.scalar(select(func.max(MasterDataRow.id)))

    def released_value(self, customer_id: str, load_id: int | None) -> Decimal:
        """Value of the customer's released orders since a load, read under the resolution's locks."""
        return released_value_in(self.s, customer_id, load_id)

    def recent_orders(self, customer_id: str, before: datetime, hours: float) -> list[tuple[str, datetime, list[Any]]]:
        """The customer's orders in the duplicate window, read under the resolution's locks."""
        return recent_orders_in(self.s, customer_id, before, hours)

    # -- writes ----------------------------------------------------------------------------------------------
    def close(self, exc: ExceptionRow, state: str, actor: str, resolution: dict[str, Any] | None = None) -> bool:
        """Move an open exception to a final state; False when it was no longer open (a conditional update)."""
        result: Any = self.s.execute(
            update(ExceptionRow).where(ExceptionRow.id == exc.id, ExceptionRow.state == "open")
            .values(state=state, resolved_at=utcnow(), resolved_by=actor, resolution=resolution)
            .execution_options(synchronize_session="fetch")
        )
        return bool(result.rowcount == 1)

    def keep_resolution(self, exc: ExceptionRow, resolution: dict[str, Any]) -> None:
        """Store the request and its answer on the resolved exception, so the same request again gets it."""
        exc.resolution = resolution

    def raise_exception(self, order: OrderRow, code: str, queue: str, detail: str, line: int | None) -> int:
        """A new open exception on the order (a rule the corrected order now breaks)."""
        row = ExceptionRow(message_id=order.message_id, order_id=order.id, code=code, queue=queue,
                           detail=column_text(detail), line=line)
        self.s.add(row)
        self.s.flush()
        return row.id

    def replace_order(self, order: OrderRow, customer_id: str | None, lines: list[dict[str, Any]], value: Decimal,
                      signature: list[Any]) -> None:
        """The order's customer and lines as a person corrected them."""
        order.customer_id, order.lines, order.value, order.signature = customer_id, lines, value, signature

    def release(self, order: OrderRow, load_id: int | None) -> None:
        """Release a held order: it now counts toward its customer's running credit check, and its dealer's
        confirmation is queued in the same transaction."""
        order.state, order.released_at, order.load_id = "released", utcnow(), load_id
        erp_in(self.s, order)
        outbound_in(self.s, f"confirmation:{order.id}", "confirmation", self.message, order_id=order.id)

    def reject(self, order: OrderRow) -> None:
        """Cancel an order."""
        order.state = "rejected"

    def hold(self, order: OrderRow) -> None:
        """Take a released order back (an amendment raised a finding): it waits for its exceptions again."""
        order.state, order.released_at = "held", None

    def outbound_state(self, key: str) -> str | None:
        """The state of the outbound message ``key`` (pending, sending, sent, ...), None when there is none."""
        return self.s.scalar(select(OutboundRow.state).where(OutboundRow.key == key))

    def skip_outbound(self, key: str, reason: str) -> None:
        """Drop an outbound message that is not sent yet (an order merged into another: one confirmation)."""
        self.s.execute(update(OutboundRow).where(OutboundRow.key == key, OutboundRow.state == "pending")
                       .values(state="skipped", error=reason, closed_at=utcnow()))

    def other_order(self, order_id: int) -> OrderRow | None:
        """Another order, locked (after this transaction's own)."""
        return self.s.get(OrderRow, order_id, with_for_update=True, populate_existing=True)

    def queue_outbound(self, key: str, kind: str, order: OrderRow) -> int | None:
        """Queue a message about ``order`` to its dealer, in this transaction."""
        return outbound_in(self.s, key, kind, self.message, order_id=order.id)

    def audit(self, event: str, actor: str, role: str, detail: dict[str, Any]) -> None:
        """One state change of this resolution."""
        self.s.add(AuditRow(actor=actor, role=role, channel=self.message.channel, message_id=self.message.id,
                            event=event, detail=detail))

    def learn(self, rows: Sequence[tuple[str, str, str, int]]) -> None:
        """Teach the customers' aliases now (every worker's matcher refreshes before its next message)."""
        learn_in(self.s, rows, source="correction")

    def learn_units(self, rows: Sequence[tuple[str, str, str, int]]) -> None:
        """Teach unit words now (customer or "*", word, unit, support), as a person's correction."""
        learn_units_in(self.s, rows, source="correction")

    def correction(self, *, customer_id: str | None, text: str, product: str, sku: str | None, qty: float | None,
                   uom: str | None, actor: str) -> int:
        """Keep a corrected line as training data."""
        return correction_in(self.s, self.message.id, customer_id=customer_id, text=text, product=product,
                                sku=sku, qty=qty, uom=uom, actor=actor,
                                order_id=self.order.id if self.order is not None else None)


@dataclass
class ResolutionTxn(OrderTxn):
    """The rows of one resolution: the order's, plus the exception being resolved."""

    exception: ExceptionRow


class Resolutions:
    """Opens resolution transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def open(self, exception_id: int) -> Iterator[ResolutionTxn | None]:
        """Lock the exception's message, order and the exception itself; None when there is no such exception."""
        with self.store.write() as s:
            found = s.execute(select(ExceptionRow.message_id, ExceptionRow.order_id)
                              .where(ExceptionRow.id == exception_id)).first()
            if found is None:
                yield None
                return
            message = s.get(MessageRow, found[0], with_for_update=True)
            order = s.get(OrderRow, found[1], with_for_update=True) if found[1] is not None else None
            exc = s.get(ExceptionRow, exception_id, with_for_update=True, populate_existing=True)
            assert message is not None and exc is not None
            yield ResolutionTxn(s, order, message, exc)

    @contextmanager
    def open_order(self, order_id: int) -> Iterator[OrderTxn | None]:
        """Lock an order and its message (in that fixed order: message, then order); None when there is none."""
        with self.store.write() as s:
            message_id = s.scalar(select(OrderRow.message_id).where(OrderRow.id == order_id))
            if message_id is None:
                yield None
                return
            message = s.get(MessageRow, message_id, with_for_update=True)
            order = s.get(OrderRow, order_id, with_for_update=True, populate_existing=True)
            assert message is not None and order is not None
            yield OrderTxn(s, order, message)

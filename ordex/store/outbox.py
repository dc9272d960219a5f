"""The outbox of messages to dealers: claimed by a dispatcher with a lease, marked sent, retried or dead.

Rows are written in the transaction of what caused them (``queries.outbound_in``); a dispatcher claims a due
row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the one writer on SQLite), sends it and marks it sent. A row
whose dispatcher died is due again when its lease lapses, so every row is sent at least once and, unless a
process dies between the provider's answer and the commit, exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update

from ordex.store.queries import as_utc, outbound_in
from ordex.store.tables import AuditRow, MessageRow, OrderRow, OutboundRow, utcnow

if TYPE_CHECKING:
    from ordex.store.store import Store


@dataclass(frozen=True)
class Outbound:
    """One outbound message with what composing it needs: the inbound message it answers and its order."""

    id: int
    key: str
    kind: str
    channel: str
    recipient: str
    state: str
    attempts: int
    payload: dict[str, Any]
    body: str
    exception_id: int | None
    order_id: int | None
    message_id: int | None
    external_id: str = ""
    subject: str = ""
    raw: bytes = b""
    raw_kind: str = ""
    received_at: datetime | None = None
    customer_id: str | None = None
    order_lines: list[dict[str, Any]] = field(default_factory=list)
    order_state: str = ""
    sent_at: datetime | None = None
    provider_id: str | None = None
    order_value: float = 0.0
    released_at: datetime | None = None
    message_channel: str = ""
    error: str | None = None


CHAT = ("whatsapp", "sms")  # channels on which a dealer sends an order in several messages


def _due(now: datetime) -> Any:
    """Rows waiting for their time, and rows whose dispatcher's lease lapsed."""
    return or_(and_(OutboundRow.state == "pending", OutboundRow.next_at <= now),
               and_(OutboundRow.state == "sending", OutboundRow.lease_until < now))


class Outbox:
    """Claims, results and reads of the outbound messages."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim_next(self, lease_seconds: float, settle_seconds: float = 0.0, erp_hold_seconds: float = 0.0,
                   skip: tuple[str, ...] = ()) -> Outbound | None:
        """Lease the oldest due message (counting the attempt); None when nothing is due. A chat confirmation is
        due ``settle_seconds`` after it was queued, so the rest of a burst can join its order first; an order
        for the ERP ``erp_hold_seconds`` after, so a dealer's correction can still reach it; channels in
        ``skip`` (no sender configured: the ERP's) wait."""
        now = utcnow()
        settling = or_(and_(OutboundRow.kind == "confirmation", OutboundRow.channel.in_(CHAT),
                            OutboundRow.created_at > now - timedelta(seconds=settle_seconds)),
                       and_(OutboundRow.channel == "erp",
                            OutboundRow.created_at > now - timedelta(seconds=erp_hold_seconds)))
        with self.store.write() as s:
            q = select(OutboundRow.id).where(_due(now), ~settling)
            if skip:
                q = q.where(OutboundRow.channel.not_in(skip))
            row_id = s.scalar(q
                              .order_by(OutboundRow.next_at, OutboundRow.id)
                              .limit(1).with_for_update(skip_locked=True))
            if row_id is None:
                return None
            s.execute(update(OutboundRow).where(OutboundRow.id == row_id)
                      .values(state="sending", lease_until=now + timedelta(seconds=lease_seconds),
                              attempts=OutboundRow.attempts + 1))
        return self.get(int(row_id))

    def get(self, outbound_id: int) -> Outbound | None:
        """One outbound message with its inbound message and order."""
        with self.store.session() as s:
            row = s.get(OutboundRow, outbound_id)
            if row is None:
                return None
            msg = s.get(MessageRow, row.message_id) if row.message_id is not None else None
            order = s.get(OrderRow, row.order_id) if row.order_id is not None else None
            return Outbound(
                id=row.id, key=row.key, kind=row.kind, channel=row.channel, recipient=row.recipient, state=row.state,
                attempts=row.attempts, payload=dict(row.payload or {}), body=row.body, exception_id=row.exception_id,
                order_id=row.order_id, message_id=row.message_id,
                external_id=msg.external_id if msg else "", subject=msg.subject if msg else "",
                raw=msg.raw if msg else b"", raw_kind=msg.raw_kind if msg else "",
                received_at=as_utc(msg.received_at) if msg else None,
                customer_id=order.customer_id if order else None, order_lines=list(order.lines) if order else [],
                order_state=order.state if order else "",
                sent_at=as_utc(row.sent_at) if row.sent_at else None, provider_id=row.provider_id,
                order_value=float(order.value) if order else 0.0,
                released_at=as_utc(order.released_at) if order and order.released_at else None,
                message_channel=msg.channel if msg else "", error=row.error)

    def sent(self, outbound_id: int, body: str, provider_id: str, payload: dict[str, Any]) -> None:
        """Mark a message sent, keeping what was sent and the provider's id; audited on its inbound message."""
        with self.store.write() as s:
            row = s.get(OutboundRow, outbound_id, with_for_update=True)
            assert row is not None
            row.state, row.body, row.provider_id, row.sent_at, row.lease_until = "sent", body, provider_id, utcnow(), None
            row.payload, row.error = {**(row.payload or {}), **payload}, None
            s.add(AuditRow(channel=row.channel, message_id=row.message_id, event="dealer_message_sent",
                           detail={"outbound_id": row.id, "kind": row.kind, "to": row.recipient, "order_id": row.order_id,
                                   "exception_id": row.exception_id, "provider_id": provider_id}))

    def failed(self, outbound_id: int, error: str, retry_in: float | None) -> None:
        """A failed attempt: due again after ``retry_in`` seconds, or a dead letter when None (audited)."""
        with self.store.write() as s:
            row = s.get(OutboundRow, outbound_id, with_for_update=True)
            assert row is not None
            row.error, row.lease_until = error[:2000], None
            if retry_in is None:
                row.state = "dead"
                s.add(AuditRow(channel=row.channel, message_id=row.message_id, event="dealer_message_dead",
                               detail={"outbound_id": row.id, "kind": row.kind, "to": row.recipient, "error": error}))
            else:
                row.state, row.next_at = "pending", utcnow() + timedelta(seconds=retry_in)

    def skip(self, outbound_id: int, reason: str) -> None:
        """Nothing worth sending after all (a question with no good options): kept with the reason."""
        with self.store.write() as s:
            row = s.get(OutboundRow, outbound_id, with_for_update=True)
            assert row is not None
            row.state, row.error, row.lease_until, row.closed_at = "skipped", reason, None, utcnow()

    def open_question(self, recipient: str, since: datetime) -> Outbound | None:
        """The latest question sent to ``recipient`` after ``since`` that is not answered yet."""
        with self.store.session() as s:
            row_id = s.scalar(select(OutboundRow.id).where(
                OutboundRow.recipient == recipient, OutboundRow.kind == "question", OutboundRow.state == "sent",
                OutboundRow.closed_at.is_(None), OutboundRow.sent_at >= since).order_by(OutboundRow.id.desc()).limit(1))
        return self.get(int(row_id)) if row_id is not None else None

    def last_sent(self, recipient: str, kinds: tuple[str, ...], since: datetime) -> Outbound | None:
        """The latest message of these kinds sent to ``recipient`` after ``since``."""
        with self.store.session() as s:
            row_id = s.scalar(select(OutboundRow.id).where(
                OutboundRow.recipient == recipient, OutboundRow.kind.in_(kinds), OutboundRow.state == "sent",
                OutboundRow.sent_at >= since).order_by(OutboundRow.id.desc()).limit(1))
        return self.get(int(row_id)) if row_id is not None else None

    def delivery(self, provider_id: str, status: str) -> bool:
        """Record a provider's delivery status (sent, delivered, read, failed) on the message it names (audited);
        False when no outbound message has that id. A status never moves back (read stays read)."""
        rank = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
        with self.store.write() as s:
            row = s.scalar(select(OutboundRow).where(OutboundRow.provider_id == provider_id).with_for_update())
            if row is None:
                return False
            was = str((row.payload or {}).get("delivery", ""))
            if rank.get(status, 0) > rank.get(was, 0):
                row.payload = {**(row.payload or {}), "delivery": status}
                s.add(AuditRow(channel=row.channel, message_id=row.message_id, event="dealer_message_status",
                               detail={"outbound_id": row.id, "kind": row.kind, "status": status}))
            return True

    def for_exception(self, exception_id: int) -> Outbound | None:
        """The latest question asked about an exception, if any."""
        with self.store.session() as s:
            row_id = s.scalar(select(OutboundRow.id).where(OutboundRow.exception_id == exception_id,
                                                           OutboundRow.kind == "question")
                              .order_by(OutboundRow.id.desc()).limit(1))
        return self.get(int(row_id)) if row_id is not None else None

    def close(self, outbound_id: int, how: str, reply_message: int | None = None) -> bool:
        """Close a question (answered, not understood, expired); False when it was closed already."""
        with self.store.write() as s:
            row = s.get(OutboundRow, outbound_id, with_for_update=True)
            if row is None or row.closed_at is not None:
                return False
            row.closed_at = utcnow()
            row.payload = {**(row.payload or {}), "closed": how, "reply_message": reply_message}
            return True

    def queue(self, message_row: int, key: str, kind: str, *, order_id: int | None = None,
              exception_id: int | None = None, payload: dict[str, Any] | None = None) -> int | None:
        """Queue a message to the sender of ``message_row`` (once per ``key``)."""
        with self.store.write() as s:
            msg = s.get(MessageRow, message_row)
            assert msg is not None
            return outbound_in(s, key, kind, msg, order_id=order_id, exception_id=exception_id, payload=payload)

    def redrive(self, outbound_id: int, actor: str, role: str) -> Outbound | None:
        """A dead letter due again now, its attempts counted from zero (audited); None when it is not dead."""
        with self.store.write() as s:
            row = s.get(OutboundRow, outbound_id, with_for_update=True)
            if row is None or row.state != "dead":
                return None
            row.state, row.attempts, row.next_at, row.error = "pending", 0, utcnow(), None
            s.add(AuditRow(actor=actor, role=role, channel=row.channel, message_id=row.message_id,
                           event="delivery_redriven", detail={"outbound_id": row.id, "kind": row.kind}))
        return self.get(outbound_id)

    def listing(self, limit: int = 200, channel: str | None = None, state: str | None = None) -> list[Outbound]:
        """The latest outbound messages, newest first."""
        with self.store.session() as s:
            q = select(OutboundRow.id)
            if channel is not None:
                q = q.where(OutboundRow.channel == channel)
            if state is not None:
                q = q.where(OutboundRow.state == state)
            ids = list(s.scalars(q.order_by(OutboundRow.id.desc()).limit(limit)))
        return [o for i in ids if (o := self.get(i)) is not None]

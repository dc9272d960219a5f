"""Read models of the store for the API and the metrics: messages, orders, exceptions, the audit trail, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ordex.store.tables import AttachmentRow, AuditRow, ExceptionRow, MessageRow, OrderRow, OutboundRow

if TYPE_CHECKING:
    from ordex.store.store import Store

RAW_TEXT_LIMIT = 20_000  # characters of a raw body shown when processing left no parsed text


def iso(t: datetime | None) -> str | None:
    """A stored time as ISO 8601 in UTC (SQLite gives it back without a zone)."""
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()


def money(v: Decimal | None) -> float | None:
    """A stored amount as a JSON number."""
    return None if v is None else float(v)


def exception_brief(e: ExceptionRow) -> dict[str, Any]:
    """An exception in a list of its order's or message's exceptions."""
    return {"exception_id": e.id, "code": e.code, "queue": e.queue, "state": e.state, "detail": e.detail}


def order_view(o: OrderRow, exceptions: Sequence[ExceptionRow], external_id: str) -> dict[str, Any]:
    """An order with its lines (and their candidates) and its exceptions."""
    return {"order_id": o.id, "message_id": o.message_id, "id": external_id, "section": o.section,
            "customer_id": o.customer_id, "state": o.state, "value": money(o.value), "lines": o.lines,
            "received_at": iso(o.received_at), "released_at": iso(o.released_at),
            "exceptions": [exception_brief(e) for e in exceptions]}


def message_text(m: MessageRow) -> str:
    """The text the pipeline read as the message body; the raw body when processing left none."""
    parsed = (m.case_json or {}).get("message", {})
    if parsed:
        return str(parsed.get("text", ""))
    return m.raw[: RAW_TEXT_LIMIT * 4].decode("utf-8", "replace")[:RAW_TEXT_LIMIT]


# An exception with its message and (when it concerns one) its order.
EXCEPTION_ROWS = (select(ExceptionRow, MessageRow, OrderRow)
                  .join(MessageRow, MessageRow.id == ExceptionRow.message_id)
                  .outerjoin(OrderRow, OrderRow.id == ExceptionRow.order_id))


class Views:
    """What the API shows: each read is one short transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- messages and orders --------------------------------------------------------------------------
    def message_row(self, external_id: str) -> int | None:
        """The row id of a message by the id its sender gave it."""
        with self.store.session() as s:
            return s.scalar(select(MessageRow.id).where(MessageRow.external_id == external_id))

    def message(self, message_row: int) -> dict[str, Any] | None:
        """A stored message: its queue state, its prediction once processed, its orders and exceptions."""
        with self.store.session() as s:
            m = s.get(MessageRow, message_row)
            if m is None:
                return None
            orders = list(s.scalars(select(OrderRow.id).where(OrderRow.message_id == m.id).order_by(OrderRow.id)))
            exceptions = list(s.scalars(select(ExceptionRow).where(ExceptionRow.message_id == m.id)
                                        .order_by(ExceptionRow.id)))
            return {"message_id": m.id, "id": m.external_id, "channel": m.channel, "sender": m.sender,
                    "subject": m.subject, "received_at": iso(m.received_at), "state": m.state, "status": m.status,
                    "error": m.error, "attempts": m.attempts, "processed_at": iso(m.processed_at),
                    "attachments": self._attachments(s, m.id), "order_ids": orders,
                    "exceptions": [exception_brief(e) for e in exceptions], "prediction": m.prediction}

    @staticmethod
    def _attachments(s: Session, message_row: int) -> list[dict[str, Any]]:
        """Name, type, sha256 and size of a message's attachments (not the bytes)."""
        q = (select(AttachmentRow.filename, AttachmentRow.content_type, AttachmentRow.sha256,
                    func.length(AttachmentRow.data))
             .where(AttachmentRow.message_id == message_row).order_by(AttachmentRow.position))
        return [{"filename": f, "content_type": t, "sha256": h, "bytes": n} for f, t, h, n in s.execute(q)]

    def attachment(self, message_row: int, position: int) -> tuple[str, str, bytes] | None:
        """One attachment's name, type and bytes, as received."""
        with self.store.session() as s:
            row = s.execute(select(AttachmentRow.filename, AttachmentRow.content_type, AttachmentRow.data)
                            .where(AttachmentRow.message_id == message_row)
                            .order_by(AttachmentRow.position).offset(position).limit(1)).first()
            return (row[0], row[1], row[2]) if row is not None else None

    def message_queues(self, message_row: int) -> set[str]:
        """The queues a message's exceptions are in (who may see its attachments)."""
        with self.store.session() as s:
            return set(s.scalars(select(ExceptionRow.queue).where(ExceptionRow.message_id == message_row)))

    def order(self, order_id: int) -> dict[str, Any] | None:
        """An order with its lines, exceptions and its hand-off to the ERP."""
        with self.store.session() as s:
            o = s.get(OrderRow, order_id)
            if o is None:
                return None
            external = s.scalar(select(MessageRow.external_id).where(MessageRow.id == o.message_id)) or ""
            return {**order_view(o, self._order_exceptions(s, o), external), "delivery": self._delivery(s, o.id)}

    @staticmethod
    def _delivery(s: Session, order_id: int) -> dict[str, Any] | None:
        """Where the order's hand-off to the ERP stands (None: not released, so not queued)."""
        row = s.scalar(select(OutboundRow).where(OutboundRow.key == f"erp:{order_id}"))
        if row is None:
            return None
        return {"delivery_id": row.id, "state": row.state, "attempts": row.attempts, "delivered_at": iso(row.sent_at),
                "next_attempt_at": iso(row.next_at) if row.state == "pending" else None, "error": row.error}

    def orders(self, status: str | None, customer_id: str | None, since: datetime | None, after: int,
               limit: int) -> list[dict[str, Any]]:
        """Orders by id after a cursor, filtered by state, customer and receipt time, with their delivery."""
        q = select(OrderRow, MessageRow.external_id).join(MessageRow, MessageRow.id == OrderRow.message_id) \
            .where(OrderRow.id > after)
        if status:
            q = q.where(OrderRow.state == status)
        if customer_id:
            q = q.where(OrderRow.customer_id == customer_id)
        if since is not None:
            q = q.where(OrderRow.received_at >= since)
        with self.store.session() as s:
            rows = s.execute(q.order_by(OrderRow.id).limit(limit)).all()
            return [{**order_view(o, self._order_exceptions(s, o), ext), "delivery": self._delivery(s, o.id)}
                    for o, ext in rows]

    @staticmethod
    def _order_exceptions(s: Session, o: OrderRow) -> list[ExceptionRow]:
        """The order's own exceptions and its message's (an unreadable attachment holds every order of it)."""
        q = select(ExceptionRow).where(
            or_(ExceptionRow.order_id == o.id,
                (ExceptionRow.order_id.is_(None)) & (ExceptionRow.message_id == o.message_id))
        ).order_by(ExceptionRow.id)
        return list(s.scalars(q))

    # -- exceptions ---------------------------------------------------------------------------------------
    def exception_queue(self, exception_id: int) -> str | None:
        """The queue an exception is in (to check a role may see it), or None when there is none."""
        with self.store.session() as s:
            return s.scalar(select(ExceptionRow.queue).where(ExceptionRow.id == exception_id))

    def exception(self, exception_id: int) -> dict[str, Any] | None:
        """One exception with the original message, what was extracted and its order."""
        with self.store.session() as s:
            q = EXCEPTION_ROWS.where(ExceptionRow.id == exception_id)
            hit = s.execute(q).first()
            return self._exception_view(s, hit[0], hit[1], hit[2]) if hit is not None else None

    def exceptions(self, queues: Sequence[str] | None, state: str | None, limit: int = 100,
                   offset: int = 0) -> list[dict[str, Any]]:
        """Exceptions of the given queues (None: all) in a state (None: any), oldest first."""
        with self.store.session() as s:
            q = EXCEPTION_ROWS
            if queues is not None:
                q = q.where(ExceptionRow.queue.in_(list(queues)))
            if state is not None:
                q = q.where(ExceptionRow.state == state)
            q = q.order_by(ExceptionRow.id).limit(limit).offset(offset)
            return [self._exception_view(s, r[0], r[1], r[2]) for r in s.execute(q).all()]

    def open_on_lines(self, customer_id: str, code: str) -> list[tuple[int, int, list[dict[str, Any]]]]:
        """(exception id, order id, order lines) of the customer's open exceptions of a code, oldest first: what
        a person's answer about a phrase may settle elsewhere."""
        with self.store.session() as s:
            rows = s.execute(select(ExceptionRow.id, OrderRow.id, OrderRow.lines).join(OrderRow, ExceptionRow.order_id == OrderRow.id)
                             .where(ExceptionRow.state == "open", ExceptionRow.code == code,
                                    OrderRow.customer_id == customer_id, OrderRow.state == "held")
                             .order_by(ExceptionRow.id)).all()
            return [(int(e), int(o), list(lines)) for e, o, lines in rows]

    def queue(self, queues: Sequence[str], limit: int = 2000) -> list[dict[str, Any]]:
        """The open exceptions of some queues in the shape of ``exception`` but only what a queue's list shows
        (one query, no message bodies, attachments or siblings), oldest first."""
        q = (select(ExceptionRow.id, ExceptionRow.code, ExceptionRow.queue, ExceptionRow.detail, ExceptionRow.line,
                    ExceptionRow.created_at, MessageRow.channel, MessageRow.received_at, MessageRow.external_id,
                    OrderRow.id, OrderRow.customer_id, OrderRow.lines)
             .join(MessageRow, MessageRow.id == ExceptionRow.message_id)
             .outerjoin(OrderRow, OrderRow.id == ExceptionRow.order_id)
             .where(ExceptionRow.state == "open", ExceptionRow.queue.in_(list(queues)))
             .order_by(ExceptionRow.id).limit(limit))
        out = []
        with self.store.session() as s:
            for eid, code, queue, detail, line, created, channel, received, ext, oid, customer, lines in s.execute(q):
                lines = list(lines or [])
                out.append({"exception_id": eid, "code": code, "queue": queue, "detail": detail, "line": line,
                            "created_at": iso(created),
                            "message": {"channel": channel, "received_at": iso(received), "id": ext},
                            "order": None if oid is None else {"order_id": oid, "customer_id": customer, "lines": lines},
                            "extracted": {"line": lines[line] if line is not None and 0 <= line < len(lines) else None}})
        return out

    def _exception_view(self, s: Session, e: ExceptionRow, m: MessageRow, o: OrderRow | None) -> dict[str, Any]:
        """An exception with its message, what was extracted, its order and its siblings."""
        case = m.case_json or {}
        siblings = self._order_exceptions(s, o) if o is not None else list(
            s.scalars(select(ExceptionRow).where(ExceptionRow.message_id == m.id).order_by(ExceptionRow.id)))
        line = o.lines[e.line] if o is not None and e.line is not None and 0 <= e.line < len(o.lines) else None
        return {
            "exception_id": e.id, "code": e.code, "queue": e.queue, "state": e.state, "detail": e.detail,
            "line": e.line, "created_at": iso(e.created_at), "resolved_at": iso(e.resolved_at),
            "resolved_by": e.resolved_by,
            "message": {"message_id": m.id, "id": m.external_id, "channel": m.channel, "sender": m.sender,
                        "subject": m.subject, "received_at": iso(m.received_at), "text": message_text(m),
                        "attachments": self._attachments(s, m.id)},
            "extracted": {"blocks": [b.get("text", "") for b in case.get("blocks", [])],
                          "boxes": [{k: b.get(k) for k in ("attachment", "page", "bbox", "text", "confidence")}
                                    for b in case.get("blocks", []) if b.get("bbox") and b.get("attachment") is not None],
                          "transcript": (m.prediction or {}).get("transcript"),
                          "line": line},
            "order": order_view(o, [x for x in siblings if x.id != e.id], m.external_id) if o is not None else None,
            "other_exceptions": [exception_brief(x) for x in siblings if x.id != e.id],
        }

    # -- audit and counts ------------------------------------------------------------------------------------
    def audit(self, message_row: int | None = None, event: str | None = None, limit: int = 500,
              before: int | None = None) -> list[dict[str, Any]]:
        """Audit events, oldest first: one message's whole history, or the newest of the whole trail."""
        with self.store.session() as s:
            q = select(AuditRow)
            if message_row is not None:
                q = q.where(AuditRow.message_id == message_row)
            if event is not None:
                q = q.where(AuditRow.event == event)
            if before is not None:
                q = q.where(AuditRow.id < before)
            rows = list(s.scalars(q.order_by(AuditRow.id.desc()).limit(limit)))
            return [{"event_id": r.id, "at": iso(r.at), "actor": r.actor, "role": r.role, "channel": r.channel,
                     "message_id": r.message_id, "event": r.event, "detail": r.detail} for r in reversed(rows)]

    def message_counts(self) -> list[tuple[str, str, int]]:
        """(channel, status, count) of every stored message; the queue state stands in until it has a status."""
        with self.store.session() as s:
            status = func.coalesce(MessageRow.status, MessageRow.state)
            q = select(MessageRow.channel, status, func.count()).group_by(MessageRow.channel, status)
            return [(c, st, int(n)) for c, st, n in s.execute(q)]

    def exception_counts(self) -> list[tuple[str, str, str, int]]:
        """(code, queue, state, count) of every exception raised."""
        with self.store.session() as s:
            q = (select(ExceptionRow.code, ExceptionRow.queue, ExceptionRow.state, func.count())
                 .group_by(ExceptionRow.code, ExceptionRow.queue, ExceptionRow.state))
            return [(c, qu, st, int(n)) for c, qu, st, n in s.execute(q)]

"""The work queue in the messages table: accepted messages wait as ``received``, a worker leases one at a time.

A lease (owner, until) marks a message ``processing``; when it lapses (its worker died) the message is work
again. PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``; SQLite's writers run one at a time (``BEGIN
IMMEDIATE``), so the same read-then-update is safe there too. Two workers never hold one message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update

from ordex.store.tables import AttachmentRow, MessageRow, utcnow

if TYPE_CHECKING:
    from ordex.store.store import Lease, Store


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment's bytes as received."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class StoredMessage:
    """A message as accepted: enough to rebuild what the pipeline needs after a restart."""

    id: int
    external_id: str
    channel: str
    sender: str
    subject: str
    received_at: datetime
    raw: bytes
    raw_kind: str
    state: str
    attempts: int
    attachments: tuple[StoredAttachment, ...]
    interruptions: int = 0


RETRY = "retry:"  # a lease owner's prefix while a message waits for a planned retry (not an interruption)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Waiting messages, and those whose worker's lease lapsed."""
    return or_(MessageRow.state == "received",
               and_(MessageRow.state == "processing", MessageRow.lease_until < now))


def _claimed(lease: Lease) -> dict[str, Any]:
    """The columns a claim sets: leased to us, not started, one more attempt, and one more interruption when the
    lease it takes over lapsed while the pipeline ran (not while the message waited, nor before a planned retry)."""
    interrupted = and_(MessageRow.state == "processing", MessageRow.started_at.is_not(None),
                       or_(MessageRow.lease_owner.is_(None), ~MessageRow.lease_owner.startswith(RETRY)))
    return {"state": "processing", "lease_owner": lease.owner, "lease_until": lease.until(), "started_at": None,
            "attempts": MessageRow.attempts + 1,
            "interruptions": MessageRow.interruptions + case((interrupted, 1), else_=0)}


class WorkQueue:
    """Claims, lease renewals and reads of the messages waiting to be processed."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, message_row: int, lease: Lease) -> bool:
        """Lease one given message if it is waiting or its lease lapsed; False when someone else holds it."""
        now = utcnow()
        with self.store.write() as s:
            result: Any = s.execute(
                update(MessageRow).where(MessageRow.id == message_row, _claimable(now)).values(**_claimed(lease))
            )
            return bool(result.rowcount == 1)

    def claim_next(self, lease: Lease) -> int | None:
        """Lease the oldest waiting message (or one whose lease lapsed); None when there is none."""
        now = utcnow()
        with self.store.write() as s:
            row_id = s.scalar(select(MessageRow.id).where(_claimable(now)).order_by(MessageRow.id).limit(1)
                              .with_for_update(skip_locked=True))
            if row_id is None:
                return None
            s.execute(update(MessageRow).where(MessageRow.id == row_id).values(**_claimed(lease)))
            return int(row_id)

    def renew(self, rows: Iterable[int], lease: Lease) -> None:
        """Extend the leases this worker still holds (a heartbeat while it works)."""
        ids = list(rows)
        if not ids:
            return
        with self.store.write() as s:
            s.execute(update(MessageRow).where(MessageRow.id.in_(ids), MessageRow.lease_owner == lease.owner,
                                               MessageRow.state == "processing")
                      .values(lease_until=lease.until()))

    def retry_later(self, message_row: int, lease: Lease, seconds: float) -> None:
        """Keep the message leased for ``seconds`` more, then any worker may take it again (a transient failure;
        marked as planned, so the next claim does not count it as an interruption)."""
        with self.store.write() as s:
            s.execute(update(MessageRow).where(MessageRow.id == message_row, MessageRow.lease_owner == lease.owner,
                                               MessageRow.state == "processing")
                      .values(lease_until=utcnow() + timedelta(seconds=seconds), lease_owner=RETRY + lease.owner))

    def started(self, message_row: int, lease: Lease) -> None:
        """Mark that the pipeline starts on a message we hold: if our lease lapses from now on, it was interrupted."""
        with self.store.write() as s:
            s.execute(update(MessageRow).where(MessageRow.id == message_row, MessageRow.lease_owner == lease.owner,
                                               MessageRow.state == "processing")
                      .values(started_at=utcnow()))

    def interruptions(self, message_row: int) -> int:
        """How often the message's processing was interrupted (see ``MessageRow.interruptions``)."""
        with self.store.session() as s:
            return int(s.scalar(select(MessageRow.interruptions).where(MessageRow.id == message_row)) or 0)

    def depth(self) -> int:
        """How many accepted messages have no result yet (waiting or being processed)."""
        with self.store.session() as s:
            n = s.scalar(select(func.count()).select_from(MessageRow)
                         .where(MessageRow.state.in_(("received", "processing"))))
            return int(n or 0)

    def state(self, message_row: int) -> str | None:
        """The message's queue state (received, processing, done, failed), or None if there is no such row."""
        with self.store.session() as s:
            return s.scalar(select(MessageRow.state).where(MessageRow.id == message_row))

    def stored(self, message_row: int) -> StoredMessage | None:
        """The message as accepted, with its attachments' bytes."""
        with self.store.session() as s:
            row = s.get(MessageRow, message_row)
            if row is None:
                return None
            atts = s.scalars(select(AttachmentRow).where(AttachmentRow.message_id == message_row)
                             .order_by(AttachmentRow.position))
            received = row.received_at
            return StoredMessage(
                id=row.id, external_id=row.external_id, channel=row.channel, sender=row.sender, subject=row.subject,
                received_at=received if received.tzinfo else received.replace(tzinfo=utcnow().tzinfo),
                raw=row.raw, raw_kind=row.raw_kind, state=row.state, attempts=row.attempts,
                attachments=tuple(StoredAttachment(a.filename, a.content_type, a.data) for a in atts),
                interruptions=row.interruptions,
            )

    def store_attachments(self, message_row: int, attachments: Iterable[StoredAttachment]) -> None:
        """Keep media fetched for a message (a WhatsApp photo) with it, so a retry does not fetch it again."""
        with self.store.write() as s:
            start = s.scalar(select(func.count()).select_from(AttachmentRow)
                             .where(AttachmentRow.message_id == message_row)) or 0
            for i, a in enumerate(attachments):
                s.add(AttachmentRow(message_id=message_row, position=start + i, filename=a.filename,
                                    content_type=a.content_type, sha256=hashlib.sha256(a.data).hexdigest(), data=a.data))

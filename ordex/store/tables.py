"""The store's tables (SQLAlchemy 2 declarative); Alembic migrations in ``ordex/migrations`` create them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every ordex table."""


class MessageRow(Base):
    """A raw message, committed before any processing, and what processing made of it."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(300), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_kind: Mapped[str] = mapped_column(String(32), default="json")
    raw_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="received")
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    case_json: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    prediction: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The work queue: state received -> processing (leased) -> done | failed; a lapsed lease is work again.
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the pipeline started on the message under its current lease (None: not yet; a message waiting for a
    # worker's lock is not being processed), and the claims that found a lease lapsed after that: a message that
    # brought its worker down is held for a person rather than leased to the next worker.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    interruptions: Mapped[int] = mapped_column(default=0, server_default="0")


class AttachmentRow(Base):
    """An attachment's bytes as received."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class OrderRow(Base):
    """One order of a message (a message may hold several, one per sub-dealer)."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_received", "customer_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    section: Mapped[int] = mapped_column(default=0)
    customer_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state: Mapped[str] = mapped_column(String(16))  # released | held | rejected
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0))
    signature: Mapped[list[Any]] = mapped_column(JSON, default=list)
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    load_id: Mapped[int | None] = mapped_column(nullable=True)


class ExceptionRow(Base):
    """One exception code raised on an order (or on the message, for UNREADABLE), in its queue."""

    __tablename__ = "exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True, index=True)
    code: Mapped[str] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int | None] = mapped_column(nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | approved | rejected | fixed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # the request and its answer


class MasterDataRow(Base):
    """A master-data load: the whole validated snapshot, so a reload is one atomic insert."""

    __tablename__ = "master_data"

    id: Mapped[int] = mapped_column(primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class LearnedUnitRow(Base):
    """A unit word learned from history or from a person's correction: "thappi" means a carton here."""

    __tablename__ = "learned_units"
    __table_args__ = (Index("ix_learned_unit", "customer_id", "word", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100))  # "*": every customer of the distributor
    word: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(32))
    support: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(32), default="history")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LearnedAliasRow(Base):
    """An alias learned from history or from a person's correction."""

    __tablename__ = "learned_aliases"
    __table_args__ = (Index("ix_learned_alias", "customer_id", "alias", "sku", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100))
    alias: Mapped[str] = mapped_column(String(500))
    sku: Mapped[str] = mapped_column(String(100))
    support: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(32), default="history")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditRow(Base):
    """One state change: who, through which channel, on which message, what."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="system")
    role: Mapped[str] = mapped_column(String(16), default="", server_default="")
    channel: Mapped[str] = mapped_column(String(32), default="")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True, index=True)
    event: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CorrectionRow(Base):
    """A line a person fixed when resolving an exception: training data for the tagger and the matcher."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True)
    customer_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str] = mapped_column(Text, default="")
    sku: Mapped[str | None] = mapped_column(String(100), nullable=True)
    qty: Mapped[Decimal | None] = mapped_column(Numeric(18, 4), nullable=True)
    uom: Mapped[str | None] = mapped_column(String(32), nullable=True)
    actor: Mapped[str] = mapped_column(String(200), default="system")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKeyRow(Base):
    """An API key: only its sha256 is kept, with the name and role it was created for."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="system")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VersionRow(Base):
    """A counter bumped when what every worker caches changes (master data and aliases, models)."""

    __tablename__ = "versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class OutboundRow(Base):
    """A message to a dealer (a confirmation, a clarifying question, a notice), written in the same transaction
    as what caused it and sent by the dispatcher: durable, retried with backoff, sent once per ``key``."""

    __tablename__ = "outbound"
    __table_args__ = (Index("ix_outbound_due", "state", "next_at"), Index("ix_outbound_to", "recipient", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # "confirmation:42:1": what it is about, once
    kind: Mapped[str] = mapped_column(String(32))  # confirmation | question | amended | cancelled | notice
    channel: Mapped[str] = mapped_column(String(16))  # whatsapp | email | sms
    recipient: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True, index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True, index=True)
    exception_id: Mapped[int | None] = mapped_column(ForeignKey("exceptions.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | sent | dead | skipped
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")  # what was sent, as rendered
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # a question's options, the reply's ids
    provider_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # a question answered

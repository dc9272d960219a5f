"""The store: raw messages first, then what each stage found, orders, exceptions, master data and audit.

Embedded SQLite (WAL, busy_timeout) by default, PostgreSQL by URL; the schema comes from Alembic migrations.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ordex.catalog import MasterData
from ordex.schema import ASKABLE, Message
from ordex.store.keys import ApiKeys
from ordex.store.kpis import Kpis
from ordex.store.outbox import Outbox
from ordex.store.queries import (
    DATA_VERSION,
    bump_in,
    column_text,
    correction_in,
    erp_in,
    learn_in,
    learn_units_in,
    outbound_in,
    recent_orders_in,
    released_value_in,
)
from ordex.store.queries import (
    as_utc as _utc,
)
from ordex.store.queries import (
    aware_utc as _aware,
)
from ordex.store.queue import WorkQueue
from ordex.store.resolution import Resolutions
from ordex.store.tables import (
    AttachmentRow,
    AuditRow,
    CorrectionRow,
    ExceptionRow,
    LearnedAliasRow,
    LearnedUnitRow,
    MasterDataRow,
    MessageRow,
    OrderRow,
    VersionRow,
    utcnow,
)
from ordex.store.views import Views

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
MODELS_VERSION = "models"  # a retrained model was promoted: workers reload it


class IdempotencyConflict(Exception):
    """The same message id arrived again with a different body."""


class AlreadyProcessed(Exception):
    """Another worker already wrote this message's result (its lease lapsed and both ran): keep the first."""


@dataclass(frozen=True)
class Lease:
    """A worker's claim on a message: who holds it and for how long before another may take it over."""

    owner: str
    seconds: float

    def until(self) -> datetime:
        """When this lease lapses if not renewed."""
        return utcnow() + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Accepted:
    """A stored message: its row id, and whether it was already there (a retry)."""

    id: int
    existing: bool
    state: str = "received"


@dataclass(frozen=True)
class OrderRecord:
    """An order as the pipeline decided it, ready to be written."""

    section: int
    customer_id: str | None
    released: bool
    value: Decimal
    signature: list[Any]
    lines: list[dict[str, Any]]
    findings: list[dict[str, Any]]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """Open SQLite transactions ourselves: ``BEGIN IMMEDIATE`` for writers, so a read-then-write never races."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("ordex_write") else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for the store URL; SQLite gets WAL and a busy timeout, and its folder is created."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False,
                                                  "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """All reads and writes of the pipeline's state; one instance per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        migrate(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(ordex_write=True), expire_on_commit=False)
        self.queue = WorkQueue(self)
        self.keys = ApiKeys(self)
        self.views = Views(self)
        self.resolutions = Resolutions(self)
        self.outbox = Outbox(self)
        self.kpis = Kpis(self)
        self._ensure_versions()

    def _ensure_versions(self) -> None:
        """Create the version counters once, so bumping them never races on an insert."""
        for name in (DATA_VERSION, MODELS_VERSION):
            try:
                with self.write() as s:
                    if s.get(VersionRow, name) is None:
                        s.add(VersionRow(name=name, value=0))
            except IntegrityError:  # another process created it first
                pass

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite store (one writer at a time), False for PostgreSQL (row locks)."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error."""
        with self._session() as s, s.begin():
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that writes: on SQLite it takes the write lock at its start (``BEGIN IMMEDIATE``)."""
        with self._writer() as s, s.begin():
            yield s

    # -- versions and audit ------------------------------------------------------------------------
    def version(self, name: str = DATA_VERSION) -> int:
        """A counter that moves whenever what it names changes (cheap: one primary-key read, no ORM session)."""
        with self.engine.connect() as c:
            return c.scalar(select(VersionRow.value).where(VersionRow.name == name)) or 0

    bump = staticmethod(bump_in)

    def bump_version(self, name: str) -> None:
        """Move a version counter in a transaction of its own."""
        for attempt in range(3):
            try:
                with self.write() as s:
                    self.bump(s, name)
                return
            except IntegrityError:  # two first bumps at once on PostgreSQL: the other inserted the row
                if attempt == 2:
                    raise

    def audit(self, event: str, *, actor: str = "system", role: str = "", channel: str = "",
              message_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
        """Record one state change that is not part of a larger write (key created, retrained, ...)."""
        with self.write() as s:
            s.add(AuditRow(actor=actor, role=role, channel=channel, message_id=message_id, event=event,
                           detail=detail or {}))

    # -- messages ---------------------------------------------------------------------------------
    def accept(self, message: Message, raw: bytes, raw_kind: str, actor: str = "system", *, role: str = "",
               lease: Lease | None = None) -> Accepted:
        """Commit the raw message (and attachments) before any processing; a known id returns the first copy.

        With a ``lease`` the message is stored already claimed by its caller (``processing``), so no background
        worker takes it while the caller processes it; if the caller dies, the lease lapses and a worker does.
        """
        sha = identity_digest(raw, raw_kind)
        for attempt in range(2):
            try:
                return self._accept(message, raw, raw_kind, sha, actor, role, lease)
            except IntegrityError:  # PostgreSQL: the same new id arrived twice at once; the other one won
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def _accept(self, message: Message, raw: bytes, raw_kind: str, sha: str, actor: str, role: str,
                lease: Lease | None) -> Accepted:
        """One try of ``accept``, in a write transaction."""
        with self.write() as s:
            row = s.scalar(select(MessageRow).where(MessageRow.external_id == message.id))
            if row is not None:
                if row.raw_sha256 not in (sha, hashlib.sha256(raw).hexdigest()):  # (or as stored before 0006)
                    raise IdempotencyConflict(f"message id {message.id!r} was already used for a different body")
                return Accepted(row.id, True, row.state)
            row = MessageRow(
                external_id=message.id, channel=message.channel, sender=column_text(message.sender),
                subject=column_text(message.subject),
                received_at=_utc(message.received_at), raw=raw, raw_kind=raw_kind, raw_sha256=sha,
                state="processing" if lease else "received", lease_owner=lease.owner if lease else None,
                lease_until=lease.until() if lease else None, attempts=1 if lease else 0,
            )
            s.add(row)
            s.flush()
            for i, att in enumerate(message.attachments):
                s.add(AttachmentRow(message_id=row.id, position=i, filename=column_text(att.filename)[:500],
                                    content_type=column_text(att.content_type)[:200], sha256=att.sha256, data=att.data))
            s.add(AuditRow(actor=actor, role=role, channel=message.channel, message_id=row.id, event="received",
                           detail={"external_id": message.id, "sha256": sha, "bytes": len(raw)}))
            return Accepted(row.id, False, row.state)

    def prediction(self, message_row: int) -> dict[str, Any] | None:
        """The stored answer for a processed message, if it has been processed."""
        with self.session() as s:
            row = s.get(MessageRow, message_row)
            return row.prediction if row is not None else None

    def save_result(self, message_row: int, status: str, case_json: dict[str, Any], prediction: dict[str, Any],
                    orders: Sequence[OrderRecord], message_findings: Sequence[dict[str, Any]], received_at: datetime,
                    load_id: int | None) -> dict[str, list[int]]:
        """Write what the pipeline decided, in one transaction: orders, exceptions, status, audit.

        Each code raised on an order is one exception (the contract's rule), its details joined. Raises
        ``AlreadyProcessed`` when another worker already wrote this message's result, so there is one result.
        """
        order_ids: list[int] = []
        exception_ids: list[int] = []
        now = utcnow()
        positions = _order_positions(case_json)
        with self.write() as s:
            msg = s.get(MessageRow, message_row, with_for_update=True)
            assert msg is not None, f"message row {message_row} vanished"
            if msg.state == "done":
                raise AlreadyProcessed(f"message {message_row} already has its result")
            read = case_json.get("message") or {}
            msg.sender = msg.sender or str(read.get("sender") or "")[:320]  # a raw e-mail's From, once parsed
            msg.subject = msg.subject or str(read.get("subject") or "")
            for o in orders:
                row = OrderRow(message_id=message_row, section=o.section, customer_id=o.customer_id,
                               state="released" if o.released else "held", value=o.value, signature=o.signature,
                               lines=o.lines, received_at=_utc(received_at),
                               released_at=now if o.released else None, load_id=load_id)
                s.add(row)
                s.flush()
                order_ids.append(row.id)
                raised = [(self._add_exception(s, message_row, row.id, f), f["code"], f.get("line"))
                          for f in group_findings(o.findings, positions)]
                exception_ids.extend(e for e, _, _ in raised)
                if not message_findings:
                    dealer_message_in(s, msg, row, raised)
                s.add(AuditRow(channel=msg.channel, message_id=message_row,
                               event="released" if o.released else "exception_raised",
                               detail={"order_id": row.id, "customer_id": o.customer_id,
                                       "codes": sorted({f["code"] for f in o.findings})}))
            for f in group_findings(message_findings, {}):
                exception_ids.append(self._add_exception(s, message_row, None, f))
            if message_findings:
                s.add(AuditRow(channel=msg.channel, message_id=message_row, event="exception_raised",
                               detail={"order_id": None, "codes": sorted({f["code"] for f in message_findings})}))
            msg.state, msg.status, msg.case_json, msg.processed_at = "done", status, case_json, now
            msg.lease_owner, msg.lease_until = None, None
            msg.prediction = {**prediction, "message_id": message_row, "order_ids": order_ids,
                              "exception_ids": exception_ids}
            s.add(AuditRow(channel=msg.channel, message_id=message_row, event="processed",
                           detail={"status": status, "orders": order_ids, "exceptions": exception_ids}))
        return {"order_ids": order_ids, "exception_ids": exception_ids}

    @staticmethod
    def _add_exception(s: Session, message_row: int, order_id: int | None, f: dict[str, Any]) -> int:
        row = ExceptionRow(message_id=message_row, order_id=order_id, code=f["code"], queue=f["queue"],
                           detail=column_text(f.get("detail", "")), line=f.get("line"))
        s.add(row)
        s.flush()
        return row.id

    def save_failure(self, message_row: int, answer: dict[str, Any], error: str) -> dict[str, Any]:
        """Hold a message whose processing crashed as UNREADABLE in the intake queue, with its answer stored.

        The raw message stays; a person sees the exception; a retry of the same id gets this answer.
        """
        with self.write() as s:
            msg = s.get(MessageRow, message_row, with_for_update=True)
            assert msg is not None, f"message row {message_row} vanished"
            if msg.state == "done":
                raise AlreadyProcessed(f"message {message_row} already has its result")
            ids = [self._add_exception(s, message_row, None, e) for e in answer["exceptions"]]
            msg.state, msg.status, msg.error, msg.processed_at = "failed", "exception", column_text(error), utcnow()
            msg.lease_owner, msg.lease_until = None, None
            msg.prediction = {**answer, "message_id": message_row, "order_ids": [], "exception_ids": ids}
            s.add(AuditRow(channel=msg.channel, message_id=message_row, event="failed",
                           detail={"error": error, "exceptions": ids}))
            return dict(msg.prediction)

    def customer_orders(self, customer_id: str, before: datetime, since: datetime | None = None,
                        limit: int = 5) -> list[tuple[int, datetime, list[dict[str, Any]]]]:
        """The customer's released orders received before ``before`` (and after ``since``), newest first:
        (order id, received at, lines) — what "same as last time" repeats."""
        q = select(OrderRow).where(OrderRow.customer_id == customer_id, OrderRow.state == "released",
                                   OrderRow.received_at < _utc(before))
        if since is not None:
            q = q.where(OrderRow.received_at >= _utc(since))
        with self.session() as s:
            rows = s.scalars(q.order_by(OrderRow.received_at.desc(), OrderRow.id.desc()).limit(limit))
            return [(o.id, _aware(o.received_at), list(o.lines)) for o in rows]

    def burst_order(self, message_row: int, minutes: float) -> tuple[int, int] | None:
        """(earlier order, this order) when this message's one released order follows, within ``minutes``, a
        released order of an earlier message from the same sender on the same channel for the same customer."""
        with self.session() as s:
            msg = s.get(MessageRow, message_row)
            mine = list(s.scalars(select(OrderRow).where(OrderRow.message_id == message_row)))
            if msg is None or not msg.sender or len(mine) != 1 or mine[0].state != "released":
                return None
            at = _utc(msg.received_at)
            earlier = s.scalar(
                select(OrderRow.id).join(MessageRow, MessageRow.id == OrderRow.message_id)
                .where(MessageRow.sender == msg.sender, MessageRow.channel == msg.channel, MessageRow.id != msg.id,
                       OrderRow.customer_id == mine[0].customer_id, OrderRow.state == "released",
                       OrderRow.received_at >= at - timedelta(minutes=minutes), OrderRow.received_at <= at)
                .order_by(OrderRow.received_at.desc(), OrderRow.id.desc()).limit(1))
            return (int(earlier), mine[0].id) if earlier is not None else None

    def latest_order(self, customer_id: str, since: datetime) -> int | None:
        """The customer's newest order since a time that is not cancelled (what "cancel today's order" means)."""
        with self.session() as s:
            return s.scalar(select(OrderRow.id).where(OrderRow.customer_id == customer_id,
                                                      OrderRow.state != "rejected",
                                                      OrderRow.received_at >= _utc(since))
                            .order_by(OrderRow.received_at.desc(), OrderRow.id.desc()).limit(1))

    def note_exception(self, exception_id: int, note: str, message_row: int | None, actor: str) -> None:
        """Add what the dealer said to an open exception's detail, so the person who takes it sees the conversation."""
        with self.write() as s:
            e = s.get(ExceptionRow, exception_id, with_for_update=True)
            if e is None:
                return
            e.detail = column_text(f"{e.detail}; {note}" if e.detail else note)
            s.add(AuditRow(actor=actor, role="dealer", channel="", message_id=e.message_id, event="dealer_replied",
                           detail={"exception_id": e.id, "note": note, "reply_message": message_row}))

    # -- ledger for the rules -----------------------------------------------------------------------
    def released_value(self, customer_id: str, load_id: int | None) -> Decimal:
        """Value of the customer's orders released since the current master data was loaded."""
        with self.session() as s:
            return released_value_in(s, customer_id, load_id)

    def recent_orders(self, customer_id: str, before: datetime, hours: float) -> list[tuple[str, datetime, list[Any]]]:
        """(message id, received_at, signature) of the customer's orders in the window before a time."""
        with self.session() as s:
            return recent_orders_in(s, customer_id, before, hours)

    # -- master data and aliases ----------------------------------------------------------------------
    def load_master_data(self, md: MasterData, source: str, actor: str = "system", *, role: str = "",
                         changes: dict[str, Any] | None = None) -> int:
        """Store a new master-data snapshot atomically; it becomes the current one, and every worker notices."""
        payload = json.loads(md.model_dump_json())
        with self.write() as s:
            row = MasterDataRow(source=source, payload=payload)
            s.add(row)
            s.flush()
            s.add(AuditRow(actor=actor, role=role, event="master_data_loaded",
                           detail={"load_id": row.id, "source": source, "customers": len(md.customers),
                                   "products": len(md.products), "prices": len(md.prices), "aliases": len(md.aliases),
                                   **({"changes": changes} if changes is not None else {})}))
            self.bump(s, DATA_VERSION)
            return row.id

    def master_data(self) -> tuple[int, MasterData] | None:
        """The current master-data snapshot and its load id, or None before the first load."""
        with self.session() as s:
            row = s.scalar(select(MasterDataRow).order_by(MasterDataRow.id.desc()).limit(1))
            if row is None:
                return None
            return row.id, MasterData.model_validate(row.payload)

    def replace_history_aliases(self, rows: Sequence[tuple[str, str, str, int]]) -> None:
        """Aliases learned from a load's history replace the previous load's (corrections stay)."""
        with self.write() as s:
            s.execute(delete(LearnedAliasRow).where(LearnedAliasRow.source == "history"))
            self.bump(s, DATA_VERSION)
        self.add_learned_aliases(rows, source="history")

    def add_learned_aliases(self, rows: Sequence[tuple[str, str, str, int]], source: str) -> None:
        """Upsert learned aliases (customer, alias, sku, support); every worker's matcher picks them up."""
        with self.write() as s:
            self.learn(s, rows, source)

    learn = staticmethod(learn_in)

    def replace_history_units(self, rows: Sequence[tuple[str, str, str, int]]) -> None:
        """Unit words learned from a load's history replace the previous load's (people's corrections stay)."""
        with self.write() as s:
            s.execute(delete(LearnedUnitRow).where(LearnedUnitRow.source == "history"))
            learn_units_in(s, rows, "history")
            self.bump(s, DATA_VERSION)

    def add_learned_units(self, rows: Sequence[tuple[str, str, str, int]], source: str) -> None:
        """Upsert unit words (customer or "*", word, unit, support); every worker's reader picks them up."""
        with self.write() as s:
            learn_units_in(s, rows, source)

    def learned_units(self) -> dict[tuple[str, str], str]:
        """Every learned unit word as {(customer or "*", word): unit}."""
        with self.session() as s:
            q = select(LearnedUnitRow.customer_id, LearnedUnitRow.word, LearnedUnitRow.unit)
            return {(c, w): u for c, w, u in s.execute(q)}

    def learned_aliases(self) -> list[tuple[str, str, str, int]]:
        """Every learned alias as (customer, alias, sku, support)."""
        with self.session() as s:
            q = select(LearnedAliasRow.customer_id, LearnedAliasRow.alias, LearnedAliasRow.sku, LearnedAliasRow.support)
            return [(c, a, k, n) for c, a, k, n in s.execute(q)]

    def add_correction(self, message_row: int, *, customer_id: str | None, text: str, product: str, sku: str | None,
                       qty: Decimal | float | None, uom: str | None, actor: str, order_id: int | None = None) -> int:
        """Record a line a person corrected (training data for the tagger and the matcher)."""
        with self.write() as s:
            return self.correction(s, message_row, customer_id=customer_id, text=text, product=product, sku=sku,
                                   qty=qty, uom=uom, actor=actor, order_id=order_id)

    correction = staticmethod(correction_in)

    def corrections(self) -> list[tuple[dict[str, Any], list[str]]]:
        """Every correction with the text lines of its message (the blocks the pipeline read), oldest first."""
        with self.session() as s:
            q = select(CorrectionRow, MessageRow.case_json).join(MessageRow, MessageRow.id == CorrectionRow.message_id)
            out = []
            for c, case in s.execute(q.order_by(CorrectionRow.id)):
                blocks = [b["text"] for b in (case or {}).get("blocks", []) if not b.get("fields")]
                out.append(({"text": c.text, "product": c.product, "sku": c.sku, "customer_id": c.customer_id,
                             "qty": None if c.qty is None else float(c.qty), "uom": c.uom}, blocks))
            return out

    def audit_events(self, message_row: int) -> list[dict[str, Any]]:
        """A message's history, oldest first."""
        with self.session() as s:
            q = select(AuditRow).where(AuditRow.message_id == message_row).order_by(AuditRow.id)
            return [{"at": _aware(r.at).isoformat(), "actor": r.actor, "role": r.role, "channel": r.channel,
                     "event": r.event, "detail": r.detail} for r in s.scalars(q)]


def dealer_message_in(s: Session, msg: MessageRow, order: OrderRow, raised: Sequence[tuple[int, str, int | None]]) -> None:
    """Queue what follows a new order: when released, its hand-off to the ERP and its confirmation; when all that
    holds it is a line the dealer can settle (``ASKABLE``), a clarifying question; nothing otherwise (ops decide)."""
    if order.state == "released":
        erp_in(s, order)
        outbound_in(s, f"confirmation:{order.id}", "confirmation", msg, order_id=order.id)
    elif order.customer_id is not None and raised and all(code in ASKABLE for _, code, _ in raised):
        first, code, line = raised[0]
        outbound_in(s, f"question:{first}", "question", msg, order_id=order.id, exception_id=first,
                    payload={"code": code, "line": line})


def _order_positions(case_json: dict[str, Any]) -> dict[int, int]:
    """Case line index -> the line's position within its order (sections keep their lines' order)."""
    seen: dict[int, int] = {}
    out: dict[int, int] = {}
    for i, ln in enumerate(case_json.get("lines") or []):
        k = ln.get("section", 0)
        out[i] = seen.get(k, 0)
        seen[k] = out[i] + 1
    return out


def group_findings(findings: Sequence[dict[str, Any]], positions: dict[int, int]) -> list[dict[str, Any]]:
    """One exception per code: the findings of a code on one order joined, their lines as order positions."""
    by_code: dict[str, dict[str, Any]] = {}
    for f in findings:
        line = f.get("line")
        pos = positions.get(line, line) if line is not None else None
        hit = by_code.get(f["code"])
        if hit is None:
            by_code[f["code"]] = {"code": f["code"], "queue": f["queue"], "detail": f.get("detail", ""), "line": pos}
        elif f.get("detail") and f["detail"] not in hit["detail"]:
            hit["detail"] = f"{hit['detail']}; {f['detail']}"
    return list(by_code.values())




# Headers a relay adds or rewrites on the way: an e-mail re-delivered through another relay is the same message.
TRANSPORT_HEADERS = re.compile(rb"^(received|return-path|delivered-to|x-[^:]*|authentication-results|arc-[^:]*|"
                               rb"dkim-signature|received-spf|envelope-to|x-original-to):", re.IGNORECASE)


def identity_digest(raw: bytes, raw_kind: str) -> str:
    """The sha256 that says whether a message id came back with the same message: the raw bytes, but for an
    e-mail without the headers relays add (``TRANSPORT_HEADERS``), so a re-delivery is the same message."""
    if raw_kind != "eml":
        return hashlib.sha256(raw).hexdigest()
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    kept: list[bytes] = []
    dropping = False
    for line in raw[:end].splitlines():
        if line[:1] in (b" ", b"\t"):  # a folded continuation belongs to the header above
            if not dropping:
                kept.append(line)
            continue
        dropping = TRANSPORT_HEADERS.match(line) is not None
        if not dropping:
            kept.append(line)
    return hashlib.sha256(b"\n".join(kept) + b"\n\n" + raw[end:].lstrip(b"\r\n")).hexdigest()

"""Durable processing: accept (store the raw message and commit), then run the one pipeline on it.

``Processor`` is the only way the service runs ``Engine.process``: the synchronous API path (accept with a
lease, process at once) and the background ``Worker`` (claim the oldest waiting message, process it) share
it. A message whose worker died keeps its lease until it lapses, then any worker takes it over; the store
keeps one result per message, so each accepted message is processed exactly once.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ordex.intake.whatsapp import parse_webhook
from ordex.media import GraphMediaClient, MediaError
from ordex.messages import ApiMessage
from ordex.pipeline import Engine
from ordex.prediction import Answer
from ordex.schema import Attachment, Case, Message
from ordex.store.queue import StoredAttachment, StoredMessage
from ordex.store.store import AlreadyProcessed, Lease

log = logging.getLogger("ordex.worker")


class WorkerOptions(BaseModel):
    """How the work queue is worked."""

    model_config = ConfigDict(frozen=True)

    lease_seconds: float = Field(default=60.0, gt=0, description="How long a claim holds before another worker may take over")
    poll_seconds: float = Field(default=1.0, gt=0, description="How often an idle worker looks for work it was not told of")
    max_attempts: int = Field(default=5, ge=1, description="Claims of one message before it is held for a person")
    max_interruptions: int = Field(default=1, ge=1, description="Times a message's processing may be interrupted "
                                                               "(its worker crashed, was killed or overran) before "
                                                               "it is held for a person instead of leased again")
    retry_seconds: float = Field(default=30.0, ge=0, description="Wait before retrying a message whose media fetch failed")
    wait_seconds: float = Field(default=60.0, ge=0, description="How long a retried request waits for another worker's result")


class StillProcessing(Exception):
    """Another worker holds the message and has not finished it within the wait."""


def new_lease(options: WorkerOptions) -> Lease:
    """A lease owned by this process (host, pid and a random tag, so a restarted process is a new owner)."""
    return Lease(f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}", options.lease_seconds)


class Leases:
    """The messages this process holds, renewed by a heartbeat so a slow message keeps its lease."""

    def __init__(self) -> None:
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def add(self, row: int) -> None:
        """Hold a message."""
        with self._lock:
            self._held.add(row)

    def discard(self, row: int) -> None:
        """Let go of a message (its result is written)."""
        with self._lock:
            self._held.discard(row)

    def held(self) -> list[int]:
        """The messages held now."""
        with self._lock:
            return sorted(self._held)


class Processor:
    """Runs ``Engine.process`` on accepted messages, one at a time (the engine is shared, mutable state)."""

    def __init__(self, engine: Engine, options: WorkerOptions, media: GraphMediaClient | None = None,
                 observe: Callable[[Case], None] | None = None,
                 intercept: Callable[[int, Message], Answer | None] | None = None,
                 after: Callable[[int, Answer], None] | None = None) -> None:
        self.engine = engine
        self.intercept = intercept  # a dealer's reply settled before the pipeline (ordex.conversation)
        self.after = after  # what follows a processed message (a burst joined to the order before it)
        self.store = engine.store
        self.options = options
        self.media = media
        self.observe = observe
        self.lock = threading.RLock()
        self.lease = new_lease(options)
        self.leases = Leases()

    # -- the synchronous path ------------------------------------------------------------------------------
    def submit(self, message: Message, raw_kind: str, actor: str = "system", role: str = "") -> Answer:
        """Accept a message (committed, leased to us), process it and answer; a known id gets the first answer."""
        accepted = self.store.accept(message, message.raw or b"", raw_kind, actor, role=role, lease=self.lease)
        if not accepted.existing:
            return self._run_held(accepted.id, message)
        stored = self.store.prediction(accepted.id)
        if stored is not None:
            return Answer.model_validate(stored)
        if self.store.queue.claim(accepted.id, self.lease):
            interrupted = self.store.queue.interruptions(accepted.id)
            if interrupted >= self.options.max_interruptions:
                return self.fail(accepted.id, message.id, interrupted_reason(interrupted))
            return self._run_held(accepted.id, message)
        return self.wait_for(accepted.id)

    def wait_for(self, row: int) -> Answer:
        """The result of a message another worker is processing, once it is there."""
        deadline = time.monotonic() + self.options.wait_seconds
        while True:
            stored = self.store.prediction(row)
            if stored is not None:
                return Answer.model_validate(stored)
            if time.monotonic() >= deadline:
                raise StillProcessing(f"message {row} is still being processed; retry shortly")
            time.sleep(0.05)

    def _run_held(self, row: int, message: Message) -> Answer:
        """Process a message this worker holds, keeping its lease alive meanwhile."""
        self.leases.add(row)
        try:
            return self.run(row, message)
        finally:
            self.leases.discard(row)

    # -- the pipeline, for both paths ------------------------------------------------------------------------
    def run(self, row: int, message: Message) -> Answer:
        """The one pipeline on a claimed message (``Engine.process_held``: a crash holds it as UNREADABLE); a
        late second result yields to the first."""
        with self.lock:
            self.store.queue.started(row, self.lease)
            self.engine.sync()
            try:
                if self.intercept is not None:
                    settled = self._intercepted(row, message)
                    if settled is not None:
                        return settled
                answer = self.engine.process_held(row, message, observe=self.observe)
            except AlreadyProcessed:
                return self._stored(row)
            if self.after is not None:
                try:
                    self.after(row, answer)
                except Exception:  # noqa: BLE001 - logged; the message's own result stands
                    log.exception("the follow-up of message %s failed", row)
            return answer

    def _intercepted(self, row: int, message: Message) -> Answer | None:
        """A dealer's reply settled by the conversation; a failure there leaves the message to the pipeline."""
        assert self.intercept is not None
        try:
            return self.intercept(row, message)
        except AlreadyProcessed:
            raise
        except Exception:  # noqa: BLE001 - logged; the message is still read as an order, nothing is lost
            log.exception("reading message %s as a reply failed; reading it as a message", row)
            return None

    def fail(self, row: int, external_id: str, reason: str) -> Answer:
        """Hold a message that cannot be processed as UNREADABLE in the intake queue (its raw bytes stay)."""
        return self.engine.fail(row, external_id, reason)

    def _stored(self, row: int) -> Answer:
        """The answer the store holds for a message that has its result."""
        stored = self.store.prediction(row)
        assert stored is not None, f"message {row} has a result but no stored answer"
        return Answer.model_validate(stored)

    # -- the background path ---------------------------------------------------------------------------------
    def run_stored(self, row: int) -> Answer | None:
        """Process a message this worker claimed, rebuilt from what was stored; None when it is put off."""
        stored = self.store.queue.stored(row)
        if stored is None:
            return None
        if stored.interruptions >= self.options.max_interruptions:
            return self.fail(row, stored.external_id, interrupted_reason(stored.interruptions))
        if stored.attempts > self.options.max_attempts:
            return self.fail(row, stored.external_id, f"processing was interrupted {stored.attempts - 1} times; "
                                                      "held for a person")
        try:
            message = self.message_of(stored)
        except MediaError as e:
            if stored.attempts < self.options.max_attempts:
                log.warning("message %s: %s; retrying in %.0f s", row, e.reason, self.options.retry_seconds)
                self.store.queue.retry_later(row, self.lease, self.options.retry_seconds)
                return None
            message = self.message_of(stored, gave_up=e)
        except (ValueError, KeyError, TypeError) as e:
            return self.fail(row, stored.external_id, f"the stored message cannot be read back: {e}")
        return self.run(row, message)

    def message_of(self, stored: StoredMessage, gave_up: MediaError | None = None) -> Message:
        """The Message the pipeline takes, rebuilt from the stored raw bytes and attachments."""
        atts = tuple(Attachment(filename=a.filename, content_type=a.content_type, data=a.data)
                     for a in stored.attachments)
        if stored.raw_kind == "eml":
            return Message(id=stored.external_id, channel=stored.channel, received_at=stored.received_at,
                           raw=stored.raw, raw_kind="eml")
        if stored.raw_kind == "whatsapp":
            return self._whatsapp(stored, gave_up)
        body = ApiMessage.model_validate(json.loads(stored.raw))
        return Message(id=stored.external_id, channel=stored.channel, sender=stored.sender, subject=stored.subject,
                       received_at=stored.received_at, text=body.text, attachments=atts, raw=stored.raw,
                       raw_kind="json")

    def _whatsapp(self, stored: StoredMessage, gave_up: MediaError | None) -> Message:
        """A webhook's message: text through intake; a photo or document fetched from the Graph API first."""
        single = single_message_body(stored.raw, stored.external_id)
        event = next((e for e in parse_webhook(single) if e.kind == "message"), None)
        as_received = Message(id=stored.external_id, channel=stored.channel, received_at=stored.received_at,
                              raw=single, raw_kind="whatsapp")
        if event is None or not event.media_id or (self.media is None and not stored.attachments):
            return as_received  # intake reads it; media with no client configured stays UNREADABLE
        if stored.attachments:
            atts = [Attachment(filename=a.filename, content_type=a.content_type, data=a.data) for a in stored.attachments]
        elif gave_up is not None:
            atts = [Attachment(filename=f"{event.filename or event.type} (media {event.media_id}: {gave_up.reason})",
                               content_type=event.mime_type or "application/octet-stream", data=b"")]
        else:
            assert self.media is not None
            try:
                media = self.media.fetch(event.media_id)
            except MediaError as e:
                if e.transient:
                    raise
                return self._whatsapp(stored, e)
            name = event.filename or f"{event.type}-{event.media_id}{mimetypes.guess_extension(media.mime_type) or ''}"
            fetched = StoredAttachment(name, event.mime_type or media.mime_type, media.data)
            self.store.queue.store_attachments(stored.id, [fetched])
            atts = [Attachment(filename=fetched.filename, content_type=fetched.content_type, data=fetched.data)]
        return Message(id=stored.external_id, channel=stored.channel, sender=event.from_,
                       sender_name=event.contact_name, received_at=stored.received_at,
                       text=event.text or event.caption, attachments=tuple(atts))


def interrupted_reason(times: int) -> str:
    """Why a message is held rather than processed again."""
    return (f"processing this message was interrupted {'once' if times == 1 else f'{times} times'} (its worker "
            "crashed, was killed, ran out of memory or overran its time); it is held for a person rather than "
            "given to the next worker")


def single_message_body(raw: bytes, wamid: str) -> bytes:
    """The webhook body with only the message ``wamid`` (a body may batch several); the body itself if it is one."""
    body = json.loads(raw)
    found: tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]] | None = None
    count = 0
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            for m in value.get("messages") or []:
                count += 1
                if found is None and isinstance(m, dict) and m.get("id") == wamid:
                    found = (entry, change, value, m)
    if count <= 1 or found is None:
        return raw
    entry, change, value, m = found
    only = {**{k: v for k, v in value.items() if k not in ("messages", "statuses")}, "messages": [m]}
    return json.dumps({**body, "entry": [{**entry, "changes": [{**change, "value": only}]}]}).encode()


class Worker:
    """A background thread that claims waiting messages and processes them, plus the lease heartbeat."""

    def __init__(self, processor: Processor) -> None:
        self.processor = processor
        self.options = processor.options
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self.busy = False

    def start(self) -> None:
        """Start the worker and the heartbeat (daemon threads: a killed process leaves lapsing leases)."""
        for target, name in ((self._loop, "ordex-worker"), (self._heartbeat, "ordex-leases")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def notify(self) -> None:
        """Tell the worker a message is waiting (it also polls, for messages other workers accepted)."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish the message in hand, then stop."""
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout_s)

    def _loop(self) -> None:
        """Claim the oldest waiting message, process it, repeat; sleep until told of work or the poll interval passes."""
        p = self.processor
        while not self._stop.is_set():
            self._wake.clear()
            try:
                row = p.store.queue.claim_next(p.lease)
            except Exception:  # noqa: BLE001 - a store hiccup must not kill the worker; it tries again
                log.exception("claiming work failed")
                self._stop.wait(self.options.poll_seconds)
                continue
            if row is None:
                self._wake.wait(self.options.poll_seconds)
                continue
            p.leases.add(row)
            self.busy = True
            try:
                p.run_stored(row)
            except Exception:  # noqa: BLE001 - logged; the lease lapses and the message is tried again
                log.exception("the worker failed on message %s", row)
            finally:
                self.busy = False
                p.leases.discard(row)

    def _heartbeat(self) -> None:
        """Renew the leases of the messages in hand, so a slow one is not taken over."""
        p = self.processor
        while not self._stop.wait(max(0.5, self.options.lease_seconds / 3)):
            try:
                p.store.queue.renew(p.leases.held(), p.lease)
            except Exception:  # noqa: BLE001 - the next beat tries again
                log.exception("renewing leases failed")

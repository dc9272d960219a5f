"""The dispatcher: a background thread that sends the outbox's due messages to dealers and orders to the ERP.

Claim the oldest due row (leased, so two service processes never send one row at once), compose it from the
order as it stands, send it through the channel's sender, mark it sent. A passing failure is retried with
exponential backoff and jitter; a permanent one, or too many attempts, makes a dead letter (audited).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping

from ordex.catalog import MasterData
from ordex.conversation.compose import Composer, NothingToSay
from ordex.conversation.options import ConversationOptions
from ordex.conversation.senders import Sender, SendError
from ordex.store import Store

log = logging.getLogger("ordex.conversation")


class Dispatcher:
    """Sends due outbound messages until stopped; ``notify`` wakes it when something was queued."""

    def __init__(self, store: Store, md: Callable[[], MasterData], senders: Mapping[str, Sender],
                 opts: ConversationOptions, erp_hold_seconds: float = 0.0) -> None:
        self.store, self.md, self.senders, self.opts = store, md, dict(senders), opts
        self.erp_hold_seconds = erp_hold_seconds  # an order waits this long before it leaves for the ERP
        self.composer = Composer(opts)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sending in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="ordex-dispatcher", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Finish the message in hand, then stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                worked = self.send_one()
            except Exception:  # noqa: BLE001 - a store hiccup must not kill the dispatcher; it tries again
                log.exception("dispatching failed")
                worked = False
            if not worked:
                self._wake.wait(self.opts.poll_seconds)

    def send_one(self) -> bool:
        """Claim one due message and send it; False when nothing was due."""
        item = self.store.outbox.claim_next(self.opts.lease_seconds, self.opts.settle_seconds, self.erp_hold_seconds,
                                            skip=() if "erp" in self.senders else ("erp",))
        if item is None:
            return False
        sender = self.senders.get(item.channel)
        if sender is None:
            self.store.outbox.skip(item.id, f"no {item.channel} sender is configured")
            return True
        try:
            composed = self.composer.compose(item, self.md())
        except NothingToSay as e:
            self.store.outbox.skip(item.id, str(e))
            return True
        try:
            provider_id = sender.send(item, composed)
        except SendError as e:
            retry = e.transient and item.attempts < self.opts.max_attempts
            wait = self.opts.backoff_seconds * 2 ** (item.attempts - 1) * random.uniform(0.5, 1.5) if retry else None
            log.warning("outbound %s to %s (attempt %s) failed: %s", item.id, item.channel, item.attempts, e.reason)
            self.store.outbox.failed(item.id, e.reason, wait)
            return True
        payload = {**composed.payload, "subject": composed.subject} if composed.subject else dict(composed.payload)
        self.store.outbox.sent(item.id, composed.text, provider_id, payload)
        return True

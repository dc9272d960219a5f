"""The wire to the dealer: WhatsApp Cloud API messages, e-mail replies over SMTP, SMS through a pluggable sender.

Each sender takes an outbox row and its composed message and answers the provider's id for it, or raises
``SendError`` (``transient`` when a later attempt may succeed: no connection, a timeout, 429, 5xx).
"""

from __future__ import annotations

import importlib
import logging
import re
import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from typing import Any, Protocol

import httpx

from ordex.conversation.compose import Composed
from ordex.store.outbox import Outbound

log = logging.getLogger("ordex.conversation")


class SendError(Exception):
    """A send failed; ``transient`` when retrying later may succeed."""

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.reason, self.transient = reason, transient


class Sender(Protocol):
    """Sends one outbound message; answers the provider's message id."""

    def send(self, item: Outbound, msg: Composed) -> str: ...


class WhatsAppSender:
    """WhatsApp Cloud API: ``POST {base}/{phone_number_id}/messages`` with the access token.

    Text within the 24-hour customer-care window (interactive reply buttons or a list for a question), an
    approved template outside it. The reply quotes the dealer's message (``context``) when it has its wamid."""

    def __init__(self, base_url: str, token: str, phone_number_id: str = "", template: str = "order_update",
                 template_language: str = "en", window_hours: float = 24.0, timeout_s: float = 15.0) -> None:
        self.base_url, self.token, self.phone_number_id = base_url.rstrip("/"), token, phone_number_id
        self.template, self.template_language, self.window = template, template_language, timedelta(hours=window_hours)
        self.timeout_s = timeout_s

    def send(self, item: Outbound, msg: Composed) -> str:
        sender_id = self.phone_number_id or _phone_number_id(item.raw)
        if not sender_id:
            raise SendError("no WhatsApp phone number id: set ORDEX_WHATSAPP_PHONE_NUMBER_ID", transient=False)
        body = self.body(item, msg)
        try:
            r = httpx.post(f"{self.base_url}/{sender_id}/messages", json=body, timeout=self.timeout_s,
                           headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as e:
            raise SendError(f"WhatsApp send failed: {type(e).__name__}: {e}", transient=True) from e
        if r.status_code >= 300:
            transient = r.status_code == 429 or r.status_code >= 500
            raise SendError(f"WhatsApp answered {r.status_code}: {r.text[:300]}", transient=transient)
        try:
            return str(r.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise SendError(f"WhatsApp answered no message id: {r.text[:300]}", transient=False) from e

    def body(self, item: Outbound, msg: Composed) -> dict[str, Any]:
        """The Graph API request body for this message."""
        base: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                "to": item.recipient.lstrip("+")}
        last = item.received_at
        if last is not None and datetime.now(UTC) - last > self.window:
            return {**base, "type": "template", "template": {
                "name": self.template, "language": {"code": self.template_language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": msg.text[:1000]}]}]}}
        if item.external_id.startswith("wamid."):
            base["context"] = {"message_id": item.external_id}
        if msg.options and len(msg.options) <= 3:
            head = msg.text.split("\n")[0]
            return {**base, "type": "interactive", "interactive": {
                "type": "button", "body": {"text": head[:1024]},
                "action": {"buttons": [{"type": "reply", "reply": {"id": str(o.n), "title": f"{o.n}. {o.label}"[:20]}}
                                       for o in msg.options]}}}
        if msg.options:
            head = msg.text.split("\n")[0]
            return {**base, "type": "interactive", "interactive": {
                "type": "list", "body": {"text": head[:1024]},
                "action": {"button": "Choose", "sections": [{"title": "Options", "rows": [
                    {"id": str(o.n), "title": f"{o.n}. {o.label}"[:24], "description": o.label[:72]}
                    for o in msg.options]}]}}}
        return {**base, "type": "text", "text": {"preview_url": False, "body": msg.text[:4096]}}


def _phone_number_id(raw: bytes) -> str:
    """The business number a webhook message was sent to (``metadata.phone_number_id``), to answer from it."""
    m = re.search(rb'"phone_number_id"\s*:\s*"(\d+)"', raw or b"")
    return m.group(1).decode() if m else ""


class SmtpSender:
    """An e-mail reply over SMTP: plain text and HTML, in the dealer's thread (``In-Reply-To``/``References``)."""

    def __init__(self, host: str, port: int = 25, sender: str = "orders@ordex.local", user: str = "",
                 password: str = "", security: str = "none", timeout_s: float = 20.0) -> None:
        self.host, self.port, self.sender, self.user, self.password = host, port, sender, user, password
        self.security, self.timeout_s = security, timeout_s

    def message(self, item: Outbound, msg: Composed) -> EmailMessage:
        """The reply as an RFC 5322 message with a stable Message-ID (a resend is the same message)."""
        em = EmailMessage()
        em["From"] = self.sender
        em["To"] = item.recipient
        em["Subject"] = msg.subject or "Your order"
        em["Date"] = format_datetime(datetime.now(UTC))
        domain = self.sender.rsplit("@", 1)[-1] or "ordex.local"
        em["Message-ID"] = f"<ordex.{item.id}.{re.sub(r'[^A-Za-z0-9.-]', '-', item.key)}@{domain}>"
        original, references = _thread(item)
        if original:
            em["In-Reply-To"] = original
            em["References"] = " ".join([*references, original])
        em.set_content(msg.text)
        if msg.html:
            em.add_alternative(msg.html, subtype="html")
        return em

    def send(self, item: Outbound, msg: Composed) -> str:
        em = self.message(item, msg)
        try:
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(em)
        except smtplib.SMTPResponseException as e:
            raise SendError(f"SMTP answered {e.smtp_code}: {e.smtp_error!r}", transient=e.smtp_code >= 400 and
                            e.smtp_code < 500) from e
        except (OSError, smtplib.SMTPException) as e:
            raise SendError(f"SMTP failed: {type(e).__name__}: {e}", transient=True) from e
        return str(em["Message-ID"])


def _thread(item: Outbound) -> tuple[str, list[str]]:
    """The dealer's Message-ID and References, read from the raw e-mail (or the id it was posted with)."""
    if item.raw_kind == "eml" and item.raw:
        headers = BytesHeaderParser().parsebytes(item.raw)
        mid = str(headers.get("Message-ID") or "").strip()
        refs = str(headers.get("References") or "").split()
        return mid, refs
    mid = item.external_id.strip()
    return (mid if mid.startswith("<") and "@" in mid else ""), []


class LogSmsSender:
    """The default SMS sender: writes the message to the log (replace it with a gateway's ``module:Class``)."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, item: Outbound, msg: Composed) -> str:
        self.count += 1
        log.info("sms to %s (outbound %s, %s): %s", item.recipient[:4] + "…", item.id, item.kind, msg.text[:60])
        return f"log-{item.id}"


def load_sender(path: str) -> Sender:
    """A sender class by import path (``package.module:Class``), made with no arguments."""
    if path in ("", "log"):
        return LogSmsSender()
    module, _, name = path.partition(":")
    if not name:
        raise ValueError(f"a sender is 'package.module:Class'; got {path!r}")
    sender: Sender = getattr(importlib.import_module(module), name)()
    return sender

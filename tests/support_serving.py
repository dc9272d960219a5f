"""Request bodies as the outside world sends them: WhatsApp webhooks, raw e-mails, signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ORDER_TEXT = "bhai 9 watt 5 dabba aur 16 amp mcb 10 pc bhejo"
ORDER_LINES = [("E100", "LED-9W", 5, "BOX"), ("E100", "MCB-16A", 10, "PCS")]
VOLT_PHONE = "+911110000001"


def webhook(value: dict[str, Any]) -> bytes:
    """A WhatsApp Cloud API webhook body around one change value."""
    meta = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111"}}
    body = {"object": "whatsapp_business_account",
            "entry": [{"id": "77", "changes": [{"field": "messages", "value": {**meta, **value}}]}]}
    return json.dumps(body).encode()


def text_webhook(text: str, wamid: str, phone: str = "911110000001") -> bytes:
    """A webhook carrying one inbound text message."""
    message = {"from": phone, "id": wamid, "timestamp": "1793776680", "type": "text", "text": {"body": text}}
    return webhook({"contacts": [{"profile": {"name": "Volt"}, "wa_id": phone}], "messages": [message]})


def status_webhook(wamid: str, status: str = "delivered") -> bytes:
    """A webhook carrying only a delivery status of a message we sent."""
    return webhook({"statuses": [{"id": wamid, "status": status, "timestamp": "1793776700",
                                  "recipient_id": "911110000001"}]})


def signature(body: bytes, secret: str = SECRET) -> str:
    """The ``X-Hub-Signature-256`` header value Meta would send for the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def raw_mail(text: str, message_id: str | None = "<po-77@voltelec.example>",
             sender: str = "Volt Purchase <buy@voltelec.example>") -> bytes:
    """A plain-text RFC 5322 e-mail as bytes."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "orders@distributor.example"
    m["Subject"] = "Order"
    m["Date"] = "Mon, 02 Nov 2026 10:00:00 +0530"
    if message_id:
        m["Message-ID"] = message_id
    m.set_content(text)
    return m.as_bytes(policy=SMTP)


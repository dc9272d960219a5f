"""WhatsApp Cloud API webhook bodies to events and to the contract's Message.

A webhook body carries inbound messages, delivery statuses, or both. Media (photos, PDFs) arrive as
ids that must be fetched through the Graph API; this module does no network I/O, so it reports such
media through ``unfetched_media`` instead of dropping it silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ordex.intake.errors import Unreadable
from ordex.schema import Message

MEDIA_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})


class WhatsAppEvent(BaseModel):
    """One thing a webhook reports: an inbound message, a status update of ours, or something else."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["message", "status", "other"]
    wamid: str = Field(
        default="", description="WhatsApp message id (of the message, or the one a status is about)"
    )
    from_: str = Field(default="", description="Sender (status: recipient) in E.164 with a leading '+'")
    received_at: datetime | None = Field(default=None, description="The event's unix timestamp, UTC")
    type: str = Field(default="", description="Message type (text, image, document, ...) or the status value")
    text: str = Field(default="", description="Text body, or the title of a button or list reply")
    media_id: str = ""
    mime_type: str = ""
    filename: str = ""
    caption: str = ""
    contact_name: str = Field(default="", description="Profile name WhatsApp gave for the sender")


def parse_webhook(body: bytes) -> list[WhatsAppEvent]:
    """Every event in a webhook body, in order; raise ``Unreadable`` when the body is not a webhook."""
    payload = load_json(body)
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise Unreadable("malformed WhatsApp webhook: no 'entry' list")
    return [event for value in change_values(entries) for event in value_events(value)]


def message_from_webhook(body: bytes, *, message_id: str | None = None, channel: str = "whatsapp") -> Message:
    """The first inbound message of a webhook body as a Message; a status-only body gives empty text."""
    events = parse_webhook(body)
    first = next((e for e in events if e.kind == "message"), None)
    if first is None:
        return status_message(events, body, message_id=message_id, channel=channel)
    return Message(
        id=message_id or first.wamid,
        channel=channel,
        sender=first.from_,
        sender_name=first.contact_name,
        received_at=first.received_at or datetime.now(UTC),
        text=first.text or first.caption,
        raw=body,
        raw_kind="whatsapp",
    )


def unfetched_media(body: bytes) -> list[str]:
    """One reason per media item the webhook's first message refers to, since no media client fetched it."""
    first = next((e for e in parse_webhook(body) if e.kind == "message"), None)
    if first is None or not first.media_id:
        return []
    name = f" ({first.filename})" if first.filename else ""
    return [
        f"WhatsApp {first.type} media {first.media_id}{name} was not fetched (no media client configured)"
    ]


def status_message(
    events: list[WhatsAppEvent], body: bytes, *, message_id: str | None, channel: str
) -> Message:
    """A Message for a body with no inbound message: no sender, no text, so no order."""
    first = events[0] if events else None
    fallback_id = "wa-" + hashlib.sha256(body).hexdigest()[:16]
    return Message(
        id=message_id or (first.wamid if first and first.wamid else fallback_id),
        channel=channel,
        received_at=(first.received_at if first else None) or datetime.now(UTC),
        raw=body,
        raw_kind="whatsapp",
    )


def load_json(body: bytes) -> dict[str, Any]:
    """The webhook body as a JSON object."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Unreadable(f"malformed WhatsApp webhook: not JSON ({e})") from e
    if not isinstance(payload, dict):
        raise Unreadable(f"malformed WhatsApp webhook: expected a JSON object, got {type(payload).__name__}")
    return payload


def change_values(entries: list[Any]) -> Iterator[dict[str, Any]]:
    """The ``value`` object of every change of every entry."""
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise Unreadable("malformed WhatsApp webhook: an entry has no 'changes' list")
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                raise Unreadable("malformed WhatsApp webhook: a change has no 'value' object")
            yield value


def value_events(value: dict[str, Any]) -> list[WhatsAppEvent]:
    """The messages and statuses of one change value, or one "other" event when it has neither."""
    names = contact_names(value.get("contacts"))
    messages = [message_event(m, names) for m in as_objects(value.get("messages"), "messages")]
    statuses = [status_event(s) for s in as_objects(value.get("statuses"), "statuses")]
    return messages + statuses or [WhatsAppEvent(kind="other")]


def as_objects(items: Any, name: str) -> list[dict[str, Any]]:
    """A list of JSON objects, or an empty list when absent."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Unreadable(f"malformed WhatsApp webhook: '{name}' is not a list of objects")
    return items


def contact_names(contacts: Any) -> dict[str, str]:
    """wa_id -> profile name, from the change's ``contacts``."""
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, dict):
            profile = contact.get("profile")
            name = profile.get("name", "") if isinstance(profile, dict) else ""
            names[str(contact.get("wa_id", ""))] = str(name)
    return names


def message_event(message: dict[str, Any], names: dict[str, str]) -> WhatsAppEvent:
    """One inbound message as an event, with its text or media reference."""
    sender = required(message, "from")
    kind = str(message.get("type", ""))
    part = message.get(kind)
    media: dict[str, Any] = part if kind in MEDIA_TYPES and isinstance(part, dict) else {}
    return WhatsAppEvent(
        kind="message",
        wamid=required(message, "id"),
        from_=e164(sender),
        received_at=timestamp(required(message, "timestamp")),
        type=kind,
        text=message_text(message, kind),
        media_id=str(media.get("id", "")),
        mime_type=str(media.get("mime_type", "")),
        filename=str(media.get("filename", "")),
        caption=str(media.get("caption", "")),
        contact_name=names.get(sender, next(iter(names.values()), "")),
    )


def message_text(message: dict[str, Any], kind: str) -> str:
    """The text a person typed or tapped: a text body, a button label, or a list/button reply title."""
    part = message.get(kind)
    if not isinstance(part, dict):
        return ""
    if kind == "text":
        return str(part.get("body", ""))
    if kind == "button":
        return str(part.get("text", ""))
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return str(reply.get("title", "")) if isinstance(reply, dict) else ""
    return ""


def status_event(status: dict[str, Any]) -> WhatsAppEvent:
    """A delivery status of a message we sent (sent, delivered, read, failed)."""
    stamp = status.get("timestamp")
    return WhatsAppEvent(
        kind="status",
        wamid=str(status.get("id", "")),
        from_=e164(str(status.get("recipient_id", ""))),
        received_at=timestamp(str(stamp)) if stamp is not None else None,
        type=str(status.get("status", "")),
    )


def required(obj: dict[str, Any], key: str) -> str:
    """A field every WhatsApp message has; its absence means the body is not a real webhook."""
    value = obj.get(key)
    if value is None or value == "":
        raise Unreadable(f"malformed WhatsApp webhook: a message has no '{key}'")
    return str(value)


def timestamp(value: str) -> datetime:
    """A unix timestamp string as an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError) as e:
        raise Unreadable(f"malformed WhatsApp webhook: bad timestamp {value!r}") from e


def e164(number: str) -> str:
    """A WhatsApp id ("911234567890") as E.164 ("+911234567890"); empty stays empty."""
    digits = number.strip()
    if not digits:
        return ""
    return digits if digits.startswith("+") else "+" + digits

"""WhatsApp Cloud API webhook bodies: messages, statuses, media references and malformed bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from builders import (
    WAMID,
    whatsapp_inbound,
    whatsapp_media_webhook,
    whatsapp_status_webhook,
    whatsapp_text_webhook,
    whatsapp_webhook,
)

from ordex.intake import Unreadable, message_from_webhook, parse_webhook, unfetched_media


def inbound(message: dict[str, Any]) -> bytes:
    """A webhook with one inbound message from a known dealer's WhatsApp number."""
    return whatsapp_inbound(message, "911110000001", name="Volt Electricals")


def test_text_message_becomes_the_message() -> None:
    body = whatsapp_text_webhook("911110000001", "Good morning sir\n1. LED bulb 9W - 30", WAMID, "1793776680")
    message = message_from_webhook(body, message_id="wa-1007")
    assert message.id == "wa-1007" and message.channel == "whatsapp"
    assert message.sender == "+911110000001" and message.sender_name == "Volt Electricals"
    assert message.received_at == datetime(2026, 11, 4, 7, 18, tzinfo=UTC)
    assert message.text == "Good morning sir\n1. LED bulb 9W - 30"
    assert message.raw == body and message.raw_kind == "whatsapp"
    assert message_from_webhook(body).id == WAMID
    assert unfetched_media(body) == []


def test_status_only_body_gives_a_message_without_text() -> None:
    body = whatsapp_status_webhook(WAMID, recipient="911110000001", status="delivered")
    events = parse_webhook(body)
    assert [(e.kind, e.type, e.from_) for e in events] == [("status", "delivered", "+911110000001")]
    message = message_from_webhook(body, message_id="s1")
    assert message.text == "" and message.sender == "" and message.attachments == ()


def test_image_message_gives_caption_and_reports_unfetched_media() -> None:
    body = whatsapp_media_webhook("911110000001", "image", "1234", "image/jpeg", caption="order list")
    event = parse_webhook(body)[0]
    assert (event.type, event.media_id, event.mime_type, event.caption) == (
        "image",
        "1234",
        "image/jpeg",
        "order list",
    )
    message = message_from_webhook(body)
    assert message.text == "order list" and message.attachments == ()
    assert unfetched_media(body) == ["WhatsApp image media 1234 was not fetched (no media client configured)"]


def test_document_message_names_its_file() -> None:
    body = whatsapp_media_webhook("911110000001", "document", "98", "application/pdf", filename="PO-1.pdf")
    reasons = unfetched_media(body)
    assert reasons == ["WhatsApp document media 98 (PO-1.pdf) was not fetched (no media client configured)"]


def test_interactive_reply_title_is_the_text() -> None:
    reply = {"type": "button_reply", "button_reply": {"id": "yes", "title": "Confirm order"}}
    assert (
        message_from_webhook(inbound({"type": "interactive", "interactive": reply})).text == "Confirm order"
    )


def test_change_without_messages_or_statuses_is_other() -> None:
    assert [e.kind for e in parse_webhook(whatsapp_webhook({"errors": [{"code": 131000}]}))] == ["other"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"object": "whatsapp_business_account"}',
        b'{"entry": [{"changes": "x"}]}',
        b'{"entry": [{"changes": [{"value": {"messages": [{"type": "text"}]}}]}]}',
        b'{"entry": [{"changes": [{"value": {"messages": [{"from": "1", "id": "w", "timestamp": "soon"}]}}]}]}',
    ],
    ids=[
        "not-json",
        "not-utf8",
        "not-object",
        "no-entry",
        "bad-changes",
        "message-without-from",
        "bad-timestamp",
    ],
)
def test_malformed_bodies_raise_unreadable(body: bytes) -> None:
    with pytest.raises(Unreadable, match="malformed WhatsApp webhook"):
        message_from_webhook(body)

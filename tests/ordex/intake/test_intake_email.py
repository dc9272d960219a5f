"""parse_email on real MIME: attachments, HTML bodies, legacy charsets, forwards and broken input."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from builders import mail_message

from ordex.intake import Unreadable, body_blocks, parse_email, read_attachment

CLOSING = re.compile(r"^(thanks|thank you|regards|best regards|warm regards|sincerely|cheers)\b", re.IGNORECASE)


def mail(body: str = "Please send 10 box LED bulb 9W", **headers: str) -> EmailMessage:
    """A plain-text mail with the usual headers (overridable)."""
    return mail_message(
        from_=headers.get("From", "Ravi Kumar <Ravi@VoltElec.example>"),
        subject=headers.get("Subject", "Order for this week"),
        date=headers.get("Date", "Tue, 03 Nov 2026 09:12:00 +0530"),
        body=body,
    )


def test_plain_mail_gives_sender_subject_date_and_text() -> None:
    message = parse_email(bytes(mail()), message_id="m1")
    assert message.sender == "ravi@voltelec.example"
    assert message.sender_name == "Ravi Kumar"
    assert message.subject == "Order for this week"
    assert message.received_at == datetime(2026, 11, 3, 3, 42, tzinfo=UTC)
    assert message.text.strip() == "Please send 10 box LED bulb 9W"
    assert message.raw_kind == "eml" and message.raw is not None
    assert message.channel == "email" and message.id == "m1"


def test_mail_with_pdf_po_attachment_is_read_end_to_end(po_pdf: bytes) -> None:
    message = mail("Hi team,\n\nPlease find attached our PO.\n\nRegards,\nRavi\nNorthern Power Agencies\n")
    message.add_attachment(po_pdf, maintype="application", subtype="pdf", filename="PO-88121.pdf")
    parsed = parse_email(message.as_bytes(policy=SMTP), message_id="m2")
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("PO-88121.pdf", "application/pdf")]
    assert parsed.attachments[0].data == po_pdf
    assert [b.text for b in body_blocks(parsed.text)] == ["Hi team,", "Please find attached our PO."]
    lines = [b.text for b in read_attachment(parsed.attachments[0], 0, None)]
    assert "1  LED Bulb 9W Cool Day Light  60  box" in lines


def test_received_at_argument_wins_and_missing_date_falls_back_to_now() -> None:
    given = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert parse_email(bytes(mail()), message_id="m", received_at=given).received_at == given
    raw = b"From: a@b.example\r\nSubject: x\r\n\r\n5 box led 9w\r\n"
    before = datetime.now(UTC)
    received = parse_email(raw, message_id="m").received_at
    assert received.tzinfo is not None and received >= before


def test_html_only_mail_keeps_lines_and_table_rows() -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body><p>Dear sir,</p>"
        "<div>Please send:<br>LED bulbs &amp; MCBs</div>"
        "<table><tr><th>Item</th><th>Qty</th></tr><tr><td>LED bulb 9W</td><td>24 box</td></tr>"
        "<tr><td>MCB 16A</td><td>10 pcs</td></tr></table>"
        "<ul><li>PVC&nbsp;tape black - 5</li></ul><script>alert(1)</script></body></html>"
    )
    message = mail()
    message.set_content(html, subtype="html")
    text = parse_email(bytes(message), message_id="h").text
    lines = [line for line in text.splitlines() if line]
    assert lines == [
        "Dear sir,",
        "Please send:",
        "LED bulbs & MCBs",
        "Item | Qty",
        "LED bulb 9W | 24 box",
        "MCB 16A | 10 pcs",
        "PVC tape black - 5",
    ]


def test_alternative_prefers_plain_text_and_keeps_inline_images() -> None:
    message = mail("LED bulb 9W 24 box")
    message.add_alternative("<p>LED bulb 9W <b>24</b> box</p>", subtype="html")
    html_part = list(message.iter_parts())[1]
    html_part.add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<logo>")
    parsed = parse_email(bytes(message), message_id="a")
    assert parsed.text.strip() == "LED bulb 9W 24 box"
    assert [a.content_type for a in parsed.attachments] == ["image/png"]


def test_latin1_mail_is_decoded() -> None:
    raw = (
        "From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@example.de>\r\nSubject: Bestellung\r\n"
        "Date: Wed, 04 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="iso-8859-1"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        "Glühlampe 9 W: 4 Kartons\r\nCâble 2,5 mm² 3 rouleaux\r\n"
    ).encode("latin-1")
    message = parse_email(raw, message_id="l1")
    assert message.sender_name == "Jürgen Müller"
    assert "Glühlampe 9 W: 4 Kartons" in message.text and "Câble 2,5 mm² 3 rouleaux" in message.text


def test_windows1252_mail_and_mislabelled_ascii_are_decoded() -> None:
    body = "Price €12 – “special” LED bulb 9W × 12\r\n"
    for label in ("windows-1252", "us-ascii"):
        raw = (
            "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset={label}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
        ).encode("cp1252")
        assert parse_email(raw, message_id="w").text.strip() == body.strip()


def test_unknown_charset_falls_back_to_utf8() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=x-unknown\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "mcb 16a 4 pcs – ok".encode()
    )
    assert parse_email(raw, message_id="u").text.strip() == "mcb 16a 4 pcs – ok"


def test_forwarded_mail_contributes_its_body_and_attachments() -> None:
    inner = mail(
        "LED bulb 9W 15 box\nMCB 32A 2 pcs\n\nRegards,\nVolt Electricals", From="orders@voltelec.example"
    )
    inner.add_attachment(b"Item,Qty\nPVC tape,4\n", maintype="text", subtype="csv", filename="order.csv")
    outer = mail("FYI, please process.\n\nThanks & regards\nPurchase Dept")
    outer.add_attachment(inner)
    parsed = parse_email(bytes(outer), message_id="f")
    assert "---------- Forwarded message ----------" in parsed.text
    assert "From: orders@voltelec.example" in parsed.text
    assert [a.filename for a in parsed.attachments] == ["order.csv"]
    assert [b.text for b in body_blocks(parsed.text)] == [
        "FYI, please process.",
        "LED bulb 9W 15 box",
        "MCB 32A 2 pcs",
    ]


def test_example_mails_if_present(example_dir: Path, example_cases: list[dict[str, Any]]) -> None:
    """Every raw e-mail of the contract example parses, loses its quotes and signature, and its files read."""
    mails = [c for c in example_cases if str(c.get("raw") or "").lower().endswith(".eml")]
    if not mails:
        pytest.skip("the contract example holds no raw e-mail")
    for case in mails:
        message = parse_email((example_dir / case["raw"]).read_bytes(), message_id=case["id"])
        if case.get("sender"):
            assert message.sender == case["sender"].lower(), case["id"]
        lines = [b.text for b in body_blocks(message.text)]
        assert not [line for line in lines if line.startswith(">") or CLOSING.match(line)], (case["id"], lines)
        read = [b.text for i, a in enumerate(message.attachments) for b in read_attachment(a, i, None)]
        wanted = sum(len(order["lines"]) for order in case["expected"]["orders"])
        assert len(lines) + len(read) >= wanted, (case["id"], lines, read)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty e-mail"),
        (b"\x89\x00\xff\xfe garbage \x01\x02", "not an e-mail"),
        (
            b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n",
            "broken MIME structure",
        ),
        (
            b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=abc\r\n\r\n--zzz\r\n\r\nhi\r\n--zzz--\r\n",
            "broken MIME structure",
        ),
        (
            b"From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + bytes(range(128, 256)) * 3,
            "could not be decoded",
        ),
    ],
    ids=["empty", "binary", "multipart-without-boundary", "boundary-not-found", "undecodable-body"],
)
def test_unreadable_mails_raise_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason) as caught:
        parse_email(raw, message_id="bad")
    assert caught.value.reason

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
    assert message.sender == "ravi@metrodairy.co.in"
    assert message.sender_name == "Ravi Kumar"
    assert message.subject == "Order for this week"
    assert message.received_at == datetime(2026, 11, 3, 3, 42, tzinfo=UTC)
    assert message.text.strip() == "Please send 10 ctn tetra 1L"
    assert message.raw_kind == "eml" and message.raw is not None
    assert message.channel == "email" and message.id == "m1"


def test_mail_with_pdf_po_attachment_is_read_end_to_end(po_pdf: bytes) -> None:
    message = mail("Hi team,\n\nPlease find attached our PO.\n\nRegards,\nRavi\nMetro Dairy\n")
    message.add_attachment(po_pdf, maintype="application", subtype="pdf", filename="PO-88121.pdf")
    parsed = parse_email(message.as_bytes(policy=SMTP), message_id="m2")
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("PO-88121.pdf", "application/pdf")]
    assert parsed.attachments[0].data == po_pdf
    assert [b.text for b in body_blocks(parsed.text)] == ["Hi team,", "Please find attached our PO."]
    lines = [b.text for b in read_attachment(parsed.attachments[0], 0, None)]
    assert "1  FCM 1000 ml tetra  60  ctn" in lines


def test_received_at_argument_wins_and_missing_date_falls_back_to_now() -> None:
    given = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert parse_email(bytes(mail()), message_id="m", received_at=given).received_at == given
    raw = b"From: a@b.example\r\nSubject: x\r\n\r\n5 ctn dahi\r\n"
    before = datetime.now(UTC)
    received = parse_email(raw, message_id="m").received_at
    assert received.tzinfo is not None and received >= before


def test_html_only_mail_keeps_lines_and_table_rows() -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body><p>Dear sir,</p>"
        "<div>Please send:<br>tetra 1L &amp; dahi</div>"
        "<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Tetra 1L</td><td>24 ctn</td></tr>"
        "<tr><td>Dahi 400g</td><td>10 peti</td></tr></table>"
        "<ul><li>Paneer&nbsp;200g - 5</li></ul><script>alert(1)</script></body></html>"
    )
    message = mail()
    message.set_content(html, subtype="html")
    text = parse_email(bytes(message), message_id="h").text
    lines = [line for line in text.splitlines() if line]
    assert lines == [
        "Dear sir,",
        "Please send:",
        "tetra 1L & dahi",
        "Item | Qty",
        "Tetra 1L | 24 ctn",
        "Dahi 400g | 10 peti",
        "Paneer 200g - 5",
    ]


def test_alternative_prefers_plain_text_and_keeps_inline_images() -> None:
    message = mail("tetra 1L 24 ctn")
    message.add_alternative("<p>tetra 1L <b>24</b> ctn</p>", subtype="html")
    html_part = list(message.iter_parts())[1]
    html_part.add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<logo>")
    parsed = parse_email(bytes(message), message_id="a")
    assert parsed.text.strip() == "tetra 1L 24 ctn"
    assert [a.content_type for a in parsed.attachments] == ["image/png"]


def test_latin1_mail_is_decoded() -> None:
    raw = (
        "From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@example.de>\r\nSubject: Bestellung\r\n"
        "Date: Wed, 04 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="iso-8859-1"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        "Käse 200g: 4 Kartons\r\nCrème fraîche 2 ctn\r\n"
    ).encode("latin-1")
    message = parse_email(raw, message_id="l1")
    assert message.sender_name == "Jürgen Müller"
    assert "Käse 200g: 4 Kartons" in message.text and "Crème fraîche 2 ctn" in message.text


def test_windows1252_mail_and_mislabelled_ascii_are_decoded() -> None:
    body = "Price €12 – “special” ghee 1L × 12\r\n"
    for label in ("windows-1252", "us-ascii"):
        raw = (
            "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset={label}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
        ).encode("cp1252")
        assert parse_email(raw, message_id="w").text.strip() == body.strip()


def test_unknown_charset_falls_back_to_utf8() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=x-unknown\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "dahi 4 ctn – ok".encode()
    )
    assert parse_email(raw, message_id="u").text.strip() == "dahi 4 ctn – ok"


def test_forwarded_mail_contributes_its_body_and_attachments() -> None:
    inner = mail(
        "Tetra 1L 15 ctn\nButter 500g 2 ctn\n\nRegards,\nSharma Traders", From="orders@sharma.example"
    )
    inner.add_attachment(b"Item,Qty\nDahi,4\n", maintype="text", subtype="csv", filename="order.csv")
    outer = mail("FYI, please process.\n\nThanks & regards\nPurchase Dept")
    outer.add_attachment(inner)
    parsed = parse_email(bytes(outer), message_id="f")
    assert "---------- Forwarded message ----------" in parsed.text
    assert "From: orders@sharma.example" in parsed.text
    assert [a.filename for a in parsed.attachments] == ["order.csv"]
    assert [b.text for b in body_blocks(parsed.text)] == [
        "FYI, please process.",
        "Tetra 1L 15 ctn",
        "Butter 500g 2 ctn",
    ]


def test_example_mails_if_present() -> None:
    if not (EXAMPLES / "em-0006.eml").exists():
        pytest.skip("contract examples not available")
    multi = parse_email((EXAMPLES / "em-0006.eml").read_bytes(), message_id="em-0006")
    lines = [b.text for b in body_blocks(multi.text)]
    assert lines[-1] == "- salted butter 500 gm x 2 ctn" and "1) Krishna Kirana" in lines
    po = parse_email((EXAMPLES / "em-0005.eml").read_bytes(), message_id="em-0005")
    assert po.sender == "ravi@metrodairy.co.in"
    assert "3  Butter 100 gm  5  ctn" in [b.text for b in read_attachment(po.attachments[0], 0, None)]


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

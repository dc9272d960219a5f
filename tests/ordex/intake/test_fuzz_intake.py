"""Hypothesis over intake and the readers: whatever bytes arrive as an e-mail, a webhook or an attachment of any
type, the answer is blocks or ``Unreadable`` with a reason, never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordex.intake import Unreadable, parse_email, parse_webhook, read_attachment
from ordex.schema import Attachment

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                derandomize=True)  # the same examples on every run: CI fails on a regression, not on luck
MAGIC = [b"", b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"PK\x03\x04", b"GIF89a", b"BM",
         b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"<html>", b"product,qty,unit\r\n"]
TYPES = ["application/pdf", "image/png", "image/jpeg", "text/csv", "text/plain", "text/html",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream", ""]


def no_ocr(image: Any) -> list[Any]:
    return []


@FUZZ
@given(magic=st.sampled_from(MAGIC), rest=st.binary(max_size=2048), content_type=st.sampled_from(TYPES),
       name=st.sampled_from(["po.pdf", "list.png", "order.csv", "order.xlsx", "note.txt", "x", ""]))
def test_any_attachment_is_read_or_unreadable_with_a_reason(magic: bytes, rest: bytes, content_type: str,
                                                             name: str) -> None:
    att = Attachment(filename=name, content_type=content_type, data=magic + rest)
    try:
        blocks = read_attachment(att, 0, no_ocr)
    except Unreadable as e:
        assert e.reason.strip()
        return
    assert all(isinstance(b.text, str) for b in blocks)


@FUZZ
@given(headers=st.lists(st.tuples(st.sampled_from(["From", "To", "Subject", "Content-Type", "Message-ID",
                                                   "Content-Transfer-Encoding", "X-Junk"]),
                                  st.text(max_size=60)), max_size=6),
       body=st.binary(max_size=1024))
def test_any_email_is_a_message_or_unreadable(headers: list[tuple[str, str]], body: bytes) -> None:
    raw = "".join(f"{k}: {v}\r\n" for k, v in headers).encode("utf-8", "surrogateescape") + b"\r\n" + body
    try:
        message = parse_email(raw, message_id="fuzz")
    except Unreadable as e:
        assert e.reason.strip()
        return
    assert isinstance(message.text, str)


@FUZZ
@given(body=st.one_of(st.binary(max_size=512), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["entry", "changes", "value", "messages", "statuses", "id", "from", "text", "body",
                         "type", "image", "document", "contacts", "timestamp"]), inner, max_size=5),
    max_leaves=20).map(lambda v: __import__("json").dumps(v).encode())))
def test_any_webhook_body_is_events_or_unreadable(body: bytes) -> None:
    try:
        events = parse_webhook(body)
    except Unreadable as e:
        assert e.reason.strip()
        return
    assert isinstance(events, list)

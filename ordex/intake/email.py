"""Raw RFC 5322 e-mail to a Message: sender, subject, date, the plain body and every attached file.

Stdlib ``email`` with ``policy.default`` does the MIME work; this module decides which part is the
body, decodes any charset, turns HTML into text and unwraps forwarded (message/rfc822) mails.
A message with nothing readable raises ``Unreadable`` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

from ordex.intake.errors import Unreadable
from ordex.schema import Attachment, Message

FORWARD_HEADER = "---------- Forwarded message ----------"
FORWARDED_FIELDS = ("From", "Date", "Subject", "To")
BODY_TYPES = frozenset({"text/plain", "text/html"})
GARBAGE_SHARE = 0.2
MAX_MIME_DEPTH = 20  # multipart inside multipart (and forwarded mails): real mail stays under ten
MAX_MIME_PARTS = 200  # bodies, alternatives, attachments and forwarded mails, in all
BLOCK_TAGS = frozenset(
    "p div tr li ul ol table h1 h2 h3 h4 h5 h6 blockquote pre section article header footer dl dt dd hr address "
    "center".split()
)
CELL_TAGS = frozenset({"td", "th"})
SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
CELL_SEPARATOR = " | "


def parse_email(
    raw: bytes, *, message_id: str, channel: str = "email", received_at: datetime | None = None
) -> Message:
    """Parse a raw e-mail into a Message; raise ``Unreadable`` when nothing can be had from it."""
    if not raw.strip():
        raise Unreadable("empty e-mail: the message has no bytes")
    try:
        mail = BytesParser(policy=policy.default).parsebytes(raw)
    except RecursionError as e:  # the standard library's parser recurses once per nesting level
        raise Unreadable(f"MIME parts nested too deep to parse (more than {MAX_MIME_DEPTH} is refused)") from e
    if not list(mail.keys()):
        raise Unreadable("not an e-mail: no header fields found")
    body = collect_body(mail)
    text = body.text()
    check_decodable(text, body.attachments)
    address, name = sender_of(mail)
    return Message(
        id=message_id,
        channel=channel,
        sender=address,
        sender_name=name,
        received_at=received_at or date_of(mail) or datetime.now(UTC),
        subject=header_text(mail, "Subject"),
        text=text,
        attachments=tuple(body.attachments),
        raw=raw,
        raw_kind="eml",
    )


@dataclass
class Body:
    """What the MIME walk found: body texts (plain and HTML apart), attachments, forwarded mails."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    parts: int = 0  # MIME parts walked so far, forwarded mails' included

    def text(self) -> str:
        """The body: plain parts if any (else HTML as text), then each forwarded mail."""
        own = self.plain if any(t.strip() for t in self.plain) else [html_to_text(h) for h in self.html]
        sections = ["\n".join(t.strip("\n") for t in own).strip(), *self.forwarded]
        return "\n\n".join(s for s in sections if s.strip())


def collect_body(mail: MIMEPart, depth: int = 0, parts: int = 0) -> Body:
    """Walk the MIME tree of ``mail`` and collect its body and attachments."""
    body = Body(parts=parts)
    collect_part(mail, body, want_text=True, depth=depth)
    return body


def collect_part(part: MIMEPart, body: Body, *, want_text: bool, depth: int = 0) -> None:
    """Add one MIME part (recursively) to ``body``; ``want_text`` is False for non-chosen alternatives. A tree
    deeper than ``MAX_MIME_DEPTH`` or with more than ``MAX_MIME_PARTS`` parts is refused: no mail client writes
    one, and walking it would cost without bound."""
    body.parts += 1
    if depth > MAX_MIME_DEPTH:
        raise Unreadable(f"MIME parts nested more than {MAX_MIME_DEPTH} deep: not read")
    if body.parts > MAX_MIME_PARTS:
        raise Unreadable(f"more than {MAX_MIME_PARTS} MIME parts: not read")
    content_type = part.get_content_type()
    if content_type in ("message/rfc822", "message/global"):
        collect_forwarded(part, body, depth)
    elif part.get_content_maintype() == "multipart":
        collect_multipart(part, body, want_text=want_text, depth=depth)
    elif is_attachment(part):
        body.attachments.append(to_attachment(part))
    elif want_text:
        text = decode_text(part)
        (body.html if content_type == "text/html" else body.plain).append(text)


def collect_multipart(part: MIMEPart, body: Body, *, want_text: bool, depth: int = 0) -> None:
    """Collect a multipart's children; of an alternative, only the best child gives text."""
    if not part.is_multipart():
        defects = ", ".join(type(d).__name__ for d in part.defects) or "no parts"
        raise Unreadable(f"broken MIME structure: {part.get_content_type()} could not be split ({defects})")
    children = list(part.iter_parts())
    best = best_alternative(children) if part.get_content_type() == "multipart/alternative" else None
    for child in children:
        collect_part(child, body, want_text=want_text and (best is None or child is best), depth=depth + 1)


def best_alternative(children: list[MIMEPart]) -> MIMEPart | None:
    """The alternative to read: non-empty text/plain first, then HTML, then whatever comes first."""
    for child in children:
        if (
            child.get_content_type() == "text/plain"
            and not is_attachment(child)
            and decode_text(child).strip()
        ):
            return child
    for child in children:
        if child.get_content_type() == "text/html" and not is_attachment(child):
            return child
    return children[0] if children else None


def collect_forwarded(part: MIMEPart, body: Body, depth: int = 0) -> None:
    """An attached mail: its body goes after a "Forwarded message" header, its files join ours."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, MIMEPart):
        body.attachments.append(to_attachment(part))
        return
    inner_body = collect_body(inner, depth + 1, body.parts)
    body.parts = inner_body.parts
    headers = [f"{name}: {header_text(inner, name)}" for name in FORWARDED_FIELDS if inner.get(name)]
    body.forwarded.append("\n".join([FORWARD_HEADER, *headers, "", inner_body.text()]).strip())
    body.attachments.extend(inner_body.attachments)


def is_attachment(part: MIMEPart) -> bool:
    """A file rather than body text: it has a filename, is not plain/HTML text, or says so."""
    return (
        bool(part.get_filename())
        or part.get_content_type() not in BODY_TYPES
        or part.get_content_disposition() == "attachment"
    )


def to_attachment(part: MIMEPart) -> Attachment:
    """The part's decoded bytes as an Attachment."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = part.as_bytes()
    return Attachment(filename=part.get_filename() or "", content_type=part.get_content_type(), data=data)


def decode_text(part: MIMEPart) -> str:
    """A text part's content in its declared charset, falling back sensibly when that is wrong or unknown."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_bytes(data, part.get_content_charset())


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data``; unlabelled, ASCII-labelled or unknown charsets try UTF-8, then Windows-1252."""
    label = (charset or "").strip().lower()
    if label in ("", "us-ascii", "ascii", "unknown-8bit", "iso-8859-1", "latin-1", "latin1"):
        return decode_guess(data)
    try:
        return data.decode(label, errors="replace")
    except LookupError:
        return decode_guess(data)


def decode_guess(data: bytes) -> str:
    """UTF-8 if the bytes are valid UTF-8, else Windows-1252 (a superset of Latin-1's printable range)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def check_decodable(text: str, attachments: list[Attachment]) -> None:
    """Raise ``Unreadable`` when the body is mostly undecodable bytes and there is nothing else to read."""
    visible = [c for c in text if not c.isspace()]
    if not visible or attachments:
        return
    bad = sum(1 for c in visible if c == "\ufffd" or (ord(c) < 32) or 0x7F <= ord(c) < 0xA0)
    if bad / len(visible) > GARBAGE_SHARE:
        raise Unreadable(f"e-mail body could not be decoded: {bad} of {len(visible)} characters are not text")


def sender_of(mail: EmailMessage) -> tuple[str, str]:
    """The From address (lower-case) and display name; empty strings when there is no usable From."""
    header = mail.get("From")
    if header is None:
        return "", ""
    addresses = getattr(header, "addresses", ())
    if addresses and addresses[0].addr_spec and "@" in addresses[0].addr_spec:
        return addresses[0].addr_spec.lower(), addresses[0].display_name or ""
    name, address = parseaddr(str(header))
    return address.lower(), name


def date_of(mail: EmailMessage) -> datetime | None:
    """The Date header as an aware datetime (UTC when it gave no zone), or None when absent or unparsable."""
    header = mail.get("Date")
    value = getattr(header, "datetime", None)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def header_text(mail: MIMEPart, name: str) -> str:
    """A header's decoded value on one line."""
    value = mail.get(name)
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


class HtmlToText(HTMLParser):
    """Collects the visible text of an HTML body: a line per ``<br>``, block or row, cells joined by " | "."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.cells_in_row = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a line break, a cell separator, or a skipped region (script, style)."""
        if tag in SKIPPED_TAGS:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in CELL_TAGS:
            self.parts.append(CELL_SEPARATOR if self.cells_in_row else "")
            self.cells_in_row += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
            self.cells_in_row = 0 if tag == "tr" else self.cells_in_row

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Self-closing ``<br/>`` and ``<hr/>``."""
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        """Close a skipped region or a block."""
        if tag in SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        """Visible text, with HTML's white-space folding."""
        if not self.skip_depth:
            self.parts.append(re.sub(r"[ \t\r\n\f\u00a0]+", " ", data))

    def text(self) -> str:
        """The collected text: lines stripped of spaces and of empty edge cells, blank runs folded."""
        lines = [
            re.sub(r"^(?:\s*\|)+|(?:\|\s*)+$", "", line).strip() for line in "".join(self.parts).split("\n")
        ]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML body, keeping its line and table-row structure."""
    parser = HtmlToText()
    parser.feed(html)
    parser.close()
    return parser.text()

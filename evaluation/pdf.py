"""A minimal PDF writer with a real text layer (Helvetica), for test fixtures and evaluation sets alike."""

from __future__ import annotations

from collections.abc import Sequence


def pdf_escape(text: str) -> bytes:
    """A PDF literal string's content, Latin-1 encoded, with backslashes and parentheses escaped."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def assemble_pdf(objects: Sequence[bytes], trailer_extra: bytes = b"") -> bytes:
    """Objects numbered from 1, a cross-reference table and a trailer: a well-formed PDF file."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R" % (len(objects) + 1) + trailer_extra + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def text_pdf(lines: Sequence[str]) -> bytes:
    """A one-page A4 PDF with a real text layer, one row a line (Helvetica 11 pt)."""
    content = b"".join(b"BT /F1 11 Tf 50 %d Td (" % (780 - 18 * i) + pdf_escape(t) + b") Tj ET\n"
                       for i, t in enumerate(lines))
    return assemble_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ])

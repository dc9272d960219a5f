"""Writes the malformed-file corpus beside this script (run once; the files are committed, so the test reads the
same bytes on every machine): ``python tests/ordex/intake/corpus/make.py``. Each file is small on disk; some claim
to be huge. ``expected.csv`` says what reading each must give."""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # tests/, for the builders

from builders import blank_png, photo_jpeg, scanned_pdf, table_pdf, text_pdf, xlsx_bytes  # noqa: E402


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its few bytes of data do not have (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def zip_bomb_xlsx() -> bytes:
    """An .xlsx-looking zip with a sheet of 200 MB of zeros (about 200 KB compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (200 * 2**20))
    return buffer.getvalue()


def lying_zip_header() -> bytes:
    """A small xlsx whose zip directory lies: it declares a sheet of 1 KB that inflates to 50 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<x>" + b" " * (50 * 2**20) + b"</x>")
    data = bytearray(buffer.getvalue())
    # Rewrite the declared uncompressed size (local header and central directory) to 1024.
    name = b"xl/worksheets/sheet1.xml"
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) != -1:
            name_len = struct.unpack("<H", data[at + (26 if signature == b"PK\x03\x04" else 28):][:2])[0]
            start = at + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(data[start:start + name_len]) == name:
                data[at + offset:at + offset + 4] = struct.pack("<I", 1024)
            at += 4
    return bytes(data)


def nested_zip() -> bytes:
    """A zip inside a zip inside a zip, sent as a spreadsheet."""
    inner = b"LED Bulb 9W, 60\n"
    for depth in range(3):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"level{depth}.zip" if depth else "order.csv", inner)
        inner = buffer.getvalue()
    return inner


def many_pages_pdf() -> bytes:
    return text_pdf([[(72, 760, f"page {n}")] for n in range(1, 41)])


PO = table_pdf(["PURCHASE ORDER PO-1"], ["Item", "Qty", "Unit"], [("LED Bulb 9W", "60", "box")])
PNG = blank_png((300, 200))
JPEG = photo_jpeg(["LED Bulb 9W 60 box"])
XLSX = xlsx_bytes([["Item", "Qty"], ["LED Bulb 9W", 60]])

FILES: dict[str, bytes] = {
    "po.pdf": PO,  # two well-formed files, read as usual beside the malformed ones
    "photo.jpg": JPEG,
    "empty.pdf": b"",
    "truncated.pdf": PO[: len(PO) // 2],
    "header-only.pdf": b"%PDF-1.7\n",
    "encrypted.pdf": text_pdf([[(72, 760, "LED Bulb 9W 60 box")]], password="secret"),
    "forty-pages.pdf": many_pages_pdf(),
    "garbage-after-magic.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 64,
    "scan-truncated.pdf": (lambda b: b[: len(b) * 2 // 3])(scanned_pdf(["LED Bulb 9W 60 box"])),
    "truncated.png": PNG[: len(PNG) // 2],
    "bomb-100000x100000.png": png_claiming(100_000, 100_000),
    "wrong-magic.png": b"GIF89a" + bytes(range(256)) * 8,
    "truncated.jpg": JPEG[: len(JPEG) // 3],
    "lying-size.bmp": b"BM" + struct.pack("<IHHI", 70, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 60000, 60000, 1, 24, 0, 0, 0, 0, 0, 0),
    "bogus.tiff": b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0xFFFF) + bytes(64),
    "fake.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64),
    "truncated.xlsx": XLSX[: len(XLSX) // 2],
    "zip-bomb.xlsx": zip_bomb_xlsx(),
    "lying-zip-header.xlsx": lying_zip_header(),
    "nested.zip": nested_zip(),
    "legacy.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "binary.csv": bytes(range(256)) * 16,
    "random.bin": bytes((i * 7919) % 251 for i in range(4096)),
}


if __name__ == "__main__":
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")

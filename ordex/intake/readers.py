"""One entry point for every attachment: pick the reader by magic bytes, then content type and extension.

Magic bytes come first because dealers' phones and mail clients mislabel files (a CSV sent as
``application/vnd.ms-excel``, a photo as ``application/octet-stream``). Every failure is raised as
``Unreadable`` with its reason, so the pipeline can record it as an ``UNREADABLE`` finding.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from ordex.intake.email import decode_guess, html_to_text
from ordex.intake.errors import Unreadable
from ordex.intake.image import read_image
from ordex.intake.pdf import read_pdf
from ordex.intake.sheet import read_spreadsheet
from ordex.intake.types import OcrFn, OcrLine
from ordex.schema import Attachment, Block

__all__ = ["OcrFn", "OcrLine", "read_attachment", "detect_kind"]

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif"})
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values", "text/x-csv"})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
CALAMINE_TYPES = frozenset({"application/vnd.ms-excel", "application/vnd.ms-excel.sheet.binary.macroenabled.12", ODS_TYPE})
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")


def read_attachment(att: Attachment, index: int, ocr: OcrFn | None) -> list[Block]:
    """Blocks read from one attachment; raise ``Unreadable`` when it cannot be read.

    The reason does not repeat the file name: the caller puts it in front (``"PO.pdf: <reason>"``).
    """
    if not att.data:
        raise Unreadable("empty file (0 bytes)")
    return READERS[detect_kind(att)](att.data, index, ocr)


def detect_kind(att: Attachment) -> str:
    """The reader kind (pdf, image, xlsx, csv, html, text); raise ``Unreadable`` for a type no reader handles."""
    kind = kind_by_magic(att.data)
    if kind is None:
        kind = kind_by_label(att)
    if kind is None:
        raise Unreadable(f"unsupported file type {att.content_type} ({extension(att) or 'no extension'})")
    return kind


def kind_by_magic(data: bytes) -> str | None:
    """The kind the file's first bytes prove, or None when they prove nothing."""
    if b"%PDF" in data[:1024]:
        return "pdf"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")):
        return "image"
    if (data[:4] == b"RIFF" and data[8:12] == b"WEBP") or is_bmp(data):
        return "image"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "image"  # iPhones' HEIC photos, decoded by pillow-heif
    if data.startswith(OLE2_MAGIC):
        return "calamine"  # an Excel 97-2003 workbook, or (refused there with the reason) a .doc or a locked file
    if data.startswith(b"PK\x03\x04"):
        return office_zip_kind(data)
    return None


def is_bmp(data: bytes) -> bool:
    """A Windows bitmap: "BM" followed, at byte 14, by one of the known DIB header sizes."""
    return data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)


def office_zip_kind(data: bytes) -> str:
    """A zip file is an .xlsx when it holds a workbook; any other zip (.docx, .pptx, archives) is unsupported."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise Unreadable(f"corrupt zip/Office file ({e})") from e
    if "xl/workbook.bin" in names:
        return "calamine"  # an Excel binary workbook (.xlsb)
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names and ODS_TYPE in zip_mimetype(data):
        return "calamine"  # an OpenDocument spreadsheet (.ods)
    if any(n.startswith("word/") for n in names):
        raise Unreadable("unsupported file type: Word document (.docx)")
    if any(n.startswith("ppt/") for n in names):
        raise Unreadable("unsupported file type: PowerPoint presentation (.pptx)")
    raise Unreadable("unsupported file type: zip archive")


def kind_by_label(att: Attachment) -> str | None:
    """The kind the content type or file extension claims, for files without telling magic bytes."""
    content_type, suffix = att.content_type.lower(), extension(att)
    if suffix == ".csv" or content_type in CSV_TYPES:
        return "csv"
    if suffix in (".xls", ".xlsb", ".ods") or content_type in CALAMINE_TYPES:
        return "calamine"
    if suffix == ".pdf" or content_type == "application/pdf":
        return "pdf"
    if suffix in IMAGE_EXTENSIONS or content_type.startswith("image/"):
        return "image"
    if suffix == ".xlsx" or content_type == XLSX_TYPE:
        return "xlsx"
    if suffix in (".html", ".htm") or content_type == "text/html":
        return "html"
    if suffix == ".txt" or content_type.startswith("text/") or looks_like_text(att.data):
        return "text"
    return None


def zip_mimetype(data: bytes) -> str:
    """The ``mimetype`` entry an OpenDocument zip starts with (empty when there is none)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("mimetype")
            return z.read(info).decode("ascii", "replace")[:100] if info.file_size < 200 else ""
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return ""


def extension(att: Attachment) -> str:
    return PurePosixPath(att.filename.lower()).suffix


def looks_like_text(data: bytes) -> bool:
    """Whether unlabelled bytes are plain UTF-8 text (no NULs, valid UTF-8)."""
    if b"\x00" in data[:4096]:
        return False
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start > 4090  # a multi-byte character cut at the sample's end
    return True


def read_text(data: bytes, attachment: int) -> list[Block]:
    """A plain-text attachment: one Block per non-empty line."""
    blocks = [
        Block(text=line.strip(), source="attachment", attachment=attachment, reader="text")
        for line in decode_text_file(data).splitlines()
        if line.strip()
    ]
    if not blocks:
        raise Unreadable("empty file: the text file holds only white space")
    return blocks


def read_html(data: bytes, attachment: int) -> list[Block]:
    """An HTML attachment: its visible text, one Block per line."""
    return read_text(html_to_text(decode_text_file(data)).encode("utf-8"), attachment)


def decode_text_file(data: bytes) -> str:
    """Text bytes as a string: UTF-8 (BOM or not), else Windows-1252, else Latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")  # Notepad's "Unicode"
    if b"\x00" in data[:4096]:
        raise Unreadable("not a text file: it holds binary data")
    return decode_guess(data.removeprefix(codecs.BOM_UTF8))


def read_image_with(data: bytes, attachment: int, ocr: OcrFn | None) -> list[Block]:
    """``read_image``, refusing with a reason when no OCR engine is configured."""
    if ocr is None:
        raise Unreadable("image not read: no OCR engine is configured")
    return read_image(data, attachment, ocr)


READERS: dict[str, Callable[[bytes, int, OcrFn | None], list[Block]]] = {
    "pdf": read_pdf,
    "image": read_image_with,
    "xlsx": lambda data, index, _ocr: read_spreadsheet(data, index, "xlsx"),
    "csv": lambda data, index, _ocr: read_spreadsheet(data, index, "csv"),
    "calamine": lambda data, index, _ocr: read_spreadsheet(data, index, "calamine"),
    "text": lambda data, index, _ocr: read_text(data, index),
    "html": lambda data, index, _ocr: read_html(data, index),
}

"""PDF attachments to Blocks: the text layer as visual lines, or OCR for pages that are scans.

Text rectangles are grouped into lines by vertical overlap and read left to right, so a table row
(item, qty, unit in separate cells) becomes one line. Boxes are in PDF points with the origin at the
page's top-left, like image pixels, so downstream code treats both alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ordex.intake.errors import Unreadable
from ordex.intake.types import OcrFn
from ordex.schema import Block

RENDER_DPI = 200
MAX_RENDER_SIDE = 5000
MAX_PAGES = 30  # a purchase order is a few pages; a 2,000-page PDF would hold a worker for an hour of OCR
MIN_TEXT_CHARS = 20
CELL_GAP = "  "
LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "PDF is password-protected",
    pdfium_c.FPDF_ERR_SECURITY: "PDF uses an unsupported security (encryption) scheme",
    pdfium_c.FPDF_ERR_FORMAT: "PDF is corrupt (data format error)",
    pdfium_c.FPDF_ERR_FILE: "PDF could not be opened (file error)",
}


@dataclass
class TextRun:
    """One text rectangle of a page: its text and box (top-left origin, points)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 0.1)


def read_pdf(data: bytes, attachment: int, ocr: OcrFn | None) -> list[Block]:
    """Blocks for every line of every page; raise ``Unreadable`` for encrypted, corrupt or illegible PDFs."""
    document = open_pdf(data)
    try:
        pages = len(document)
        if pages > MAX_PAGES:
            raise Unreadable(f"PDF has {pages} pages; ordex reads at most {MAX_PAGES} per attachment")
        blocks = [
            block for number in range(1, pages + 1) for block in read_page(document, number, attachment, ocr)
        ]
    finally:
        document.close()
    if pages == 0:
        raise Unreadable("PDF has no pages")
    if not blocks:
        raise Unreadable(f"no legible text in PDF ({pages} page(s): no text layer, and OCR found nothing)")
    return blocks


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open the bytes with PDFium, turning its load errors into reasons a person understands."""
    if b"%PDF" not in data[:1024]:
        raise Unreadable(f"not a PDF: the file starts with {data[:8]!r}")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise Unreadable(LOAD_ERRORS.get(e.err_code, f"PDF could not be opened ({e})")) from e


def read_page(document: pdfium.PdfDocument, number: int, attachment: int, ocr: OcrFn | None) -> list[Block]:
    """One page's lines: its text layer when it has one, else OCR of the rendered page."""
    try:
        page = document[number - 1]
    except pdfium.PdfiumError as e:
        raise Unreadable(f"PDF page {number} could not be loaded ({e})") from e
    try:
        runs = text_runs(page)
        if sum(len(r.text.replace(" ", "")) for r in runs) >= MIN_TEXT_CHARS or not has_images(page):
            return [line_block(line, number, attachment) for line in group_lines(runs)]
        ocr_blocks = ocr_page(page, number, attachment, ocr)
        return ocr_blocks or [line_block(line, number, attachment) for line in group_lines(runs)]
    finally:
        page.close()


def text_runs(page: pdfium.PdfPage) -> list[TextRun]:
    """The page's text rectangles with their text, measured from the crop box's top-left (unrotated page space)."""
    textpage = page.get_textpage()
    try:
        crop_left, _, _, crop_top = page.get_cropbox()
        runs = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
            if text:
                runs.append(
                    TextRun(text, left - crop_left, crop_top - top, right - crop_left, crop_top - bottom)
                )
        return runs
    finally:
        textpage.close()


def has_images(page: pdfium.PdfPage) -> bool:
    """Whether the page holds an image (a scan), which makes a nearly text-free page worth OCR."""
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))


def group_lines(runs: list[TextRun]) -> list[list[TextRun]]:
    """Runs grouped into visual lines by vertical overlap, top to bottom, each line left to right."""
    lines: list[list[TextRun]] = []
    for run in sorted(runs, key=lambda r: (r.y0 + r.y1) / 2):
        line = next((ln for ln in lines if overlaps(ln, run)), None)
        if line is None:
            lines.append([run])
        else:
            line.append(run)
    return [sorted(line, key=lambda r: r.x0) for line in sorted(lines, key=line_top)]


def overlaps(line: list[TextRun], run: TextRun) -> bool:
    """Whether ``run`` overlaps the line vertically by at least half the smaller height."""
    top, bottom = line_top(line), max(r.y1 for r in line)
    shared = min(bottom, run.y1) - max(top, run.y0)
    return shared >= 0.5 * min(bottom - top, run.height)


def line_top(line: list[TextRun]) -> float:
    return min(r.y0 for r in line)


def join_runs(line: list[TextRun]) -> str:
    """A line's text: runs close together joined by a space, runs a cell apart by two spaces."""
    text = line[0].text
    for previous, run in zip(line, line[1:], strict=False):
        gap = run.x0 - previous.x1
        if gap > previous.height:
            text += CELL_GAP + run.text
        else:
            text += ("" if gap < 0.1 * previous.height else " ") + run.text
    return text


def line_block(line: list[TextRun], page: int, attachment: int) -> Block:
    """A Block for one visual line of the text layer."""
    bbox = (
        min(r.x0 for r in line),
        min(r.y0 for r in line),
        max(r.x1 for r in line),
        max(r.y1 for r in line),
    )
    return Block(
        text=join_runs(line), source="attachment", attachment=attachment, page=page, bbox=bbox, reader="pdf"
    )


def ocr_page(page: pdfium.PdfPage, number: int, attachment: int, ocr: OcrFn | None) -> list[Block]:
    """OCR of the page rendered at about 200 dpi, boxes scaled back to points."""
    if ocr is None:
        raise Unreadable(f"PDF page {number} is a scan with no text layer, and no OCR engine is configured")
    width, height = page.get_size()
    scale = min(RENDER_DPI / 72, MAX_RENDER_SIDE / max(width, height, 1.0))
    image = page.render(scale=scale).to_pil().convert("RGB")
    return [
        Block(
            text=line.text,
            source="attachment",
            attachment=attachment,
            page=number,
            bbox=(line.bbox[0] / scale, line.bbox[1] / scale, line.bbox[2] / scale, line.bbox[3] / scale),
            reader="ocr",
            confidence=line.confidence,
        )
        for line in ocr(image)
        if line.text.strip()
    ]

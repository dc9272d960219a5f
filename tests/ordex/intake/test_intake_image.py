"""read_image: orientation and transparency handling, OCR of a photographed list, broken images."""

from __future__ import annotations

import io
import time

import pytest
from builders import render_lines
from PIL import Image
from rapidfuzz import fuzz

from models.ocr import OcrEngine
from ordex.intake import Unreadable, read_image
from ordex.intake.image import open_image, upright_rgb


def test_exif_orientation_is_applied(list_photo: bytes) -> None:
    stored = open_image(list_photo)
    assert stored.width < stored.height  # stored sideways
    upright = upright_rgb(stored)
    assert upright.width > upright.height and upright.mode == "RGB"


def test_transparent_png_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    image.putpixel((5, 5), (0, 0, 0, 255))
    flat = upright_rgb(image)
    assert flat.getpixel((0, 0)) == (255, 255, 255) and flat.getpixel((5, 5)) == (0, 0, 0)


def test_truncated_jpeg_is_unreadable(list_photo: bytes, lazy_ocr: OcrEngine) -> None:
    with pytest.raises(Unreadable, match="corrupt or truncated"):
        read_image(list_photo[: len(list_photo) // 2], 0, lazy_ocr)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(lazy_ocr: OcrEngine) -> None:
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000), 1).save(buffer, "PNG")  # 144 megapixels in a few kilobytes
    t = time.perf_counter()
    with pytest.raises(Unreadable, match="too large to read safely .12000x12000"):
        read_image(buffer.getvalue(), 0, lazy_ocr)
    assert time.perf_counter() - t < 1.0


def test_garbage_is_not_an_image(lazy_ocr: OcrEngine) -> None:
    with pytest.raises(Unreadable, match="not an image"):
        read_image(b"this is not an image at all", 0, lazy_ocr)


@pytest.mark.slow
def test_photo_of_a_list_is_read(list_photo: bytes, list_photo_lines: list[str], ocr: OcrEngine) -> None:
    started = time.perf_counter()
    blocks = read_image(list_photo, 3, ocr)
    print(f"\nlist photo OCR in {time.perf_counter() - started:.2f}s: {[b.text for b in blocks]}")
    assert len(blocks) == len(list_photo_lines)
    for block, expected in zip(blocks, list_photo_lines, strict=True):
        assert fuzz.ratio(block.text.lower(), expected.lower()) >= 80, (block.text, expected)
        assert (block.source, block.attachment, block.reader, block.page) == ("attachment", 3, "ocr", None)


@pytest.mark.slow
def test_blank_image_has_no_legible_text(blank_image: bytes, ocr: OcrEngine) -> None:
    with pytest.raises(Unreadable, match="no legible text in image"):
        read_image(blank_image, 0, ocr)


@pytest.mark.slow
def test_multi_page_tiff_gives_page_numbers(ocr: OcrEngine) -> None:
    pages = [render_lines([text], size=(700, 160)) for text in ("LED bulb 9W 24 box", "MCB 16A 10 pcs")]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])
    blocks = read_image(buffer.getvalue(), 0, ocr)
    assert [b.page for b in blocks] == [1, 2]
    assert fuzz.ratio(blocks[1].text.lower(), "mcb 16a 10 pcs") >= 80


def test_an_item_run_onto_the_next_line_of_a_page_is_one_line_again() -> None:
    """A hand that runs out of room writes the end of an item on the next line: its unit ("… (10 nos) 50" /
    "PCS."), its count after a colon, its price after an "@". Read apart, "50" went out in the SKU's unit; joined,
    it is 50 pieces. A line ending its item (a comma) and a bulleted list stay apart."""
    from ordex.intake.image import wrapped
    from ordex.schema import Block

    page = ["KINDLY SUPPLY", "1) GEL PEN BLACK 0.5 MM (10 NOS) 50", "PCS.", "copier paper legal (5 nos)", ": pandrah rim,",
            "geometry box senior qty 48 pc @", "110,", "- pens 5 box", "- pins 3 box", "glue stick 8 g,", "box"]
    blocks = wrapped([Block(text=t, bbox=(0, 10 * i, 100, 10 * i + 8), confidence=0.9 - i / 100, reader="ocr")
                      for i, t in enumerate(page)])
    assert [b.text for b in blocks] == [
        "KINDLY SUPPLY", "1) GEL PEN BLACK 0.5 MM (10 NOS) 50 PCS.", "copier paper legal (5 nos) : pandrah rim,",
        "geometry box senior qty 48 pc @ 110,", "- pens 5 box", "- pins 3 box", "glue stick 8 g,", "box"]
    assert blocks[1].bbox == (0, 10, 100, 28) and blocks[1].confidence == 0.88  # the box of both, the lower score

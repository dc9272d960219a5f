"""Photo and scan attachments (JPEG, PNG, HEIC, TIFF, ...) to Blocks through OCR.

Phones store photos sideways with an EXIF orientation tag, and PNG screenshots can be transparent;
both are normalised to an upright RGB image on white before OCR, or the engine reads nothing.
"""

from __future__ import annotations

import io
import re

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from pillow_heif import register_heif_opener

from models.units import unit_of
from ordex.intake.errors import Unreadable
from ordex.intake.types import OcrFn
from ordex.schema import Block

register_heif_opener()  # iPhones send HEIC photos; PIL opens them like any other format from here on

MAX_FRAMES = 20
MAX_PIXELS = 60_000_000  # a 50-megapixel phone photo passes; a 12000x12000 bomb is refused before decoding


def read_image(data: bytes, attachment: int, ocr: OcrFn) -> list[Block]:
    """OCR every page of an image (one, or several for a multi-page TIFF); raise ``Unreadable`` on failure."""
    image = open_image(data)
    pages = frames(image)
    blocks: list[Block] = []
    for number, page in enumerate(pages, start=1):
        blocks.extend(ocr_blocks(page, attachment, ocr, number if len(pages) > 1 else None))
    if not blocks:
        raise Unreadable(
            f"no legible text in image ({image.format or 'image'}, {image.width}x{image.height} px)"
        )
    return blocks


def open_image(data: bytes) -> Image.Image:
    """Open and fully decode the image, so that truncated files fail here and not inside OCR."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only: the size is known before any decoding
        if image.width * image.height > MAX_PIXELS:
            raise Unreadable(f"image is too large to read safely ({image.width}x{image.height} px; at most "
                             f"{MAX_PIXELS // 1_000_000} megapixels)")
        image.load()
    except UnidentifiedImageError as e:
        raise Unreadable(f"not an image, or an unsupported image format (starts with {data[:8]!r})") from e
    except Image.DecompressionBombError as e:
        raise Unreadable(f"image is too large to read safely ({e})") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise Unreadable(f"image is corrupt or truncated ({e})") from e
    return image


def frames(image: Image.Image) -> list[Image.Image]:
    """The pages of a multi-page TIFF, else just the image (an animated GIF's first frame)."""
    if image.format != "TIFF" or getattr(image, "n_frames", 1) == 1:
        return [upright_rgb(image)]
    try:
        return [
            upright_rgb(frame.copy())
            for _, frame in zip(range(MAX_FRAMES), ImageSequence.Iterator(image), strict=False)
        ]
    except (OSError, ValueError) as e:
        raise Unreadable(f"multi-page TIFF is corrupt ({e})") from e


def upright_rgb(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation and flatten onto white RGB (transparent pixels would otherwise turn black).

    A corrupt EXIF block only costs the orientation: the pixels are still read as stored.
    """
    try:
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError, KeyError, TypeError):
        upright = image
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return upright.convert("RGB")


def ocr_blocks(image: Image.Image, attachment: int, ocr: OcrFn, page: int | None) -> list[Block]:
    """The OCR engine's lines as Blocks (reader "ocr", boxes in pixels)."""
    return [
        Block(
            text=line.text.strip(),
            source="attachment",
            attachment=attachment,
            page=page,
            bbox=line.bbox,
            reader="ocr",
            confidence=line.confidence,
        )
        for line in ocr(image)
        if line.text.strip()
    ]


DANGLING = re.compile(r"(?:[@=*×+]|(?<![\w])x)\s*$", re.IGNORECASE)  # "… 48 pc @", "… x"
LEADING = re.compile(r"^\s*[:=@]")  # ": pandrah rim", "= 5 box"


def continues(line: str, after: str) -> bool:
    """True when ``after`` is the rest of ``line``, which ran out of room on a handwritten page: the line ends
    with a sign that needs what follows ("… @", "… x", "… ="), or the next begins with one (": 15 rim"), or the
    next is a unit word alone ("… (10 nos) 50" / "PCS.")."""
    if DANGLING.search(line):
        return True
    if line.rstrip().endswith((",", ";", ".")):
        return False
    words = after.strip(" .,;").split()
    return bool(LEADING.match(after)) or (len(words) == 1 and unit_of(words[0].lower()) is not None)


def wrapped(blocks: list[Block]) -> list[Block]:
    """Blocks with each OCR line that ``continues`` the OCR line before it on the same page joined onto it: text,
    box and the lower confidence (the read stage's ``join_runs`` step; other blocks pass as they are)."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (prev is None or b.reader != "ocr" or prev.reader != "ocr" or (prev.attachment, prev.page) != (b.attachment, b.page)
                or not continues(prev.text, b.text)):
            out.append(b)
            continue
        box = (min(prev.bbox[0], b.bbox[0]), min(prev.bbox[1], b.bbox[1]), max(prev.bbox[2], b.bbox[2]),
               max(prev.bbox[3], b.bbox[3])) if prev.bbox is not None and b.bbox is not None else prev.bbox
        out[-1] = prev.model_copy(update={"text": f"{prev.text} {b.text}", "bbox": box,
                                          "confidence": min(prev.confidence, b.confidence)})
    return out

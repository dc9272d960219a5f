"""Tesseract (Debian's ``tesseract-ocr``) as an OCR engine for the pipeline: the baseline PP-OCR is compared with.

It reads the page with Tesseract's defaults (English, automatic page segmentation) through its command line,
and returns its text lines in reading order with their boxes and mean word confidences, as ``models.ocr`` does.
Only evaluation uses it (``ordex eval --baselines``); the product reads with PP-OCR.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections import defaultdict

from PIL import Image

from ordex.schema import OcrLine

TIMEOUT_S = 120


def available() -> bool:
    """True when the ``tesseract`` command is on PATH."""
    return shutil.which("tesseract") is not None


def version() -> str:
    """Tesseract's version line ("tesseract 5.3.0"), or "" when it is missing."""
    if not available():
        return ""
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30)
    return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else ""


def tesseract_ocr(image: Image.Image) -> list[OcrLine]:
    """The image's text lines as Tesseract reads them (``ordex.intake.types.OcrFn``)."""
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "PNG")
    done = subprocess.run(["tesseract", "stdin", "stdout", "-l", "eng", "tsv"], input=buf.getvalue(),
                          capture_output=True, timeout=TIMEOUT_S, check=True)
    return lines_of_tsv(done.stdout.decode("utf-8", errors="replace"))


def lines_of_tsv(tsv: str) -> list[OcrLine]:
    """Tesseract's TSV words grouped into its lines (block, paragraph, line), in its reading order."""
    words: dict[tuple[int, int, int], list[dict[str, str]]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") == "5" and (row.get("text") or "").strip():
            words[(int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))].append(row)
    out = []
    for key in sorted(words):
        ws = words[key]
        x0 = min(float(w["left"]) for w in ws)
        y0 = min(float(w["top"]) for w in ws)
        x1 = max(float(w["left"]) + float(w["width"]) for w in ws)
        y1 = max(float(w["top"]) + float(w["height"]) for w in ws)
        conf = sum(max(0.0, float(w["conf"])) for w in ws) / len(ws) / 100
        out.append(OcrLine(text=" ".join(w["text"].strip() for w in ws), bbox=(x0, y0, x1, y1),
                           confidence=min(1.0, conf)))
    return out

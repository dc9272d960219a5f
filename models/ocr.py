"""The OCR engine: RapidOCR's PP-OCR ONNX models, loaded once, returning reading-order lines.

The det/cls/rec models ship inside the rapidocr wheel; they are passed by path so that nothing is
ever downloaded at run time. RapidOCR's boxes are regrouped into lines (a handwritten list often
comes back as several boxes per line) and read top to bottom, left to right.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from rapidocr import OCRVersion, RapidOCR

from models.artifacts import OcrModels, find_ocr_models
from ordex.schema import OcrLine

MIN_SCORE = 0.5


@dataclass
class TextBox:
    """One recognised text box, axis-aligned, in image pixels."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def centre_y(self) -> float:
        return (self.y0 + self.y1) / 2


class OcrEngine:
    """Load-once OCR: ``warm_up()`` builds the ONNX sessions, calling it turns an image into OcrLines."""

    def __init__(self, threads: int = 2, min_score: float = MIN_SCORE, model_dir: Path | None = None) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = threads
        self.min_score = min_score
        self.models = find_ocr_models(model_dir)
        self.name = f"rapidocr:{self.models.det.stem}+{self.models.rec.stem}"
        self.version = rapidocr_version()
        self._engine: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Build the engine and run it once on a rendered word, so that det, cls and rec are all loaded."""
        with self._lock:
            if self._engine is not None:
                return
            self._engine = build_rapidocr(self.models, self.threads, self.min_score)
            self._engine(warm_up_image())

    def __call__(self, image: Image.Image) -> list[OcrLine]:
        """Reading-order lines of ``image``; boxes scoring below ``min_score`` are dropped."""
        self.warm_up()
        result = self._engine(image.convert("RGB"))
        boxes = text_boxes(result, self.min_score)
        return [line_of(group) for group in group_lines(boxes)]


def rapidocr_version() -> str:
    """The installed rapidocr package version, recorded in the trace."""
    return package_version("rapidocr")


def build_rapidocr(models: OcrModels, threads: int, min_score: float) -> Any:
    """A RapidOCR instance on the given model files, quiet, with ``threads`` onnxruntime intra-op threads."""
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.text_score": min_score,
            "Det.model_path": str(models.det),
            "Det.ocr_version": OCRVersion(models.version),
            "Cls.model_path": str(models.cls),
            "Rec.model_path": str(models.rec),
            "Rec.ocr_version": OCRVersion(models.version),
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def warm_up_image() -> Image.Image:
    """A small white image with a printed word: enough for the detector to hand a box to cls and rec."""
    image = Image.new("RGB", (320, 96), "white")
    ImageDraw.Draw(image).text((16, 24), "Order 12", fill="black", font=ImageFont.load_default(size=40))
    return image


def text_boxes(result: Any, min_score: float) -> list[TextBox]:
    """RapidOCR's output as axis-aligned boxes, empty texts and low scores dropped."""
    boxes, texts, scores = (
        getattr(result, "boxes", None),
        getattr(result, "txts", None),
        getattr(result, "scores", None),
    )
    if boxes is None or texts is None or scores is None:
        return []
    out = []
    for quad, text, score in zip(boxes, texts, scores, strict=True):
        clean = re.sub(r"\s+", " ", str(text)).strip()
        if clean and float(score) >= min_score:
            xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
            out.append(TextBox(clean, float(score), min(xs), min(ys), max(xs), max(ys)))
    return out


def group_lines(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines: a box joins the line whose vertical span holds its centre (nearest wins)."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.centre_y):
        holding = [line for line in lines if line_span(line)[0] <= box.centre_y <= line_span(line)[1]]
        if holding:
            min(holding, key=lambda line: abs(line_centre(line) - box.centre_y)).append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in sorted(lines, key=line_centre)]


def line_span(line: list[TextBox]) -> tuple[float, float]:
    return min(b.y0 for b in line), max(b.y1 for b in line)


def line_centre(line: list[TextBox]) -> float:
    return sum(b.centre_y for b in line) / len(line)


def line_of(group: list[TextBox]) -> OcrLine:
    """One OcrLine: words joined by a space, the union box, the mean score."""
    return OcrLine(
        text=" ".join(b.text for b in group),
        bbox=(
            min(b.x0 for b in group),
            min(b.y0 for b in group),
            max(b.x1 for b in group),
            max(b.y1 for b in group),
        ),
        confidence=min(1.0, max(0.0, sum(b.score for b in group) / len(group))),
    )

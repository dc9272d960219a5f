"""read: text blocks from the subject, the body and every attachment (PDF text, OCR, sheets), with provenance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import Field

from ordex.intake.errors import Unreadable
from ordex.intake.readers import read_attachment
from ordex.intake.text import body_blocks
from ordex.intake.types import OcrFn
from ordex.schema import Block, Case
from ordex.stages.base import Component, Options, package_version
from rules.validate import unreadable


class ReadOptions(Options):
    """How attachments are read."""

    ocr_threads: int = Field(default=2, ge=1, description="onnxruntime intra-op threads of the OCR engine")


class ReadStage(Component):
    """Blocks from every part of the message; an attachment that cannot be read is UNREADABLE with the reason.

    The OCR engine is built on first need (or at ``warm_up``): a text-only worker never loads it."""

    name: ClassVar[str] = "read"

    def __init__(self, options: ReadOptions | None = None, ocr: OcrFn | None = None,
                 make_ocr: Callable[[int], OcrFn] | None = None) -> None:
        self.options = options or ReadOptions()
        self._ocr = ocr
        self._make_ocr = make_ocr or _rapidocr
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return str(getattr(self._ocr, "name", "rapidocr"))

    @property
    def version(self) -> str:
        return str(getattr(self._ocr, "version", "") or package_version("rapidocr"))

    @property
    def ready(self) -> bool:
        """True once the OCR engine is loaded."""
        return self._ocr is not None

    def warm_up(self) -> None:
        self.ocr()

    def ocr(self) -> OcrFn:
        """The OCR engine, built once."""
        with self._lock:
            if self._ocr is None:
                self._ocr = self._make_ocr(self.options.ocr_threads)
            return self._ocr

    def _lazy_ocr(self, image: Any) -> Any:
        return self.ocr()(image)

    def __call__(self, case: Case) -> Case:
        m = case.message
        blocks: list[Block] = []
        if m.subject.strip():
            blocks.extend(body_blocks(m.subject, source="subject"))
        blocks.extend(body_blocks(m.text))
        findings = list(case.findings)
        for i, att in enumerate(m.attachments):
            try:
                blocks.extend(read_attachment(att, i, self._lazy_ocr))
            except Unreadable as e:
                findings.append(unreadable(f"{att.filename or f'attachment {i + 1}'}: {e.reason}"))
        return case.model_copy(update={"blocks": tuple(blocks), "findings": tuple(findings)})


def _rapidocr(threads: int) -> OcrFn:
    from models.ocr import OcrEngine

    engine = OcrEngine(threads=threads)
    engine.warm_up()
    return engine

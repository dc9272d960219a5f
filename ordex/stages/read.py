"""read: text blocks from the subject, the body and every attachment (PDF text, OCR, sheets), with provenance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from pydantic import Field

from ordex.intake.errors import Unreadable
from ordex.intake.image import wrapped
from ordex.intake.isolated import IsolatedReader, engine_for, load_ocr
from ordex.intake.readers import read_attachment
from ordex.intake.text import body_blocks, pieces
from ordex.intake.types import OcrFn
from ordex.schema import Attachment, Block, Case
from ordex.stages.base import Component, Options, package_version
from rules.validate import unreadable


class ReadOptions(Options):
    """How attachments are read."""

    ocr_threads: int = Field(default=2, ge=1, description="onnxruntime intra-op threads of the OCR engine")
    max_chars: int = Field(default=50_000, ge=1, description="Characters of body and subject read per message")
    max_lines: int = Field(default=500, ge=1, description="Lines read per message, attachments included")
    max_line_chars: int = Field(default=1_000, ge=20, description="A longer line is read in pieces of at most this")
    max_attachments: int = Field(default=10, ge=0, description="Attachments read per message; the rest UNREADABLE")
    max_attachment_bytes: int = Field(default=15 * 2**20, ge=1, description="A larger attachment is UNREADABLE")
    isolated: bool = Field(default=True, description="Read attachments in a child process killed past the time limit "
                                                     "(off: in this process, as tests with a given OCR do)")
    time_limit_s: float = Field(default=60.0, gt=0, description="Seconds one attachment may take to read (isolated)")
    ocr_engine: str = Field(default="", description="'module:function' of another OCR engine; PP-OCR when empty")
    join_runs: bool = Field(default=True, description="Join an OCR line to the next when the writer ran the item on "
                                                      "to it (ordex.intake.image.wrapped: '… (10 NOS) 50' / 'PCS.')")


class ReadStage(Component):
    """Blocks from every part of the message; an attachment that cannot be read is UNREADABLE with the reason.

    Attachments are read in a child process killed past the time limit (``IsolatedReader``), unless an OCR
    function is given. The OCR engine is built on first need (or at ``warm_up``): a text-only worker never loads
    it."""

    name: ClassVar[str] = "read"

    def __init__(self, options: ReadOptions | None = None, ocr: OcrFn | None = None,
                 make_ocr: Callable[[int], OcrFn] | None = None) -> None:
        self.options = options or ReadOptions()
        if ocr is None and make_ocr is None and not self.options.isolated and self.options.ocr_engine:
            ocr = load_ocr(self.options.ocr_engine)
        self._ocr = ocr
        self._make_ocr = make_ocr or partial(engine_for, "")  # PP-OCR, built in this process when not isolated
        self._lock = threading.Lock()
        self.isolated = (IsolatedReader(self.options.ocr_engine, self.options.ocr_threads, self.options.time_limit_s)
                         if self.options.isolated and ocr is None and make_ocr is None else None)

    @property
    def model(self) -> str:
        if self.isolated is not None and self.isolated.engine is not None:
            return self.isolated.engine[0]
        return str(getattr(self._ocr, "name", "rapidocr"))

    @property
    def version(self) -> str:
        if self.isolated is not None and self.isolated.engine is not None:
            return self.isolated.engine[1] or package_version("rapidocr")
        return str(getattr(self._ocr, "version", "") or package_version("rapidocr"))

    @property
    def ready(self) -> bool:
        """True once the OCR engine is loaded."""
        if self.isolated is not None:
            return self.isolated.engine is not None
        return self._ocr is not None

    def warm_up(self) -> None:
        if self.isolated is not None:
            self.isolated.warm_up()
        else:
            self.ocr()

    def close(self) -> None:
        """Stop the reader process, if there is one."""
        if self.isolated is not None:
            self.isolated.close()

    def _read(self, att: Attachment, index: int) -> list[Block]:
        if self.isolated is not None:
            return self.isolated.read(att, index)
        return read_attachment(att, index, self._lazy_ocr)

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
        findings = list(case.findings)
        chars = len(m.subject) + len(m.text)
        if chars > self.options.max_chars:  # refused before any reading: its cost must not grow with the text
            findings.append(unreadable(f"the message's text has {chars:,} characters; ordex reads at most "
                                       f"{self.options.max_chars:,} per message (ORDEX_MAX_MESSAGE_CHARS): held "
                                       "for a person"))
            return case.model_copy(update={"blocks": (), "findings": tuple(findings)})
        blocks: list[Block] = []
        if m.subject.strip():
            blocks.extend(body_blocks(m.subject, source="subject"))
        blocks.extend(body_blocks(m.text))
        for i, att in enumerate(m.attachments):
            if len(blocks) > self.options.max_lines:
                break
            name = att.filename or f"attachment {i + 1}"
            if i >= self.options.max_attachments:
                findings.append(unreadable(f"{len(m.attachments) - i} attachment(s) from {name} on not read: ordex "
                                           f"reads at most {self.options.max_attachments} per message "
                                           "(ORDEX_MAX_ATTACHMENTS)"))
                break
            if len(att.data) > self.options.max_attachment_bytes:
                findings.append(unreadable(f"{name}: {size(len(att.data))}; ordex reads attachments of at most "
                                           f"{size(self.options.max_attachment_bytes)} (ORDEX_MAX_ATTACHMENT_BYTES)"))
                continue
            try:
                read = self._read(att, i)
                blocks.extend(wrapped(read) if self.options.join_runs else read)
            except Unreadable as e:
                findings.append(unreadable(f"{name}: {e.reason}"))
        blocks = [piece for b in blocks for piece in self._pieces(b)]
        if len(blocks) > self.options.max_lines:
            findings.append(unreadable(f"the message has more than {self.options.max_lines:,} lines; ordex reads at "
                                       f"most {self.options.max_lines:,} per message (ORDEX_MAX_MESSAGE_LINES): "
                                       "held for a person"))
            blocks = []
        return case.model_copy(update={"blocks": tuple(blocks), "findings": tuple(findings)})


    def _pieces(self, block: Block) -> list[Block]:
        """A block as it is, or a long one in pieces (``pieces``); a spreadsheet row's columns stay whole."""
        if len(block.text) <= self.options.max_line_chars or block.fields:
            return [block]
        return [block.model_copy(update={"text": t}) for t in pieces(block.text, self.options.max_line_chars)]


def size(n: int) -> str:
    """A byte count as people read it: 830 bytes, 12 KB, 3.4 MB."""
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:,.0f} KB" if n < 2**20 else f"{n / 2**20:,.1f} MB"


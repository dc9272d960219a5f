"""Attachments read in a child process that is killed past a time limit: a PDF, a sheet or a photo that hangs a
parser, loops in a decoder or crashes native code costs one ``UNREADABLE`` finding, never the worker.

The child (``python -m ordex.intake.isolated``, talking over two pipes of its own, so nothing a library prints
can garble the protocol, and no caller's main module is imported again as multiprocessing's spawn would) is started
once per reader, on first need or at warm-up, and keeps its OCR engine loaded, so an attachment costs only its
reading; it is started again after a kill. Text-only messages never touch it.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ordex.intake.errors import Unreadable
from ordex.intake.readers import read_attachment
from ordex.intake.types import OcrFn
from ordex.schema import Attachment, Block

log = logging.getLogger("ordex.intake.isolated")

START_TIMEOUT_S = 120.0  # spawning and loading PP-OCR on a busy two-core machine


def load_ocr(spec: str) -> OcrFn:
    """The OCR function named 'module:function' (``ORDEX_OCR_ENGINE``); a ValueError naming what is wrong."""
    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as e:
        raise ValueError(f"ORDEX_OCR_ENGINE={spec!r}: {e}; give 'module:function'") from e
    if not callable(fn):
        raise ValueError(f"ORDEX_OCR_ENGINE={spec!r} is not a function")
    return fn  # type: ignore[no-any-return]


def engine_for(spec: str, threads: int) -> OcrFn:
    """The engine a spec names, or PP-OCR (rapidocr on onnxruntime) when it names none."""
    if spec:
        return load_ocr(spec)
    from models.ocr import OcrEngine

    engine = OcrEngine(threads=threads)
    engine.warm_up()
    return engine


def _child(conn: Connection, out: Connection, spec: str, threads: int) -> None:
    """The child's loop: ("warm",) loads OCR and answers its name and version; ("read", attachment, index)
    answers ("ok", blocks) or ("unreadable", reason)."""
    engine: OcrFn | None = None

    def loaded() -> OcrFn:  # built on the first photo or scan (or the parent's warm-up), then kept
        nonlocal engine
        if engine is None:
            engine = engine_for(spec, threads)
        return engine

    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        try:
            if request[0] == "warm":
                ocr = loaded()
                out.send(("ok", (str(getattr(ocr, "name", spec or "rapidocr")), str(getattr(ocr, "version", "")))))
            else:
                out.send(("ok", read_attachment(request[1], request[2], lambda image: loaded()(image))))
        except Unreadable as e:
            out.send(("unreadable", e.reason))
        except Exception as e:  # a reader's bug: the file is held with the error, the child reads on
            out.send(("unreadable", f"its reader failed ({type(e).__name__}: {str(e)[:200]})"))


@dataclass
class Child:
    """A running child process and our ends of its two pipes."""

    process: subprocess.Popen[bytes]
    requests: Connection
    answers: Connection

    def alive(self) -> bool:
        return self.process.poll() is None


class IsolatedReader:
    """``read(attachment, index)`` in a child process, within ``time_limit_s``; thread-safe (one file at a time)."""

    def __init__(self, ocr_spec: str = "", ocr_threads: int = 2, time_limit_s: float = 60.0) -> None:
        self.ocr_spec = ocr_spec
        self.ocr_threads = ocr_threads
        self.time_limit_s = time_limit_s
        self.engine: tuple[str, str] | None = None  # the OCR's name and version, once warm
        self.restarts = 0
        self._child: Child | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> tuple[str, str]:
        """Start the child and load its OCR engine; its name and version."""
        with self._lock:
            status, value = self._ask(("warm",), START_TIMEOUT_S, "loading the OCR engine")
        if status != "ok":
            raise RuntimeError(f"the reader process could not load OCR: {value}")
        self.engine = tuple(value)  # type: ignore[assignment]
        return self.engine  # type: ignore[return-value]

    def read(self, attachment: Attachment, index: int) -> list[Block]:
        """The attachment's blocks; ``Unreadable`` when it cannot be read, takes too long or kills its reader."""
        with self._lock:
            status, value = self._ask(("read", attachment, index), self.time_limit_s, "reading it")
        if status == "unreadable":
            raise Unreadable(value)
        return list(value)

    def pid(self) -> int | None:
        """The child's process id while it runs (for measuring its memory)."""
        return self._child.process.pid if self._child is not None else None

    def close(self) -> None:
        """Stop the child (it is started again on the next read)."""
        with self._lock:
            self._stop()

    def _ask(self, request: tuple[Any, ...], limit_s: float, doing: str) -> tuple[str, Any]:
        started = False
        if self._child is None or not self._child.alive():
            self._start()
            started = True
        child = self._child
        assert child is not None
        begun = time.monotonic()
        try:
            child.requests.send(request)
            # A child started for this request first imports the readers: that time is not the file's.
            if child.answers.poll(limit_s + (START_TIMEOUT_S if started else 0.0)):
                return child.answers.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):
            try:
                code = child.process.wait(5)
            except subprocess.TimeoutExpired:
                code = None
            self._stop()
            log.warning("reader process died %s (exit code %s)", doing, code)
            return "unreadable", (f"it brought its reader process down (exit code {code}) while {doing}: held "
                                  "for a person")
        self._stop()
        log.warning("reader process killed: %s took more than %.0f s", doing, time.monotonic() - begun)
        return "unreadable", (f"{doing} took longer than {limit_s:g} s (ORDEX_READ_SECONDS): stopped and held "
                              "for a person")

    def _start(self) -> None:
        self._stop()
        to_child, from_us = os.pipe()
        to_us, from_child = os.pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # what we import, it imports
        process = subprocess.Popen(
            [sys.executable, "-m", "ordex.intake.isolated", str(to_child), str(from_child), self.ocr_spec,
             str(self.ocr_threads)], pass_fds=(to_child, from_child), env=env, stdin=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._child = Child(process, Connection(from_us, readable=False), Connection(to_us, writable=False))
        self.restarts += 1

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        child.requests.close()
        child.answers.close()
        if child.alive():
            child.process.kill()
        try:
            child.process.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill that did not take
            log.error("reader process %s did not stop", child.process.pid)


if __name__ == "__main__":  # the child: python -m ordex.intake.isolated IN_FD OUT_FD OCR_SPEC THREADS
    _child(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False),
           sys.argv[3], int(sys.argv[4]))

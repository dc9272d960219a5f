"""Attachments are read in a child process: a file that hangs its reader is stopped at the time limit, one that
kills it costs only itself; either way the worker reads the next file as usual."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import blank_png, table_pdf

from ordex.intake.errors import Unreadable
from ordex.intake.isolated import IsolatedReader
from ordex.schema import Attachment

ENGINES = '''
import os, signal, time

def sleeper(image):
    """An OCR engine that never finishes (a decoder stuck in a loop)."""
    time.sleep(3600)

def killer(image):
    """An OCR engine that brings its process down (a native crash, the OOM killer)."""
    os.kill(os.getpid(), signal.SIGKILL)

def buggy(image):
    raise ZeroDivisionError("a bug in a reader")

def fine(image):
    return []
'''


@pytest.fixture()
def engines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "engines.py").write_text(ENGINES)
    monkeypatch.syspath_prepend(str(tmp_path))  # the spawned child is given the parent's sys.path


def photo() -> Attachment:
    return Attachment(filename="list.png", content_type="image/png", data=blank_png())


def po() -> Attachment:
    return Attachment(filename="po.pdf", content_type="application/pdf",
                      data=table_pdf(["PURCHASE ORDER"], ["Item", "Qty"], [("LED Bulb 9W", "60")]))


@pytest.fixture()
def reader(request: pytest.FixtureRequest, engines: None) -> Iterator[IsolatedReader]:
    r = IsolatedReader(f"engines:{request.param}", ocr_threads=1, time_limit_s=3)
    r.warm_up()  # the child is up, so the limit below measures the file alone
    yield r
    r.close()


@pytest.mark.parametrize("reader", ["sleeper"], indirect=True)
def test_a_file_that_hangs_its_reader_is_stopped_at_the_time_limit(reader: IsolatedReader) -> None:
    pid = reader.pid()
    began = time.monotonic()
    with pytest.raises(Unreadable, match=r"took longer than 3 s \(ORDEX_READ_SECONDS\)"):
        reader.read(photo(), 0)
    assert time.monotonic() - began < 8
    assert reader.pid() is None and pid is not None and not Path(f"/proc/{pid}").exists()
    assert any(b.text.startswith("LED Bulb") for b in reader.read(po(), 1))  # a new child reads the next file


@pytest.mark.parametrize("reader", ["killer"], indirect=True)
def test_a_file_that_kills_its_reader_costs_only_itself(reader: IsolatedReader) -> None:
    with pytest.raises(Unreadable, match=r"brought its reader process down \(exit code -9\)"):
        reader.read(photo(), 0)
    assert any(b.text.startswith("LED Bulb") for b in reader.read(po(), 1))


@pytest.mark.parametrize("reader", ["buggy"], indirect=True)
def test_a_bug_in_a_reader_holds_the_file_with_the_error_and_the_child_reads_on(reader: IsolatedReader) -> None:
    pid = reader.pid()
    with pytest.raises(Unreadable, match="its reader failed \\(ZeroDivisionError: a bug in a reader\\)"):
        reader.read(photo(), 0)
    assert reader.pid() == pid  # not restarted


@pytest.mark.parametrize("reader", ["fine"], indirect=True)
def test_what_the_child_reads_is_what_the_reader_reads_in_process(reader: IsolatedReader) -> None:
    from ordex.intake.readers import read_attachment

    assert reader.read(po(), 2) == read_attachment(po(), 2, None)
    assert reader.engine == ("engines:fine", "")  # the trace names the engine that read

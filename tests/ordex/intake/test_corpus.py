"""The malformed-file corpus (``corpus/``, written by ``corpus/make.py``): truncated, encrypted, wrong magic,
claiming huge sizes, zip bombs, nested archives, binary junk. Each is read as the service reads attachments (in
the reader process, with PP-OCR, under a time limit): the outcome ``expected.csv`` gives, no crash, no hang, and
the reader's memory bounded (its peak RSS printed and checked)."""

from __future__ import annotations

import csv
import mimetypes
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ordex.intake.errors import Unreadable
from ordex.intake.isolated import IsolatedReader
from ordex.schema import Attachment

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = list(csv.DictReader((CORPUS / "expected.csv").open(encoding="utf-8")))
TIME_LIMIT_S = 20.0
PEAK_RSS_MB = 1_500  # the reader with PP-OCR loaded is about 570 MB; no file may take it far beyond


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def reader() -> Iterator[IsolatedReader]:
    r = IsolatedReader(time_limit_s=TIME_LIMIT_S)
    r.warm_up()
    yield r
    r.close()


def test_the_corpus_lists_every_file_it_holds() -> None:
    held = {p.name for p in CORPUS.iterdir() if p.name not in ("make.py", "expected.csv", "__pycache__")}
    assert held == {row["file"] for row in EXPECTED}


@pytest.mark.parametrize("row", EXPECTED, ids=[row["file"] for row in EXPECTED])
def test_each_file_gives_its_outcome_in_bounded_time_and_memory(reader: IsolatedReader, row: dict[str, str]) -> None:
    path = CORPUS / row["file"]
    attachment = Attachment(filename=path.name, content_type=mimetypes.guess_type(path.name)[0] or
                            "application/octet-stream", data=path.read_bytes())
    restarts = reader.restarts
    began = time.monotonic()
    try:
        got = "read", " | ".join(b.text for b in reader.read(attachment, 0))
    except Unreadable as e:
        got = "unreadable", e.reason
    seconds = time.monotonic() - began
    pid = reader.pid()
    assert pid is not None and reader.restarts == restarts, "the file brought the reader down"
    rss = peak_rss_mb(pid)
    print(f"{path.name:26} {len(attachment.data):>8,} B  {seconds:5.2f} s  reader peak RSS {rss:,.0f} MB  "
          f"{got[0]}: {got[1][:90]}")
    assert got[0] == row["outcome"] and row["reason"] in got[1], got
    assert seconds < TIME_LIMIT_S and rss < PEAK_RSS_MB

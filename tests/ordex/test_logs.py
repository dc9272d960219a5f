"""Log lines: phone numbers, e-mail addresses and API keys never reach them; the CLI's lines are real JSON."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from ordex.logs import JsonFormatter, install_masking, mask


@pytest.mark.parametrize(("text", "hidden", "kept"), [
    ("from +919812345678: 24 ctn", "9812345678", "+**********78"),
    ("sender 98123 45678 wrote", "98123 45678", "********78"),
    ("mail from ravi.kumar@dealer-mail.in today", "ravi.kumar", "r***@dealer-mail.in"),
    ("key ordex_Ab3dEf9hIjKlMnOp_qr-stuvwx made", "Ab3dEf9h", "ordex_***"),
    ("Authorization: Bearer 0123abcdef", "0123abcdef", "Bearer ***"),
])
def test_masking_hides_the_secret_and_keeps_a_hint(text: str, hidden: str, kept: str) -> None:
    out = mask(text)
    assert hidden not in out and kept in out


def test_short_numbers_ids_and_quantities_are_left_alone() -> None:
    for text in ("24 ctn of 1L, order 1234, row 56789, 2026-12-05", "wamid.HBgLOTE5ODEyMzQ1Njc4FQIAEhgg", "₹ 1,250.50"):
        assert mask(text) == text


def test_every_logger_is_masked_once_installed(caplog: pytest.LogCaptureFixture) -> None:
    install_masking()
    with caplog.at_level(logging.WARNING):
        logging.getLogger("some.library").warning("message from %s <%s>", "+919812345678", "a.b@example.com")
    assert "9812345678" not in caplog.text and "a.b@" not in caplog.text
    assert "+**********78" in caplog.text and "a***@example.com" in caplog.text


def test_a_json_line_survives_quotes_newlines_and_tracebacks() -> None:
    try:
        raise ValueError('bad "quote"\nsecond line')
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, 'said "%s"', ("hi\n",), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["msg"] == 'said "hi\n"' and parsed["level"] == "ERROR" and "ValueError" in parsed["exc"]


def test_the_cli_logging_writes_one_masked_json_object_per_line() -> None:
    script = ("import logging; from ordex.logs import configure; configure(verbose=True); "
              "logging.getLogger('ordex.x').info('read \"%s\" from %s', 'a\\nb', '+919812345678'); "
              "logging.getLogger('ordex.x').debug('not shown')")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    parsed = json.loads(lines[0])
    assert parsed["msg"] == 'read "a\nb" from +**********78' and parsed["logger"] == "ordex.x"

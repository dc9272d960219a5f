"""Log lines: real JSON (one object per line) for the CLI, and dealers' phone numbers, e-mail addresses and API
keys masked in every log record of the process, whoever logs it (ours, BentoML, uvicorn, a library)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

_KEY = re.compile(r"\bordex_[A-Za-z0-9_\-]{6,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)\S+")
_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+\-]*@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)\b")
# Ten or more digits, perhaps with a leading + and spaces or dashes between groups: a phone number.
_PHONE = re.compile(r"(?<![\w.])\+?\d(?:[ \-]?\d){9,14}(?![\w.])")


def _phone(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return ("+" if m.group(0).startswith("+") else "") + "*" * (len(digits) - 2) + digits[-2:]


def mask(text: str) -> str:
    """``text`` with API keys, bearer tokens, e-mail addresses and phone numbers masked (the last two digits and
    the e-mail's first letter and domain kept, so a line can still be told apart from its neighbours)."""
    text = _KEY.sub("ordex_***", text)
    text = _BEARER.sub(r"\1***", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    return _PHONE.sub(_phone, text)


_installed = False


def install_masking() -> None:
    """Mask every log record made from now on in this process (a record factory, so every logger and handler is
    covered, the ones a library configures included). Idempotent."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report, as logging does
            return record
        record.msg, record.args = mask(text), ()
        return record

    logging.setLogRecordFactory(masked)
    _installed = True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"t": self.formatTime(record), "level": record.levelname, "logger": record.name,
                               "msg": record.getMessage()}
        if record.exc_info:
            out["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


def configure(verbose: bool = False) -> None:
    """The CLI's logging: JSON lines on stderr, warnings and errors only unless ``verbose``; masked."""
    install_masking()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])

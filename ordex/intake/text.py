"""Message bodies to Blocks: one Block per line the sender wrote for this message.

Quoted replies, earlier mails and signatures are removed first, because their lines (an old
confirmation, a phone number) would otherwise be read as order lines. Forwarded mails are kept:
a forwarded order is still the order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, TypeVar

from models.units import JOINERS
from ordex.intake.sheet import find_header, row_fields
from ordex.schema import Block

Source = Literal["subject", "body", "attachment"]

FORWARD_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:)\s*$", re.IGNORECASE
)
ORIGINAL_MESSAGE = re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE)
HEADER_FIELD = re.compile(r"^\s*\*?(?:From|Date|Sent|Subject|To|Cc|Bcc|Reply-To)\*?\s*:", re.IGNORECASE)
OUTLOOK_FROM = re.compile(r"^\s*\*?From\*?\s*:\s*\S", re.IGNORECASE)
OUTLOOK_SENT = re.compile(r"^\s*\*?(?:Sent|Date)\*?\s*:\s*\S", re.IGNORECASE)
# "On <date>, <name> wrote:" and its German, French and Spanish forms.
ATTRIBUTION_START = re.compile(r"^\s*(?:On|Am|Le|El)\s+\S", re.IGNORECASE)
ATTRIBUTION_END = re.compile(r"(?:wrote|schrieb|a écrit|escribió)\s*:\s*$", re.IGNORECASE)
RULE_LINE = re.compile(r"^\s*[-_=*~]{3,}\s*$")
SIGNATURE_DASHES = re.compile(r"^--\s*$")
CLOSING = re.compile(
    r"^\s*(?:(?:thanks|thank\s+you|thanx|many\s+thanks)\s*(?:&|and|n)\s*(?:best\s+|warm\s+|kind\s+)?regards"
    r"|(?:best|kind|warm|warmest|with|many)\s+regards|regards|rgds|sincerely|yours\s+(?:sincerely|faithfully|truly)"
    r"|cheers)\b[\s,.!:-]*(?:\S.{0,40})?$",
    re.IGNORECASE,
)
THANKS_CLOSING = re.compile(r"^\s*(?:thanks|thank\s+you|thanx|thx|many\s+thanks)[\s,.!]*$", re.IGNORECASE)
MOBILE_FOOTER = re.compile(
    r"^\s*(?:Sent from my \S.*|Sent from (?:Outlook|Mail|Yahoo Mail|Gmail|Samsung)\b.*|Get Outlook for \S.*)$",
    re.IGNORECASE,
)
SIGNATURE_MAX_LINES = 8
L = TypeVar("L", bound=str)


# where a long line may be cut, best first: after punctuation or at a joiner word of the lexicon, else at a space
CUT = re.compile(rf"[,;.!?]\s|\s(?:{JOINERS})\s|\s", re.IGNORECASE)


def pieces(line: str, limit: int) -> list[str]:
    """A line of at most ``limit`` characters as it is; a longer one cut into pieces of at most ``limit``, each
    cut after the last item separator (",", ";", a full stop, "and") before the limit, else the last space, else
    at the limit. Reading cost grows faster than a line's length; a real order line is far shorter than this."""
    out = []
    while len(line) > limit:
        head = line[:limit]
        cuts = [m.end() for m in CUT.finditer(head) if m.group().strip()] or [m.end() for m in CUT.finditer(head)]
        at = cuts[-1] if cuts and cuts[-1] > limit // 2 else limit
        out.append(line[:at].strip())
        line = line[at:]
    out.append(line.strip())
    return [p for p in out if p]


def body_blocks(text: str, *, source: Source = "body") -> list[Block]:
    """One Block per non-empty line of ``text``, after quoted replies and signatures are removed; the rows of a
    table typed with tabs under a header row carry their recognised columns, as a spreadsheet's rows do."""
    lines = text.splitlines()
    kept = [lines[i] for i in kept_lines(lines)]  # blank lines kept here: they end a table
    return [Block(text=line.strip(), source=source, reader="text", fields=fields)
            for line, fields in zip(kept, table_fields(kept), strict=True) if line.strip()]


def table_fields(lines: Sequence[str]) -> list[dict[str, str]]:
    """For each line, the cells a header recognises when the line is a row of a tab-separated table under a header
    line that names a product (or code) and a quantity (or unit) column ("Product<TAB>Qty.<TAB>Pack<TAB>Price"); {} for
    every other line. An empty cell stays empty: "geometry box<TAB>60<TAB><TAB>63.5" is 60 in the SKU's unit at
    63.5, where read as free text its price could be taken for the count."""
    out: list[dict[str, str]] = [{} for _ in lines]
    k = 0
    while k < len(lines):
        if "\t" not in lines[k]:
            k += 1
            continue
        end = k
        while end < len(lines) and "\t" in lines[end]:
            end += 1
        header = None
        for n in range(k, end):
            cells = [c.strip() for c in lines[n].strip().split("\t")]
            found = find_header([cells])  # a header row begins a table, the first or the next one
            if found is not None:
                header = found
            elif header is not None:
                out[n] = row_fields(cells, header) or {}
        k = end
    return out


class _Numbered(str):
    """A line that remembers its place in the message (the cutting below keeps or drops lines, never edits them)."""

    number: int

    def __new__(cls, text: str, number: int) -> _Numbered:
        line = super().__new__(cls, text)
        line.number = number
        return line


def kept_lines(lines: Sequence[str]) -> list[int]:
    """The numbers of the lines the sender wrote for this message: quoted replies, earlier mails, forwarded
    headers, signatures and rules cut (what the pipeline reads, and so what the tagger is trained on)."""
    numbered = [_Numbered(line, i) for i, line in enumerate(lines)]
    return [line.number for segment in split_forwarded(numbered) for line in clean_segment(segment)]


def split_forwarded(lines: Sequence[L]) -> list[list[L]]:
    """Split at "Forwarded message" separators, dropping each forwarded mail's header lines."""
    segments: list[list[L]] = [[]]
    index = 0
    while index < len(lines):
        if FORWARD_SEPARATOR.match(lines[index]):
            segments.append([])
            index = skip_header_fields(lines, index + 1)
            continue
        segments[-1].append(lines[index])
        index += 1
    return segments


def skip_header_fields(lines: Sequence[str], start: int) -> int:
    """Index of the first line after the mail header fields (From:, Date:, ...) that begin at ``start``."""
    index = start
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines) and HEADER_FIELD.match(lines[index]):
        index += 1
    return index


def clean_segment(lines: Sequence[L]) -> list[L]:
    """The lines of one mail (the top one or a forwarded one) without quotes, signature and rules."""
    unquoted = cut_quoted(lines)
    unsigned = cut_signature(unquoted)
    return [line for line in unsigned if not RULE_LINE.match(line)]


def cut_quoted(lines: Sequence[L]) -> list[L]:
    """Drop '>' lines and everything from the start of an earlier mail (attribution, Outlook header).

    An earlier mail with nothing written above it is a forward, not a reply: its header goes, its body stays.
    """
    out: list[L] = []
    index = 0
    while index < len(lines):
        if starts_earlier_mail(lines, index):
            if has_content(out) or is_attribution(lines, index):
                break
            index = skip_header_fields(lines, index + (1 if ORIGINAL_MESSAGE.match(lines[index]) else 0))
            continue
        if not lines[index].lstrip().startswith(">"):
            out.append(lines[index])
        index += 1
    return out


def starts_earlier_mail(lines: Sequence[str], index: int) -> bool:
    """Whether line ``index`` opens a quoted earlier mail."""
    return (
        bool(ORIGINAL_MESSAGE.match(lines[index]))
        or is_attribution(lines, index)
        or is_outlook_header(lines, index)
    )


def is_attribution(lines: Sequence[str], index: int) -> bool:
    """An "On <date>, <someone> wrote:" line, possibly wrapped onto the next line."""
    if not ATTRIBUTION_START.match(lines[index]):
        return False
    if ATTRIBUTION_END.search(lines[index]):
        return True
    return index + 1 < len(lines) and bool(ATTRIBUTION_END.search(lines[index + 1]))


def is_outlook_header(lines: Sequence[str], index: int) -> bool:
    """A "From: ..." line followed within four lines by "Sent: ..." or "Date: ..." (Outlook's quote header)."""
    if not OUTLOOK_FROM.match(lines[index]):
        return False
    return any(OUTLOOK_SENT.match(line) for line in lines[index + 1 : index + 5])


def has_content(lines: Sequence[str]) -> bool:
    """Whether any line carries text other than a decorative rule."""
    return any(line.strip() and not RULE_LINE.match(line) for line in lines)


def cut_signature(lines: Sequence[L]) -> list[L]:
    """Cut at a "-- " line, or at a closing ("Regards", "Sent from my iPhone") near the end of the text."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    for position, index in enumerate(content):
        line = lines[index]
        after = len(content) - position - 1
        if SIGNATURE_DASHES.match(line) or (MOBILE_FOOTER.match(line) and after <= SIGNATURE_MAX_LINES):
            return list(lines[:index])
        if position > 0 and after <= SIGNATURE_MAX_LINES and is_closing(line, after):
            return list(lines[:index])
    return list(lines)


def is_closing(line: str, lines_after: int) -> bool:
    """A sign-off line; a bare "Thanks" counts only when just a short signature follows it."""
    if CLOSING.match(line):
        return True
    return bool(THANKS_CLOSING.match(line)) and lines_after <= 4

"""The transparent, rule-based order-line extractor: quantities, units, prices and product mentions.

It is the baseline the learned token classifier is measured against, and the fallback when no tagger
model is present. Pure: text in, lines out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from models.accounting import ARTICLES, ASKED_CUE, COUNT_MARKS
from models.units import (
    JOINERS,
    NUMBER_WORDS,
    VAGUE_WORDS,
    WEAK_NUMBER_WORDS,
    joined_number,
    measure,
    unit_word,
)
from ordex.schema import Block, Line

FILLER = frozenset(
    """hi hello hey dear sir sirji ji bhai bhaiya bhaiyya bro boss sahab saab namaste namaskar good morning
    evening afternoon please pls plz pl kindly send sent bhej bhejo bhejna bhejdo bhejiye bhijwa bhijwana dena dedo
    de chahiye chaiye need needed want wanted required require order orders ordering add also bhi aur and of the
    for me us our my hamko humko hume hamein mujhe ko ka ki ke today kal aaj subah shaam tak by asap urgent
    urgently thanks thank you thx ty regards more is are this that with in on at from supply dispatch deliver
    delivery sending give provide arrange karo kar krdo kardo karna jaldi ok okay yes haan hai hain h tha
    rakh rakhna rakho to do confirm confirmed salaam salam
    madam team hope well noted asap likho likh likhiye lo lena dijiye bhejiye chahie karna pls. plz. kindly. regards. tomorrow evening morning tonight today's soon lagao laga chaiye chahie bhijwa do's item items qty quantity pls. ,""".split()
)
CONNECTORS = re.compile(rf"\s+(?:{JOINERS})\s+", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:(?:[-*•·●▪>+→]+|->|\(?\d{1,3}[.)]|\(?[a-hA-H][.)]|#\d+)\s+|\d{1,2}\s?-\s*(?=[^\W\d_]))")
NUMBERED = re.compile(r"^\s*\(?(\d{1,2})\s?[-.)]\s*(?=\S)")
SPLIT = re.compile(
    r"(?<!\d),|,(?!\d)|;|(?<!\brs)(?<!\bno)(?<!\bnos)(?<!\bpcs)(?<!\bctn)\.(?=\s+[a-z])",
    re.IGNORECASE,
)
PRICE_MARKERS = frozenset({"@", "rs", "rs.", "₹", "inr", "rate", "price", "mrp", "usd", "$", "eur", "€"})
REF_MARKERS = frozenset({"no", "no.", "#", "number", "ref", "ref.", "invoice", "inv", "bill", "po", "order", "challan",
                         "receipt", "account", "a/c", "gst", "pin", "pincode", "shop", "plot", "sector", "room", "flat",
                         "house", "gali", "ward", "road", "street"})
MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"

TOKEN = re.compile(
    r"(?P<phone>\+?\d[\d -]{8,}\d)"
    r"|(?P<frac>\b\d{1,2}/(?:2|4|8|16|32|64)(?=\s*(?:[\"”]|inch|in\b|mm\b|cm\b|kg\b|ltr|hp\b|ton)))"
    r"|(?P<date>\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b\d{1,2}[-/ ]?(?:" + MONTHS + r")[a-z]*[-/ ,]*\d{0,4}\b"
    r"|\b(?:" + MONTHS + r")[a-z]*\.?[-/ ]*\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}-\d{1,2}-\d{2,4}\b|\b\d{1,2}:\d{2}\b)"
    r"|(?P<range>\b\d+(?:-|–|\s+(?:to|se|or)\s+)\d+\b)"
    r"|(?P<cur>\b(?:rs|inr)\.?(?=\s*\d))"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<word>[^\W\d_][\w'’/.-]*[\w]|[^\W\d_])"
    r"|(?P<inch>(?<=\d)\s?[\"”%])"
    r"|(?P<sym>/-|[@₹$€×*:/+=()?-])",
    re.IGNORECASE,
)


@dataclass
class Tok:
    """A token of a segment with its kind and position in the segment."""

    text: str
    kind: str  # num, word, unit, measure, phone, date, range, sym
    start: int
    end: int
    value: float = 0.0
    role: str = ""  # qty, unit, size, price, serial, filler, marker, ""


@dataclass
class Segment:
    """A piece of a block that may hold one order line."""

    text: str
    block: int
    toks: list[Tok] = field(default_factory=list)
    table: bool = False  # a row of a table (cells apart by "|", tabs or wide spaces)


def tokenize(text: str) -> list[Tok]:
    """Split a segment into typed tokens, separating numbers glued to unit words ("24ctn", "1L", "x12")."""
    out: list[Tok] = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup or "sym"
        s, e = m.span()
        t = m.group()
        if kind == "phone" and sum(c.isdigit() for c in t) < 9:
            out.extend(_numbers(t, s))
            continue
        if kind == "word":
            out.extend(_split_glued(t, s))
            continue
        if kind == "cur":  # "rs.180": the currency marks a price
            out.append(Tok(t.rstrip("."), "sym", s, e))
            continue
        if kind == "inch":  # 2" is two inches, 33% a strength: sizes
            out.append(Tok(t.strip(), "measure", s, e))
            continue
        if kind == "range" and not _is_range(t):
            out.extend(_numbers(t, s))
            continue
        if kind == "num":
            out.append(Tok(t, "num", s, e, float(t.replace(",", ""))))
            continue
        if kind == "frac":  # "3/4 inch", "1/2inch": a size, never a date
            a, b = t.split("/")
            out.append(Tok(t, "num", s, e, int(a) / int(b)))
            continue
        out.append(Tok(t, kind, s, e))
    return _mark_units(out)


def _is_range(t: str) -> bool:
    """'2-3' or '2 to 3' is a vague count; '200-20' is a size then a count."""
    a, b = (float(x) for x in re.findall(r"\d+", t)[:2])
    return a < b <= a * 3 + 2


def _numbers(t: str, s: int) -> list[Tok]:
    return [Tok(m.group(), "num", s + m.start(), s + m.end(), float(m.group())) for m in re.finditer(r"\d+", t)]


GLUED = re.compile(r"^(?P<x>[x×])(?P<n>\d+(?:\.\d+)?)(?P<rest>[a-z]*)$", re.IGNORECASE)


def _split_glued(t: str, s: int) -> list[Tok]:
    """ "x12" is the marker and a number; "x12inch" the marker, a number and a unit."""
    m = GLUED.match(t)
    if not m or (m.group("rest") and not measure(m.group("rest")) and not unit_word(m.group("rest"))):
        return [Tok(t, "word", s, s + len(t))]
    n_end = s + 1 + len(m.group("n"))
    out = [Tok(t[0], "sym", s, s + 1), Tok(m.group("n"), "num", s + 1, n_end, float(m.group("n")))]
    if m.group("rest"):
        out.append(Tok(m.group("rest"), "word", n_end, s + len(t)))
    return out


def _mark_units(toks: list[Tok]) -> list[Tok]:
    """Type unit, measure and number words (TOKEN already cut "400g" and "24ctn" into number and word)."""
    out = toks
    for t in out:
        if t.kind == "word":
            low = t.text.lower()
            if measure(low):
                t.kind = "measure"
            elif unit_word(low):
                t.kind = "unit"
            elif low in NUMBER_WORDS and low not in WEAK_NUMBER_WORDS:
                t.kind, t.value = "num", float(NUMBER_WORDS[low])
    return _join_number_words(out)


def _join_number_words(toks: list[Tok]) -> list[Tok]:
    """ "twenty five" is 25 and "two hundred" is 200: number words written apart make one number."""
    out: list[Tok] = []
    for t in toks:
        prev = out[-1] if out else None
        if (prev is not None and t.kind == "num" and prev.kind == "num" and not prev.text[0].isdigit()
                and not t.text[0].isdigit()):
            joined = joined_number(prev.value, t.value)
            if joined is not None:
                out[-1] = Tok(f"{prev.text} {t.text}", "num", prev.start, t.end, joined)
                continue
        out.append(t)
    return out


SERIAL = re.compile(r"^\s*(\d{1,3})\s+(?=(\w+))")  # "3 powder dark 20 KG": a row of a PO's serial column
SERIAL_HEADING = re.compile(r"^\s*(?:sr|sl|s\.?\s?no|no|#|serial|item\s?no)\b\.?", re.IGNORECASE)  # "Sr Item Qty"


def serial_numbers(blocks: Sequence[Block], block_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Where the leading number of a list or table row is a serial number, not a count: items of a numbered list
    ("1- …", "2) …", two in a row), or rows of a PO ("1 icing sugar 1 kg 10", "2 Maida Flour Bag 50 kg 20 BAG",
    "3 powder dark 20 KG") whose leading numbers count up, each followed by no unit word and holding another
    number: three rows in a row, or two under a serial column's heading ("Sr Item Qty Unit")."""
    out: dict[int, tuple[int, int]] = {}
    marked = [(b, int(m.group(1)), m.span(1)) for b in block_ids if (m := NUMBERED.match(blocks[b].text))]
    for (b1, n1, at1), (b2, n2, at2) in zip(marked, marked[1:], strict=False):
        if n2 == n1 + 1:
            out.update({b1: at1, b2: at2})
    runs: list[list[tuple[int, int, tuple[int, int]]]] = []  # (block, serial, where) rows that count up
    for i, b in enumerate(block_ids):
        row = _serial_row(blocks[b].text)
        if row is None:
            continue
        if runs and runs[-1][-1][0] == block_ids[i - 1] and runs[-1][-1][1] + 1 == row[0]:
            runs[-1].append((b, *row))
        else:
            runs.append([(b, *row)])
    for run in runs:
        first = block_ids.index(run[0][0])
        headed = first > 0 and SERIAL_HEADING.match(blocks[block_ids[first - 1]].text) is not None
        if len(run) >= 3 or len(run) == 2 and headed:
            out.update({b: at for b, _n, at in run})
    return out


def _serial_row(text: str) -> tuple[int, tuple[int, int]] | None:
    """A row's leading number and where it is, when it may be a serial: no unit word after it, a number later."""
    m = SERIAL.match(text)
    if m is None or m.group(2).isdigit() or unit_word(m.group(2)) is not None or not re.search(r"\d", text[m.end():]):
        return None
    return int(m.group(1)), m.span(1)


def segments(block: Block, index: int, numbered: bool = False, headings: bool = True) -> list[Segment]:
    """Cut a block into segments that may each hold one order line (commas, semicolons, sentences, 'and');
    ``headings``: a heading's number before a colon counts nothing (``_split_label``, the heading_number check)."""
    text = (NUMBERED.sub("", block.text, count=1) if NUMBERED.match(block.text) else SERIAL.sub("", block.text, count=1)) \
        if numbered else block.text
    # table cells ("Bolt M8 | 12 | box", tab-separated) are one row: they become one segment
    text = re.sub(r"\s*\|\s*|\t+", "  ", BULLET.sub("", text)).strip()
    table = bool(re.search(r"\||\t|\S {2,}\S", block.text))
    pieces = SPLIT.split(text)
    out: list[Segment] = []
    for piece in pieces:
        for part in _split_connectors(piece):
            for sub in _split_label(part, headings):
                sub = LEADING_CONNECTOR.sub("", sub.strip(" .:-–!"))
                if sub:
                    out.append(Segment(sub, index, tokenize(sub), table and len(pieces) == 1))
    return out


LEADING_CONNECTOR = re.compile(rf"^(?:{JOINERS})\s+", re.IGNORECASE)


ORDER_LABEL = re.compile(r"^(?P<left>[^\d:]*\b(?:order|requirement|indent)\b)\s*[-–]\s+(?P<right>\S.*)$", re.IGNORECASE)


LABEL_NUMBER = re.compile(r"^[^\d:]*[^\W\d_][^\d:]*\s\d{1,3}\s*$")  # words, then one number, then the colon


def _split_label(part: str, headings: bool = True) -> list[str]:
    """'ACME STORES ORDER: PUMP 1HP 2 PCS' (or 'ORDER - PUMP …') is a label and a line; 'hose pipe : 6 rolls'
    is one line."""
    dash = ORDER_LABEL.match(part)
    left, sep, right = (dash["left"], "-", dash["right"]) if dash else part.partition(":")
    if headings and sep == ":" and LABEL_NUMBER.match(left) and right[:1].isspace() and re.search(r"[^\W\d_]", right):
        return [right]  # "for table 4: a cold drink": a heading, its number names it and counts nothing
    if not sep or re.search(r"\d", left) or left.strip().lower() in COUNT_MARKS:
        return [part]
    toks = tokenize(right)
    qty, _unit, _conf, _price, _vague = _assign_roles(toks)
    if qty is not None and any(c.isalpha() for c in product_text(toks, right)):
        return [left, right]
    return [part]


def _split_connectors(piece: str) -> list[str]:
    """Split on 'and'/'aur'/'&' only where both sides carry a number: 'salt and pepper 5 ctn' stays whole."""
    parts = CONNECTORS.split(piece)
    if len(parts) == 1:
        return parts
    has_num = [bool(re.search(r"\d", p)) or any(w.lower() in NUMBER_WORDS for w in p.split()) for p in parts]
    if all(has_num):
        return parts
    merged: list[str] = []
    for p, n in zip(parts, has_num, strict=True):
        if merged and not n:
            merged[-1] = merged[-1] + " and " + p
        else:
            merged.append(p)
    if merged and not has_num[0] and len(merged) > 1:
        merged = [merged[0] + " and " + merged[1], *merged[2:]]
    return merged


NumberHint = Callable[[str, float], bool]


def _article_count(toks: list[Tok]) -> None:
    """In an item with no count, "a"/"an" before a word counts one ("can i get a chicken sandwich"), as the
    contract reads a typed sentence; never after a word that begins a request ("with a straw")."""
    for i, t in enumerate(toks[:-1]):
        low, nxt = t.text.lower(), toks[i + 1]
        if t.kind in ("word", "measure") and low in ARTICLES and nxt.kind in ("word", "unit") and not t.role:
            prev = toks[i - 1].text.lower() if i > 0 else ""
            if ASKED_CUE.fullmatch(prev) is None:
                t.kind, t.value = "num", 1.0
            return


def _assign_roles(toks: list[Tok], hint: NumberHint | None = None, table: bool = False,
                  code: Callable[[str], bool] | None = None) -> tuple[Tok | None, Tok | None, float, float | None, bool]:
    """Pick the quantity, its unit, the quantity's confidence, a price, and whether the quantity is vague.

    ``hint(word, number)`` says the catalog names a product "word number" (a model number, not a count);
    ``table`` says the segment is a table row (serial number first, rate and amount after the quantity).
    """
    n = len(toks)
    price: float | None = None
    vague = False
    n_nums = sum(1 for t in toks if t.kind == "num")
    for i, t in enumerate(toks):
        low = t.text.lower()
        nxt = toks[i + 1] if i + 1 < n else None
        prev = toks[i - 1] if i > 0 else None
        if t.kind in ("phone", "date"):
            t.role = "ignore"
        elif t.kind == "range" or low in VAGUE_WORDS or (t.text == "?" and i > 0):
            vague, t.role = True, "vague"
            if nxt is not None and nxt.kind == "unit":
                nxt.role = "unit"
        elif t.kind == "num" and code is not None and code(t.text):
            t.role = "code"  # "4000221 | Qty: 12": a numeric SKU code is the product
        elif t.kind == "num" and _after_reference(toks, i) and not (nxt and nxt.kind == "unit"):
            t.role = "ignore"  # "order no. 16270", "shop 12": a reference, not a count
        elif (t.kind == "num" and hint is not None and prev is not None and prev.kind == "word" and hint(prev.text, t.value)
              and (nxt is None or nxt.kind != "unit" or n_nums > 1)):
            t.role = "size"  # "strider 150", "paneer 200": the catalog names products with this number
        elif t.kind == "num" and prev is not None and prev.text.lower() in PRICE_MARKERS:
            price, t.role, prev.role = t.value, "price", "marker"
        elif (t.kind == "num" and nxt is not None and (nxt.text in ("/-",) or nxt.text.lower() in ("rs", "/-", "rs."))
              and not (i + 2 < n and toks[i + 2].kind == "num")):
            price, t.role, nxt.role = t.value, "price", "marker"
        elif t.kind == "num" and nxt is not None and nxt.kind == "measure":
            t.role, nxt.role = "size", "size"
        elif t.kind == "word" and low in WEAK_NUMBER_WORDS and nxt is not None and nxt.kind == "unit":
            t.kind, t.value = "num", float(NUMBER_WORDS.get(low, 0.5 if low in ("half", "aadha", "adha") else 1))
    if not vague and not any(t.kind == "num" and not t.role for t in toks):
        _article_count(toks)
    cands: list[tuple[float, int]] = []
    nums = [] if vague else [i for i, t in enumerate(toks) if t.kind == "num" and not t.role]
    content = [
        i for i, t in enumerate(toks)
        if t.kind in ("word", "num", "measure", "unit") and t.role != "ignore" and t.text.lower() not in FILLER
    ]
    for i in nums:
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < n else None
        prev = toks[i - 1] if i > 0 else None
        prev2 = toks[i - 2] if i > 1 else None
        if nxt is not None and nxt.kind == "unit":
            strength = 3.0
        elif prev is not None and prev.text.lower() in COUNT_MARKS:
            strength = 2.5
        elif prev is not None and prev.text == ":" and prev2 is not None and prev2.text.lower() in COUNT_MARKS:
            strength = 2.5
        elif nxt is not None and nxt.text.lower() in ("x", "×") and i == content[0]:
            strength = 2.2
        else:
            strength = 1.2 if content and (i == content[0] or i == content[-1]) else 0.8
            if prev is not None and prev.text in ("-", ":", "=") and i == content[-1]:
                strength = 1.6
        cands.append((strength, i))
    if table and cands:
        cands = _table_row(toks, cands, content)
    if not cands:
        loose = next((t for t in toks if t.role == "unit"), None)
        return None, loose, 0.0, price, vague
    cands.sort(key=lambda c: (-c[0], c[1]))
    best_strength, best = cands[0]
    conf = {3.0: 0.97, 2.5: 0.95, 2.2: 0.9, 2.0: 0.9, 1.6: 0.9, 1.2: 0.85}.get(best_strength, 0.6)
    if len(cands) > 1 and cands[1][0] == best_strength:
        conf = min(conf, 0.55)
    qty = toks[best]
    qty.role = "qty"
    unit = toks[best + 1] if best + 1 < n and toks[best + 1].kind == "unit" else None
    if unit is not None:
        unit.role = "unit"
    if best > 0 and toks[best - 1].text.lower() in COUNT_MARKS:
        toks[best - 1].role = "marker"
    if best + 1 < n and toks[best + 1].text.lower() in ("x", "×") and best == content[0]:
        toks[best + 1].role = "marker"
    # a small integer opening a table row before a stronger quantity is a serial number
    first = content[0] if content else None
    dimension = first is not None and first + 1 < n and toks[first + 1].text.lower() in ("x", "×", "*")
    if (first is not None and first != best and toks[first].kind == "num" and not toks[first].role
            and best_strength >= 2.5 and not dimension):
        if toks[first].value == int(toks[first].value) and toks[first].value < 1000:
            toks[first].role = "serial"
    if unit is not None and best_strength >= 3.0:
        # table rows: "item  qty unit  rate  amount" — numbers after the unit are money, not product
        trailing = [t for t in toks[best + 2 :] if t.kind != "sym"]
        if trailing and all(t.kind == "num" and not t.role for t in trailing):
            trailing[0].role = "price"
            price = price if price is not None else trailing[0].value
            for t in trailing[1:]:
                t.role = "ignore"
    if unit is None:
        # a unit word just before the quantity ("ctn 24", "crates: 6")
        before = [toks[j] for j in (best - 1, best - 2) if j >= 0]
        if before and before[-1 if len(before) == 2 and before[0].text == ":" else 0].kind == "unit":
            unit = before[-1] if len(before) == 2 and before[0].text == ":" else before[0]
            unit.role = "unit"
    return qty, unit, conf, price, vague


def _after_reference(toks: list[Tok], i: int) -> bool:
    """ "order no. 16270", "PO No: 16354", "shop 12": the number follows a reference word."""
    j = i - 1
    while j >= 0 and toks[j].text in (":", "-", "#", "."):
        j -= 1
    return j >= 0 and (toks[j].text.lower() in REF_MARKERS or toks[j].text.lower().rstrip(".") in REF_MARKERS)


def _table_row(toks: list[Tok], cands: list[tuple[float, int]], content: list[int]) -> list[tuple[float, int]]:
    """In a table row a small leading integer is the serial number, the first bare number after the product is
    the quantity, and bare numbers after it are rate and amount."""
    if content and toks[content[0]].kind == "num" and len(cands) > 1 and toks[content[0]].value < 1000:
        toks[content[0]].role = "serial"
        cands = [c for c in cands if c[1] != content[0]]
    words = [i for i in content if toks[i].kind == "word" and not toks[i].role]
    if not words or any(st >= 2.5 for st, _ in cands):
        return cands
    after = sorted(i for _, i in cands if i > words[-1])
    if len(after) < 2:
        return cands
    for i in after[1:]:
        toks[i].role = "price" if i == after[1] else "ignore"
    return [(2.0, after[0])] + [c for c in cands if c[1] < words[-1]]


def _is_product_token(t: Tok, prev: Tok | None = None, nxt: Tok | None = None) -> bool:
    if t.role in ("qty", "unit", "price", "marker", "serial", "ignore", "vague"):
        return False
    if t.role == "code":
        return True
    if t.kind == "sym":  # only the "x" of a dimension ("12x1L", "9 x 4 inch") belongs to a product
        return t.text.lower() in ("x", "×", "*") and prev is not None and nxt is not None and \
            prev.kind == "num" and nxt.kind == "num" and prev.role in ("", "size") and nxt.role in ("", "size")
    return not (t.kind == "word" and t.text.lower().strip(".") in FILLER)


def product_text(toks: list[Tok], text: str) -> str:
    """The product mention: what is left of the segment once quantity, unit, price and chatter are taken out."""
    words: list[str] = []
    last_end = -1
    for k, t in enumerate(toks):
        if not _is_product_token(t, toks[k - 1] if k else None, toks[k + 1] if k + 1 < len(toks) else None):
            continue
        piece = text[t.start : t.end]
        if words and t.start == last_end:
            words[-1] += piece  # keep "1HP", "12x1L" as written
        else:
            words.append(piece)
        last_end = t.end
    return " ".join(words).strip(" -:")


def extract_block_lines(blocks: Sequence[Block], block_ids: Sequence[int], section: int,
                        hint: NumberHint | None = None, code: Callable[[str], bool] | None = None,
                        headings: bool = True) -> list[Line]:
    """Every candidate order line in a section's blocks, in reading order (``hint``: see ``_assign_roles``;
    ``headings``: see ``segments``)."""
    lines: list[Line] = []
    listed = serial_numbers(blocks, block_ids)  # rows whose leading number is their serial
    for b in block_ids:
        block = blocks[b]
        if block.fields.get("product"):
            line = _from_fields(block, b, section)
            if line:
                lines.append(line)
            continue
        segs = segments(block, b, b in listed, headings)
        for seg in segs:
            line = _from_segment(seg, section, block.confidence, hint, code)
            if line:
                lines.append(line)
            elif len(segs) == 1 and lines and lines[-1].qty is None and not lines[-1].qty_vague:
                merged = _qty_only(seg, lines[-1])
                if merged:
                    lines[-1] = merged
    return lines


def _qty_only(seg: Segment, prev: Line) -> Line | None:
    """A line that is only a quantity ("5 ctn") completes the product named on the line above it."""
    toks = tokenize(seg.text)  # fresh tokens: roles from the first reading must not leak
    qty, unit, conf, _price, vague = _assign_roles(toks)
    if qty is None and not vague or product_text(toks, seg.text):
        return None
    return prev.model_copy(update={
        "text": f"{prev.text}\n{seg.text}", "qty": None if vague or qty is None else qty.value,
        "unit": unit_word(unit.text) if unit is not None else None, "qty_vague": vague,
        "qty_confidence": 0.0 if vague or qty is None else round(conf * 0.95, 4),
    })


def _from_segment(seg: Segment, section: int, block_conf: float, hint: NumberHint | None = None,
                  code: Callable[[str], bool] | None = None) -> Line | None:
    qty, unit, conf, price, vague = _assign_roles(seg.toks, hint, seg.table, code)
    product = product_text(seg.toks, seg.text)
    if not product or not (any(c.isalpha() for c in product) or any(t.role == "code" for t in seg.toks)):
        return None
    return Line(
        section=section,
        text=seg.text,
        product=product,
        qty=None if vague or qty is None else qty.value,
        unit=unit_word(unit.text) if unit is not None else None,
        qty_vague=vague,
        price=price,
        confidence=round(block_conf, 4),
        qty_confidence=0.0 if vague or qty is None else round(conf * min(1.0, block_conf + 0.1), 4),
        block=seg.block,
    )


def _from_fields(block: Block, b: int, section: int) -> Line | None:
    f = block.fields
    toks = tokenize(f.get("qty", ""))
    nums = [t for t in toks if t.kind == "num"]
    units = [t for t in toks if t.kind == "unit"]
    unit_text = f.get("unit", "") or (units[0].text if units else "")
    unit = unit_word(unit_text.strip().lower()) if unit_text else None
    vague = any(t.kind == "range" or t.text.lower() in VAGUE_WORDS for t in toks)
    qty = nums[0].value if len(nums) == 1 and not vague else None
    price = None
    try:
        price = float(f["price"].replace(",", "")) if f.get("price") else None
    except ValueError:
        price = None
    return Line(
        section=section,
        text=block.text,
        product=f["product"].strip(),
        qty=qty,
        unit=unit or (unit_text.strip().upper() or None),
        qty_vague=vague or (qty is None and bool(f.get("qty"))),
        price=price,
        confidence=block.confidence,
        qty_confidence=0.97 if qty is not None else 0.0,
        block=b,
    )


def label_spans(text: str) -> list[tuple[int, int, str]]:
    """Character spans (start, end, label) of one line as the rules read it: weak labels for the tagger.

    Only segments that make an order line (a product and a quantity) are labelled.
    """
    out: list[tuple[int, int, str]] = []
    cursor = 0
    for seg in segments(Block(text=text), 0):
        at = text.find(seg.text, cursor)
        if at < 0:
            continue
        cursor = at + len(seg.text)
        toks = tokenize(seg.text)
        qty, _unit, _conf, _price, vague = _assign_roles(toks)
        prod = [t for t in toks if _is_product_token(t)]
        if not prod or (qty is None and not vague) or not any(c.isalpha() for t in prod for c in t.text):
            continue
        out.append((at + prod[0].start, at + prod[-1].end, "PRODUCT"))
        for t in toks:
            label = {"qty": "QTY", "vague": "QTY", "unit": "UNIT", "price": "PRICE"}.get(t.role)
            if label and not (prod[0].start <= t.start < prod[-1].end):
                out.append((at + t.start, at + t.end, label))
    return sorted(out)

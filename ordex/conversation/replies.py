"""What a dealer's short message means in a conversation: an option picked, a correction, a repeat, a cancel.

Pure functions over the text. Each reading is narrow on purpose: a message that is not plainly one of these
goes through the pipeline as any other message, so an order is never taken for a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = str.maketrans("०१२३४५६७८९০১২৩৪৫৬৭৮৯੦੧੨੩੪੫੬੭੮੯૦૧૨૩૪૫૬૭૮૯", "0123456789" * 4)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "pehla": 1, "pehli": 1, "dusra": 2,
            "dusri": 2, "doosra": 2, "teesra": 3, "tisra": 3, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
            "ek": 1, "do": 2, "teen": 3, "char": 4, "paanch": 5}
QUOTED = re.compile(r"^(>|on .{0,200} wrote:|-{2,}\s*original message|from:\s)", re.IGNORECASE)


def first_words(text: str) -> str:
    """What the dealer typed on top of a reply: the lines before the quoted message, trimmed."""
    out: list[str] = []
    for line in text.splitlines():
        if QUOTED.match(line.strip()):
            break
        out.append(line)
    return " ".join(" ".join(out).split())


def choice(text: str, options: list[str]) -> int | None:
    """The option a reply picks, 1-based: "2", "2.", "option 2", "#2", "२", "second", "2. Rubi 1 L" (a tapped
    button's title), or an option's own words; None when it is not plainly one of them."""
    said = first_words(text).translate(DIGITS).strip().lower().rstrip(".!")
    if not said:
        return None
    m = re.fullmatch(r"(?:option|opt|no\.?|number|#)?\s*(\d{1,2})(?:[.)]\s*.*)?", said)
    if m and 1 <= int(m.group(1)) <= len(options):
        return int(m.group(1))
    if said in ORDINALS and ORDINALS[said] <= len(options):
        return ORDINALS[said]
    words = " ".join(re.findall(r"\w+", said))
    hits = [i for i, o in enumerate(options, start=1) if words and words == " ".join(re.findall(r"\w+", o.lower()))]
    return hits[0] if len(hits) == 1 else None


@dataclass(frozen=True)
class Correction:
    """A reply that changes a line of an order just confirmed: a new quantity, or the line dropped."""

    phrase: str  # the words naming the line ("paneer")
    qty: float | None  # the new quantity; None with ``drop``
    was: float | None = None  # the quantity it replaces, when said ("not 30")
    drop: bool = False


NUM = r"(\d+(?:\.\d+)?)"
_NOT = re.compile(rf"^(?P<p>.*?\D)\s*{NUM}\s*(?:\w+\s+)?(?:not|nahi|nahin|instead of|in place of)\s+{NUM}\b.*$")
_MAKE = re.compile(rf"^(?:make|change|set)\s+(?:the\s+)?(?P<p>.+?)\s+(?:(?:to|=)\s+)?{NUM}(?:\s+\w+)?$")
_ONLY = re.compile(rf"^(?P<p>.+?)\s+(?:only|sirf|bas)\s+{NUM}\b\s*$")
_DROP = re.compile(r"^(?:please\s+)?(?:cancel|remove|drop|delete|hata\s*do|hatao|nahi\s+chahiye)\s+(?:the\s+)?(?P<p>.+?)"
                   r"(?:\s+(?:please|pls|plz))?$")
_DROP_AFTER = re.compile(r"^(?P<p>.+?)\s+(?:cancel|hata\s*do|hatao|mat\s+bhejo|nahi\s+chahiye|not needed)$")
ORDER_WORDS = re.compile(r"^(?:(?:today'?s|todays|the|my|this|that|whole|full|aaj\s+ka|poora)\s+)*"
                         r"(?:order|ordr|odr|order\s+today)$")


def correction(text: str) -> Correction | None:
    """A correction of a confirmed order: "paneer 20 not 30", "make juice 10", "cancel the juice"."""
    said = first_words(text).translate(DIGITS).strip().lower().rstrip(".!")
    if not said or len(said) > 200:
        return None
    if m := _NOT.match(said):
        return Correction(m.group("p").strip(" ,:-"), float(m.group(2)), float(m.group(3)))
    if m := _MAKE.match(said):
        return Correction(m.group("p").strip(" ,:-"), float(m.group(2)))
    if m := _ONLY.match(said):
        return Correction(m.group("p").strip(" ,:-"), float(m.group(2)))
    m = _DROP.match(said) or _DROP_AFTER.match(said)
    if m and not ORDER_WORDS.match(m.group("p").strip()):
        return Correction(m.group("p").strip(" ,:-"), None, drop=True)
    return None


_REPEAT = re.compile(
    r"\b(?:same\s+(?:as\s+)?(?:last|previous|pichl[aie])\s*(?:time|order|week|baar|bar)?"
    r"|repeat\s+(?:the\s+|my\s+)?(?:last|previous|yesterday'?s|pichla)?\s*order"
    r"|(?:send|bhejo|bhej\s*do)\s+(?:the\s+|my\s+)?(?:same|yesterday'?s|last|previous)\s+order(?:\s+again)?"
    r"|(?:yesterday'?s|last|previous|kal\s+wala|kal\s+ka|pichla)\s+order\s+(?:again|repeat|phir\s+se|dobara)"
    r"|wahi\s+(?:order|bhejo|maal)|same\s+order(?:\s+again)?)\b")
_YESTERDAY = re.compile(r"\b(?:yesterday'?s?|kal\s+(?:wala|ka|ki))\b")


@dataclass(frozen=True)
class Repeat:
    """A request to send an earlier order again: the last one, or yesterday's."""

    yesterday: bool = False


def repeat(text: str) -> Repeat | None:
    """"same as last time", "send yesterday's order again", "repeat last order": a short message asking for an
    earlier order again (a message with more to it is read as an order by the pipeline)."""
    said = first_words(text).translate(DIGITS).strip().lower()
    if not said or len(said.split()) > 12 or re.search(r"\d", said):
        return None
    if _REPEAT.search(said):
        return Repeat(yesterday=bool(_YESTERDAY.search(said)))
    return None


_CANCEL_ORDER = re.compile(r"^(?:please\s+|pls\s+|plz\s+)?(?:cancel|radd?\s+karo|cancel\s+karo)\s+"
                           r"(?:(?:today'?s|todays|the|my|this|that|whole|full|aaj\s+ka|poora)\s+)*(?:order|ordr|odr)"
                           r"(?:\s+(?:today|please|pls|plz))*$|^(?:aaj\s+ka\s+)?order\s+cancel(?:\s+karo|\s+kar\s+do)?$")


def cancel_order(text: str) -> bool:
    """"cancel today's order", "cancel my order", "order cancel karo": the whole order called off."""
    return bool(_CANCEL_ORDER.match(first_words(text).strip().lower().rstrip(".!")))


_ADD = re.compile(r"^(?:please\s+|pls\s+|plz\s+|also\s+)?(?:add|aur|plus|also\s+send|add\s+on)\s+(?P<rest>\d.*?)"
                  r"(?:\s+(?:more|extra|aur|bhi|also|to\s+(?:the|my|today'?s)\s+order|in\s+(?:the\s+)?order|please|pls|bhejo))*$")


def addition(text: str) -> str | None:
    """"add 2 more peti of X", "aur 3 ctn X bhi": the line to add to the order just confirmed, as the dealer wrote
    it ("2 peti of X"); None when the message does not start by asking to add."""
    said = first_words(text).translate(DIGITS).strip().rstrip(".!")
    m = _ADD.match(said.lower())
    if not m or len(said) > 200:
        return None
    rest = said[m.start("rest"):m.end("rest")]
    rest = re.sub(r"^(\d+(?:\.\d+)?)\s+(?:more|extra)\s+", r"\1 ", rest, flags=re.IGNORECASE)
    return re.sub(r"\s+(?:more|extra)$", "", rest, flags=re.IGNORECASE).strip() or None

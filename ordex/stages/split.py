"""split: one section per order, the sender's plus one per sub-dealer or outlet the text names.

Customer headings are found by their layout and the customer names of the master data ("2) Volt Electricals",
"For Sharma Stores:"); a sender's phone or e-mail names its own customer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from pydantic import Field
from rapidfuzz import fuzz, process

from models.extractor import extract_block_lines
from models.matcher import normalize
from models.tagger import TokenTagger
from models.units import SHOP_WORDS, measure, plain_count, unit_of
from ordex.catalog import Customer, MasterData, e164
from ordex.schema import Block, Case, Section
from ordex.stages.base import Component, Options


class SplitOptions(Options):
    """How a message is cut into orders."""

    name_score: int = Field(default=90, ge=0, le=100, description="Least fuzzy score (token set ratio) for a heading "
                                                                  "to name a customer of the master data")
    customer_spans: bool = Field(default=False, description="Read the tagger's CUSTOMER spans as heading evidence: a "
                                                           "line it reads as a name and nothing else names the customer "
                                                           "of the lines below it")


class SplitStage(Component):
    """One section per order; ``is_product`` tells a product-group label ("Bulbs:") from a shop's name."""

    name: ClassVar[str] = "split"

    def __init__(self, md: MasterData, is_product: Callable[[str], bool] = lambda _t: False,
                 options: SplitOptions | None = None, tagger: TokenTagger | None = None) -> None:
        self.options = options or SplitOptions()
        self.md = md
        self.is_product = is_product
        self.tagger = tagger if self.options.customer_spans else None

    @property
    def model(self) -> str:
        return self.tagger.name if self.tagger is not None else ""

    @property
    def version(self) -> str:
        return f"v{self.tagger.version} customer spans" if self.tagger is not None else super().version

    def warm_up(self) -> None:
        """Settle the region senders' national numbers are read in (it reads every customer's phone)."""
        self.md.phone_region()

    def __call__(self, case: Case) -> Case:
        return split(case, self.md, self.is_product, self.options.name_score, self._named(case))

    def _named(self, case: Case) -> dict[int, str]:
        """Block -> the name the tagger reads in it, for the blocks it reads as a name and nothing else."""
        if self.tagger is None:
            return {}
        # every block the tag stage will read, in one batch (it then finds them remembered); names from short ones
        read = [i for i, b in enumerate(case.blocks) if not b.fields.get("product")]
        out: dict[int, str] = {}
        for i, spans in zip(read, self.tagger.spans([case.blocks[i].text for i in read]), strict=True):
            b = case.blocks[i]
            if b.fields or b.source == "subject" or len(b.text) > 80:
                continue
            labels = {s.label for s in spans}
            if "CUSTOMER" in labels and not labels & {"PRODUCT", "QTY"}:
                text = case.blocks[i].text
                out[i] = " ".join(text[s.start : s.end] for s in spans if s.label == "CUSTOMER").strip(" :-")
        return out


PUBLIC_MAIL = frozenset({"gmail.com", "yahoo.com", "yahoo.co.in", "outlook.com", "hotmail.com", "rediffmail.com",
                         "icloud.com", "live.com", "aol.com", "proton.me", "protonmail.com", "zoho.com", "mail.com"})


def customer_of_sender(sender: str, md: MasterData) -> Customer | None:
    """The customer whose phone or e-mail the sender is (active or not: the rules judge activity).

    Exact address first; a phone number however it was written, as E.164 (``phonenumbers``, a number without a
    country code read in the master data's region); else the company's own mail domain, when exactly one
    customer has it.
    """
    s = sender.strip().lower()
    if not s:
        return None
    if "@" in s:
        exact = md.customer_by_address(s)
        if exact is not None:
            return exact
        domain = s.rsplit("@", 1)[1]
        if domain in PUBLIC_MAIL:
            return None
        same = {c.customer_id: c for c in md.customers for e in c.emails if e.rsplit("@", 1)[-1] == domain}
        return next(iter(same.values())) if len(same) == 1 else None
    if len(re.sub(r"\D", "", s)) < 7:
        return None
    number = e164(s, md.phone_region())
    # WhatsApp gives the number with its country code but without the "+"; a national reading comes second.
    international = e164("+" + s.lstrip("+"), md.phone_region()) if not s.startswith(("+", "0")) else None
    for candidate in (number, international):
        found = md.customer_by_address(candidate) if candidate else None
        if found is not None:
            return found
    return None


NAME_CUE = re.compile(
    r"^\s*(?:\(?\d{1,2}[.)]\s*)?(?:for|outlet|party|shop|dealer|sub[- ]?dealer|retailer|customer|m/s\.?|store|buyer)"
    r"\b\s*[:\-]?\s*(?P<name>[^:]+?)\s*[:\-]?\s*$",
    re.IGNORECASE,
)
OURSELVES = frozenset({"us", "me", "our", "ours", "ourselves", "self", "own", "hamare", "humare", "hamara", "apne",
                       "apna", "mera", "mere", "hum", "godown", "counter"})
NUMBERED = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[a-h][.)]|#\d+)\s*(?P<name>[^\d]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Heading:
    """A block that names the customer of the order lines below it."""

    block: int
    name: str
    customer: Customer | None
    inline: bool = False  # "Volt Electricals: bulb 9w 5 box" names the customer and holds lines
    own: bool = False  # "For us:", "our own stock:" — the sender's own order among its sub-dealers'


def _headings(blocks: Sequence[Block], md: MasterData, is_product: Callable[[str], bool], cutoff: int,
              tagged: Mapping[int, str]) -> list[Heading]:
    """Blocks that name the customer of the lines below them: known customers, or unknown names laid out alike;
    ``tagged``: the names the tagger reads in blocks it reads as a name and nothing else."""
    names = _customer_names(md)
    out: list[Heading] = []
    shaped: list[Heading] = []
    for i, b in enumerate(blocks):
        if b.fields or b.source == "subject":
            continue
        if any(ln.qty is not None for ln in extract_block_lines(blocks, [i], 0)):
            label, sep, _rest = b.text.partition(":")
            hit = _customer_named(label, names, md, cutoff) if sep and not re.search(r"\d", label) else None
            if hit is not None:
                out.append(Heading(i, label.strip(), hit, inline=True))
            elif sep and _inline_name(label) and not is_product(label.strip()):  # an unknown name laid out alike
                shaped.append(Heading(i, label.strip(), None, inline=True))
            continue
        text = b.text.strip()
        if len(text) > 80:
            continue
        cue = NAME_CUE.match(text)
        candidate = (cue.group("name") if cue else text).strip(" :-*_~")
        norm = normalize(candidate)
        if not norm or len(norm.split()) > 8:
            continue
        customer = _customer_named(candidate, names, md, cutoff)
        if customer is None and tagged.get(i):  # "order of Sharma Stores pls": the name the tagger read
            customer = _customer_named(tagged[i], names, md, cutoff)
            candidate = tagged[i] if customer is not None else candidate
        counted = counted_at(text)
        if customer is not None and counted is not None:  # "Visited Tirupati Bakers today. powder dark - 5 kgs"
            out.append(Heading(i, text[:counted].strip(" .,:;-"), customer, inline=True))
        elif customer is not None:
            out.append(Heading(i, candidate, customer))
        elif (cue or _heading_shape(text)) and set(normalize(candidate).split()) & OURSELVES:
            out.append(Heading(i, candidate, None, own=True))
        elif (cue or i in tagged) and not is_product(candidate):
            named = tagged.get(i) or candidate if not cue else candidate
            shared = _bearers(normalize(named), names)
            out.append(Heading(i, f"{named} (the name of {', '.join(shared)})" if len(shared) > 1 else named, None))
        elif _heading_shape(text) and not is_product(candidate):
            shaped.append(Heading(i, candidate, None))
    # an unknown name laid out like the known sub-dealers' headings ("3) Name", "Name:") is one too
    shapes = {"colon" if h.inline else _heading_shape(blocks[h.block].text) for h in out}
    inline = any(h.inline for h in out)  # an unknown name before a colon and its lines, beside a known one's
    unknown = [h for h in shaped if (inline if h.inline else _heading_shape(blocks[h.block].text) in shapes)]
    return sorted(out + unknown, key=lambda h: h.block)


COUNTED = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?|[^\W\d_]+)\s*([^\W\d_]+\.?)(?!\w)")


def counted_at(text: str) -> int | None:
    """Where the first count beside a unit or measure word of the lexicon begins ("5 kgs", "two boxes"), or None:
    a line that names a customer and holds one is no heading alone, and its order line must not go with the name."""
    for m in COUNTED.finditer(text):
        if plain_count(m.group(1)) or re.fullmatch(r"\d+(?:[.,]\d+)?", m.group(1)):
            word = m.group(2).lower().rstrip(".")
            if len(word) > 1 and (unit_of(word) is not None or measure(word) is not None):  # "12 A" may be an address
                return m.start()
    return None


def _inline_name(label: str) -> bool:
    """A label before a colon that may be a name ("Mahalaxmi Stationers: pens 5 box"): one to six words, no digit,
    none of them a unit or measure word."""
    words = label.split()
    return (0 < len(words) <= 6 and not re.search(r"\d", label)
            and not any(unit_of(w.lower()) is not None or measure(w.lower()) is not None for w in words))


MARKED = re.compile(r"^([*_~]{1,2})([^*_~\d]+)\1:?$")  # "*Galaxy Cafe*", "_name_": a chat app's bold or italics


def _heading_shape(text: str) -> str:
    """How a line is laid out as a heading: numbered ("2) …"), a label ending in a colon, or marked bold or italic
    alone on its line ("*Galaxy Cafe*"); "" otherwise."""
    numbered = NUMBERED.match(text)
    if numbered and not re.search(r"\d", numbered.group("name")):
        return "numbered"
    t = text.strip()
    if t.endswith(":") and not re.search(r"\d", t) and 0 < len(t[:-1].split()) <= 6:
        return "colon"
    marked = MARKED.match(t)
    if marked and 0 < len(marked.group(2).split()) <= 6:
        return "marked"
    return ""


def _customer_names(md: MasterData) -> dict[str, str]:
    """Every customer's name as the matcher normalises it, built once per master data."""
    return md.memo("customer_names", lambda: {c.customer_id: normalize(c.name) for c in md.customers})


def _customer_named(text: str, names: dict[str, str], md: MasterData, cutoff: int = 90) -> Customer | None:
    """The customer a short text names, sharing more than generic words with its name; none when that name is
    two customers' (two "Ganga Bakers": the name tells them not apart, a person does)."""
    norm = normalize(text)
    if not norm or len(norm.split()) > 8:
        return None
    hit = process.extractOne(norm, names, scorer=fuzz.token_set_ratio, score_cutoff=cutoff)
    if not hit or not _distinctive(norm, hit[0], _shared_words(md)) or len(_bearers(hit[0], names)) > 1:
        return None
    return md.customer(hit[2])


def _bearers(name: str, names: dict[str, str]) -> list[str]:
    """The customers whose (normalised) name this is."""
    return [cid for cid, n in names.items() if n == name]


def _shared_words(md: MasterData) -> frozenset[str]:
    """Words of two or more customers' names ("xerox", "stationery" of two "... Xerox & Stationery"): they tell
    this distributor's customers apart no better than "stores" does."""
    def build() -> frozenset[str]:
        seen = Counter(w for n in _customer_names(md).values() for w in set(n.split()))
        return frozenset(w for w, k in seen.items() if k > 1)
    return md.memo("shared_name_words", build)


def _distinctive(mention: str, name: str, shared_words: frozenset[str] = frozenset()) -> bool:
    """A name match must share more than words of a kind of shop ("stores", "pustak bhandar": the lexicon's shop
    words) and words other customers' names have too: "Silverline Xerox & Stationery" is not "Pragati Xerox &
    Stationery", and "Pustak Bhandar" may be any book shop, not only the one known "Hegde Pustak Bhandar"."""
    shared = set(mention.split()) & set(name.split())
    return bool(shared - SHOP_WORDS - shared_words) or mention == name


def _has_lines(blocks: Sequence[Block], ids: Sequence[int]) -> bool:
    return any(ln.qty is not None or ln.qty_vague for ln in extract_block_lines(blocks, ids, 0))


def _section(blocks: tuple[int, ...], customer: Customer | None, named: str, source: str) -> Section:
    """A section for a customer; an inactive customer is no customer (CUSTOMER_UNKNOWN), and the name says why."""
    if customer is None:
        return Section(blocks=blocks, named=named, customer_source="none")
    if not customer.active:
        return Section(blocks=blocks, named=f"{named or customer.name} ({customer.customer_id}, inactive)",
                       customer_source="none")
    return Section(blocks=blocks, named=named, customer_id=customer.customer_id,
                   customer_source="sender" if source == "sender" else "named")


def _named_in_text(section: Section, blocks: Sequence[Block], md: MasterData, cutoff: int) -> Section:
    """With no known sender (a field agent, a new number), a customer the section's text names clearly."""
    if section.customer_id:
        return section
    names = md.memo("active_customer_names",
                    lambda: {c.customer_id: _customer_names(md)[c.customer_id] for c in md.customers if c.active})
    for i in section.blocks:
        norm = normalize(blocks[i].text)
        for cid, name in names.items():
            if len(name) >= 6 and re.search(rf"\b{re.escape(name)}\b", norm):
                if len(shared := _bearers(name, names)) > 1:  # the name of two customers names neither
                    return section.model_copy(update={"named": f"{name} (the name of {', '.join(shared)})"})
                return section.model_copy(update={"customer_id": cid, "named": name, "customer_source": "named"})
    for i in section.blocks:  # "visited New Summit Book (Guwahati)": a shortened name, before any bracket or comma
        for phrase in re.split(r"[(),;:\n]| - ", blocks[i].text):
            words = phrase.split()
            for k in range(len(words)):
                hit = _customer_named(" ".join(words[k:]), names, md, cutoff) if len(words) - k >= 2 else None
                if hit is not None and hit.active:
                    return section.model_copy(update={"customer_id": hit.customer_id, "named": " ".join(words[k:]),
                                                      "customer_source": "named"})
    return section


def split(case: Case, md: MasterData, is_product: Callable[[str], bool] = lambda _t: False, cutoff: int = 90,
          tagged: Mapping[int, str] | None = None) -> Case:
    """One section per order: the sender's, plus one per sub-dealer or outlet the text names.

    ``is_product`` tells a product-group label ("Bulbs:") from a shop's name.
    """
    m = case.message
    sender = customer_of_sender(m.sender, md)
    if m.channel == "agent":
        sender = None
    headings = _headings(case.blocks, md, is_product, cutoff, tagged or {})
    starts = [h.block for h in headings]
    sections: list[Section] = []
    first = list(range(0, starts[0] if starts else len(case.blocks)))
    heading_blocks = set(starts)
    if not headings or _has_lines(case.blocks, first):
        sections.append(_section(tuple(first), sender, "", "sender"))
    for k, h in enumerate(headings):
        end = starts[k + 1] if k + 1 < len(starts) else len(case.blocks)
        ids = tuple(i for i in range(h.block + (0 if h.inline else 1), end) if i == h.block or i not in heading_blocks)
        if h.own or (sender is not None and h.customer is not None and h.customer.customer_id == sender.customer_id):
            sections.append(_section(ids, sender, "", "sender"))
        else:
            sections.append(_section(ids, h.customer, h.name, "named"))
    if m.channel == "agent" or sender is None:
        sections = [_named_in_text(s, case.blocks, md, cutoff) for s in sections]
    return case.model_copy(update={"sections": tuple(sections)})

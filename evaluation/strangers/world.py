"""A strangers' distributor: catalog, customers, prices, aliases and six months of history, with the gold of
each order line written the way its dealers write it (``Written``)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from evaluation.strangers import vocab

IST = timezone(timedelta(hours=5, minutes=30))


@dataclass(frozen=True)
class Sku:
    """One catalog row."""

    sku: str
    description: str
    family: str
    size: str
    uom: str
    per: int  # pieces one uom holds (0: none)
    moq: int
    active: bool = True


@dataclass
class Dealer:
    """A customer and the habits of the person who writes its orders."""

    customer_id: str
    name: str
    phone: str
    email: str
    credit_limit: int
    outstanding: int
    language: str
    style: str  # "count_first", "product_first", "words", "sentence"
    slang: bool  # writes the distributor's own pack and piece words
    nicknames: dict[str, str] = field(default_factory=dict)  # sku -> its own name for it


@dataclass
class World:
    """Everything a strangers' distributor exports at go-live, plus what its dealers' writing habits are."""

    trade: str
    skus: list[Sku]
    dealers: list[Dealer]
    prices: list[tuple[str, str, Decimal]]
    aliases: list[tuple[str, str, str]]
    history: list[dict[str, Any]] = field(default_factory=list)
    slang_piece: str = ""
    slang_pack: str = ""
    agents: list[str] = field(default_factory=list)

    def sku(self, code: str) -> Sku:
        return next(s for s in self.skus if s.sku == code)

    def price(self, customer_id: str | None, code: str) -> Decimal | None:
        own = [p for c, s, p in self.prices if c == customer_id and s == code]
        every = [p for c, s, p in self.prices if c == "*" and s == code]
        found = own or every
        return found[0] if found else None


@dataclass(frozen=True)
class Written:
    """One order line as a dealer writes it, with its gold: sku (None: not sold), qty in the SKU's uom (None:
    unclear), and the words of the line."""

    text: str
    sku: str | None
    qty: int | float | None
    uom: str | None
    unclear: bool = False


def make_world(trade: str, rng: random.Random) -> World:
    """The catalog of a trade, eight to ten dealers with their habits, prices with gaps, and a few aliases."""
    prefix, families = vocab.TRADES[trade]
    skus: list[Sku] = []
    for f_no, (family, sizes, uom, conv, moq) in enumerate(families):
        per = int(conv.split(":")[1]) if conv else 0
        for s_no, size in enumerate(sizes):
            desc = f"{family} {size}".strip()
            skus.append(Sku(f"{prefix}-{f_no + 1:02d}{s_no + 1}", desc, family, size, uom, per, moq))
    inactive = rng.choice(skus[3:])
    skus = [Sku(**{**s.__dict__, "active": False}) if s is inactive else s for s in skus]
    dealers: list[Dealer] = []
    languages = list(vocab.NUMBER_WORDS)
    styles = ("count_first", "product_first", "words", "sentence", "product_first", "count_first")
    n = rng.randint(8, 10)
    for i in range(n):
        name = f"{rng.choice(vocab.SHOP_FIRST)} {rng.choice(vocab.SHOP_LAST[trade])}"
        while any(d.name == name for d in dealers):  # a customer master keeps names apart; a shared name is no answer
            name = f"{rng.choice(vocab.SHOP_FIRST)} {rng.choice(vocab.SHOP_LAST[trade])}"
        over = i == n - 1  # one dealer is over its limit already: every order of it is a credit exception
        dealers.append(Dealer(
            customer_id=f"{prefix[0]}{100 + i}", name=name, phone=f"+9197{rng.randint(10_000_000, 99_999_999)}",
            email=f"{re.sub(r'[^a-z]', '', name.lower())[:12]}{i}@{rng.choice(('gmail.com', 'yahoo.co.in', 'rediffmail.com'))}",
            credit_limit=200_000 if over else 50_000_000, outstanding=260_000 if over else rng.randint(0, 400_000),
            language=languages[i % len(languages)], style=styles[i % len(styles)], slang=i % 3 == 1))
    for d in dealers:  # a dealer's own names for two products, seen only in its history
        for s in rng.sample([s for s in skus if s.active], 2):
            d.nicknames[s.sku] = nickname(s, rng)
    no_price = rng.choice([s for s in skus if s.active and s is not inactive])
    prices = [("*", s.sku, Decimal(rng.randint(40, 4000))) for s in skus if s is not no_price]
    prices += [(d.customer_id, no_price.sku, Decimal(rng.randint(40, 4000))) for d in dealers[:3]]
    aliases = [("*", f"{s.family.split()[0].lower()} {short_size(s.size, rng)}".strip(), s.sku)
               for s in rng.sample(skus, 3)]
    w = World(trade, skus, dealers, prices, aliases, slang_piece=rng.choice(vocab.SLANG_PIECE),
              slang_pack=rng.choice(vocab.SLANG_PACK), agents=[f"+9188{rng.randint(10_000_000, 99_999_999)}"])
    return w


def nickname(s: Sku, rng: random.Random) -> str:
    """A dealer's own short name for a product: a word of it and its size, or its initials."""
    words = [w for w in s.family.lower().split() if len(w) > 2]
    pick = rng.choice(words)
    initials = "".join(w[0] for w in s.family.lower().split()[:3])
    return f"{rng.choice((pick, initials))} {short_size(s.size, rng)}".strip()


def short_size(size: str, rng: random.Random) -> str:
    """A size as dealers write it: "75g", "75 gm", '1/2"', "500 ltr"."""
    if not size:
        return ""
    m = re.match(r"^([\d/.x]+)\s*(\w+)$", size)
    if not m:
        return size
    num, unit = m.groups()
    forms = {"g": ("g", "gm", " gm", "g"), "ml": ("ml", " ml", "ml"), "kg": ("kg", " kg", "kg"),
             "L": (" ltr", "L", " litre"), "mm": ("mm", " mm"), "inch": ('"', " inch", "inch")}
    return num + rng.choice(forms.get(unit, (" " + unit,)))


def mention(s: Sku, d: Dealer | None, rng: random.Random, others: list[Sku]) -> str:
    """How a dealer names a product: its nickname, or enough words of the description (and the size) that no other
    SKU of the catalog fits them."""
    if d is not None and s.sku in d.nicknames and rng.random() < 0.7:
        return d.nicknames[s.sku]
    words = s.family.lower().split()
    for k in range(1, len(words) + 1):
        pick = words[:k] if rng.random() < 0.5 else words[-k:]
        rivals = [o for o in others if o.sku != s.sku and all(w in o.family.lower().split() for w in pick)
                  and (o.size == s.size or not s.size)]
        if not rivals and (k >= 2 or len(words) == 1):
            return f"{' '.join(pick)} {short_size(s.size, rng)}".strip()
    return f"{s.family.lower()} {short_size(s.size, rng)}".strip()


def timeline(start: datetime, days: int, n: int, rng: random.Random) -> list[datetime]:
    """n times over days, in shop hours, sorted."""
    out = [start + timedelta(days=rng.randrange(days), hours=rng.randint(8, 20), minutes=rng.randrange(60))
           for _ in range(n)]
    return sorted(out)


START = datetime(2026, 11, 2, tzinfo=IST)

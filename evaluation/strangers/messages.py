"""The strangers' messages: orders of every channel with their gold orders and exception codes, and six months of
history written the same way (the material a distributor hands over at go-live)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from evaluation.strangers import vocab
from evaluation.strangers.lines import rewrite, sentence_line, unsold_line, write_line
from evaluation.strangers.world import START, Dealer, World, Written, mention, timeline

CHANNELS = (("whatsapp", 0.30), ("sms", 0.08), ("email", 0.12), ("portal", 0.10), ("agent", 0.06),
            ("spreadsheet", 0.08), ("image", 0.14), ("pdf", 0.06), ("no_order", 0.06))


@dataclass
class Message:
    """One message and its gold: the text, the files it carries, the order it holds (or none)."""

    id: str
    channel: str
    sender: str
    received_at: datetime
    text: str = ""
    subject: str = ""
    files: list[tuple[str, str, Any]] = field(default_factory=list)  # (kind, content type, payload)
    customer: Dealer | None = None
    lines: list[Written] = field(default_factory=list)
    transcript: str | None = None
    duplicate: bool = False

    def orders(self) -> list[dict[str, Any]]:
        if not self.lines:
            return []
        return [{"customer_id": self.customer.customer_id if self.customer else None,
                 "lines": [{"sku": ln.sku, "qty": ln.qty, "uom": ln.uom} for ln in self.lines]}]


def line_kinds(d: Dealer, rng: random.Random, n: int, hard: bool) -> list[str]:
    """The kinds of a message's lines: mostly plain, some pieces/dozen/bare; a hard message has one odd line."""
    kinds = [rng.choice(("plain", "plain", "plain", "bare", "pieces", "dozen", "plain")) for _ in range(n)]
    if hard:
        kinds[rng.randrange(n)] = rng.choice(("rare", "vague", "unsold", "pieces"))
    return kinds


def order_lines(d: Dealer, w: World, rng: random.Random, n: int, hard: bool, *, known_customer: bool = True,
                words_ok: bool = True) -> list[Written]:
    """n lines of distinct SKUs (inactive ones now and then), in the dealer's habits."""
    pool = [s for s in w.skus if known_customer or w.price(None, s.sku) is not None]
    out: list[Written] = []
    for s, kind in zip(rng.sample(pool, n), line_kinds(d, rng, n, hard), strict=True):
        out.append(unsold_line(w.trade, d, rng) if kind == "unsold" else
                   write_line(s, d, w, rng, kind, words_ok=words_ok))
    return out


def exceptions(m: Message, w: World, earlier: list[Message]) -> list[str]:
    """The codes the contract says this message raises."""
    if not m.lines:
        return []
    codes: set[str] = set()
    cid = m.customer.customer_id if m.customer else None
    if m.customer is None:
        codes.add("CUSTOMER_UNKNOWN")
    value = Decimal(0)
    for ln in m.lines:
        if ln.sku is None:
            codes.add("SKU_UNMATCHED")
            continue
        s = w.sku(ln.sku)
        if not s.active:
            codes.add("SKU_INACTIVE")
        if ln.qty is None:
            codes.add("QTY_UNCLEAR")
        elif s.moq and ln.qty < s.moq:
            codes.add("BELOW_MOQ")
        price = w.price(cid, ln.sku)
        if price is None:
            codes.add("PRICE_MISSING")
        elif ln.qty is not None:
            value += price * Decimal(str(ln.qty))
    if m.customer is not None and value + m.customer.outstanding > m.customer.credit_limit:
        codes.add("CREDIT_LIMIT")
    mine = sorted((ln.sku or "", ln.qty or 0) for ln in m.lines)
    if m.customer is not None and any(
            e.customer is m.customer and e.lines and timedelta(0) < m.received_at - e.received_at <= timedelta(hours=24)
            and sorted((ln.sku or "", ln.qty or 0) for ln in e.lines) == mine for e in earlier):
        codes.add("DUPLICATE_ORDER")
    return sorted(codes)


def chat_text(d: Dealer, lines: list[Written], rng: random.Random, terse: bool) -> str:
    body = [ln.text for ln in lines]
    joined = ", ".join(body) if terse or rng.random() < 0.3 else "\n".join(body)
    head = "" if terse or rng.random() < 0.5 else rng.choice(vocab.GREETINGS) + ("\n" if "\n" in joined else ", ")
    tail = "" if rng.random() < 0.6 else (" " if terse else "\n") + rng.choice(vocab.FILLERS)
    return f"{head}{joined}{tail}"


def sentence_text(d: Dealer, w: World, rng: random.Random) -> tuple[str, list[Written]]:
    """An order typed as one English sentence into a web form."""
    parts = [sentence_line(s, d, w, rng) for s in rng.sample(w.skus, rng.randint(1, 3))]
    phrases = [p for p, _ in parts]
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    lead = rng.choice(("Please send {l}.", "I need {l} by Friday.", "Kindly deliver {l} to our shop.",
                       "Hi, we would like to order {l}.", "Could you dispatch {l} tomorrow?"))
    return lead.format(l=listed), [w_ for _, w_ in parts]


def table_rows(d: Dealer, w: World, rng: random.Random, n: int) -> tuple[list[list[str]], list[Written]]:
    """Rows of an item table (a spreadsheet or a printed PO): product, count, unit, and the gold."""
    rows, gold = [], []
    for s in rng.sample([s for s in w.skus if s.active], n):
        product = mention(s, None, rng, w.skus) if rng.random() < 0.5 else s.description
        if s.per and rng.random() < 0.3:
            k = rng.choice((1, 2))
            rows.append([product, str(k * s.per), "PCS"])
        else:
            k = rng.choice((1, 2, 3, 5, 8, 10, 12, 20))
            rows.append([product, str(k), rng.choice(("", s.uom, s.uom.title()))])
        gold.append(Written(" ".join(rows[-1]), s.sku, k, s.uom))
    return rows, gold


def make_messages(w: World, n: int, rng: random.Random, days: int = 21) -> list[Message]:
    """n messages over ``days`` (three weeks) from START, a few of them repeats within a day (DUPLICATE_ORDER)."""
    names, weights = zip(*CHANNELS, strict=True)
    out: list[Message] = []
    for k, when in enumerate(timeline(START, days, n, rng)):
        channel = rng.choices(names, weights)[0]
        d = rng.choice(w.dealers)
        mid = f"{w.trade[:3]}-{k + 1:04d}"
        hard = rng.random() < 0.3
        if channel == "no_order":
            text = rng.choice(vocab.NO_ORDER).format(p=mention(rng.choice(w.skus), d, rng, w.skus))
            out.append(Message(mid, rng.choice(("whatsapp", "email")), d.phone, when, text, customer=d))
            if "@" in out[-1].sender or out[-1].channel == "email":
                out[-1].sender = d.email
            continue
        if channel in ("whatsapp", "sms"):
            stranger = rng.random() < 0.05
            lines = order_lines(d, w, rng, rng.randint(1, 4), hard, known_customer=not stranger)
            sender = f"+9170{rng.randint(10_000_000, 99_999_999)}" if stranger else d.phone
            out.append(Message(mid, channel, sender, when, chat_text(d, lines, rng, channel == "sms"),
                               customer=None if stranger else d, lines=lines))
        elif channel == "email":
            lines = order_lines(d, w, rng, rng.randint(2, 5), hard)
            body = "\n".join(f"{i + 1}. {ln.text}" for i, ln in enumerate(lines))
            text = (f"{rng.choice(('Dear Sir', 'Hello', 'Respected sir'))},\n\nPlease supply the following:\n{body}\n\n"
                    f"{rng.choice(vocab.SIGN_OFFS)}\n{rng.choice(vocab.PERSON)}\n{d.name}")
            out.append(Message(mid, "email", d.email, when, text, subject=rng.choice(("Order", f"PO {rng.randint(1000, 9999)}",
                               f"Material requirement - {d.name}")), customer=d, lines=lines))
        elif channel == "portal":
            text, lines = sentence_text(d, w, rng)
            out.append(Message(mid, "portal", d.email, when, text, customer=d, lines=lines))
        elif channel == "agent":
            lines = order_lines(d, w, rng, rng.randint(1, 3), hard)
            text = rng.choice(("Outlet: {n}\n{b}", "{n} order\n{b}", "Visited {n} today. {b}")).format(
                n=d.name, b="\n".join(ln.text for ln in lines))
            out.append(Message(mid, "agent", w.agents[0], when, text, customer=d, lines=lines))
        elif channel == "spreadsheet":
            rows, lines = table_rows(d, w, rng, rng.randint(2, 6))
            header = rng.choice((["Item", "Qty", "Unit"], ["Particulars", "Quantity", "UOM"], ["Product", "Nos", "Pack"]))
            out.append(Message(mid, "spreadsheet", d.email, when, files=[("csv", "text/csv", [header, *rows])],
                               customer=d, lines=lines))
        elif channel == "pdf":
            rows, lines = table_rows(d, w, rng, rng.randint(2, 5))
            heading = [f"PURCHASE ORDER {rng.randint(100, 999)}", d.name, "Sr  Item  Qty  Unit"]
            printed = [f"{i + 1}  {r[0]}  {r[1]}  {r[2]}".rstrip() for i, r in enumerate(rows)]
            out.append(Message(mid, "pdf", d.email, when, "PO attached", files=[("pdf", "application/pdf", heading + printed)],
                               customer=d, lines=lines))
        else:  # image: a photo of a handwritten-style list
            lines = order_lines(d, w, rng, rng.randint(1, 4), hard and rng.random() < 0.5, words_ok=False)
            page = [ln.text for ln in lines]
            out.append(Message(mid, "image", d.phone, when, "", files=[("png", "image/png", page)], customer=d,
                               lines=lines, transcript="\n".join(page)))
        first = out[-1]
        if first.lines and rng.random() < 0.06 and first.customer is not None and first.channel in ("whatsapp", "sms"):
            again = [rewrite(ln, first.customer, w, rng) for ln in first.lines]
            out.append(Message(f"{mid}-r", first.channel, first.sender, first.received_at + timedelta(hours=rng.randint(1, 6)),
                               chat_text(first.customer, again, rng, True), customer=first.customer, lines=again,
                               duplicate=True))
    return sorted(out, key=lambda m: m.received_at)


def make_history(w: World, rng: random.Random, per_dealer: int = 14) -> list[dict[str, Any]]:
    """Six months of shipped orders with their texts, written in each dealer's habits (nothing unclear in them)."""
    out = []
    for d in w.dealers:
        for when in timeline(START - timedelta(days=185), 180, per_dealer, rng):
            pool = rng.sample([s for s in w.skus if s.active], rng.randint(1, 4))
            pool = [s for s in pool if s.sku in d.nicknames] + [s for s in pool if s.sku not in d.nicknames]
            lines = [write_line(s, d, w, rng, rng.choice(("plain", "plain", "pieces", "bare"))) for s in pool]
            lines = [ln for ln in lines if not ln.unclear]
            if not lines:
                continue
            out.append({"customer_id": d.customer_id, "received_at": when.isoformat(), "channel": "whatsapp",
                        "text": chat_text(d, lines, rng, False),
                        "lines": [{"sku": ln.sku, "qty": ln.qty, "uom": ln.uom} for ln in lines]})
    return sorted(out, key=lambda h: h["received_at"])

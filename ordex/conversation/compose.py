"""What a dealer reads: a confirmation, a clarifying question with numbered options, a cancel notice.

Templates are data (``templates/<language>/<kind>.txt`` and ``.html``, Jinja2), chosen by the customer's
``language`` (else the service's default, else English). Composing reads the order as it stands when the
message is sent, so a confirmation queued before a correction says what will be delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models.units import to_uom
from ordex.catalog import MasterData
from ordex.conversation.options import ConversationOptions
from ordex.schema import ASKABLE
from ordex.store.outbox import Outbound

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_OPTIONS = 5


@dataclass(frozen=True)
class Option:
    """One numbered answer to a question: the SKU, and the quantity in its uom, it resolves the line to."""

    n: int
    label: str
    sku: str
    qty: float | None
    uom: str | None


@dataclass(frozen=True)
class Composed:
    """A message ready to send: its text (and HTML and subject for e-mail), and a question's options."""

    text: str
    html: str = ""
    subject: str = ""
    options: tuple[Option, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)


class NothingToSay(Exception):
    """The message would not help the dealer (a question with no good options; an order no longer there)."""


def environment() -> Environment:
    """The templates' Jinja2 environment: HTML escaped, text as written, a missing value an error."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=False, trim_blocks=False)


def order_ref(order_id: int | None) -> str:
    """The order reference a dealer quotes."""
    return f"ORD-{order_id}"


def delivery_day(received: datetime, opts: ConversationOptions) -> date:
    """Expected delivery: ``delivery_days`` after the order's local day (the next day's after the cutoff hour),
    moved off Sunday unless deliveries run then."""
    local = received.astimezone(ZoneInfo(opts.timezone))
    day = local.date() + timedelta(days=opts.delivery_days + (1 if local.hour >= opts.delivery_cutoff_hour else 0))
    while day.weekday() == 6 and not opts.delivery_sunday:
        day += timedelta(days=1)
    return day


def _qty(q: Any) -> str:
    """A quantity as a dealer writes it: 24, 2.5."""
    f = float(q)
    return str(int(f)) if f == int(f) else f"{f:g}"


class Composer:
    """Renders outbound messages from the current master data and the options."""

    def __init__(self, opts: ConversationOptions) -> None:
        self.opts = opts
        self.env = environment()

    def language(self, md: MasterData, customer_id: str | None) -> str:
        """The customer's language when a template set exists for it, else the default, else English."""
        customer = md.customer(customer_id)
        for lang in ((customer.language if customer else ""), self.opts.language, "en"):
            if lang and (TEMPLATES / lang.lower()).is_dir():
                return lang.lower()
        return "en"

    def compose(self, item: Outbound, md: MasterData) -> Composed:
        """The message for an outbox row; raises NothingToSay when there is nothing worth sending."""
        if item.kind in ("confirmation", "amended"):
            return self.confirmation(item, md, amended=item.kind == "amended")
        if item.kind == "question":
            return self.question(item, md)
        if item.kind == "erp":
            from ordex.conversation.erp import compose_order  # the ERP's message: JSON, not a template

            return compose_order(item, md)
        if item.kind == "cancelled":
            lang = self.language(md, item.customer_id)
            return Composed(self._render(lang, "cancelled.txt", self._base(item, md)), subject=self._subject(item))
        raise NothingToSay(f"no template for a {item.kind!r} message")

    def _base(self, item: Outbound, md: MasterData) -> dict[str, Any]:
        customer = md.customer(item.customer_id)
        return {"ref": order_ref(item.order_id), "customer": customer.name if customer else ""}

    def _render(self, lang: str, name: str, context: dict[str, Any]) -> str:
        return self.env.get_template(f"{lang}/{name}").render(**context).strip()

    def _subject(self, item: Outbound) -> str:
        subject = item.subject.strip() or f"Order {order_ref(item.order_id)}"
        return subject if subject.lower().startswith("re:") else f"Re: {subject}"

    def confirmation(self, item: Outbound, md: MasterData, amended: bool = False) -> Composed:
        """The order as understood: each line's quantity, unit and product name, the reference, delivery."""
        if item.order_state != "released" or not item.order_lines:
            raise NothingToSay(f"order {item.order_id} is {item.order_state or 'gone'}; nothing to confirm")
        lines = []
        for d in item.order_lines:
            p = md.product(d.get("sku"))
            lines.append({"qty": _qty(d.get("qty") or 0), "unit": (d.get("uom") or "").lower(),
                          "name": p.description if p else (d.get("product") or d.get("text") or ""),
                          "sku": d.get("sku") or ""})
        first = lines[0]
        short = " ".join(str(first["name"]).split()[:1]).lower() or "item"
        example = f"{short} {_qty(float(first['qty']) + 2)} not {first['qty']}"
        received = item.received_at or datetime.now().astimezone()
        lang = self.language(md, item.customer_id)
        context = {**self._base(item, md), "lines": lines, "amended": amended, "example": example,
                   "delivery": delivery_day(received, self.opts).strftime("%a %d %b %Y")}
        return Composed(self._render(lang, "confirmation.txt", context), self._render(lang, "confirmation.html", context),
                        self._subject(item))

    def question(self, item: Outbound, md: MasterData) -> Composed:
        """A question for the one line that holds the order, with up to five numbered options."""
        if item.order_state != "held":
            raise NothingToSay(f"order {item.order_id} is {item.order_state or 'gone'}; nothing to ask")
        code, index = item.payload.get("code"), item.payload.get("line")
        if code not in ASKABLE or not isinstance(index, int) or not 0 <= index < len(item.order_lines):
            raise NothingToSay("the exception names no line the dealer can settle")
        others = [d for i, d in enumerate(item.order_lines) if i != index]
        if any(not d.get("sku") or not d.get("qty") for d in others):
            raise NothingToSay("more than one line is open: ops settle it")
        line = item.order_lines[index]
        options = (self._sku_options(line, md) if code == "SKU_UNMATCHED" else self._qty_options(line, md))
        if len(options) < 2:
            raise NothingToSay("fewer than two good options")
        p = md.product(line.get("sku"))
        lang = self.language(md, item.customer_id)
        context = {**self._base(item, md), "code": code, "mention": line.get("text") or line.get("product") or "",
                   "name": p.description if p else "", "options": options}
        payload = {"options": [o.__dict__ for o in options]}
        return Composed(self._render(lang, "question.txt", context), subject=self._subject(item),
                        options=tuple(options), payload=payload)

    @staticmethod
    def _sku_options(line: dict[str, Any], md: MasterData) -> list[Option]:
        """The matcher's candidates worth showing (a tenth of the best's probability or more), with the quantity
        as written converted to each one's uom when it converts."""
        cands = [c for c in line.get("candidates") or [] if md.product(c.get("sku")) is not None]
        if not cands:
            return []
        best = float(cands[0].get("probability") or 0)
        out: list[Option] = []
        for c in cands[:MAX_OPTIONS]:
            if float(c.get("probability") or 0) < best / 10:
                continue
            p = md.product(c["sku"])
            assert p is not None
            unit = str(line.get("unit") or p.uom).upper()
            count = line.get("count") or line.get("qty")
            if not count or to_uom(float(count), None if unit == p.uom else unit, p.uom, p.conversions).qty is None:
                continue  # the count as written does not convert to this SKU: not an option a reply can settle
            out.append(Option(len(out) + 1, p.description, p.sku, float(count), unit))
        return out

    @staticmethod
    def _qty_options(line: dict[str, Any], md: MasterData) -> list[Option]:
        """The count as written read in each unit the SKU is sold or counted in ("72 CTN", "72 PCS = 3 CTN")."""
        p = md.product(line.get("sku"))
        qty = line.get("count") or line.get("qty")
        if p is None or not qty:
            return []
        out: list[Option] = []
        for unit in (p.uom, *p.conversions):
            converted = to_uom(float(qty), None if unit == p.uom else unit, p.uom, p.conversions)
            if converted.qty is None or converted.qty <= 0:
                continue
            label = f"{_qty(qty)} {unit}" + ("" if unit == p.uom else f" (= {_qty(converted.qty)} {p.uom})")
            out.append(Option(len(out) + 1, label, p.sku, float(qty), unit))
        return out[:MAX_OPTIONS]


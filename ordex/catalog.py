"""The catalog level: a distributor's master data as types (customers, products, prices, aliases, history).

Pure values with their lookups; no file I/O (``ordex.masterdata`` reads the CSV files into these). Every layer
may import this module; it imports nothing of ordex but itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

V = TypeVar("V")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class Customer(BaseModel):
    """A customer as the ERP exports it."""

    model_config = ConfigDict(frozen=True)

    customer_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    credit_limit: Decimal = Decimal(0)
    outstanding: Decimal = Decimal(0)
    currency: str = ""
    active: bool = True
    language: str = Field(default="", description="Optional column: the language the dealer is written to in "
                                                  "(en, hi, ...); empty: the service's default")

    @field_validator("phones", mode="before")
    @classmethod
    def _phones(cls, v: object) -> tuple[str, ...]:
        items = _split(v)
        for p in items:
            if not E164.match(p):
                raise ValueError(f"{p!r} is not an E.164 phone number (like +911234567890)")
        return items

    @field_validator("emails", mode="before")
    @classmethod
    def _emails(cls, v: object) -> tuple[str, ...]:
        items = tuple(e.lower() for e in _split(v))
        for e in items:
            if "@" not in e:
                raise ValueError(f"{e!r} is not an e-mail address")
        return items


class Product(BaseModel):
    """A SKU of the catalog, with its unit of sale and the units it converts from."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1)
    description: str = Field(min_length=1)
    uom: str = Field(min_length=1)
    pack_size: str = ""
    moq: Decimal = Decimal(0)
    active: bool = True
    conversions: dict[str, Decimal] = Field(default_factory=dict)

    @field_validator("uom", mode="before")
    @classmethod
    def _uom(cls, v: object) -> str:
        return str(v or "").strip().upper()

    @field_validator("moq", mode="before")
    @classmethod
    def _moq(cls, v: object) -> object:
        return v if str(v or "").strip() else 0

    @field_validator("conversions", mode="before")
    @classmethod
    def _conversions(cls, v: object) -> dict[str, Decimal]:
        if isinstance(v, dict):
            return v
        out: dict[str, Decimal] = {}
        for item in _split(v):
            unit, sep, n = item.partition(":")
            try:
                value = Decimal(n.strip())
            except InvalidOperation:
                value = Decimal(0)
            if not sep or not unit.strip() or value <= 0:
                raise ValueError(f"{item!r} is not UNIT:n with n > 0")
            out[unit.strip().upper()] = value
        return out


class Price(BaseModel):
    """A pricing condition: a customer's (or every customer's, ``*``) price of a SKU per uom."""

    model_config = ConfigDict(frozen=True)

    customer_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    unit_price: Decimal = Field(ge=0)


class Alias(BaseModel):
    """A known way a customer (or everyone, ``*``) names a SKU."""

    model_config = ConfigDict(frozen=True)

    customer_id: str = Field(min_length=1)
    alias: str = Field(min_length=1)
    sku: str = Field(min_length=1)


class HistoryLine(BaseModel):
    """A shipped line of a past order."""

    model_config = ConfigDict(frozen=True)

    sku: str
    qty: Decimal
    uom: str = ""


class HistoryOrder(BaseModel):
    """A past order: its raw text and what was shipped."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    received_at: datetime
    channel: str = ""
    text: str = ""
    lines: tuple[HistoryLine, ...] = ()


class MasterData(BaseModel):
    """The whole master data of one distributor, validated and cross-checked."""

    model_config = ConfigDict(frozen=True)

    customers: tuple[Customer, ...] = ()
    products: tuple[Product, ...] = ()
    prices: tuple[Price, ...] = ()
    aliases: tuple[Alias, ...] = ()
    history: tuple[HistoryOrder, ...] = ()

    _by_sku: dict[str, Product] = PrivateAttr(default_factory=dict)
    _by_id: dict[str, Customer] = PrivateAttr(default_factory=dict)
    _by_price: dict[tuple[str, str], Decimal] = PrivateAttr(default_factory=dict)
    _by_phone: dict[str, Customer] = PrivateAttr(default_factory=dict)
    _by_email: dict[str, Customer] = PrivateAttr(default_factory=dict)
    _memo: dict[str, Any] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        for c in self.customers:  # the first customer listed with an address wins, as the files order them
            for phone in c.phones:
                self._by_phone.setdefault(phone, c)
            for email in c.emails:
                self._by_email.setdefault(email, c)
        self._by_sku = {p.sku: p for p in self.products}
        self._by_id = {c.customer_id: c for c in self.customers}
        self._by_price = {(p.customer_id, p.sku): p.unit_price for p in self.prices}

    def memo(self, key: str, build: Callable[[], V]) -> V:
        """A table derived from this master data, built on first use and kept: master data never changes once
        loaded (a reload makes a new object), so per-message work need not rebuild it."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]  # type: ignore[no-any-return]

    def product(self, sku: str | None) -> Product | None:
        """The product with this SKU, if any."""
        return self._by_sku.get(sku or "")

    def customer(self, customer_id: str | None) -> Customer | None:
        """The customer with this id, if any."""
        return self._by_id.get(customer_id or "")

    def customer_by_address(self, address: str) -> Customer | None:
        """The customer with this E.164 phone or (lower-case) e-mail address, if any."""
        return self._by_phone.get(address) or self._by_email.get(address)

    def phone_region(self) -> str:
        """Where a phone number without a country code is read: the region most customers' phones are in (their
        E.164 country code), unless ``set_phone_region`` said otherwise; India when no customer has a phone."""
        return self.memo("phone_region", lambda: most_common_region(p for c in self.customers for p in c.phones))

    def set_phone_region(self, region: str) -> None:
        """Read national numbers in this region (``ORDEX_PHONE_REGION``) instead of the one the phones suggest."""
        if region:
            self._memo["phone_region"] = region.upper()

    def price(self, customer_id: str | None, sku: str) -> Decimal | None:
        """The customer's price of a SKU, else the price for every customer, else None."""
        if customer_id and (customer_id, sku) in self._by_price:
            return self._by_price[(customer_id, sku)]
        return self._by_price.get(("*", sku))


def _split(v: object) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, (list, tuple)):
        return tuple(str(x).strip() for x in v if str(x).strip())
    return tuple(x.strip() for x in str(v).split(";") if x.strip())


@lru_cache(maxsize=4096)  # the same sender is looked up by split, match and the conversation for each message
def e164(number: str, region: str) -> str | None:
    """A phone number as E.164 (``+919812345678``), however it was written ("+91 98123-45678", "098123 45678",
    "0091 9812345678", "9812345678"), read in ``region`` when it carries no country code; None when it is not a
    possible phone number."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def most_common_region(phones: Iterable[str]) -> str:
    """The region of the most common country code among E.164 phones ("IN" when there are none)."""
    import phonenumbers

    codes = Counter(code for p in phones if (code := _country_code(p)))
    if not codes:
        return "IN"
    return phonenumbers.region_code_for_country_code(codes.most_common(1)[0][0]) or "IN"


def _country_code(phone: str) -> int | None:
    import phonenumbers

    try:
        code = phonenumbers.parse(phone, None).country_code
    except phonenumbers.NumberParseException:
        return None
    return int(code) if code else None

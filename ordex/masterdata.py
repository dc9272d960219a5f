"""Load and validate the contract's master-data directory (customers, products, prices, aliases, history).

A bad file fails the whole load with a message naming file, line and column: never a partial load.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from models.units import Size, sizes_in

V = TypeVar("V")
T = TypeVar("T", bound=BaseModel)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class MasterDataError(ValueError):
    """A master-data file is wrong; the message names the file, line and column."""


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

    def price(self, customer_id: str | None, sku: str) -> Decimal | None:
        """The customer's price of a SKU, else the price for every customer, else None."""
        if customer_id and (customer_id, sku) in self._by_price:
            return self._by_price[(customer_id, sku)]
        return self._by_price.get(("*", sku))


REQUIRED: dict[str, tuple[str, ...]] = {
    "customers.csv": ("customer_id", "name", "phones", "emails", "credit_limit", "outstanding", "currency", "active"),
    "products.csv": ("sku", "description", "uom", "pack_size", "moq", "active", "conversions"),
    "prices.csv": ("customer_id", "sku", "unit_price"),
    "aliases.csv": ("customer_id", "alias", "sku"),
}


def own_sizes(p: Product) -> list[Size]:
    """The sizes a product's description and pack size state ("20 kg", "1 L"), in base units."""
    return sizes_in(f"{p.description} {p.pack_size}")


def load_master_data(directory: Path | str) -> MasterData:
    """Read and validate a master-data directory; raise MasterDataError naming file, line and column."""
    d = Path(directory)
    if not d.is_dir():
        raise MasterDataError(f"{d}: not a directory")
    customers = _load_csv(d / "customers.csv", Customer, required=True)
    products = _load_csv(d / "products.csv", Product, required=True)
    prices = _load_csv(d / "prices.csv", Price, required=True)
    aliases = _load_csv(d / "aliases.csv", Alias, required=False)
    history = _load_history(d / "history.jsonl")
    _unique(d / "customers.csv", "customer_id", [(n, c.customer_id) for n, c in customers])
    _unique(d / "products.csv", "sku", [(n, p.sku) for n, p in products])
    skus = {p.sku for _, p in products}
    ids = {c.customer_id for _, c in customers} | {"*"}
    for name, rows in (("prices.csv", prices), ("aliases.csv", aliases)):
        for n, row in rows:
            if row.sku not in skus:
                raise MasterDataError(f"{d / name}, line {n}, column sku: unknown SKU {row.sku!r}")
            if row.customer_id not in ids:
                raise MasterDataError(f"{d / name}, line {n}, column customer_id: unknown customer {row.customer_id!r}")
    for n, order in history:
        if order.customer_id not in ids:
            raise MasterDataError(f"{d / 'history.jsonl'}, line {n}, field customer_id: unknown customer {order.customer_id!r}")
    return MasterData(
        customers=tuple(c for _, c in customers),
        products=tuple(p for _, p in products),
        prices=tuple(p for _, p in prices),
        aliases=tuple(a for _, a in aliases),
        history=tuple(h for _, h in history),
    )


def _load_csv(path: Path, model: type[T], *, required: bool) -> list[tuple[int, T]]:
    if not path.exists():
        if required:
            raise MasterDataError(f"{path}: file is missing")
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise MasterDataError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from e
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED[path.name] if c not in header and not _optional_column(path.name, c)]
    if missing:
        raise MasterDataError(f"{path}, line 1: missing column(s) {', '.join(missing)}")
    out: list[tuple[int, T]] = []
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        out.append((n, _validate(path, n, model, row)))
    return out


def _optional_column(filename: str, column: str) -> bool:
    return filename == "products.csv" and column in ("pack_size", "moq", "conversions")


def _validate(path: Path, n: int, model: type[T], row: dict[str, object]) -> T:
    data = {k: v for k, v in row.items() if k in model.model_fields}
    for key in ("active",):
        if key in data:
            data[key] = _bool(path, n, key, data[key])
    try:
        return model.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        col = ".".join(str(p) for p in err["loc"]) or "?"
        value = row.get(str(err["loc"][0]), "") if err["loc"] else ""
        raise MasterDataError(f"{path}, line {n}, column {col}: {err['msg']} (value {value!r})") from None


def _bool(path: Path, n: int, column: str, v: object) -> bool:
    s = str(v).strip().lower()
    if s in ("true", "1", "yes", "y", ""):
        return True
    if s in ("false", "0", "no", "n"):
        return False
    raise MasterDataError(f"{path}, line {n}, column {column}: expected true or false, got {v!r}")


def _load_history(path: Path) -> list[tuple[int, HistoryOrder]]:
    if not path.exists():
        return []
    out: list[tuple[int, HistoryOrder]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, HistoryOrder.model_validate(json.loads(line))))
        except json.JSONDecodeError as e:
            raise MasterDataError(f"{path}, line {n}, column {e.colno}: invalid JSON ({e.msg})") from None
        except ValidationError as e:
            err = e.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise MasterDataError(f"{path}, line {n}, field {field}: {err['msg']}") from None
    return out


def _unique(path: Path, column: str, rows: Iterable[tuple[int, str]]) -> None:
    seen: dict[str, int] = {}
    for n, key in rows:
        if key in seen:
            raise MasterDataError(f"{path}, line {n}, column {column}: duplicate {key!r} (first on line {seen[key]})")
        seen[key] = n


def _split(v: object) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, (list, tuple)):
        return tuple(str(x).strip() for x in v if str(x).strip())
    return tuple(x.strip() for x in str(v).split(";") if x.strip())

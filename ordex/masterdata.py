"""Load and validate the contract's master-data directory into the catalog types (``ordex.catalog``).

A bad file fails the whole load with a message naming file, line and column: never a partial load.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ordex.catalog import Alias, Customer, HistoryOrder, MasterData, Price, Product

T = TypeVar("T", bound=BaseModel)


class MasterDataError(ValueError):
    """A master-data file is wrong; the message names the file, line and column."""


REQUIRED: dict[str, tuple[str, ...]] = {
    "customers.csv": ("customer_id", "name", "phones", "emails", "credit_limit", "outstanding", "currency", "active"),
    "products.csv": ("sku", "description", "uom", "pack_size", "moq", "active", "conversions"),
    "prices.csv": ("customer_id", "sku", "unit_price"),
    "aliases.csv": ("customer_id", "alias", "sku"),
}


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



"""Reloading master data into a running system: one atomic snapshot, an audit event saying what changed.

Distributors export balances daily and catalogs change. A reload stores the new snapshot in one insert (the
current load is the newest), moves the store's data version so every running worker refreshes before its
next message, and leaves open exceptions and aliases learned from corrections alone. Aliases learned from
``history.jsonl`` are replaced only when the new folder carries a history.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from pydantic import BaseModel

from ordex.aliases import Reader, learn_history_aliases, read_mentions
from ordex.catalog import MasterData
from ordex.keys import SYSTEM, Principal
from ordex.store import Store
from ordex.unit_words import learn_from_history

SHOWN = 20  # ids listed per kind of change in the audit event; the counts are complete


def _changes(old: Sequence[BaseModel], new: Sequence[BaseModel], key: Callable[[Any], Hashable]) -> dict[str, Any]:
    """Added, removed and changed entries between two lists keyed alike: counts, and the first few keys."""
    before = {key(x): x.model_dump(mode="json") for x in old}
    after = {key(x): x.model_dump(mode="json") for x in new}
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    changed = [k for k in after if k in before and before[k] != after[k]]

    def shown(keys: list[Hashable]) -> list[Any]:
        """The first few keys, as JSON lists."""
        return [list(k) if isinstance(k, tuple) else k for k in keys[:SHOWN]]

    return {"added": len(added), "removed": len(removed), "changed": len(changed),
            "added_keys": shown(added), "removed_keys": shown(removed), "changed_keys": shown(changed)}


def master_data_changes(old: MasterData | None, new: MasterData) -> dict[str, Any]:
    """What a reload changes, per file: customers by id, products by SKU, prices and aliases by their keys."""
    old = old or MasterData()
    return {
        "customers": _changes(old.customers, new.customers, lambda c: c.customer_id),
        "products": _changes(old.products, new.products, lambda p: p.sku),
        "prices": _changes(old.prices, new.prices, lambda p: (p.customer_id, p.sku)),
        "aliases": _changes(old.aliases, new.aliases, lambda a: (a.customer_id, a.alias, a.sku)),
        "history_orders": len(new.history),
    }


def reload_master_data(store: Store, md: MasterData, source: str, actor: Principal = SYSTEM,
                       read: Reader = read_mentions) -> dict[str, Any]:
    """Make ``md`` the current master data (its history read with ``read``); returns the load id and what changed.

    The same master data as the current snapshot (a restart with the same folder) is not loaded again: the
    aliases and unit words aligned from its history last time are reused, so start-up does not grow with it."""
    previous = store.master_data()
    if previous is not None and previous[1] == md:
        return {"load_id": previous[0], "source": source, "customers": len(md.customers),
                "products": len(md.products), "prices": len(md.prices), "aliases": len(md.aliases),
                "unchanged": True, "changes": master_data_changes(md, md)}
    changes = master_data_changes(previous[1] if previous else None, md)
    load_id = store.load_master_data(md, source, actor.name, role=actor.role, changes=changes)
    if md.history:
        aliases = learn_history_aliases(md, read=read)
        store.replace_history_aliases(aliases)
        store.replace_history_units(learn_from_history(md))
    return {"load_id": load_id, "source": source, "customers": len(md.customers), "products": len(md.products),
            "prices": len(md.prices), "aliases": len(md.aliases), "unchanged": False, "changes": changes}

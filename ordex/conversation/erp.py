"""The hand-off to the ERP: each released order once, as signed JSON over HTTP or as files in a folder.

The order is queued in the outbox in the same transaction that releases it (``queries.erp_in``) and delivered by
the same dispatcher as the dealer's messages. Over HTTP the body is signed (HMAC-SHA256 over
``{timestamp}.{body}``, headers ``X-Ordex-Timestamp`` and ``X-Ordex-Signature: sha256=...``) and carries
``Idempotency-Key: ordex-order-{id}``: a delivery repeated after a crash is the same request, which the ERP
answers once (a 409 for a key it has is taken as delivered). A file drop writes ``order-{id}.json`` and
``order-{id}.csv`` atomically (a temporary name, then a rename).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from ordex.catalog import MasterData
from ordex.conversation.compose import Composed, NothingToSay, order_ref
from ordex.conversation.senders import SendError
from ordex.store.outbox import Outbound

CSV_COLUMNS = ("order_id", "reference", "customer_id", "sku", "description", "qty", "uom", "unit_price", "amount")


def order_payload(item: Outbound, md: MasterData) -> dict[str, Any]:
    """The order as the ERP receives it (documented in the OpenAPI page as ``ErpOrder``)."""
    if item.order_state not in ("released",) or not item.order_lines:
        raise NothingToSay(f"order {item.order_id} is {item.order_state or 'gone'}; nothing to hand off")
    customer = md.customer(item.customer_id)
    lines = []
    for d in item.order_lines:
        p = md.product(d.get("sku"))
        price = md.price(item.customer_id, d["sku"]) if d.get("sku") else None
        qty = Decimal(str(d.get("qty") or 0))
        lines.append({"sku": d.get("sku"), "description": p.description if p else "", "qty": float(qty),
                      "uom": d.get("uom"), "unit_price": float(price) if price is not None else None,
                      "amount": float(price * qty) if price is not None else None, "text": d.get("text", "")})
    return {"order_id": item.order_id, "reference": order_ref(item.order_id), "message_id": item.external_id,
            "channel": item.message_channel, "customer_id": item.customer_id,
            "customer_name": customer.name if customer else "", "currency": customer.currency if customer else "",
            "received_at": item.received_at.isoformat() if item.received_at else None,
            "released_at": item.released_at.isoformat() if item.released_at else None,
            "value": item.order_value, "lines": lines}


def compose_order(item: Outbound, md: MasterData) -> Composed:
    """The ERP's message: the payload as canonical JSON (what is signed is what is sent)."""
    payload = order_payload(item, md)
    return Composed(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                    payload={"idempotency_key": idempotency_key(item)})


def idempotency_key(item: Outbound) -> str:
    """One key per order id: a repeated delivery is the same request."""
    return f"ordex-order-{item.order_id}"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` HMAC-SHA256 of ``{timestamp}.{body}`` with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class ErpHttpSender:
    """POSTs each order to the ERP's URL, signed, with its idempotency key."""

    def __init__(self, url: str, secret: str, timeout_s: float = 20.0) -> None:
        self.url, self.secret, self.timeout_s = url, secret, timeout_s

    def send(self, item: Outbound, msg: Composed) -> str:
        body = msg.text.encode()
        stamp = str(int(time.time()))
        headers = {"content-type": "application/json", "idempotency-key": idempotency_key(item),
                   "x-ordex-timestamp": stamp, "x-ordex-signature": signature(self.secret, stamp, body)}
        try:
            r = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout_s)
        except httpx.HTTPError as e:
            raise SendError(f"ERP delivery failed: {type(e).__name__}: {e}", transient=True) from e
        if r.status_code < 300 or r.status_code == 409:  # 409: the ERP has this key already
            return r.headers.get("x-request-id") or idempotency_key(item)
        transient = r.status_code in (408, 425, 429) or r.status_code >= 500
        raise SendError(f"ERP answered {r.status_code}: {r.text[:300]}", transient=transient)


class FileDropSender:
    """Writes each order as ``order-{id}.json`` and ``order-{id}.csv`` into a folder an ERP imports from."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, item: Outbound, msg: Composed) -> str:
        payload = json.loads(msg.text)
        rows = io.StringIO()
        w = csv.writer(rows)
        w.writerow(CSV_COLUMNS)
        for ln in payload["lines"]:
            w.writerow([payload["order_id"], payload["reference"], payload["customer_id"], ln["sku"],
                        ln["description"], ln["qty"], ln["uom"], ln["unit_price"], ln["amount"]])
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for suffix, text in ((".json", json.dumps(payload, indent=2, ensure_ascii=False)), (".csv", rows.getvalue())):
                final = self.folder / f"order-{item.order_id}{suffix}"
                tmp = self.folder / f".order-{item.order_id}{suffix}.tmp"
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, final)
        except OSError as e:
            raise SendError(f"file drop failed: {e}", transient=True) from e
        return str(self.folder / f"order-{item.order_id}.json")

"""Write a generated distributor as a contract-format folder: master data, cases, spans and attached files.

Files are byte-for-byte reproducible (fixed zip and document timestamps), so a seed names a data set.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import textwrap
import zipfile
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from ordex.catalog import MasterData
from training.synth.generator import Example, TradeData, generate_cases, generate_trade

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)


def _csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _num(d: Any) -> int | float | str:
    f = float(d)
    return int(f) if f == int(f) else f


def write_master_data(td: TradeData, out: Path) -> None:
    """customers.csv, products.csv, prices.csv, aliases.csv and history.jsonl in the contract's format."""
    out.mkdir(parents=True, exist_ok=True)
    cat = td.catalog
    _csv(out / "customers.csv", ("customer_id", "name", "phones", "emails", "credit_limit", "outstanding", "currency", "active"),
         [(c.customer_id, c.name, ";".join(c.phones), ";".join(c.emails), str(c.credit_limit), str(c.outstanding), c.currency,
           "true" if c.active else "false") for c in cat.customers])
    _csv(out / "products.csv", ("sku", "description", "uom", "pack_size", "moq", "active", "conversions"),
         [(p.sku, p.description, p.uom, p.pack_size, p.moq or "", "true" if p.active else "false", p.conversions_text)
          for p in cat.products])
    _csv(out / "prices.csv", ("customer_id", "sku", "unit_price"), [(r.customer_id, r.sku, str(r.unit_price)) for r in cat.prices])
    _csv(out / "aliases.csv", ("customer_id", "alias", "sku"), [(a.customer_id, a.alias, a.sku) for a in td.aliases])
    with open(out / "history.jsonl", "w", encoding="utf-8") as f:
        for h in td.history:
            f.write(json.dumps({"customer_id": h.customer_id, "received_at": h.received_at.isoformat(), "channel": h.channel,
                                "text": h.text, "lines": [{"sku": ln.sku, "qty": _num(ln.qty), "uom": ln.uom} for ln in h.lines]},
                               ensure_ascii=False) + "\n")


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """An .xlsx workbook of these rows, with fixed timestamps so equal rows give equal bytes."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Order"
    for row in rows:
        ws.append(list(row))
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    return out.getvalue()


def eml_bytes(ex: Example, md: MasterData) -> bytes:
    """The whole e-mail as received (RFC 5322), its body the example's text."""
    msg = EmailMessage(policy=policy.default)
    who = next((c for c in md.customers if ex.sender.lower() in c.emails), None)
    display = who.name if who else ex.sender.split("@")[0]
    msg["From"] = f"{display} <{ex.sender}>"
    msg["To"] = "orders@distributor.example"
    msg["Subject"] = ex.subject or "Order"
    msg["Date"] = format_datetime(ex.received_at)
    msg["Message-ID"] = f"<{ex.id}.{hashlib.sha1(ex.text.encode()).hexdigest()[:10]}@{ex.sender.split('@')[-1]}>"
    msg.set_content(ex.text)
    return msg.as_bytes()


def whatsapp_bytes(ex: Example) -> bytes:
    """A WhatsApp Cloud API webhook body carrying the example's text."""
    wa_id = ex.sender.lstrip("+")
    body = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": ex.extra.get("profile", "")}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": "wamid." + hashlib.sha1(ex.id.encode()).hexdigest()[:24].upper(),
                      "timestamp": str(int(ex.received_at.timestamp())), "type": "text", "text": {"body": ex.text}}]}}]}]}
    return (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def png_bytes(text: str) -> bytes:
    """A photo-like PNG of a written order list (dark text on off-white paper)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=30)
    lines = [w for ln in text.split("\n") for w in (textwrap.wrap(ln, 44) or [""])] or [""]
    width = max(400, 40 + max(int(font.getlength(ln)) for ln in lines))
    img = Image.new("RGB", (width, 40 + 44 * len(lines)), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    for i, ln in enumerate(lines):
        draw.text((20, 20 + 44 * i), ln, fill=(20, 20, 30), font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def case_json(ex: Example, files: dict[str, bytes], md: MasterData) -> dict[str, Any]:
    """The contract's case record for an example; files it refers to are added to ``files``."""
    attachments: list[dict[str, str]] = []
    raw = None
    sender, subject, text = ex.sender, ex.subject, ex.text
    if ex.sheet is not None:
        path = f"files/{ex.id}-order.xlsx"
        files[path] = xlsx_bytes(ex.sheet)
        attachments.append({"path": path, "content_type": XLSX_TYPE})
    if ex.image:
        path = f"files/{ex.id}.png"
        files[path] = png_bytes(ex.text)
        attachments.append({"path": path, "content_type": "image/png"})
        text = ""
    if ex.raw_kind == "eml":
        raw = f"files/{ex.id}.eml"
        files[raw] = eml_bytes(ex, md)
        subject, text = "", ""
    elif ex.raw_kind == "whatsapp":
        raw = f"files/{ex.id}.json"
        files[raw] = whatsapp_bytes(ex)
        sender, text = "", ""
    return {"id": ex.id, "channel": ex.channel, "sender": sender, "received_at": ex.received_at.isoformat(),
            "subject": subject, "text": text, "attachments": attachments, "raw": raw,
            "expected": {"orders": [o.as_json() for o in ex.orders], "exceptions": ex.exceptions,
                         "transcript": ex.transcript}}


def write_cases(examples: Sequence[Example], md: MasterData, out: Path) -> None:
    """cases.jsonl, spans.jsonl and files/ for these examples."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    with open(out / "cases.jsonl", "w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(case_json(ex, files, md), ensure_ascii=False) + "\n")
    with open(out / "spans.jsonl", "w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(ex.spans_json(), ensure_ascii=False) + "\n")
    for path, data in sorted(files.items()):
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)


def write_trade(name: str, seed: int, n_cases: int, out: Path | str, *, images: bool = False) -> TradeData:
    """Generate one trade and write its whole contract-format folder; returns what was generated."""
    out = Path(out)
    td = generate_trade(name, seed)
    write_master_data(td, out)
    examples = generate_cases(td, n_cases, seed, images=images)
    for ex in examples:
        if ex.raw_kind == "whatsapp":
            who = next((p for p in td.personas.values() if ex.sender in p.phones), None)
            ex.extra["profile"] = who.contact if who else ""
    write_cases(examples, td.master_data(), out)
    return td

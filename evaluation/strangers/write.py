"""Write a strangers' distributor as a contract-format folder: master data, history, cases and their files."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

from evaluation.pdf import text_pdf
from evaluation.strangers.menu import make_menu_history, make_menu_messages, make_menu_world
from evaluation.strangers.messages import Message, exceptions, make_history, make_messages
from evaluation.strangers.vocab import TRADES
from evaluation.strangers.world import World, make_world

MENU_TRADES = ("takeaway",)
STRANGER_TRADES = (*TRADES, *MENU_TRADES)  # every trade the strangers' generator writes

FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


def photo_png(lines: list[str], rng: random.Random) -> bytes:
    """A phone photo of a written list: uneven ink, a slight tilt, blur and grain."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    fonts = [f for f in FONTS if Path(f).exists()]
    size = rng.randint(30, 42)
    face = ImageFont.truetype(rng.choice(fonts), size) if fonts else ImageFont.load_default(size=size)
    width = max(int(face.getlength(ln)) for ln in lines) + 120
    img = Image.new("RGB", (max(width, 500), 80 + int(size * 1.9) * len(lines)), (238 + rng.randint(0, 12),) * 3)
    draw = ImageDraw.Draw(img)
    for i, ln in enumerate(lines):
        ink = (rng.randint(10, 60), rng.randint(10, 60), rng.randint(60, 120))
        draw.text((40 + rng.randint(-10, 25), 40 + int(size * 1.9) * i + rng.randint(-4, 4)), ln, fill=ink, font=face)
    img = img.rotate(rng.uniform(-3, 3), expand=True, fillcolor=(225, 222, 215)).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    px = img.load()
    assert px is not None
    for _ in range(img.width * img.height // 60):  # grain
        x, y = rng.randrange(img.width), rng.randrange(img.height)
        v = rng.randint(150, 255)
        px[x, y] = (v, v, v)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def csv_text(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])


def write_master(w: World, out: Path) -> None:
    _write_csv(out / "customers.csv", ["customer_id", "name", "phones", "emails", "credit_limit", "outstanding", "currency", "active"],
               [[d.customer_id, d.name, d.phone, d.email, d.credit_limit, d.outstanding, "INR", "true"] for d in w.dealers])
    _write_csv(out / "products.csv", ["sku", "description", "uom", "pack_size", "moq", "active", "conversions"],
               [[s.sku, s.description, s.uom, f"{s.per} x {s.size}" if s.per and s.size else s.size, s.moq or "",
                 str(s.active).lower(), f"PCS:{s.per}" if s.per else ""] for s in w.skus])
    _write_csv(out / "prices.csv", ["customer_id", "sku", "unit_price"], [[c, s, str(p)] for c, s, p in w.prices])
    _write_csv(out / "aliases.csv", ["customer_id", "alias", "sku"], [list(a) for a in w.aliases])
    with (out / "history.jsonl").open("w", encoding="utf-8") as f:
        for h in w.history:
            f.write(json.dumps(h, ensure_ascii=False) + "\n")


def case_of(m: Message, w: World, earlier: list[Message], out: Path, rng: random.Random) -> dict[str, Any]:
    attachments = []
    for k, (kind, ctype, payload) in enumerate(m.files):
        name = f"files/{m.id}-{k}.{kind}"
        data = photo_png(payload, rng) if kind == "png" else text_pdf(payload) if kind == "pdf" else csv_text(payload)
        (out / name).write_bytes(data)
        attachments.append({"path": name, "content_type": ctype})
    return {"id": m.id, "channel": m.channel, "sender": m.sender, "received_at": m.received_at.isoformat(),
            "subject": m.subject, "text": m.text, "attachments": attachments, "raw": None,
            "expected": {"orders": m.orders(), "exceptions": exceptions(m, w, earlier), "transcript": m.transcript}}


def write_strangers(trade: str, seed: int, n_cases: int, out: Path, days: int = 21) -> World:
    """One strangers' distributor of a trade, seeded, as a contract folder (its messages over ``days``); its world
    is returned."""
    rng = random.Random(f"strangers/{trade}/{seed}")
    if trade in MENU_TRADES:
        w = make_menu_world(rng)
        w.history = make_menu_history(w, rng)
        messages = make_menu_messages(w, n_cases, rng, days)
    else:
        w = make_world(trade, rng)
        w.history = make_history(w, rng)
        messages = make_messages(w, n_cases, rng, days)
    (out / "files").mkdir(parents=True, exist_ok=True)
    write_master(w, out)
    with (out / "cases.jsonl").open("w", encoding="utf-8") as f:
        for k, m in enumerate(messages):
            f.write(json.dumps(case_of(m, w, messages[:k], out, rng), ensure_ascii=False) + "\n")
    return w

"""A strangers' takeaway kitchen: a menu for a catalog, customers who type orders as English sentences into a web
form or a chat ("can i get two medium pizzas with no olives and a coke"), no aliases and a short history.

Written apart from the training generator and its menu words; only this module knows its dishes, toppings and
phrasings. Toppings and requests ("with extra cheese", "no ice") belong to the item before them and are never
order lines; an item named without a variant is the menu's plain one ("a large pizza" is the plain pizza).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from evaluation.strangers.messages import Message
from evaluation.strangers.world import START, Dealer, Sku, World, Written, timeline

SIZES = ("small", "medium", "large")
SIZE_FORMS = {"small": ("small", "small", "sm"), "medium": ("medium", "medium", "med", "regular"),
              "large": ("large", "large", "lg", "big")}


@dataclass(frozen=True)
class Dish:
    """A menu family: its catalog name, how customers call it (singular, plural), its sizes, and what goes on it."""

    name: str
    calls: tuple[tuple[str, str], ...]
    sized: bool
    extras: str  # "pizza", "burger", "drink", "side"
    counted: str = ""  # "order", "side": "an order of fries"


DISHES = (
    Dish("Pizza", (("pizza", "pizzas"), ("pie", "pies")), True, "pizza"),
    Dish("Pepperoni Pizza", (("pepperoni pizza", "pepperoni pizzas"), ("pepperoni", "pepperonis")), True, "pizza"),
    Dish("Veggie Supreme Pizza", (("veggie supreme pizza", "veggie supreme pizzas"), ("veggie pizza", "veggie pizzas")),
         True, "pizza"),
    Dish("BBQ Chicken Pizza", (("bbq chicken pizza", "bbq chicken pizzas"), ("barbecue chicken pizza", "barbecue chicken pizzas")),
         True, "pizza"),
    Dish("Cheeseburger", (("cheeseburger", "cheeseburgers"), ("cheese burger", "cheese burgers")), False, "burger"),
    Dish("Chicken Sandwich", (("chicken sandwich", "chicken sandwiches"),), False, "burger"),
    Dish("Garlic Bread", (("garlic bread", "garlic bread"), ("garlic breadsticks", "garlic breadsticks")), False, "side", "order"),
    Dish("French Fries", (("fries", "fries"), ("french fries", "french fries")), False, "side", "order"),
    Dish("Onion Rings", (("onion rings", "onion rings"),), False, "side", "side"),
    Dish("Coke Can 330 ml", (("coke", "cokes"), ("can of coke", "cans of coke")), False, "drink"),
    Dish("Diet Coke Can 330 ml", (("diet coke", "diet cokes"),), False, "drink"),
    Dish("Sprite Can 330 ml", (("sprite", "sprites"),), False, "drink"),
    Dish("Iced Tea Bottle", (("iced tea", "iced teas"), ("ice tea", "ice teas")), False, "drink"),
    Dish("Lemonade", (("lemonade", "lemonades"),), False, "drink"),
)
TOPPINGS = {"pizza": ("ham", "pineapple", "mushrooms", "olives", "black olives", "onions", "green peppers", "bacon",
                      "jalapenos", "spinach", "sausage", "tomatoes", "anchovies", "extra cheese", "feta", "chicken"),
            "burger": ("pickles", "onions", "lettuce", "tomato", "mayo", "ketchup", "mustard", "bacon", "cheese"),
            "drink": ("ice", "lemon", "a straw"), "side": ("ketchup", "ranch", "salt", "cheese sauce")}
NOT_ON_MENU = (("tuna melt", "tuna melts"), ("milkshake", "milkshakes"), ("chicken wings", "chicken wings"),
               ("nachos", "nachos"), ("caesar salad", "caesar salads"))
LEADS = ("i'd like {l}", "can i get {l}", "i want {l}", "i would like to order {l}", "could i please have {l}",
         "let me get {l}", "i'll have {l}", "please get me {l}", "{l}", "{l}", "hi, {l}", "order: {l}",
         "we'd like {l} please", "Can I order {l}?")
ENDS = ("", "", "", " please", " thanks", ". thank you", " for delivery", " for pickup", "!", " asap")
NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
FIRST = ("Aarav", "Meera", "John", "Sara", "Kabir", "Nisha", "Rohan", "Emily", "David", "Zoya", "Tanvi", "Marcus")
LAST = ("Kapoor", "Fernandes", "Smith", "Rao", "Menon", "Khan", "Brown", "Pillai", "Dsouza", "Sethi")
NO_ORDER = ("what time do you close today?", "is the kitchen open on sunday", "thanks, the food was great",
            "my last delivery was late, please check", "do you have a vegan menu?", "can i pay by card at the door")


def make_menu_world(rng: random.Random) -> World:
    """The menu as a catalog (one SKU per dish and size, sold by the piece), ten customers, prices for all."""
    skus = []
    for f_no, dish in enumerate(DISHES):
        for s_no, size in enumerate(SIZES if dish.sized else ("",)):
            desc = f"{dish.name} {size.title()}".strip()
            skus.append(Sku(f"TK-{f_no + 1:02d}{s_no + 1}", desc, dish.name, size, "PCS", 0, 0))
    dealers = []
    for i in range(10):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        dealers.append(Dealer(f"T{200 + i}", name, f"+9198{rng.randint(10_000_000, 99_999_999)}",
                              f"{name.split()[0].lower()}{i}@{rng.choice(('gmail.com', 'outlook.com'))}",
                              5_000_000, 0, "english", "sentence", False))
    prices = [("*", s.sku, Decimal(rng.randint(60, 900))) for s in skus]
    return World("takeaway", skus, dealers, prices, aliases=[])


def _extras(dish: Dish, rng: random.Random) -> str:
    """What a customer asks of the item: toppings, a request, nothing."""
    if rng.random() < 0.45:
        return ""
    pool = [t for t in TOPPINGS[dish.extras] if t not in dish.name.lower()]
    picks = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2, 2, 3))))
    listed = picks[0] if len(picks) == 1 else ", ".join(picks[:-1]) + rng.choice((" and ", ", ", " & ")) + picks[-1]
    bare = _bare(picks[0])
    rest = [t for t in pool if t not in picks]  # "but no" names what was not asked for: never "ice but no ice"
    other = _bare(rng.choice(rest or pool))
    but_no = f" with {listed} but no {other}" if rest else f" with {listed}"
    return rng.choice((f" with {listed}", f" with {listed}", f" with no {bare}", f" without {picks[0]}",
                       f" with extra {bare}", f", no {bare}", but_no, f" (no {bare})", f", hold the {bare}"))


def _bare(topping: str) -> str:
    """A topping as "no" or "extra" takes it: "a straw" -> "straw", "extra cheese" -> "cheese"."""
    return topping.removeprefix("a ").removeprefix("extra ")


def _item(dish: Dish, size: str, n: int, rng: random.Random) -> str:
    """One item of the sentence: count, size, the dish's name, what goes on it."""
    one, many = rng.choice(dish.calls)
    name = one if n == 1 else many
    count = rng.choice(("a", "a", "one", "1")) if n == 1 else rng.choice((NUMBERS.get(n, str(n)), str(n)))
    if dish.counted and (rng.random() < 0.4 or n == 1 and one.endswith("s")):
        word = dish.counted if n == 1 else dish.counted + "s"
        name = f"{word} of {one}"
    if count == "a" and name[0] in "aeiou":
        count = "an"
    if size:
        said = rng.choice(SIZE_FORMS[size])
        text = f"{count} {name}, {said}" if rng.random() < 0.15 else f"{count} {said} {name}"
    else:
        text = f"{count} {name}"
    return text + _extras(dish, rng)


def _order(w: World, rng: random.Random, k: int, unclear: bool = False) -> tuple[str, list[Written]]:
    """A sentence of k items and their gold lines (one item may be off the menu or uncounted)."""
    gold: list[Written] = []
    items: list[str] = []
    fams = rng.sample(range(len(DISHES)), k)
    odd = rng.randrange(k) if unclear else -1
    for j, f_no in enumerate(fams):
        dish = DISHES[f_no]
        size = rng.choice(SIZES) if dish.sized else ""
        sku = next(s for s in w.skus if s.family == dish.name and s.size == size)
        n = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
        if j == odd and rng.random() < 0.5:
            one, many = rng.choice(NOT_ON_MENU)
            items.append(f"{rng.choice(('a', 'one')) if n == 1 else NUMBERS.get(n, str(n))} {one if n == 1 else many}")
            gold.append(Written(items[-1], None, n, None))
            continue
        if j == odd:
            text = _item(dish, size, 2, rng).split(" ", 1)[1]
            items.append(f"{rng.choice(('some', 'a few', 'several'))} {text}")
            gold.append(Written(items[-1], sku.sku, None, "PCS", unclear=True))
            continue
        items.append(_item(dish, size, n, rng))
        gold.append(Written(items[-1], sku.sku, n, "PCS"))
    if len(items) == 1:
        listed = items[0]
    else:
        glue = rng.choice((" and ", ", ", ", "))
        listed = glue.join(items[:-1]) + rng.choice((" and ", ", and ", " plus ", " and also ")) + items[-1]
    text = rng.choice(LEADS).format(l=listed) + rng.choice(ENDS)
    return (text if rng.random() < 0.3 else text.lower()), gold


def make_menu_history(w: World, rng: random.Random, per_customer: int = 3) -> list[dict[str, Any]]:
    """A short history: a few past orders per customer, typed the same way, nothing unclear in them."""
    out = []
    for d in w.dealers:
        for when in timeline(START - timedelta(days=60), 55, per_customer, rng):
            text, lines = _order(w, rng, rng.randint(1, 3))
            out.append({"customer_id": d.customer_id, "received_at": when.isoformat(), "channel": "portal",
                        "text": text, "lines": [{"sku": ln.sku, "qty": ln.qty, "uom": ln.uom} for ln in lines]})
    return sorted(out, key=lambda h: h["received_at"])


def make_menu_messages(w: World, n: int, rng: random.Random, days: int = 21) -> list[Message]:
    """n orders over three weeks: web-form and chat sentences, a few questions that are no order."""
    out: list[Message] = []
    for k, when in enumerate(timeline(START, days, n, rng)):
        d = rng.choice(w.dealers)
        mid = f"tak-{k + 1:04d}"
        channel = rng.choices(("portal", "whatsapp", "sms", "email", "no_order"), (0.45, 0.33, 0.1, 0.06, 0.06))[0]
        sender = d.email if channel in ("portal", "email") else d.phone
        if channel == "no_order":
            out.append(Message(mid, "whatsapp", d.phone, when, rng.choice(NO_ORDER), customer=d))
            continue
        text, lines = _order(w, rng, rng.choices((1, 2, 3, 4), (3, 4, 3, 1))[0], unclear=rng.random() < 0.12)
        if channel == "email":
            text = f"Hi,\n\n{text}\n\nThanks,\n{d.name}"
        out.append(Message(mid, channel, sender, when, text, subject="Order" if channel == "email" else "",
                           customer=d, lines=lines))
    return out

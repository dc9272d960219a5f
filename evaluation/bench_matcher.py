"""``make bench``: SKU match latency per line on synthetic catalogs of 1k, 10k and 100k SKUs with 10k customers.

Each catalog is brands x families x sizes x variants (deterministic, built in a second or two); customers
carry private aliases. The matcher is built once per catalog (build time and memory reported), then
``matcher.match(mention, [customer])`` is timed per line over realistic mentions: abbreviations, typos,
sizes written every way, words dropped or reordered, and customers' own aliases. It runs against whatever
``SkuMatcher`` ``models/matcher.py`` holds, with the learned ranker the service loads (when one is trained).

usage: python -m evaluation.bench_matcher [--sizes 1000,10000,100000] [--mentions 500] [--customers 10000]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from evaluation.bench_service import pct
from models.matcher import SkuMatcher
from models.ranker import Ranker
from ordex.catalog import Alias, Product

SYLLABLES = ("ka", "ve", "ri", "lu", "mo", "ta", "ra", "vi", "no", "sa", "pe", "do", "ni", "zo", "ba", "ke", "mi", "tu")
# family words, short forms people type, the sizes it comes in (value, unit), the uom, pieces per uom
FAMILIES: tuple[tuple[str, str, tuple[float, ...], str, str, int], ...] = (
    ("Engine Oil", "eng oil", (0.5, 1, 3.5, 5, 7.5, 10, 20, 50), "L", "CTN", 12),
    ("Wall Putty", "putty", (1, 5, 10, 20, 25, 40, 50), "kg", "BAG", 0),
    ("LED Bulb", "bulb", (5, 7, 9, 12, 15, 18, 20, 24), "W", "BOX", 10),
    ("PVC Pipe", "pipe", (15, 20, 25, 32, 40, 50, 63, 75), "mm", "PCS", 0),
    ("Paracetamol Tablets", "pcm tab", (125, 250, 500, 650, 1000), "mg", "BOX", 10),
    ("Cough Syrup", "syrup", (50, 60, 100, 120, 200), "ml", "CTN", 24),
    ("Copper Wire", "wire", (0.75, 1, 1.5, 2.5, 4, 6, 10), "sqmm", "ROLL", 0),
    ("Wood Screw", "screw", (12, 19, 25, 32, 38, 50, 63), "mm", "BOX", 100),
    ("Emulsion Paint", "emulsion", (1, 4, 10, 20), "L", "TIN", 0),
    ("Detergent Powder", "surf", (0.5, 1, 2, 4, 6), "kg", "CTN", 12),
    ("Toned Milk", "milk", (200, 500, 1000), "ml", "CRT", 12),
    ("Basmati Rice", "rice", (1, 5, 10, 25, 30), "kg", "BAG", 0),
    ("Ball Pen", "pen", (0.5, 0.7, 1), "mm", "BOX", 50),
    ("Notebook Ruled", "copy", (100, 160, 200, 240, 300), "pages", "BUNDLE", 10),
    ("Insulation Tape", "tape", (12, 18, 19, 25), "mm", "PKT", 10),
    ("Brake Pad", "pad", (100, 110, 125, 150, 200, 220), "cc", "SET", 0),
    ("Urea Fertiliser", "urea", (5, 25, 45, 50), "kg", "BAG", 0),
    ("Hand Sanitizer", "sanitiser", (50, 100, 200, 500, 1000), "ml", "CTN", 24),
    ("Ceiling Fan", "fan", (600, 900, 1050, 1200, 1400), "mm", "PCS", 0),
    ("Sand Paper", "regmal", (60, 80, 100, 120, 180, 220), "grit", "PKT", 50),
    ("Cement OPC", "cement", (25, 50), "kg", "BAG", 0),
    ("Tomato Ketchup", "ketchup", (90, 200, 500, 1000), "g", "CTN", 24),
    ("Padlock Brass", "tala", (25, 30, 40, 50, 65), "mm", "PCS", 0),
    ("Drip Lateral", "drip", (12, 16, 20), "mm", "ROLL", 0),
    ("Cooking Oil Refined", "tel", (0.5, 1, 2, 5, 15), "L", "CTN", 12),
    ("MCB Double Pole", "mcb dp", (6, 10, 16, 20, 32, 40, 63), "A", "PCS", 0),
    ("Tyre Tube", "tube", (10, 12, 14, 17, 18), "inch", "PCS", 0),
    ("Gear Oil", "gear oil", (0.5, 1, 5, 20), "L", "CTN", 12),
    ("Exercise Book", "notebk", (72, 120, 172), "pages", "BUNDLE", 12),
    ("Chlorpyrifos EC", "chloro", (100, 250, 500, 1000), "ml", "CTN", 20),
)
VARIANTS = (("Red", "lal"), ("Blue", "neela"), ("Green", "hara"), ("White", "safed"), ("Black", "kala"),
            ("Premium", "prem"), ("Lite", "lite"), ("Zero", "zero"), ("Classic", "clsc"), ("Gold", "gold"),
            ("Plus", "plus"), ("Extra", "xtra"))
SIZE_FORMS = {"L": ("{v:g}L", "{v:g} ltr", "{v:g} litre", "{ml:g}ml"), "kg": ("{v:g}kg", "{v:g} kilo", "{v:g} kgs", "{g:g}g"),
              "ml": ("{v:g}ml", "{v:g} ml", "{v:g}mls"), "g": ("{v:g}g", "{v:g} gm", "{v:g}gms"),
              "mg": ("{v:g}mg", "{v:g} mg"), "mm": ("{v:g}mm", "{v:g} mm"), "W": ("{v:g}w", "{v:g} watt"),
              "A": ("{v:g}a", "{v:g} amp"), "sqmm": ("{v:g}sqmm", "{v:g} sq mm"), "inch": ("{v:g} inch", "{v:g}inch"),
              "pages": ("{v:g} pages", "{v:g}pg"), "cc": ("{v:g}cc", "{v:g} cc"), "grit": ("{v:g} grit", "{v:g}grit")}


@dataclass(frozen=True)
class Spec:
    """What a SKU is made of, kept to write mentions of it."""

    sku: str
    brand: str
    family: int
    size: float
    variant: int


@dataclass(frozen=True)
class Catalog:
    """A synthetic catalog: products, customers' aliases, and the parts each SKU was built from."""

    products: tuple[Product, ...]
    aliases: tuple[Alias, ...]
    specs: tuple[Spec, ...]
    customers: tuple[str, ...]


def _brands(n: int, rng: random.Random) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(out)


def build_catalog(n_skus: int, n_customers: int = 10_000, aliases_per_customer: int = 5, seed: int = 0) -> Catalog:
    """A deterministic catalog of ``n_skus`` SKUs (brands x families x sizes x variants) and customers with aliases."""
    rng = random.Random(f"bench:{n_skus}:{seed}")
    cells = [(f, s) for f, fam in enumerate(FAMILIES) for s in fam[2]]
    per_brand = len(cells) * len(VARIANTS)
    brands = _brands(-(-n_skus // per_brand) + 1, rng)
    total = len(brands) * per_brand
    products: list[Product] = []
    specs: list[Spec] = []
    for k, idx in enumerate(sorted(rng.sample(range(total), n_skus))):
        b, rest = divmod(idx, per_brand)
        c, v = divmod(rest, len(VARIANTS))
        f, size = cells[c]
        name, _short, _sizes, unit, uom, pieces = FAMILIES[f]
        sku = f"{brands[b][:3].upper()}-{f:02d}{c:03d}{v:02d}-{k:06d}"
        desc = f"{name} {VARIANTS[v][0]} - {brands[b]} {size:g} {unit}"
        conv = {"PCS": Decimal(pieces)} if pieces else {}
        pack = f"{pieces} x {size:g} {unit}" if pieces else f"{size:g} {unit}"
        products.append(Product.model_construct(sku=sku, description=desc, uom=uom, pack_size=pack, moq=Decimal(0),
                                                active=rng.random() > 0.03, conversions=conv))
        specs.append(Spec(sku, brands[b], f, size, v))
    customers = tuple(f"C{i:05d}" for i in range(n_customers))
    aliases: list[Alias] = []
    for cid in customers:
        for spec in rng.sample(specs, min(aliases_per_customer, len(specs))):
            aliases.append(Alias.model_construct(customer_id=cid, alias=_nickname(spec, rng), sku=spec.sku))
    return Catalog(tuple(products), tuple(aliases), tuple(specs), customers)


def _size_text(spec: Spec, rng: random.Random) -> str:
    unit = FAMILIES[spec.family][3]
    form = rng.choice(SIZE_FORMS[unit])
    return form.format(v=spec.size, ml=spec.size * 1000, g=spec.size * 1000)


def _nickname(spec: Spec, rng: random.Random) -> str:
    """A customer's private name for a SKU: initials, "<variant> wala <size>", or a clipped brand and size."""
    name, short, *_ = FAMILIES[spec.family]
    r = rng.random()
    if r < 0.35:
        return "".join(w[0] for w in f"{name} {spec.brand}".split()).lower() + " " + _size_text(spec, rng)
    if r < 0.7:
        return f"{VARIANTS[spec.variant][1]} wala {short} {_size_text(spec, rng)}"
    return f"{spec.brand[:4].lower()} {short} {_size_text(spec, rng)}"


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return rng.choice((word[:i] + word[i + 1:], word[:i] + word[i + 1] + word[i] + word[i + 2:], word[:i] + word[i] + word[i:]))


def mentions(cat: Catalog, n: int = 500, seed: int = 1) -> list[tuple[str, str, str]]:
    """(mention, customer, sku) lines as dealers write them; about one in five is the customer's own alias."""
    rng = random.Random(f"mentions:{len(cat.products)}:{seed}")
    by_customer: dict[str, list[Alias]] = {}
    for a in cat.aliases:
        by_customer.setdefault(a.customer_id, []).append(a)
    out: list[tuple[str, str, str]] = []
    while len(out) < n:
        cid = rng.choice(cat.customers)
        own = by_customer.get(cid, [])
        if own and rng.random() < 0.2:
            a = rng.choice(own)
            out.append((a.alias, cid, a.sku))
            continue
        spec = rng.choice(cat.specs)
        name, short, *_ = FAMILIES[spec.family]
        variant = VARIANTS[spec.variant]
        parts = [rng.choice((name.lower(), short, name)), rng.choice(variant), _size_text(spec, rng)]
        if rng.random() < 0.7:
            parts.insert(rng.randrange(len(parts) + 1), spec.brand if rng.random() < 0.7 else spec.brand[:4].lower())
        if rng.random() < 0.3:
            rng.shuffle(parts)
        words = " ".join(parts).split()
        if rng.random() < 0.25:
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
        text = " ".join(words)
        out.append((text.upper() if rng.random() < 0.1 else text, cid, spec.sku))
    return out


def _rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), else the peak from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class BenchResult:
    """Build and per-line match figures of one catalog size."""

    skus: int
    customers: int
    aliases: int
    catalog_s: float
    build_s: float
    first_call_s: float
    build_mb: float
    lines: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    top1: float


def bench_size(n_skus: int, n_customers: int, n_mentions: int, budget_s: float, seed: int = 0,
               ranker: Ranker | None = None) -> BenchResult:
    """Build one catalog and its matcher once, then time ``match`` per line until the mentions or the budget run out."""
    t0 = time.perf_counter()
    cat = build_catalog(n_skus, n_customers, seed=seed)
    lines = mentions(cat, n_mentions, seed + 1)
    catalog_s = time.perf_counter() - t0
    gc.collect()
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    matcher = SkuMatcher(cat.products, cat.aliases, ranker)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher.match(lines[0][0], [lines[0][1]])  # the first call pays any lazy set-up (an index): build, not a line
    first_s = time.perf_counter() - t0
    gc.collect()
    build_mb = _rss_mb() - rss0
    times: list[float] = []
    right = 0
    start = time.perf_counter()
    for text, cid, sku in lines:
        t = time.perf_counter()
        cands = matcher.match(text, [cid])
        times.append((time.perf_counter() - t) * 1000)
        right += bool(cands) and cands[0].sku == sku
        if time.perf_counter() - start > budget_s:
            break
    return BenchResult(n_skus, n_customers, len(cat.aliases), catalog_s, build_s, first_s, build_mb, len(times),
                       pct(times, 0.5), pct(times, 0.95), max(times), right / len(times))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for each size and print one table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000", help="catalog sizes, comma-separated")
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--mentions", type=int, default=500, help="lines timed per catalog")
    p.add_argument("--budget-s", type=float, default=75.0, help="stop timing a catalog after this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-ranker", action="store_true", help="hand-set scores only, even when a ranker is trained")
    args = p.parse_args(argv)
    ranker = None if args.no_ranker else _served_ranker()
    console = Console(width=max(120, Console().width))
    warm = build_catalog(500, 10, seed=args.seed)  # imports the matcher's libraries, so no size is charged for them
    SkuMatcher(warm.products, warm.aliases).match("warm up 1l", [warm.customers[0]])
    results = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        with console.status(f"{size:,} SKUs: building the catalog and the matcher, timing {args.mentions} lines"):
            results.append(bench_size(size, args.customers, args.mentions, args.budget_s, args.seed, ranker))
    scoring = f"learned ranker v{ranker.version}" if ranker is not None else "hand-set scores"
    table = Table(title=f"SkuMatcher.match latency per line ({scoring}, as served); target p95 <= 5 ms at 100k")
    for col in ("SKUs", "customers", "aliases", "build s", "1st call s", "memory MB", "lines", "p50 ms", "p95 ms",
                "max ms", "top-1"):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(f"{r.skus:,}", f"{r.customers:,}", f"{r.aliases:,}", f"{r.build_s:.1f}", f"{r.first_call_s:.1f}",
                      f"{r.build_mb:.0f}",
                      str(r.lines), f"{r.p50_ms:.2f}", f"{r.p95_ms:.2f}", f"{r.max_ms:.1f}", f"{r.top1:.1%}")
    console.print(table)
    return 0


def _served_ranker() -> Ranker | None:
    """The ranker the service would load (the MLflow champion), or None when none is trained."""
    from ordex.pipeline import load_ranker
    from ordex.settings import Settings

    return load_ranker(Settings())


if __name__ == "__main__":
    raise SystemExit(main())

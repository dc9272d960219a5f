"""Invented trades and their seeded catalogs: products, customers and prices of a made-up distributor.

Every trade is a list of product families (how the catalog writes a product and how dealers say it),
invented brands and shop names, so the generated data teaches the pipeline and the tagger patterns,
not one distributor's words.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

# -- families ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeSpec:
    """One size a family comes in, with an optional override of the unit of sale and pack count."""

    text: str
    uom: str = ""
    pack: int = 0


@dataclass(frozen=True)
class Family:
    """A product family of a trade: its catalog name, the words dealers use for it, its sizes and packs."""

    key: str
    name: str
    words: tuple[str, ...]
    sizes: tuple[SizeSpec, ...]
    variants: tuple[str, ...] = ()
    uom: str = "CTN"
    packs: tuple[int, ...] = ()
    piece: str = "PCS"
    piece_words: tuple[str, ...] = ()
    price: tuple[int, int] = (100, 1000)
    moqs: tuple[int, ...] = (0, 1)
    size_conv: bool = False
    branded: bool = True
    bare_size: bool = False
    container: str = ""
    plain: bool = False  # the catalog also sells it with no variant: an order naming none means that one
    extras: tuple[str, ...] = ()  # what a customer asks on it ("extra cheese", "no onion"): never an order line


def _sizes(spec: str) -> tuple[SizeSpec, ...]:
    """'1 L|5 L@PCS|600 ml@CTN*24' -> sizes with optional uom and pack overrides."""
    out = []
    for item in (s.strip() for s in spec.split("|") if s.strip()):
        text, _, rest = item.partition("@")
        uom, _, pack = rest.partition("*")
        out.append(SizeSpec(text.strip(), uom.strip(), int(pack) if pack else 0))
    return tuple(out)


def fam(key: str, name: str, words: str, sizes: str = "", variants: str = "", *, uom: str = "CTN",
        packs: tuple[int, ...] = (), piece: str = "PCS", piece_words: str = "", price: tuple[int, int] = (100, 1000),
        moqs: tuple[int, ...] = (0, 1), size_conv: bool = False, branded: bool = True, bare_size: bool = False,
        container: str = "", plain: bool = False, extras: str = "") -> Family:
    """A Family from compact '|'-separated strings (words, sizes, variants, extras)."""
    split = lambda s: tuple(x.strip() for x in s.split("|") if x.strip())  # noqa: E731
    return Family(key, name, split(words), _sizes(sizes), split(variants), uom, packs, piece, split(piece_words),
                  price, moqs, size_conv, branded, bare_size, container, plain, split(extras))


@dataclass(frozen=True)
class Trade:
    """An invented trade: families, brand pool, shop words and the distributor's sub-dealer vocabulary."""

    name: str
    title: str
    brands: tuple[str, ...]
    families: tuple[Family, ...]
    shop_words: tuple[str, ...]
    code: str


FMCG = Trade("fmcg", "FMCG and grocery", (
    "Zestora", "Rasila", "Nirmalya", "Kumbhika", "Tarangini", "Vardaan", "Sugandh", "Prakritika", "Chandrika", "Annapoorvi",
), (
    fam("biscuit", "Biscuit", "biscuit|biscuits|biskut|biscut|bisc", "75 g|150 g|300 g", "glucose|marie|chocolate|elaichi|coconut",
        packs=(48, 36, 24), piece_words="pkt|packet", price=(300, 900)),
    fam("noodles", "Instant Noodles", "noodles|noodle|nudels|instant noodles", "70 g|280 g", "masala|veg atta|chatpata",
        packs=(96, 24), piece_words="pkt|packet", price=(450, 1100)),
    fam("premix", "3 in 1 Coffee", "3 in 1 coffee|3in1 coffee|coffee premix|3 in 1|3 in 1 premix", "10 g|18 g",
        "classic|strong|hazelnut", packs=(100, 50), piece_words="sachet|pouch", price=(350, 900)),
    fam("salt", "Iodised Salt", "salt|namak|iodised salt|iodized salt", "1 kg", uom="BAG", packs=(25,), piece="PKT",
        piece_words="pkt|packet", price=(400, 650), moqs=(0, 2)),
    fam("tea", "Tea", "tea|chai|chai patti|chaipatti|tea leaf", "250 g|500 g|1 kg", "premium|gold|masala|kadak",
        packs=(40, 24, 12), piece_words="pkt|packet", price=(2400, 5200)),
    fam("detergent", "Detergent Powder", "detergent|washing powder|detergent powder|det powder|surf powder",
        "500 g|1 kg|4 kg@PCS", "lemon|rose|jasmine", packs=(24, 12), piece_words="pkt|packet", price=(900, 1800)),
    fam("soap", "Bath Soap", "soap|sabun|bath soap|soaps|sabon", "75 g|125 g", "neem|sandal|lime|rose|aloe vera",
        packs=(72, 48), piece_words="pcs|cake", price=(1400, 2600)),
    fam("toothpaste", "Toothpaste", "toothpaste|tooth paste|paste|tpaste|manjan", "100 g|150 g|200 g", "mint|clove|herbal|salt",
        packs=(48, 36, 24), piece_words="tube|tubes", price=(1800, 3600)),
    fam("mustard_oil", "Mustard Oil", "mustard oil|sarson tel|sarson oil|kachi ghani|sarso tel", "1 L|5 L@PCS|15 L@PCS",
        packs=(12,), piece_words="bottle|btl|pouch", price=(1700, 2400), container="tin"),
    fam("sunflower_oil", "Sunflower Oil", "sunflower oil|refined oil|sunflower|refined sunflower", "1 L|5 L@PCS|15 L@PCS",
        packs=(12,), piece_words="bottle|btl|pouch", price=(1500, 2200), container="tin"),
    fam("atta", "Wheat Atta", "atta|aata|wheat flour|gehun atta|chakki atta", "5 kg|10 kg|25 kg", uom="BAG",
        price=(220, 1200), moqs=(0, 5, 10)),
    fam("rice", "Basmati Rice", "basmati rice|basmati|chawal|basmati chawal|rice", "5 kg|25 kg", "classic|super|tibar",
        uom="BAG", price=(450, 2600), moqs=(0, 5)),
    fam("sugar", "Sugar", "sugar|cheeni|chini|shakkar", "50 kg", uom="BAG", price=(1900, 2300), size_conv=True,
        branded=False, moqs=(0, 2, 5)),
    fam("dishwash", "Dishwash Bar", "dishwash bar|bartan bar|dish bar|dishwash|bartan sabun", "200 g|500 g", "lemon|lime",
        packs=(60, 24), piece_words="pcs|bar", price=(700, 1300)),
    fam("chips", "Potato Chips", "chips|wafers|potato chips|wafer", "52 g|90 g", "salted|masala|tomato|onion",
        packs=(48, 30), piece_words="pkt|packet", price=(450, 800)),
    fam("ketchup", "Tomato Ketchup", "ketchup|sauce|tomato sauce|tomato ketchup|ketchap", "500 g|1 kg",
        packs=(24, 12), piece_words="bottle|btl", price=(1300, 1900)),
    fam("haldi", "Turmeric Powder", "haldi|turmeric|haldi powder|turmeric powder", "100 g|200 g|500 g",
        packs=(60, 40, 20), piece_words="pkt|packet", price=(1100, 1900)),
    fam("chilli", "Red Chilli Powder", "mirchi|lal mirch|chilli powder|mirch powder|red chilli", "100 g|200 g|500 g",
        packs=(60, 40, 20), piece_words="pkt|packet", price=(1200, 2100)),
    fam("hair_oil", "Coconut Hair Oil", "hair oil|coconut oil|nariyal tel|nariyal oil", "100 ml|200 ml|500 ml",
        packs=(48, 24, 12), piece_words="bottle|btl", price=(1500, 2900)),
), ("Kirana Store", "General Stores", "Provision Store", "Super Mart", "Traders", "Departmental Store", "Mart"), "FM")

ELECTRICAL = Trade("electrical", "Electrical goods", (
    "Lumexa", "Voltiva", "Surajdeep", "Noorlite", "Kiranjyot", "Ampora", "Vidyutam", "Glowmark", "Tejasvi", "Orbitron",
), (
    fam("bulb", "LED Bulb", "led bulb|bulb|led|bulb led|lamp", "5 W|7 W|9 W|12 W|15 W|20 W", "cool day light|warm white",
        uom="BOX", packs=(10, 20, 50), piece_words="pcs|nos", price=(450, 2400), bare_size=True),
    fam("batten", "LED Batten", "batten|tube light|tubelight|led tube|batten light", "10 W|20 W|36 W", "4 ft|2 ft",
        uom="PCS", price=(180, 520), moqs=(0, 5, 10)),
    fam("wire", "FR PVC Wire", "wire|taar|house wire|fr wire|pvc wire|wiring cable", "0.75 sqmm|1 sqmm|1.5 sqmm|2.5 sqmm|4 sqmm",
        "red|black|green|yellow|blue", uom="ROLL", packs=(90,), piece="M", piece_words="m|mtr|meter", price=(900, 5200)),
    fam("mcb", "MCB", "mcb|m.c.b|breaker|mcb switch|circuit breaker", "6 A|10 A|16 A|20 A|32 A|40 A", "SP|DP",
        uom="PCS", price=(150, 900), moqs=(0, 0, 6), bare_size=True),
    fam("switch", "Modular Switch", "switch|modular switch|switches|swich|sw", "6 A|16 A", "1 way|2 way",
        uom="BOX", packs=(10, 20), piece_words="pcs|nos", price=(300, 1400)),
    fam("socket", "Socket", "socket|plug socket|sokit|socket plug", "6 A|16 A", "3 pin|5 pin",
        uom="BOX", packs=(10,), piece_words="pcs|nos", price=(600, 1600)),
    fam("plugtop", "3 Pin Plug Top", "3 pin plug top|3 pin top|plug top|3 pin plug|3pin top", "6 A|16 A",
        uom="BOX", packs=(10, 20), piece_words="pcs|nos", price=(250, 900)),
    fam("fan", "Ceiling Fan", "ceiling fan|fan|pankha|ceiling pankha|fans", "900 mm|1200 mm|1400 mm", "brown|white|ivory|silver",
        uom="PCS", price=(1300, 3200), moqs=(0, 2)),
    fam("tape", "Insulation Tape", "insulation tape|tape|insulating tape|pvc tape|tep", "18 mm", "black|red|green|blue|yellow",
        uom="BOX", packs=(10, 20), piece_words="pcs|nos", price=(120, 350)),
    fam("holder", "Bulb Holder", "holder|bulb holder|lamp holder|holdar", "B22", "pendant|angle|batten",
        uom="BOX", packs=(25, 50), piece_words="pcs|nos", price=(400, 1200)),
    fam("cell", "Battery Cell", "cell|battery|battery cell|cells", "", "AA|AAA", uom="BOX", packs=(24, 40),
        piece_words="pcs|nos", price=(300, 900)),
    fam("extension", "Extension Board", "extension board|extension|ext board|extention board|board", "2 m|5 m",
        "4 socket|6 socket", uom="PCS", price=(250, 900), moqs=(0, 5)),
    fam("conduit", "PVC Conduit Pipe", "conduit|conduit pipe|pvc conduit|electric pipe", "20 mm|25 mm", "light|medium|heavy",
        uom="PCS", price=(60, 180), moqs=(10, 20)),
    fam("panel", "LED Panel Light", "panel light|led panel|panel|panel lite", "6 W|12 W|18 W", "round|square",
        uom="BOX", packs=(10,), piece_words="pcs|nos", price=(1200, 3800)),
), ("Electricals", "Electric House", "Light House", "Electric Stores", "Power Solutions", "Electronics", "Electric Co"), "EL")

HARDWARE = Trade("hardware", "Hardware and building materials", (
    "Shilpkar", "Vajra", "Mazboot", "Ironix", "Buildwell", "Deshbandhu", "Kaveri Steel", "Sthambh", "Rockline", "Nirmaan",
), (
    fam("cement", "Cement", "cement|siment|cement bag|cemant", "50 kg", "OPC 53 grade|PPC", uom="BAG", price=(330, 420),
        moqs=(10, 20, 50), size_conv=True),
    fam("tmt", "TMT Bar", "tmt|tmt bar|saria|sariya|rod|tmt rod", "8 mm|10 mm|12 mm|16 mm", "Fe 500D|Fe 550",
        uom="KG", price=(56, 74), moqs=(100, 500), bare_size=True),
    fam("nails", "Wire Nails", "nails|keel|kil|nail|wire nail|kila", "1 inch|2 inch|3 inch|4 inch", uom="KG",
        price=(70, 120), moqs=(5, 10), branded=False),
    fam("screw", "Wood Screw", "screw|screws|wood screw|pech|skru", "8 x 1 inch|8 x 1.5 inch|10 x 2 inch",
        uom="BOX", packs=(100, 200), piece_words="pcs|nos", price=(90, 260)),
    fam("pipe", "UPVC Pipe", "pipe|upvc pipe|pvc pipe|paip|upvc", "1/2 inch|3/4 inch|1 inch", "SCH 40|SCH 80",
        uom="PCS", price=(180, 520), moqs=(5, 10)),
    fam("binding", "Binding Wire", "binding wire|bandhai taar|gi wire|binding taar|tar", "18 gauge|20 gauge",
        uom="KG", price=(75, 95), moqs=(25, 50), branded=False),
    fam("hinge", "Door Hinge", "hinge|hinges|kabja|kabza|door hinge", "3 inch|4 inch|5 inch", "steel|brass|SS",
        uom="BOX", packs=(12,), piece_words="pcs|nos", price=(350, 1400)),
    fam("padlock", "Padlock", "lock|padlock|tala|taala|pad lock", "40 mm|50 mm|65 mm", "brass|steel",
        uom="PCS", price=(120, 650), moqs=(0, 6)),
    fam("brush", "Paint Brush", "brush|paint brush|brash|brushes", "1 inch|2 inch|3 inch|4 inch",
        uom="BOX", packs=(12,), piece_words="pcs|nos", price=(220, 960)),
    fam("putty", "Wall Putty", "putty|wall putty|puti|white putty", "20 kg|40 kg", uom="BAG", price=(420, 900),
        moqs=(0, 5), size_conv=True),
    fam("adhesive", "Tile Adhesive", "tile adhesive|adhesive|tile chemical|tile glue", "20 kg", "grey|white",
        uom="BAG", price=(380, 640), moqs=(5, 10), size_conv=True),
    fam("sandpaper", "Sand Paper", "sand paper|sandpaper|regmaal|emery paper|regmal", "", "80 grit|120 grit|220 grit",
        uom="PKT", packs=(50, 100), piece="SHEET", piece_words="sheet|sheets", price=(350, 700)),
    fam("epoxy", "Epoxy Putty", "epoxy|epoxy putty|epoxy seal|leak seal", "50 g|100 g", uom="BOX", packs=(24, 12),
        piece_words="pcs|nos", price=(700, 1300)),
    fam("tap", "Bib Cock", "tap|bib cock|tonti|nal|bibcock", "15 mm", "brass|CP|PTMT", uom="PCS", price=(140, 850),
        moqs=(0, 6)),
    fam("ballvalve", "2 Way Ball Valve", "2 way ball valve|2 way valve|ball valve|2 way|2way valve",
        "15 mm|20 mm|25 mm", "brass|PTMT", uom="PCS", price=(150, 700), moqs=(0, 6)),
    fam("rope", "Nylon Rope", "rope|nylon rope|rassi|rasi", "6 mm|8 mm|10 mm", uom="M", price=(4, 15), moqs=(50, 100)),
), ("Hardware", "Hardware Mart", "Building Materials", "Cement Agency", "Sanitary & Hardware", "Steel Traders", "Tools"), "HW")

PHARMACY = Trade("pharmacy", "Pharmacy", (
    "Curevita", "Medisaar", "Arogyam", "Pranex", "Sanjivika", "Lifora", "Heallix", "Dhanvantrix", "Vitaroop", "Ausadhi",
), (
    fam("pcm", "Paracetamol Tablets", "paracetamol|pcm|para|paracitamol|paracetamol tab", "500 mg|650 mg", uom="BOX",
        packs=(10,), piece="STRIP", piece_words="strip|strips|patta|patte", price=(150, 320), bare_size=True),
    fam("cetirizine", "Cetirizine Tablets", "cetirizine|cetrizine|ctz|cetiri|cetirizine tab", "10 mg", uom="BOX",
        packs=(10,), piece="STRIP", piece_words="strip|strips|patta", price=(120, 260)),
    fam("azithro", "Azithromycin Tablets", "azithromycin|azithro|azithral tab|azythro", "250 mg|500 mg", uom="BOX",
        packs=(10,), piece="STRIP", piece_words="strip|strips", price=(700, 1300), bare_size=True),
    fam("syrup", "Cough Syrup", "cough syrup|syrup|khansi syrup|cough syp|syp", "60 ml|100 ml", "honey|mint|sugar free",
        uom="PCS", price=(65, 140), moqs=(0, 10), container="bottle"),
    fam("antacid", "Antacid Gel", "antacid|antacid gel|antacid syrup|acidity syrup", "170 ml|200 ml", "mint|mixed fruit",
        uom="PCS", price=(90, 160), moqs=(0, 10), container="bottle"),
    fam("ors", "ORS Powder", "ors|ors powder|electrolyte powder|o.r.s", "21 g", "orange|lemon|apple", uom="BOX",
        packs=(25,), piece="SACHET", piece_words="sachet|sachets", price=(350, 600)),
    fam("vitc", "Vitamin C Tablets", "vitamin c|vit c|vitc|vitamin-c", "500 mg", "orange|lemon", uom="BOX", packs=(20,),
        piece="STRIP", piece_words="strip|strips", price=(400, 700)),
    fam("antiseptic", "Antiseptic Liquid", "antiseptic|antiseptic liquid|antiseptic sol|dettol type", "100 ml|500 ml|1 L",
        uom="PCS", price=(60, 420), moqs=(0, 6), container="bottle"),
    fam("bandage", "Crepe Bandage", "crepe bandage|bandage|crepe|bandej", "6 cm|10 cm|15 cm", uom="BOX", packs=(10, 12),
        piece_words="pcs|nos|roll", price=(400, 1200)),
    fam("cotton", "Absorbent Cotton", "cotton|cotton roll|rui|absorbent cotton", "50 g|100 g|400 g", uom="PCS",
        price=(30, 180), moqs=(0, 10)),
    fam("sanitizer", "Hand Sanitizer", "sanitizer|hand sanitizer|sanitiser|hand rub", "100 ml|500 ml|5 L",
        uom="PCS", price=(45, 900), moqs=(0, 12), container="bottle"),
    fam("syringe", "Disposable Syringe", "syringe|syringes|disposable syringe|sirinj", "2 ml|5 ml|10 ml", uom="BOX",
        packs=(100,), piece_words="pcs|nos", price=(350, 900)),
    fam("paingel", "Pain Relief Gel", "pain gel|pain relief gel|pain balm gel|dard gel", "30 g|50 g", uom="PCS",
        price=(70, 160), moqs=(0, 10), container="tube"),
    fam("multivit", "Multivitamin Capsules", "multivitamin|multi vitamin|mvt|multivit caps", "", uom="BOX", packs=(10,),
        piece="STRIP", piece_words="strip|strips", price=(600, 1400)),
    fam("mask", "Face Mask", "mask|face mask|surgical mask|masks", "", "3 ply|N95", uom="BOX", packs=(50, 20),
        piece_words="pcs|nos", price=(90, 800)),
), ("Medical Store", "Medicos", "Pharmacy", "Chemists", "Medical Hall", "Health Care", "Drug House"), "PH")

AUTOPARTS = Trade("autoparts", "Automobile spare parts", (
    "Motorq", "Gatimaan", "Pistonix", "Roadveer", "Chakra", "Torqline", "Saarthi", "Brakeon", "Yantrik", "Rapidex",
), (
    fam("engine_oil", "Engine Oil", "engine oil|eng oil|engine oyl|motor oil|oil", "900 ml|1 L|3.5 L@PCS|5 L@PCS",
        "20W-40|10W-30|15W-40", packs=(20, 12), piece_words="bottle|btl|pcs", price=(3200, 6400), container="can"),
    fam("brake_pad", "Brake Pad", "brake pad|brake shoe|break pad|disc pad|brake pads", "",
        "Vega 110|Strider 150|Nova 125|Zeal 100|Comet 220", uom="SET", price=(180, 650), moqs=(0, 2)),
    fam("two_stroke", "2 Stroke Oil", "2 stroke oil|2t oil|2 stroke|2 stroke engine oil", "500 ml|1 L",
        packs=(24, 12), piece_words="bottle|btl|pcs", price=(2400, 4800), container="can"),
    fam("spark_plug", "Spark Plug", "spark plug|plug|sparkplug|spark plag", "", "standard|iridium", uom="BOX",
        packs=(10,), piece_words="pcs|nos", price=(600, 2600)),
    fam("air_filter", "Air Filter", "air filter|filter|air filtr|air fillter", "", "Vega 110|Strider 150|Nova 125|Zeal 100",
        uom="PCS", price=(120, 380), moqs=(0, 5)),
    fam("clutch", "Clutch Plate", "clutch plate|clutch|clutch plates|klach plate", "", "Vega 110|Strider 150|Comet 220",
        uom="SET", price=(350, 900), moqs=(0, 2)),
    fam("chain", "Chain Sprocket Kit", "chain kit|chain sprocket|chain set|chain socket kit", "",
        "Vega 110|Strider 150|Nova 125|Comet 220", uom="PCS", price=(650, 1600)),
    fam("hl_bulb", "Headlight Bulb", "headlight bulb|head light bulb|hl bulb|headlamp bulb", "35/35 W|60/55 W", "H4|HS1",
        uom="BOX", packs=(10,), piece_words="pcs|nos", price=(500, 1800)),
    fam("battery", "Battery", "battery|batt|batery|battry", "5 Ah|7 Ah|35 Ah|65 Ah", uom="PCS", price=(900, 6200)),
    fam("brake_fluid", "Brake Fluid", "brake fluid|brake oil|break oil|brake fluid oil", "100 ml|250 ml|500 ml", "DOT 3|DOT 4",
        packs=(48, 24), piece_words="bottle|btl|pcs", price=(1800, 4200)),
    fam("coolant", "Coolant", "coolant|radiator coolant|coolent|radiator water", "1 L|5 L@PCS", "green|red|blue",
        packs=(12,), piece_words="bottle|btl|pcs", price=(1500, 2400), container="can"),
    fam("wiper", "Wiper Blade", "wiper|wiper blade|wipers|vipar", "14 inch|16 inch|18 inch|22 inch|24 inch", uom="PCS",
        price=(90, 320), moqs=(0, 6), bare_size=True),
    fam("horn", "Horn", "horn|horn set|haran|electric horn", "12 V", "single|dual|disc", uom="PCS", price=(150, 900)),
    fam("tube", "Tyre Tube", "tube|tyre tube|tyre tub|tube tyre", "2.75-18|3.00-18|3.00-17|90/90-12", uom="PCS",
        price=(160, 420), moqs=(0, 5), bare_size=True),
    fam("grease", "Grease", "grease|gres|grease tin|greese", "500 g|1 kg|5 kg", uom="PCS", price=(140, 1100),
        container="tin"),
    fam("fuse", "Blade Fuse", "fuse|blade fuse|fuses|fuse blade", "10 A|15 A|20 A", uom="PKT", packs=(10, 50),
        piece_words="pcs|nos", price=(60, 320)),
    fam("mirror", "Rear View Mirror", "mirror|side mirror|rear view mirror|shisha", "", "Vega 110|Nova 125|Strider 150",
        uom="PAIR", price=(180, 520), moqs=(0, 2)),
), ("Auto Spares", "Auto Parts", "Motors", "Automobiles", "Garage", "Service Station", "Auto Centre"), "AP")

FOODSERVICE = Trade("foodservice", "Food service and beverages", (
    "Thandak", "Fizzora", "Jalsa", "Bubblix", "Nimbooz", "Raahat", "Chillwave", "Taazgi", "Sipstar", "Mauj",
), (
    fam("cola", "Cola", "cola|cold drink|colaa|kola", "250 ml@CRT*24|600 ml@CTN*24|1.25 L@CTN*12|2 L@CTN*9",
        "regular|zero|diet", piece_words="bottle|btl|bottles", price=(380, 900)),
    fam("orange_soda", "Orange Soda", "orange soda|orange drink|santra soda|orange cold drink",
        "250 ml@CRT*24|600 ml@CTN*24|2 L@CTN*9", piece_words="bottle|btl", price=(380, 880)),
    fam("lemon_soda", "Lemon Soda", "lemon soda|nimbu soda|lemon drink|clear lemon|lemon", "250 ml@CRT*24|600 ml@CTN*24|2 L@CTN*9",
        "regular|zero", piece_words="bottle|btl", price=(380, 880)),
    fam("water", "Packaged Drinking Water", "water|pani|mineral water|drinking water|water bottle",
        "500 ml@CTN*24|1 L@CTN*12|20 L@PCS", piece_words="bottle|btl", price=(110, 240), container="jar"),
    fam("energy", "Energy Drink", "energy drink|energy|energy can|enrgy drink", "250 ml", "original|sugar free",
        packs=(24,), piece_words="can|cans", price=(1800, 2600)),
    fam("juice", "Fruit Drink", "juice|fruit drink|fruit juice|jus", "200 ml@CTN*30|1 L@CTN*12",
        "mango|guava|litchi|mixed fruit|apple", piece_words="pcs|pack", price=(450, 1100)),
    fam("coffee", "Instant Coffee", "coffee|instant coffee|kofi|cofee", "50 g|100 g|200 g", "classic|gold", uom="PCS",
        price=(150, 780), moqs=(0, 6), container="jar"),
    fam("fries", "French Fries", "fries|french fries|frozen fries|finger chips", "2.5 kg", "crinkle|straight cut",
        packs=(4,), piece="PKT", piece_words="pkt|packet", price=(1100, 1700)),
    fam("cups", "Paper Cup", "paper cup|cup|cups|paper glass|glass", "150 ml|200 ml|250 ml", packs=(20,), piece="PKT",
        piece_words="pkt|packet|sleeve", price=(900, 1800), branded=False),
    fam("cp_plate", "3 Compartment Plate", "3 compartment plate|3 cp plate|3 cp|compartment plate|thali plate",
        "10 inch|12 inch", uom="PKT", packs=(50, 25), piece_words="pcs|nos", price=(90, 260)),
    fam("napkin", "Tissue Napkin", "napkin|tissue|tissue paper|napkins", "", "1 ply|2 ply", packs=(40,), piece="PKT",
        piece_words="pkt|packet", price=(700, 1400)),
    fam("syrup", "Mocktail Syrup", "syrup|sharbat|sherbet|mocktail syrup|sarbat", "750 ml|1 L",
        "rose|kala khatta|blue curacao|mint mojito|strawberry", packs=(12, 6), piece_words="bottle|btl", price=(1400, 2800)),
    fam("soda", "Soda Water", "soda|club soda|soda water|plain soda", "300 ml@CRT*24|750 ml@CTN*24",
        piece_words="bottle|btl", price=(220, 420)),
    fam("chilli_sauce", "Chilli Sauce", "chilli sauce|red chilli sauce|green chilli sauce|hot sauce", "1 kg|5 kg@PCS",
        "red|green", packs=(12,), piece_words="bottle|btl", price=(900, 1600), container="jar"),
    fam("cooking_oil", "Refined Cooking Oil", "refined oil|cooking oil|refined|oil", "5 L@PCS|15 L@PCS", "soyabean|rice bran",
        uom="PCS", price=(650, 2400), container="tin"),
    fam("mozzarella", "Mozzarella", "mozzarella|mozarella|mozz|pizza topping", "", "diced|block|shredded", uom="KG",
        price=(320, 480), moqs=(0, 5)),
), ("Restaurant", "Dhaba", "Cafe", "Hotel", "Caterers", "Bakery", "Juice Centre", "Canteen", "Sweets"), "FS")

STATIONERY = Trade("stationery", "Stationery", (
    "Likhit", "Kalamkar", "Vidyarthi", "Pustika", "Scriba", "Akshar", "Chitrakala", "Gyanodaya", "Rekha", "Inkwell",
), (
    fam("notebook", "Notebook", "notebook|note book|copy|copies|register|nb", "120 pages|172 pages|200 pages",
        "single line|four line|unruled|long", uom="PKT", packs=(12,), piece_words="pcs|nos", price=(360, 900)),
    fam("ballpen", "Ball Pen", "ball pen|ballpen|pen|bal pen|pens", "0.7 mm|1.0 mm", "blue|black|red|green",
        uom="BOX", packs=(10, 20, 50), piece_words="pcs|nos", price=(45, 400)),
    fam("gelpen", "Gel Pen", "gel pen|gel|gelpen|jel pen", "0.5 mm", "blue|black|red", uom="BOX", packs=(10,),
        piece_words="pcs|nos", price=(80, 250)),
    fam("pencil", "Pencil", "pencil|pencils|pencl|pensil", "", "HB|2B|extra dark", uom="BOX", packs=(10,),
        piece_words="pcs|nos", price=(40, 120)),
    fam("eraser", "Eraser", "eraser|rubber|erasers|rabar", "", "white|dust free", uom="BOX", packs=(20,),
        piece_words="pcs|nos", price=(60, 160)),
    fam("sharpener", "Sharpener", "sharpener|sharpner|cutter|sharpeners", "", "single|double", uom="BOX", packs=(20,),
        piece_words="pcs|nos", price=(60, 180)),
    fam("paper", "Copier Paper", "copier paper|paper|copy paper|xerox paper|printing paper", "A4|Legal",
        "70 gsm|75 gsm|80 gsm", uom="BOX", packs=(5,), piece="REAM", piece_words="ream|reams|rim", price=(1250, 1900)),
    fam("stapler", "Stapler", "stapler|stepler|stapler machine|stapeler", "", "No. 10|24/6", uom="PCS", price=(45, 260),
        moqs=(0, 6)),
    fam("pins", "Stapler Pins", "pins|stapler pins|staple pin|stapler pin|stepler pin", "", "No. 10|24/6", uom="BOX",
        packs=(20,), piece="PKT", piece_words="pkt|packet", price=(120, 400)),
    fam("glue", "Glue Stick", "glue stick|glue|gluestick|gum stick", "8 g|15 g|25 g", uom="BOX", packs=(12, 24),
        piece_words="pcs|nos", price=(180, 600)),
    fam("marker", "Permanent Marker", "permanent marker|marker|pm marker|markers", "", "blue|black|red|green",
        uom="BOX", packs=(10,), piece_words="pcs|nos", price=(150, 300)),
    fam("wbmarker", "Whiteboard Marker", "whiteboard marker|wb marker|board marker|white board marker", "",
        "blue|black|red|green", uom="BOX", packs=(10,), piece_words="pcs|nos", price=(180, 350)),
    fam("highlighter", "Highlighter", "highlighter|high lighter|hilighter|highliter", "", "yellow|green|pink|orange",
        uom="BOX", packs=(10,), piece_words="pcs|nos", price=(150, 320)),
    fam("folder", "File Folder", "file folder|file|folder|files", "A4|FS", "clip|button|spring", uom="PKT", packs=(10,),
        piece_words="pcs|nos", price=(90, 350)),
    fam("cellotape", "Cello Tape", "cello tape|tape|celotape|tape roll|cellotape", "12 mm|24 mm|48 mm", uom="BOX",
        packs=(12, 6), piece_words="pcs|nos", price=(90, 420)),
    fam("envelope", "Envelope", "envelope|lifafa|envelop|cover", "9 x 4 inch|10 x 12 inch", "white|brown", uom="PKT",
        packs=(100, 50), piece_words="pcs|nos", price=(80, 400)),
    fam("crayons", "Wax Crayons", "crayons|crayon|wax colour|wax colours", "", "12 shades|24 shades", uom="BOX",
        packs=(12,), piece="PKT", piece_words="pkt|packet", price=(240, 720)),
    fam("geometry", "Geometry Box", "geometry box|compass box|geometry|instrument box", "", "junior|senior", uom="PCS",
        price=(55, 180), moqs=(0, 6, 12)),
), ("Stationers", "Book Depot", "Book Stall", "Xerox & Stationery", "Pustak Bhandar", "Copy House", "School Supplies"), "ST")

PAINTS = Trade("paints", "Paints and coatings", (
    "Rangoli", "Varnika", "Chitrang", "Colorado", "Indradhanush", "Shades India", "Pigmenta", "Ranghar", "Sheen", "Kalika",
), (
    fam("emulsion", "Interior Emulsion", "interior emulsion|emulsion|inner paint|emulshan|interior", "1 L|4 L|10 L|20 L",
        "white|ivory|sky blue|lemon yellow|peach", uom="PCS", price=(220, 4600), container="tin"),
    fam("exterior", "Exterior Emulsion", "exterior emulsion|exterior|weather paint|outer paint", "1 L|4 L|10 L|20 L",
        "white|buff yellow|brick red|grey", uom="PCS", price=(300, 6200), container="tin"),
    fam("enamel", "Synthetic Enamel", "enamel|enamel paint|oil paint|synthetic enamel|enamal", "500 ml|1 L|4 L",
        "black|white|signal red|golden yellow|bus green", uom="PCS", price=(160, 1500), container="tin"),
    fam("primer", "Wall Primer", "primer|wall primer|primar|wall primar", "1 L|4 L|10 L|20 L", "water based|solvent based",
        uom="PCS", price=(160, 3000), container="tin"),
    fam("distemper", "Acrylic Distemper", "distemper|acrylic distemper|distempar", "2 kg|5 kg|10 kg|20 kg", "white|off white",
        uom="PCS", price=(150, 1400), container="bucket"),
    fam("thinner", "Thinner", "thinner|tinner|paint thinner|thiner", "500 ml|1 L|5 L", uom="PCS", price=(70, 650),
        container="bottle", moqs=(0, 6)),
    fam("stainer", "Universal Stainer", "stainer|colour stainer|tint|stainers", "50 ml|100 ml|200 ml",
        "red oxide|yellow oxide|black|blue|green", uom="BOX", packs=(12,), piece_words="bottle|btl|pcs", price=(300, 1500)),
    fam("roller", "Paint Roller", "roller|paint roller|rolar|rollers", "7 inch|9 inch", "foam|woollen", uom="PCS",
        price=(80, 320), moqs=(0, 6)),
    fam("polish", "Wood Polish", "wood polish|polish|melamine|wood finish", "1 L|4 L", "glossy|matt", uom="PCS",
        price=(350, 1600), container="tin"),
), ("Paints", "Colour House", "Paint Centre", "Hardware & Paints", "Rang Mahal", "Paint Mart", "Decor"), "PT")

AGRI = Trade("agri", "Agri inputs", (
    "Kisanmitra", "Dhartiputra", "Harit", "Fasalraj", "Krishak", "Anndata", "Bhoomika", "Sasyam", "Khetibadi", "Agrovita",
), (
    fam("urea", "Urea", "urea|yuria|urea khad|yoorea", "45 kg", "neem coated", uom="BAG", price=(260, 300), moqs=(10, 20),
        size_conv=True),
    fam("dap", "DAP", "dap|d.a.p|dap khad|diammonium phosphate", "50 kg", uom="BAG", price=(1300, 1400), moqs=(5, 10),
        size_conv=True),
    fam("npk", "NPK Complex", "npk|complex|npk khad|complex khad", "50 kg", "10:26:26|12:32:16|19:19:19", uom="BAG",
        price=(1400, 1800), moqs=(5, 10), size_conv=True),
    fam("maize", "Hybrid Maize Seed", "maize seed|makka beej|makka|maize|corn seed", "4 kg", "MH-212|MH-415|Super 900",
        uom="PKT", price=(1200, 2200), moqs=(0, 5)),
    fam("paddy", "Paddy Seed", "paddy seed|dhan beej|paddy|dhaan|dhan", "10 kg|25 kg", "Sona 55|Moti 22|Swarna Plus",
        uom="BAG", price=(600, 1900), moqs=(0, 5)),
    fam("tomato_seed", "Tomato Seed", "tomato seed|tamatar beej|tomato|tamatar", "10 g|50 g", "Lalima|Rakshak 22",
        uom="BOX", packs=(10,), piece="PKT", piece_words="pkt|packet", price=(900, 4200)),
    fam("chlorpyrifos", "Chlorpyrifos 20% EC", "chlorpyrifos|chloro|chlorpyriphos|chlorpy|kloro", "250 ml|500 ml|1 L",
        packs=(40, 20, 10), piece_words="bottle|btl|pcs", price=(3800, 5400)),
    fam("mancozeb", "Mancozeb 75% WP", "mancozeb|mancozeb powder|mancojeb|mankozeb", "250 g|500 g|1 kg",
        packs=(40, 20, 10), piece_words="pkt|packet", price=(3600, 5200)),
    fam("glyphosate", "Glyphosate 41% SL", "glyphosate|glypho|ghas maar|weedicide|glyphosat", "500 ml|1 L|5 L@PCS",
        packs=(20, 10), piece_words="bottle|btl", price=(4200, 5600)),
    fam("imida", "Imidacloprid 17.8% SL", "imidacloprid|imida|imidachloprid|imida dawa", "100 ml|250 ml|1 L",
        packs=(50, 40, 10), piece_words="bottle|btl", price=(4200, 7800)),
    fam("sprayer", "Knapsack Sprayer", "sprayer|spray pump|pump|spray machine|sprayar", "16 L|20 L", "manual|battery",
        uom="PCS", price=(900, 3400)),
    fam("drip", "Drip Lateral", "drip pipe|lateral|drip lateral|drip", "12 mm|16 mm", uom="ROLL", packs=(400,), piece="M",
        piece_words="m|mtr|meter", price=(1600, 3200)),
    fam("zinc", "Zinc Sulphate", "zinc|zinc sulphate|jinc|zinc khad", "5 kg|10 kg", "21%|33%", uom="BAG",
        price=(350, 900), moqs=(0, 5), size_conv=True),
), ("Krishi Kendra", "Agro Agencies", "Beej Bhandar", "Fertilizers", "Kisan Seva Kendra", "Agri Clinic", "Khad Bhandar"), "AG")

# A quick-service kitchen's menu as a catalog: dishes by the piece, sizes in words, a plain dish beside its named
# variants, and what customers ask on each (toppings, sides, spice): orders typed as sentences into a web form.
QUICKSERVICE = Trade("quickservice", "Quick-service restaurant menu", (
    "Tandoor Express", "Chatpata", "Swadbhog", "Zaikedaar", "Rasoighar", "Masalabox", "Tiffinwala", "Khaogali",
), (
    fam("pizza", "Pizza", "pizza|pizzas", "Regular|Medium|Large", "Tandoori Veg|Farmhouse|Veg Supreme|Chicken Keema|"
        "Corn Capsicum|3 Pepper", uom="PCS", branded=False, price=(150, 650), plain=True,
        extras="double topping|olives|jalapeno|sweet corn|capsicum|onion|baby corn|mushroom|tomato|red paprika|oregano|"
               "less spicy|jain"),
    fam("burger", "Burger", "burger|burgers|bun burger", "", "Aloo Tikki|Veg|Chicken|Crispy Veg|Maharaja",
        uom="PCS", branded=False, price=(60, 260), plain=True, extras="egg slice|mayo|onion|tomato|lettuce|mint sauce|extra spicy"),
    fam("wrap", "Wrap", "wrap|roll|kathi roll|frankie", "", "Soya|Egg|Chicken Tikka|Veg", uom="PCS", branded=False,
        price=(80, 220), extras="onion|green chutney|mayo|extra egg|extra sauce|schezwan sauce|not too spicy"),
    fam("biryani", "Biryani", "biryani|biriyani|briyani", "Half|Full", "Veg|Chicken|Mutton|Egg|Hyderabadi Dum",
        uom="PCS", branded=False, price=(140, 480), extras="raita|salan|boiled egg|fried onion|lemon|less spicy|extra spicy"),
    fam("dosa", "Dosa", "dosa|dosai|dosas", "", "Masala|Onion|Rava|Mysore Masala|Paper", uom="PCS", branded=False,
        price=(60, 180), plain=True, extras="sambar|coconut chutney|podi|extra sambar|red chutney|no onion"),
    fam("momos", "Momos", "momos|momo|dumplings", "", "Veg|Chicken|Corn|Tandoori", uom="PCS", branded=False,
        price=(90, 220), extras="red chutney|mayo|soup|schezwan sauce"),
    fam("shake", "Thick Shake", "shake|thick shake|shakes", "Regular|Large", "Chocolate|Strawberry|Mango|Vanilla|"
        "Kesar Pista", uom="PCS", branded=False, price=(90, 240),
        extras="vanilla scoop|extra sugar|less sugar|ice|chocolate chips|nuts"),
    fam("cold_coffee", "Cold Coffee", "cold coffee|iced coffee|frappe", "Regular|Large", "Hazelnut|Caramel|Irish",
        uom="PCS", branded=False, price=(90, 260), plain=True, extras="vanilla scoop|less sugar|ice|chocolate syrup"),
    fam("nimbu_pani", "Nimbu Pani", "nimbu pani|shikanji|lemon water|nimbu soda", "", "Masala|Mint|Soda|Sweet",
        uom="PCS", branded=False, price=(30, 90), plain=True, extras="ice|less sugar|black salt|no ice"),
    fam("qsr_fries", "Fries", "fries|french fries|finger chips", "Regular|Large", "Peri Peri|Loaded|Masala",
        uom="PCS", branded=False, price=(70, 200), plain=True, extras="ketchup|garlic dip|mayo|salt|peri peri sprinkle"),
    fam("thali", "Thali", "thali|meal|combo meal", "", "Deluxe|Special|Jain|Punjabi", uom="PCS", branded=False,
        price=(150, 420), plain=True, extras="extra roti|sweet|papad|rice|salad|chaas|jain"),
    fam("dal_makhani", "Dal Makhani", "dal makhani|dal|kaali dal|makhani dal", "Half|Full",
        uom="PCS", branded=False, price=(140, 320), extras="extra tadka|less spicy|extra gravy|jeera rice"),
    fam("naan", "Naan", "naan|nan|naans", "", "Garlic|Tandoori|Kulcha|Lachha", uom="PCS", branded=False,
        price=(30, 90), plain=True, extras="garlic|extra garlic|oil|well done"),
    fam("soft_drink", "Soft Drink", "cold drink|soft drink|soda", "300 ml|600 ml", "Cola|Lemon|Orange|Jeera",
        uom="PCS", branded=False, price=(40, 90), extras="ice|straw|lemon"),
), ("Cafe", "Food Court", "Kitchen", "Restaurant", "Canteen", "Bistro"), "QS")

# A café counter's menu: hot and cold cups by size, bakes by the piece, bottled and canned drinks of a brand, and
# what customers ask on each; a second menu so the tagger meets sentences of other dishes, drinks and requests.
CAFE = Trade("cafe", "Cafe and bakery counter menu", (
    "Brewmint", "Kaapiwala", "Bean Street", "Chaiyos", "Frothy", "Mocha Lane",
), (
    fam("coffee", "Coffee", "coffee|coffees|kaapi|cuppa", "Small|Regular|Large", "Cappuccino|Latte|Americano|Filter|"
        "Mocha|Flat White", uom="PCS", branded=False, price=(90, 320), plain=True,
        extras="oat|extra shot|no sugar|less sugar|whipped topping|cinnamon|soy|decaf|extra hot"),
    fam("chai", "Chai", "chai|tea|cutting chai|cutting", "Cup|Kettle", "Masala|Ginger|Elaichi|Green|Kashmiri Kahwa",
        uom="PCS", branded=False, price=(30, 240), plain=True, extras="less sugar|no sugar|honey|extra ginger|strong"),
    fam("muffin", "Muffin", "muffin|muffins|cupcake", "", "Blueberry|Double Chocolate|Banana Walnut|Orange",
        uom="PCS", branded=False, price=(70, 160), extras="warmed|packed|sliced"),
    fam("croissant", "Croissant", "croissant|croissants|crossaint", "", "Classic|Almond|Chocolate|Ham Chilli",
        uom="PCS", branded=False, price=(90, 220), plain=True, extras="warmed|marmalade|jam|honey"),
    fam("cake_slice", "Cake Slice", "cake|pastry|slice|cake slice", "", "Black Forest|Red Velvet|Truffle|Pineapple|"
        "Blueberry Crumble", uom="PCS", branded=False, price=(110, 280), extras="candle|packed separately|no icing"),
    fam("puff", "Puff", "puff|puffs|patties|patty", "", "Veg|Aloo|Egg|Mushroom", uom="PCS", branded=False,
        price=(30, 90), extras="ketchup|green chutney|warmed|cut in half"),
    fam("bagel", "Bagel", "bagel|bagels", "", "Hummus|Smoked Chicken|Pesto Veg|7 Grain", uom="PCS", branded=False,
        price=(140, 320), plain=True, extras="toasted|extra hummus|no onion|jalapeno"),
    fam("pasta", "Pasta", "pasta|pastas", "Half|Full", "Arrabbiata|Alfredo|Pesto|Aglio Olio", uom="PCS",
        branded=False, price=(180, 420), extras="extra parmesan|chilli flakes|no garlic|add mushrooms|gluten free"),
    fam("smoothie", "Smoothie", "smoothie|smoothies", "Regular|Large", "Mango Banana|Mixed Berry|Green Detox",
        uom="PCS", branded=False, price=(140, 320), extras="no sugar|add protein|chia seeds|honey"),
    fam("water", "Mineral Water", "water|mineral water|packaged water|bottled water", "500 ml|1 L", uom="PCS",
        price=(20, 60), container="bottle", extras="chilled|room temperature"),
    fam("fizz", "Sparkling Drink", "fizz|sparkling|soda can|fizzy drink", "250 ml|330 ml", "Ginger Ale|Tonic|"
        "Cranberry|Orange Fizz", uom="PCS", price=(60, 140), container="can", extras="chilled|with ice|no ice|glass"),
    fam("juice", "Cold Pressed Juice", "juice|cold pressed|fresh juice|juices", "250 ml|500 ml", "Watermelon|Orange|"
        "Beetroot Carrot|Pineapple Mint", uom="PCS", price=(90, 260), container="bottle", extras="no ice|chilled"),
    fam("cookie", "Cookies", "cookie|cookies|biscotti", "", "Choco Chip|Oatmeal Raisin|Almond", uom="PCS",
        branded=False, price=(40, 120), extras="packed|gift box"),
), ("Cafe", "Coffee House", "Bakehouse", "Tea Room", "Brew Bar", "Co-working Pantry"), "CF")

TRADES: dict[str, Trade] = {t.name: t for t in (FMCG, ELECTRICAL, HARDWARE, PHARMACY, AUTOPARTS, FOODSERVICE, STATIONERY,
                                                  PAINTS, AGRI, QUICKSERVICE, CAFE)}

# -- catalog rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkuFacets:
    """What a SKU is made of, so mentions can drop, swap and abbreviate its parts."""

    brand: str | None
    family: str
    family_name: str
    family_words: tuple[str, ...]
    variant: str | None
    size: str | None
    bare_size: bool = False
    container: str = ""
    piece_words: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductRow:
    """One row of products.csv."""

    sku: str
    description: str
    uom: str
    pack_size: str
    moq: int
    active: bool
    conversions: tuple[tuple[str, int], ...] = ()

    @property
    def conversions_text(self) -> str:
        return ";".join(f"{u}:{n}" for u, n in self.conversions)


@dataclass(frozen=True)
class CustomerRow:
    """One row of customers.csv, plus what the generator needs to know of the shop."""

    customer_id: str
    name: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    credit_limit: Decimal
    outstanding: Decimal
    active: bool
    kind: str = "retail"  # retail | distributor
    city: str = ""
    contact: str = ""
    currency: str = "INR"


@dataclass(frozen=True)
class PriceRow:
    """One row of prices.csv."""

    customer_id: str
    sku: str
    unit_price: Decimal


@dataclass
class Catalog:
    """A trade's seeded master data before history: products with their facets, customers, prices."""

    trade: str
    seed: int
    products: list[ProductRow]
    facets: dict[str, SkuFacets]
    customers: list[CustomerRow]
    prices: list[PriceRow]
    agents: list[tuple[str, str]] = field(default_factory=list)  # (name, phone) of field sales agents
    outsiders: list[str] = field(default_factory=list)  # shop names that are no customer
    unused_families: list[Family] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    spare_brands: list[str] = field(default_factory=list)


SURNAMES = ("Agarwal", "Bansal", "Patel", "Mehta", "Joshi", "Reddy", "Iyer", "Nair", "Kulkarni", "Deshmukh", "Chauhan",
            "Rathore", "Saini", "Yadav", "Malhotra", "Khanna", "Kapoor", "Bhatia", "Arora", "Sethi", "Goyal", "Jain",
            "Shah", "Desai", "Pillai", "Menon", "Naidu", "Sandhu", "Dhillon", "Chawla", "Mittal", "Tiwari", "Pandey",
            "Mishra", "Thakur", "Rawat", "Bisht", "Kohli", "Grover", "Ahuja", "Bedi", "Verma", "Qureshi", "Ansari",
            "Fernandes", "D'Souza", "Banerjee", "Mukherjee", "Das", "Bora", "Hegde", "Shetty", "Gowda", "Varghese")
DEVOTIONAL = ("Shree Ganesh", "Jai Ambe", "Om Sai", "Mahalaxmi", "Shiv Shakti", "Annapurna", "Durga", "Bhagwati",
              "Sai Kripa", "Guru Kripa", "Ashapura", "Khodiyar", "Vinayak", "Tirupati", "Jyoti", "Navrang", "Sagar",
              "Rajdhani", "Sunrise", "Prakash", "Deepak", "Anand", "Ekta", "Pragati", "Gayatri", "Umiya", "Chamunda",
              "Hanuman", "Shubham", "Mangalam", "Siddhi Vinayak", "Kamdhenu", "Bajrang", "Mahavir", "Parshwa")
ENGLISH = ("City", "Northstar", "Bluebell", "Greenleaf", "Silverline", "Crown", "Royal", "Unique", "Perfect", "Galaxy",
           "Classic", "Evergreen", "Pioneer", "Diamond", "Harbour", "Landmark", "Orchid", "Sterling", "Redwood", "Summit")
CITIES = ("Nashik", "Indore", "Rajkot", "Ludhiana", "Kanpur", "Nagpur", "Surat", "Vijayawada", "Hubli", "Guwahati",
          "Bhopal", "Jalandhar", "Aurangabad", "Meerut", "Raipur", "Kolhapur", "Madurai", "Mysuru", "Dehradun", "Udaipur",
          "Siliguri", "Jammu", "Ajmer", "Bareilly", "Thrissur", "Belgaum", "Gaya", "Cuttack", "Jamnagar", "Karnal")
FIRST_NAMES = ("Ramesh", "Suresh", "Anil", "Priya", "Neha", "Vikram", "Imran", "Farhan", "Joseph", "Lakshmi", "Arjun",
               "Deepa", "Harpreet", "Salim", "Mahesh", "Kavita", "Rohit", "Sunil", "Pooja", "Manoj", "Ajay", "Rekha",
               "Naveen", "Sanjay", "Irfan", "Gurpreet", "Thomas", "Meena", "Prakash", "Venkat", "Aslam", "Bhavna")
DISTRIBUTOR_WORDS = ("Distributors", "Agencies", "Marketing", "Trading Co", "Sales Corporation", "Enterprises")
PUBLIC_DOMAINS = ("gmail.com", "yahoo.co.in", "rediffmail.com", "outlook.com")


def slug(name: str) -> str:
    """A lower-case ASCII handle for e-mail addresses ('Om Sai Medicos' -> 'omsaimedicos')."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        p = "+91" + str(rng.choice((6, 7, 8, 9))) + "".join(str(rng.randrange(10)) for _ in range(9))
        if p not in used:
            used.add(p)
            return p


# SKU code and description styles, chosen per catalog so no learned part can lean on one ERP's habits.
CODE_STYLES = ("dash", "numeric", "compact", "erp", "slash")
DESC_STYLES = ("title", "upper", "family_first", "title_pack")


def _size_code(size: str) -> str:
    s = re.sub(r"[^0-9A-Za-z.]", "", size).upper().replace(".", "")
    return s[:6]


def _sku_code(style: str, prefix: str, fam_key: str, brand: str | None, size: str | None, n: int) -> str:
    f3 = re.sub(r"[^A-Z]", "", fam_key.upper())[:3]
    b2 = re.sub(r"[^A-Z]", "", (brand or "GEN").upper())[:2]
    sz = _size_code(size or "")
    if style == "dash":
        return "-".join(x for x in (prefix, f3, b2, sz) if x) + f"-{n % 100:02d}"
    if style == "numeric":
        return f"{prefix}{10000 + n * 7:05d}"
    if style == "compact":
        return f"{f3}{b2}{sz}{n % 10}"
    if style == "erp":
        return f"{4000000 + n * 13:07d}"
    return f"{prefix}/{f3}/{n:03d}"


def _glue_size(size: str) -> str:
    return re.sub(r"(\d)\s+([A-Za-z])", r"\1\2", size)


def _description(style: str, brand: str | None, fam: Family, variant: str | None, size: str | None,
                 pack: str) -> str:
    parts_bfv = [p for p in (brand, fam.name, variant, size) if p]
    if style == "upper":
        return " ".join(p.upper() for p in (brand, fam.name, variant, _glue_size(size) if size else None) if p)
    if style == "family_first":
        head = " ".join(p for p in (fam.name, variant) if p)
        tail = " ".join(p for p in (brand, size) if p)
        return f"{head} - {tail}" if tail else head
    if style == "title_pack" and pack and "x" in pack:
        return " ".join(parts_bfv) + f" ({pack.split(' x ')[0]} nos)"
    return " ".join(parts_bfv)


def build_catalog(trade_name: str, seed: int) -> Catalog:
    """A seeded catalog of one trade: 28-50 SKUs (a few inactive), 12-16 customers (two distributors), prices."""
    trade = TRADES[trade_name]
    rng = random.Random(f"catalog:{trade_name}:{seed}")
    code_style, desc_style = rng.choice(CODE_STYLES), rng.choice(DESC_STYLES)
    families = list(trade.families)
    rng.shuffle(families)
    chosen = families[: min(len(families), rng.randint(10, 13))]
    unused = families[len(chosen):]
    brands = list(trade.brands)
    rng.shuffle(brands)
    in_use, spare = brands[:7], brands[7:]
    products: list[ProductRow] = []
    facets: dict[str, SkuFacets] = {}
    n = 0
    for fam_ in chosen:
        fam_brands = rng.sample(in_use, rng.randint(1, 2)) if fam_.branded else [None]
        sizes = list(fam_.sizes) or [SizeSpec("")]
        for brand in fam_brands:
            vs: list[str | None] = list(fam_.variants) if fam_.variants else [None]
            vs = rng.sample(vs, min(len(vs), rng.randint(1, 3)))
            if fam_.plain:
                vs = [None, *vs]
            ss = rng.sample(sizes, min(len(sizes), rng.randint(2 if len(vs) == 1 else 1, 3)))
            combos = [(v, s) for v in vs for s in ss]
            rng.shuffle(combos)
            for variant, spec in combos[: rng.randint(2, 6)]:
                n += 1
                uom = spec.uom or fam_.uom
                size = spec.text or None
                count = spec.pack or (fam_.packs[min(sizes.index(spec), len(fam_.packs) - 1)] if fam_.packs and not spec.uom else 0)
                if spec.uom and spec.pack:
                    count = spec.pack
                conv: list[tuple[str, int]] = []
                pack = size or ""
                if count:
                    conv.append((fam_.piece if not spec.uom or spec.pack else "PCS", count))
                    pack = f"{count} x {size}" if size else f"{count} {fam_.piece.lower()}"
                if fam_.size_conv and size:
                    num, unit = size.split()
                    conv.append((unit.upper(), int(float(num))))
                sku = _sku_code(code_style, trade.code, fam_.key, brand, size, n)
                while sku in facets:
                    sku += "X"
                desc = _description(desc_style, brand, fam_, variant, size, pack)
                moq = rng.choice(fam_.moqs)
                products.append(ProductRow(sku, desc, uom, pack, moq, True, tuple(conv)))
                facets[sku] = SkuFacets(brand, fam_.key, fam_.name, fam_.words, variant, size, fam_.bare_size,
                                        fam_.container, fam_.piece_words, fam_.extras)
    # a few inactive SKUs
    for i in rng.sample(range(len(products)), min(3, max(2, len(products) // 15))):
        p = products[i]
        products[i] = ProductRow(p.sku, p.description, p.uom, p.pack_size, p.moq, False, p.conversions)
    customers, agents, outsiders = _customers(trade, rng)
    prices = _prices(trade, chosen, products, facets, customers, rng)
    return Catalog(trade_name, seed, products, facets, customers, prices, agents, outsiders, unused, in_use, spare)


def _shop_name(trade: Trade, rng: random.Random, used: set[str], kind: str) -> str:
    while True:
        pool = rng.random()
        if pool < 0.45:
            head = rng.choice(SURNAMES)
        elif pool < 0.85:
            head = rng.choice(DEVOTIONAL)
        else:
            head = rng.choice(ENGLISH)
        key = head.split()[-1].lower()
        if key in used:
            continue
        used.add(key)
        if kind == "distributor":
            return f"{head} {rng.choice(DISTRIBUTOR_WORDS)}"
        word = rng.choice(trade.shop_words)
        r = rng.random()
        if r < 0.12:
            return f"New {head} {word}"
        if r < 0.2 and head in SURNAMES:
            return f"{head} Brothers"
        if r < 0.26 and head in SURNAMES:
            return f"{head} & Sons"
        return f"{head} {word}"


def _customers(trade: Trade, rng: random.Random) -> tuple[list[CustomerRow], list[tuple[str, str]], list[str]]:
    used_keys: set[str] = set()
    phones: set[str] = set()
    out: list[CustomerRow] = []
    count = rng.randint(12, 16)
    kinds = ["distributor", "distributor"] + ["retail"] * (count - 2)
    inactive_at = rng.randrange(2, count)
    for i, kind in enumerate(kinds):
        name = _shop_name(trade, rng, used_keys, kind)
        cid = f"C{i + 1:03d}" if trade.code != "PH" else f"CU{i + 101}"
        ph = tuple(_phone(rng, phones) for _ in range(1 if rng.random() < 0.8 else 2))
        emails: tuple[str, ...] = ()
        r = rng.random()
        if kind == "distributor" or r < 0.35:
            emails = (f"{rng.choice(('orders', 'purchase', 'accounts', 'info'))}@{slug(name)[:18]}.{rng.choice(('in', 'co.in', 'com'))}",)
        elif r < 0.55:
            emails = (f"{slug(name)[:14]}{rng.randint(1, 99)}@{rng.choice(PUBLIC_DOMAINS)}",)
        outstanding = Decimal(rng.randrange(0, 250000, 500))
        limit = Decimal(rng.randrange(250_000_000, 500_000_000, 100_000))
        out.append(CustomerRow(cid, name, ph, emails, limit, outstanding, i != inactive_at, kind, rng.choice(CITIES),
                               rng.choice(FIRST_NAMES)))
    agents = [(rng.choice(FIRST_NAMES), _phone(rng, phones)) for _ in range(3)]
    outsiders = [_shop_name(trade, rng, used_keys, "retail") for _ in range(12)]
    return out, agents, outsiders


def _prices(trade: Trade, fams: list[Family], products: list[ProductRow], facets: dict[str, SkuFacets],
            customers: list[CustomerRow], rng: random.Random) -> list[PriceRow]:
    by_key = {f.key: f for f in fams}
    base: dict[str, Decimal] = {}
    for p in products:
        lo, hi = by_key[facets[p.sku].family].price
        factor = 1.0
        if p.uom != by_key[facets[p.sku].family].uom:  # a tin or jar sold on its own, not in cartons
            factor = 0.35
        value = rng.uniform(lo, hi) * factor
        step = 5 if value > 100 else 0.5
        base[p.sku] = (Decimal(int(round(value / step) * step)) if step == 5
                       else Decimal(str(round(value / step) * step)).quantize(Decimal("0.01")))
    skus = [p.sku for p in products if p.active]
    rng.shuffle(skus)
    no_price = set(skus[:3])
    customer_only = skus[3:5]
    actives = [c for c in customers if c.active]
    rows = [PriceRow("*", p.sku, base[p.sku]) for p in products if p.sku not in no_price and p.sku not in customer_only]
    for sku in customer_only:
        for c in rng.sample(actives, 2):
            rows.append(PriceRow(c.customer_id, sku, base[sku]))
    starred = [r.sku for r in rows if r.customer_id == "*"]
    for _ in range(rng.randint(5, 8)):
        c, sku = rng.choice(actives), rng.choice(starred)
        if any(r.customer_id == c.customer_id and r.sku == sku for r in rows):
            continue
        rows.append(PriceRow(c.customer_id, sku, (base[sku] * Decimal("0.95")).quantize(Decimal("0.01"))))
    return rows

"""The strangers' own words: trades, catalogs, shop names and how their dealers write counts and pack words.

Written apart from the training generator (``training/synth``) and from the readers' lexicon
(``datasets/lexicon``), and never read by either: a word here that the product reads right was learned from the
distributor's history or known to the lexicon on its own merits, not copied from this file.
"""

from __future__ import annotations

# One trade: (sku prefix, [(family words, sizes, uom, conversions, moq)]). A size "" means the family has one.
Family = tuple[str, tuple[str, ...], str, str, int]

TRADES: dict[str, tuple[str, tuple[Family, ...]]] = {
    "plumbing": ("PLB", (
        ("PVC Pipe SWR", ("75 mm", "110 mm"), "PCS", "", 10),
        ("UPVC Elbow 90 Deg", ("1/2 inch", "3/4 inch", "1 inch"), "BOX", "PCS:50", 1),
        ("UPVC Tee", ("1/2 inch", "3/4 inch"), "BOX", "PCS:40", 1),
        ("Brass Ball Valve", ("1/2 inch", "1 inch"), "PCS", "", 0),
        ("Solvent Cement Tin", ("118 ml", "237 ml"), "CTN", "PCS:24", 1),
        ("Thread Seal Tape", ("12 mm",), "BOX", "PCS:10", 2),
        ("Pillar Cock Chrome", ("",), "PCS", "", 0),
        ("Flexible Connection Hose", ("18 inch", "24 inch"), "CTN", "PCS:50", 1),
        ("Overhead Water Tank", ("500 L", "1000 L"), "PCS", "", 0),
        ("Gate Valve Gunmetal", ("2 inch",), "PCS", "", 0),
    )),
    "personalcare": ("PCR", (
        ("Neem Bath Soap", ("75 g", "125 g"), "CTN", "PCS:72", 1),
        ("Coconut Hair Oil Bottle", ("100 ml", "200 ml"), "CTN", "PCS:48", 1),
        ("Herbal Shampoo Sachet", ("6 ml",), "BOX", "PCS:960", 1),
        ("Toothpaste Clove", ("100 g", "150 g"), "CTN", "PCS:72", 1),
        ("Cold Cream Jar", ("50 ml",), "BOX", "PCS:12", 1),
        ("Talcum Powder Lavender", ("100 g", "300 g"), "CTN", "PCS:48", 1),
        ("Liquid Handwash Refill", ("750 ml",), "CTN", "PCS:12", 1),
        ("Shaving Foam", ("200 g",), "CTN", "PCS:24", 1),
        ("Kajal Stick", ("",), "BOX", "PCS:24", 1),
    )),
    "bakery": ("BKY", (
        ("Maida Flour Bag", ("50 kg",), "BAG", "", 1),
        ("Icing Sugar", ("1 kg",), "PKT", "", 5),
        ("Instant Dry Yeast", ("500 g",), "CTN", "PCS:20", 1),
        ("Cocoa Powder Dark", ("",), "KG", "", 2),
        ("Cake Box White", ("8x8 inch", "10x10 inch"), "BUNDLE", "PCS:100", 1),
        ("Butter Paper Roll", ("",), "ROLL", "", 0),
        ("Bakery Margarine Tin", ("15 kg",), "TIN", "", 0),
        ("Vanilla Essence Bottle", ("500 ml",), "CTN", "PCS:12", 1),
        ("Baking Powder Pouch", ("100 g",), "CTN", "PCS:60", 1),
        ("Choco Chips Dark", ("1 kg",), "PKT", "", 0),
    )),
}

# Products these dealers ask for that no catalog here holds (gold: no SKU, SKU_UNMATCHED).
NOT_SOLD: dict[str, tuple[str, ...]] = {
    "plumbing": ("geyser 25 ltr", "shower panel", "sink mixer tap"),
    "personalcare": ("hair colour sachet", "sunscreen lotion", "baby wipes"),
    "bakery": ("fondant white", "cake gel", "piping bags"),
}

SHOP_FIRST = ("Shree", "Jai", "New", "Balaji", "Om Sai", "Laxmi", "Kaveri", "Ganga", "Royal", "Annapurna", "Tirupati",
              "Vinayak", "Bharat", "Mahalaxmi", "Sri Venkateswara", "Guru Nanak", "Maa Durga", "Kamdhenu")
SHOP_LAST = {"plumbing": ("Sanitation", "Pipes & Fittings", "Hardware Stores", "Sanitary House"),
             "personalcare": ("Cosmetics", "General Stores", "Beauty Centre", "Provision Stores"),
             "bakery": ("Bakers", "Cake Shop", "Sweets & Bakery", "Confectioners")}
PERSON = ("Ramesh", "Suresh", "Anil", "Vikram", "Murugan", "Srinivas", "Prakash", "Harpreet", "Subhash", "Mahesh",
          "Dinesh", "Arjun", "Kiran", "Ganesh")

# How these dealers write a count in words, by language (number -> words), and pack and piece words.
NUMBER_WORDS: dict[str, dict[int, str]] = {
    "marathi": {1: "ek", 2: "don", 3: "teen", 4: "char", 5: "paach", 6: "saha", 8: "aath", 10: "daha"},
    "gujarati": {1: "ek", 2: "be", 3: "tran", 4: "chaar", 5: "paanch", 6: "chha", 10: "das"},
    "tamil": {1: "onnu", 2: "rendu", 3: "moonu", 4: "naalu", 5: "anju", 6: "aaru", 10: "pathu"},
    "telugu": {1: "okati", 2: "rendu", 3: "moodu", 4: "naalugu", 5: "aidu", 10: "padi"},
    "kannada": {1: "ondu", 2: "eradu", 3: "mooru", 4: "naalku", 5: "aidu", 10: "hattu"},
    "bengali": {1: "ek", 2: "dui", 3: "tin", 4: "char", 5: "paanch", 6: "chhoy", 10: "dosh"},
    "punjabi": {1: "ikk", 2: "do", 3: "tinn", 4: "chaar", 5: "panj", 6: "chhe", 10: "dus"},
    "english": {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 10: "ten", 12: "twelve"},
}
# Pack words (a case, box, carton) and piece words, by language; "*" for every language.
PACK_WORDS: dict[str, tuple[str, ...]] = {
    "*": ("CS", "cs", "case", "cases", "CTN", "ctn", "carton", "box", "bx"),
    "marathi": ("khoke", "box"), "gujarati": ("peti", "boxu"), "tamil": ("petti", "box"),
    "telugu": ("pette", "dabba"), "kannada": ("pettige", "box"), "bengali": ("baksho", "cartoon"),
    "punjabi": ("peti", "dabbe"), "english": ("cartons", "cases", "boxes"),
}
PIECE_WORDS: dict[str, tuple[str, ...]] = {
    "*": ("pcs", "nos", "pc", "pieces", "units"),
    "marathi": ("nag", "nug"), "gujarati": ("nang", "nung"), "tamil": ("ennam",), "telugu": ("mukkalu",),
    "kannada": ("pcs", "nos"), "bengali": ("ta", "pis"), "punjabi": ("peece", "pcs"), "english": ("pieces", "units"),
}
DOZEN_WORDS = ("dz", "dzn", "dozen", "darjan")
# Words one distributor's dealers use and no word list holds: learnable only from that distributor's history.
SLANG_PIECE = ("thaan", "kitta", "gaddi")
SLANG_PACK = ("lot", "thappi", "peti-bandh")
# Words written next to a count that tell nothing anybody could place: the count must be held, not guessed.
RARE_WORDS = ("jhola", "potla", "kantha", "thela")
FILLERS = ("pls", "plz", "jaldi", "urgent", "asap", "kal tak", "today itself", "bhejo", "send", "dispatch")
GREETINGS = ("Hello sir", "Namaskar", "Vanakkam", "Sat sri akal", "Good morning", "Hi team", "Namaste", "Ram Ram")
SIGN_OFFS = ("Regards", "Thanks & regards", "Dhanyavad", "-- sent from my phone", "Thank you")
NO_ORDER = ("Payment sent via NEFT, pls confirm", "When will last week's material come?", "Invoice copy please",
            "Received all items, thank you", "What is the rate for {p} now?", "Is {p} back in stock?",
            "Please call me when free", "Tomorrow shop closed for festival")

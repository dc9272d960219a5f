"""Spreadsheet attachments (.xlsx, .csv; .xls, .xlsb and .ods through calamine) to Blocks, one per row, with the
columns already recognised.

An order sheet has a header row naming the product, quantity and unit columns, in any order and in
the dealer's language. Finding it lets each row's cells go to ``Block.fields`` so that the columns
need not be guessed again from free text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from ordex.intake.errors import Unreadable
from ordex.schema import Block

SheetKind = Literal["xlsx", "csv", "calamine"]
HEADER_SEARCH_ROWS = 15
MAX_COLUMNS = 60
MAX_ROWS = 5000
MAX_BLANK_RUN = 200
MAX_UNZIPPED = 100 * 1024 * 1024  # what an .xlsx may inflate to in all
MAX_RATIO = 500  # how much one entry may inflate (a zip bomb inflates thousands of times)
CELL_JOIN = "  "


def phrases(text: str) -> tuple[str, ...]:
    """A comma-separated list of header phrases as a tuple."""
    return tuple(p.strip() for p in text.split(",") if p.strip())


# Field -> header phrases (normalised: lower case, no accents, words only). Order is the tie-break priority.
HEADER_PHRASES: dict[str, tuple[str, ...]] = {
    "code": phrases(
        "sku, sku code, sku no, item code, product code, material code, material no, code, "
        "article no, art no, art nr, artikelnummer, artikel nr, item no, part no, part number, "
        "codigo, code article, ref, reference, referencia, codigo produto"
    ),
    "price": phrases(
        "rate, price, unit price, unit rate, rate per unit, price per unit, precio, precio unitario, "
        "prix, prix unitaire, preis, einzelpreis, preco, preco unitario, daam, dam, bhav, mrp"
    ),
    "qty": phrases(
        "qty, quantity, qnty, qty ordered, order qty, order quantity, pcs, nos, no of, count, matra, "
        "maatra, sankhya, cantidad, cant, quantite, qte, menge, anzahl, bestellmenge, quantidade, "
        "qtd, qtde"
    ),
    "unit": phrases(
        "unit, uom, unit of measure, pack, packing, pack type, ikai, unidad, unite, einheit, "
        "mengeneinheit, unidade, um, measure"
    ),
    "product": phrases(
        "item, items, product, products, description, desc, particulars, particular, material, name, "
        "article, maal, saman, samaan, naam, producto, articulo, descripcion, produit, designation, "
        "libelle, artikel, bezeichnung, produkt, artikelbezeichnung, produto, artigo, descricao, "
        "sku name, goods, variety"
    ),
}
# Pack words that, as a column header, mean "quantity, counted in this unit" ("Ctn", "Qty (pcs)").
UNIT_WORDS = frozenset(
    "ctn ctns carton cartons case cases box boxes pcs pc piece pieces nos peti crate crates kg kgs ltr ltrs litre "
    "litres liter liters dozen doz bag bags jar jars bottle bottles packet packets pkt pkts tray trays".split()
)
EXCLUDED_HEADER_WORDS = frozenset(
    "customer dealer party retailer shop outlet total amount value gst tax vat discount remarks remark date size "
    "kunde client cliente".split()
)
TOTAL_ROW = re.compile(
    r"^(?:grand\s*|sub\s*|net\s*)?total\b|^(?:gesamt|summe|total general)\b", re.IGNORECASE
)


@dataclass
class Header:
    """Where the recognised columns are, and the unit implied by a quantity header such as "Qty (ctn)"."""

    row: int
    columns: dict[str, int] = field(default_factory=dict)
    implied_unit: str = ""


def read_spreadsheet(data: bytes, attachment: int, kind: SheetKind) -> list[Block]:
    """A Block per non-empty row of every sheet; raise ``Unreadable`` when the file cannot be opened or is empty."""
    if kind == "xlsx":
        blocks = [
            b for index, rows in xlsx_sheets(data) for b in sheet_blocks(rows, attachment, "xlsx", index)
        ]
    elif kind == "csv":
        blocks = sheet_blocks(csv_rows(data), attachment, "csv", None)
    elif kind == "calamine":
        blocks = [
            b for index, rows in calamine_sheets(data) for b in sheet_blocks(rows, attachment, "xlsx", index)
        ]
    else:
        raise ValueError(f"unknown spreadsheet kind {kind!r}")
    if not blocks:
        raise Unreadable(f"spreadsheet ({kind}) holds no data")
    return blocks


def check_zip(data: bytes) -> None:
    """Refuse a zip that would inflate beyond ``MAX_UNZIPPED`` or whose entries inflate beyond ``MAX_RATIO``, from
    its directory, before anything is inflated (``zipfile`` then stops each entry at the size declared here)."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise Unreadable(f"cannot open spreadsheet: not an .xlsx file, or password-protected ({e})") from e
    total = sum(e.file_size for e in entries)
    if total > MAX_UNZIPPED:
        raise Unreadable(f"spreadsheet would inflate to {total / 2**20:,.0f} MB; at most {MAX_UNZIPPED // 2**20} MB")
    bomb = next((e for e in entries if e.file_size > 1024 * 1024 and e.file_size > MAX_RATIO * max(1, e.compress_size)), None)
    if bomb is not None:
        raise Unreadable(f"spreadsheet entry {bomb.filename} inflates {bomb.file_size // max(1, bomb.compress_size):,}"
                         " times: refused as a zip bomb")


def xlsx_sheets(data: bytes) -> list[tuple[int, list[list[str]]]]:
    """(1-based sheet index, rows as text) of every visible worksheet of an .xlsx file."""
    check_zip(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return [
                    (
                        index,
                        trimmed_rows(
                            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), f"sheet {index}"
                        ),
                    )
                    for index, sheet in enumerate(workbook.worksheets, start=1)
                    if getattr(sheet, "sheet_state", "visible") == "visible"
                ]
            finally:
                workbook.close()
    except (zipfile.BadZipFile, InvalidFileException) as e:
        raise Unreadable(f"cannot open spreadsheet: not an .xlsx file, or password-protected ({e})") from e
    except (KeyError, ValueError, TypeError, OSError, SyntaxError, EOFError, zlib.error) as e:
        raise Unreadable(
            f"cannot open spreadsheet: the .xlsx file is corrupt ({type(e).__name__}: {e})"
        ) from e


def calamine_sheets(data: bytes) -> list[tuple[int, list[list[str]]]]:
    """(1-based sheet index, rows as text) of every visible worksheet of an .xls, .xlsb or .ods file (calamine, a
    Rust reader: no macros run, no formulas evaluated; the zip-based formats checked for bombs first)."""
    import python_calamine as calamine

    if data.startswith(b"PK\x03\x04"):
        check_zip(data)
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            return [
                (index, trimmed_rows(
                    (row[:MAX_COLUMNS] for row in workbook.get_sheet_by_index(index - 1).iter_rows()),
                    f"sheet {index}"))
                for index, meta in enumerate(workbook.sheets_metadata, start=1)
                if meta.visible == calamine.SheetVisibleEnum.Visible
                and meta.typ == calamine.SheetTypeEnum.WorkSheet
            ]
        finally:
            workbook.close()
    except calamine.PasswordError as e:
        raise Unreadable("cannot open spreadsheet: it is password-protected") from e
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError, OSError) as e:
        raise Unreadable(f"cannot open spreadsheet (.xls/.xlsb/.ods): corrupt, or not a workbook "
                         f"({type(e).__name__}: {str(e)[:120]})") from e


def csv_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV file, its encoding and delimiter detected."""
    text = decode_csv(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        # universal newlines: old Mac files end lines with a lone \r
        return trimmed_rows(csv.reader(io.StringIO(text, newline=None), dialect), "CSV")
    except csv.Error as e:
        raise Unreadable(f"cannot read CSV: {e}") from e


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-16 by BOM, else UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:4096]:
        raise Unreadable(f"not a CSV file: binary data (starts with {data[:8]!r})")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def trimmed_rows(rows: Iterable[Sequence[Any]], where: str) -> list[list[str]]:
    """Rows as cell texts, trailing empty cells cut, reading stopped after a long run of blank rows."""
    out: list[list[str]] = []
    blank_run = 0
    for row in rows:
        cells = [cell_text(value) for value in row]
        while cells and not cells[-1]:
            cells.pop()
        blank_run = 0 if cells else blank_run + 1
        if blank_run > MAX_BLANK_RUN:
            break
        out.append(cells)
        if len(out) > MAX_ROWS:
            raise Unreadable(f"{where} has more than {MAX_ROWS} rows: too large for an order sheet")
    return out


def cell_text(value: Any) -> str:
    """A cell's value as text: whole numbers without ".0", dates as ISO, white space folded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".10g")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    text = " ".join(str(value).split())
    return re.sub(r"^(-?\d+)\.0+$", r"\1", text)


def sheet_blocks(rows: list[list[str]], attachment: int, reader: str, page: int | None) -> list[Block]:
    """Blocks for one sheet: rows above the header plain, rows below it with their recognised fields."""
    header = find_header(rows)
    blocks = []
    for number, cells in enumerate(rows):
        if not any(cells) or (header is not None and number == header.row):
            continue
        fields = row_fields(cells, header) if header is not None and number > header.row else {}
        if fields is None:
            continue
        text = CELL_JOIN.join(c for c in cells if c)
        blocks.append(
            Block(
                text=text, source="attachment", attachment=attachment, page=page, reader=reader, fields=fields
            )
        )
    return blocks


def row_fields(cells: list[str], header: Header) -> dict[str, str] | None:
    """The recognised columns of a data row; None for a "Total" row, which is no order line."""
    first = next((c for c in cells if c), "")
    product = cell_at(cells, header.columns.get("product"))
    if TOTAL_ROW.match(first) or TOTAL_ROW.match(product):
        return None
    fields = {name: cell_at(cells, column) for name, column in header.columns.items()}
    fields = {name: value for name, value in fields.items() if value}
    if not ({"product", "code", "qty"} & fields.keys()):
        return {}
    if header.implied_unit and "qty" in fields and "unit" not in fields:
        fields["unit"] = header.implied_unit
    return fields


def cell_at(cells: list[str], column: int | None) -> str:
    return cells[column] if column is not None and column < len(cells) else ""


def find_header(rows: list[list[str]]) -> Header | None:
    """The first row (of the first few) naming a product or code column and a quantity or unit column."""
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns, implied = header_columns(cells)
        if ({"product", "code"} & columns.keys()) and ({"qty", "unit"} & columns.keys()):
            return Header(row=number, columns=columns, implied_unit=implied)
    return None


def header_columns(cells: list[str]) -> tuple[dict[str, int], str]:
    """Field -> column of the best-matching header cell (leftmost on ties), and the qty header's unit word."""
    best: dict[str, tuple[int, int]] = {}
    for column, cell in enumerate(cells):
        match = classify_header(cell)
        if match is not None and (match[0] not in best or match[1] > best[match[0]][1]):
            best[match[0]] = (column, match[1])
    columns = {name: column for name, (column, _) in best.items()}
    implied = ""
    if "qty" in columns and "unit" not in columns:
        implied = next((w for w in words(cells[columns["qty"]]) if w in UNIT_WORDS), "")
    return columns, implied


def classify_header(cell: str) -> tuple[str, int] | None:
    """(field, score) for a header cell: 3 exact phrase, 2 phrase within the cell, 1 a bare pack word."""
    tokens = words(cell)
    if not tokens or len(tokens) > 5 or EXCLUDED_HEADER_WORDS & set(tokens):
        return None
    best: tuple[str, int] | None = None
    for name, phrases in HEADER_PHRASES.items():
        score = max((phrase_score(tokens, tuple(p.split())) for p in phrases), default=0)
        if score and (best is None or score > best[1]):
            best = (name, score)
    if best is None and UNIT_WORDS & set(tokens):
        best = ("qty", 1)
    return best


def phrase_score(tokens: list[str], phrase: tuple[str, ...]) -> int:
    """3 when the cell is the phrase, 2 when it contains it as consecutive words, else 0."""
    if tuple(tokens) == phrase:
        return 3
    return 2 if any(tuple(tokens[i : i + len(phrase)]) == phrase for i in range(len(tokens))) else 0


def words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation ("Qté." -> ["qte"])."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.findall(r"[a-z0-9]+", plain)

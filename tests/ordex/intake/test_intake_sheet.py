"""read_spreadsheet: header detection in several languages, row fields, titles, totals, bad files."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from ordex.intake import Unreadable, read_spreadsheet

EXAMPLES = Path("/work/shared/contract/example/files")


def xlsx(*sheets: list[list[object]], hidden: int | None = None) -> bytes:
    """An .xlsx written by openpyxl, one worksheet per list of rows."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for index, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet{index + 1}")
        for row in rows:
            sheet.append(row)
        if index == hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_order_sheet_rows_carry_fields() -> None:
    data = xlsx(
        [
            ["Sharma Traders - order 06/11"],
            [],
            ["Sr", "Item Code", "Product", "Qty", "Unit", "Rate", "Amount"],
            [1, "MLK-TTR-1L", "Tetra 1L", 6.0, "ctn", 612.5, 3675],
            [2, None, "Dahi 400g", 4, "ctn", None, None],
            [None, None, None, None, None, None, None],
            [None, "Total", None, 10, None, None, 3675],
            ["Please deliver by Friday"],
        ],
        [["Particulars", "Nos"], ["Paneer 200g", 30]],
    )
    blocks = read_spreadsheet(data, 1, "xlsx")
    assert [b.text for b in blocks] == [
        "Sharma Traders - order 06/11",
        "1  MLK-TTR-1L  Tetra 1L  6  ctn  612.5  3675",
        "2  Dahi 400g  4  ctn",
        "Please deliver by Friday",
        "Paneer 200g  30",
    ]
    assert blocks[0].fields == {} and blocks[3].fields == {}
    assert blocks[1].fields == {
        "code": "MLK-TTR-1L",
        "product": "Tetra 1L",
        "qty": "6",
        "unit": "ctn",
        "price": "612.5",
    }
    assert blocks[2].fields == {"product": "Dahi 400g", "qty": "4", "unit": "ctn"}
    assert blocks[4].fields == {"product": "Paneer 200g", "qty": "30", "unit": "nos"}
    assert [b.page for b in blocks] == [1, 1, 1, 1, 2]
    assert {(b.reader, b.source, b.attachment) for b in blocks} == {("xlsx", "attachment", 1)}


def test_hidden_sheets_are_skipped() -> None:
    data = xlsx([["Item", "Qty"], ["Dahi", 4]], [["Item", "Qty"], ["Master list row", 1]], hidden=1)
    assert [b.text for b in read_spreadsheet(data, 0, "xlsx")] == ["Dahi  4"]


def test_csv_semicolon_german_headers_cp1252() -> None:
    text = "Bestellung Müller KG;;;\r\nArtikel;Menge;Einheit;Preis\r\nKäse 200g;12;Karton;3,50\r\nMilch 1L;6;Kiste;\r\n"
    blocks = read_spreadsheet(text.encode("cp1252"), 0, "csv")
    assert [b.text for b in blocks] == [
        "Bestellung Müller KG",
        "Käse 200g  12  Karton  3,50",
        "Milch 1L  6  Kiste",
    ]
    assert blocks[1].fields == {"product": "Käse 200g", "qty": "12", "unit": "Karton", "price": "3,50"}
    assert {(b.reader, b.page) for b in blocks} == {("csv", None)}


@pytest.mark.parametrize(
    ("header", "row", "fields"),
    [
        ("Maal,Matra,Ikai", "Dahi,4,peti", {"product": "Dahi", "qty": "4", "unit": "peti"}),
        ("Producto,Cantidad,Unidad", "Leche,3,caja", {"product": "Leche", "qty": "3", "unit": "caja"}),
        ("Quantité,Produit", "5,Beurre", {"qty": "5", "product": "Beurre"}),
        ("Produto,Quantidade", "Queijo,2", {"product": "Queijo", "qty": "2"}),
        ("Description,Qty (Ctn)", "Tetra 1L,24", {"product": "Tetra 1L", "qty": "24", "unit": "ctn"}),
        ("SKU,Order Qty,UOM", "GHE-1L,12,PCS", {"code": "GHE-1L", "qty": "12", "unit": "PCS"}),
    ],
)
def test_header_words_in_several_languages(header: str, row: str, fields: dict[str, str]) -> None:
    blocks = read_spreadsheet(f"{header}\n{row}\n".encode(), 0, "csv")
    assert [b.fields for b in blocks] == [fields]


def test_utf8_bom_and_sniffed_tab_delimiter() -> None:
    data = "\ufeffItem\tQty\tUnit\nTetra 1L\t6\tctn\n".encode()
    assert read_spreadsheet(data, 0, "csv")[0].fields == {"product": "Tetra 1L", "qty": "6", "unit": "ctn"}


def test_no_header_gives_plain_rows() -> None:
    blocks = read_spreadsheet(b"tetra 1L,24 ctn\n\ndahi,10 peti\n", 0, "csv")
    assert [(b.text, b.fields) for b in blocks] == [("tetra 1L  24 ctn", {}), ("dahi  10 peti", {})]


def test_example_xlsx_if_present() -> None:
    path = EXAMPLES / "em-0012-order.xlsx"
    if not path.exists():
        pytest.skip("contract example not available")
    fields = [b.fields for b in read_spreadsheet(path.read_bytes(), 0, "xlsx") if b.fields]
    assert fields[0] == {"product": "Tetra 1L", "qty": "6", "unit": "ctn"} and len(fields) == 3


@pytest.mark.parametrize(
    ("data", "kind", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "xlsx", "cannot open spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xlsx", "cannot open spreadsheet"),
        (b"\x00\x01\x02binary", "csv", "not a CSV file"),
        (b"\n\n ,, \n", "csv", "holds no data"),
    ],
    ids=["corrupt-zip", "legacy-xls-bytes", "binary-csv", "empty-csv"],
)
def test_bad_spreadsheets_are_unreadable(data: bytes, kind: str, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read_spreadsheet(data, 0, kind)  # type: ignore[arg-type]

"""read_spreadsheet: header detection in several languages, row fields, titles, totals, bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from builders import csv_bytes, xlsx_bytes

from ordex.intake import Unreadable, read_spreadsheet

SHEET_SUFFIXES = (".xlsx", ".csv")


def test_xlsx_order_sheet_rows_carry_fields() -> None:
    data = xlsx_bytes(
        [
            ["Volt Electricals - order 06/11"],
            [],
            ["Sr", "Item Code", "Product", "Qty", "Unit", "Rate", "Amount"],
            [1, "LED-9W", "LED bulb 9W", 6.0, "box", 612.5, 3675],
            [2, None, "MCB 16A", 4, "pcs", None, None],
            [None, None, None, None, None, None, None],
            [None, "Total", None, 10, None, None, 3675],
            ["Please deliver by Friday"],
        ],
        [["Particulars", "Nos"], ["PVC tape black", 30]],
    )
    blocks = read_spreadsheet(data, 1, "xlsx")
    assert [b.text for b in blocks] == [
        "Volt Electricals - order 06/11",
        "1  LED-9W  LED bulb 9W  6  box  612.5  3675",
        "2  MCB 16A  4  pcs",
        "Please deliver by Friday",
        "PVC tape black  30",
    ]
    assert blocks[0].fields == {} and blocks[3].fields == {}
    assert blocks[1].fields == {
        "code": "LED-9W",
        "product": "LED bulb 9W",
        "qty": "6",
        "unit": "box",
        "price": "612.5",
    }
    assert blocks[2].fields == {"product": "MCB 16A", "qty": "4", "unit": "pcs"}
    assert blocks[4].fields == {"product": "PVC tape black", "qty": "30", "unit": "nos"}
    assert [b.page for b in blocks] == [1, 1, 1, 1, 2]
    assert {(b.reader, b.source, b.attachment) for b in blocks} == {("xlsx", "attachment", 1)}


def test_hidden_sheets_are_skipped() -> None:
    data = xlsx_bytes([["Item", "Qty"], ["MCB 16A", 4]], [["Item", "Qty"], ["Master list row", 1]], hidden=1)
    assert [b.text for b in read_spreadsheet(data, 0, "xlsx")] == ["MCB 16A  4"]


def test_csv_semicolon_german_headers_cp1252() -> None:
    rows = [
        ["Bestellung Müller Elektro KG", "", "", ""],
        ["Artikel", "Menge", "Einheit", "Preis"],
        ["Glühlampe LED 9W", "12", "Karton", "3,50"],
        ["Schütz 32A", "6", "Stück", ""],
    ]
    blocks = read_spreadsheet(csv_bytes(rows, ";", "cp1252"), 0, "csv")
    assert [b.text for b in blocks] == [
        "Bestellung Müller Elektro KG",
        "Glühlampe LED 9W  12  Karton  3,50",
        "Schütz 32A  6  Stück",
    ]
    assert blocks[1].fields == {"product": "Glühlampe LED 9W", "qty": "12", "unit": "Karton", "price": "3,50"}
    assert {(b.reader, b.page) for b in blocks} == {("csv", None)}


@pytest.mark.parametrize(
    ("header", "row", "fields"),
    [
        ("Maal,Matra,Ikai", "Bulb 9W,4,dabba", {"product": "Bulb 9W", "qty": "4", "unit": "dabba"}),
        ("Producto,Cantidad,Unidad", "Cable 1.5mm,3,rollo", {"product": "Cable 1.5mm", "qty": "3", "unit": "rollo"}),
        ("Quantité,Produit", "5,Ampoule LED", {"qty": "5", "product": "Ampoule LED"}),
        ("Produto,Quantidade", "Disjuntor 16A,2", {"product": "Disjuntor 16A", "qty": "2"}),
        ("Description,Qty (Box)", "LED bulb 9W,24", {"product": "LED bulb 9W", "qty": "24", "unit": "box"}),
        ("SKU,Order Qty,UOM", "MCB-16A,12,PCS", {"code": "MCB-16A", "qty": "12", "unit": "PCS"}),
    ],
)
def test_header_words_in_several_languages(header: str, row: str, fields: dict[str, str]) -> None:
    blocks = read_spreadsheet(f"{header}\n{row}\n".encode(), 0, "csv")
    assert [b.fields for b in blocks] == [fields]


def test_utf8_bom_and_sniffed_tab_delimiter() -> None:
    data = "\ufeffItem\tQty\tUnit\nLED bulb 9W\t6\tbox\n".encode()
    assert read_spreadsheet(data, 0, "csv")[0].fields == {"product": "LED bulb 9W", "qty": "6", "unit": "box"}


def test_no_header_gives_plain_rows() -> None:
    blocks = read_spreadsheet(b"LED bulb 9W,24 box\n\nMCB 16A,10 pcs\n", 0, "csv")
    assert [(b.text, b.fields) for b in blocks] == [("LED bulb 9W  24 box", {}), ("MCB 16A  10 pcs", {})]


def test_example_sheets_if_present(example_dir: Path, example_cases: list[dict[str, Any]]) -> None:
    """Each order sheet of the contract example gives one row with product and quantity per expected line."""
    sheets = [
        (case, attachment["path"])
        for case in example_cases
        for attachment in case.get("attachments") or []
        if attachment["path"].lower().endswith(SHEET_SUFFIXES)
    ]
    if not sheets:
        pytest.skip("the contract example holds no order sheet")
    for case, path in sheets:
        kind: Literal["xlsx", "csv"] = "xlsx" if path.lower().endswith(".xlsx") else "csv"
        rows = [b.fields for b in read_spreadsheet((example_dir / path).read_bytes(), 0, kind) if b.fields]
        assert len(rows) == sum(len(order["lines"]) for order in case["expected"]["orders"]), (case["id"], rows)
        for fields in rows:
            assert fields.get("product") and float(fields["qty"]) > 0, (case["id"], fields)


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


def test_csv_with_old_mac_line_endings_is_read() -> None:
    data = b"product,qty,unit\rled 12w,5,box\rmcb 32a,2,pcs\r"
    blocks = read_spreadsheet(data, 0, "csv")
    assert [b.fields.get("qty") for b in blocks] == ["5", "2"]


def test_an_xlsx_zip_bomb_is_refused_from_its_directory() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 2**20))  # 40 MB of zeros in a few dozen KB
    with pytest.raises(Unreadable, match="zip bomb"):
        read_spreadsheet(buffer.getvalue(), 0, "xlsx")

"""The whole pipeline on real files: e-mailed PDFs, scans, photos, sheets, WhatsApp webhooks, and bad input.

Every file is built in the test session (``tests/builders.py``) for the invented electrical trade of
``tests/support.py``, and goes through ``Engine.submit`` on a real SQLite store, as the API and the CLI send it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import pytest
from builders import (
    XLS_BYTES,
    blank_png,
    csv_bytes,
    docx_bytes,
    eml,
    ods_bytes,
    photo_jpeg,
    scanned_pdf,
    table_pdf,
    text_pdf,
    whatsapp_media_webhook,
    whatsapp_status_webhook,
    whatsapp_text_webhook,
    xls_bytes,
    xlsx_bytes,
)
from rapidfuzz import fuzz
from sqlalchemy import select
from support import codes, lines_of, msg

from ordex.pipeline import Engine
from ordex.schema import Attachment, Message
from ordex.store.tables import AttachmentRow, MessageRow

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AT = "2026-11-02T10:00:00+05:30"


# -- helpers --------------------------------------------------------------------------------------------------
_raw_ids = iter(range(1, 10**9))


def raw_message(data: bytes, kind: Literal["eml", "whatsapp"], *, at: str = AT) -> Message:
    """A raw e-mail or webhook body as received: the intake stage parses sender, text and files from it."""
    return Message(id=f"raw-{next(_raw_ids)}", channel="email" if kind == "eml" else "whatsapp", sender="",
                   received_at=datetime.fromisoformat(at), raw=data, raw_kind=kind)


def attached(filename: str, content_type: str, data: bytes) -> tuple[Attachment, ...]:
    """One attachment, as the API carries it."""
    return (Attachment(filename=filename, content_type=content_type, data=data),)


def stored_raw(engine: Engine, pred: dict[str, Any]) -> tuple[bytes, list[bytes]]:
    """The raw bytes and the attachment bytes the store committed for a prediction's message."""
    with engine.store.session() as s:
        row = s.get(MessageRow, pred.message_id)
        assert row is not None
        files = s.scalars(select(AttachmentRow.data).where(AttachmentRow.message_id == row.id)
                          .order_by(AttachmentRow.position))
        return row.raw, list(files)


def assert_held_unreadable(engine: Engine, pred: dict[str, Any], *why: str) -> str:
    """The message is held with UNREADABLE only, its detail says why, and the message was stored first."""
    assert pred.status == "exception", pred
    assert codes(pred) == {"UNREADABLE"}, pred.exceptions
    detail = pred.exceptions[0].detail
    assert pred.exceptions[0].queue == "intake"
    assert "processing failed" not in detail  # a reader's finding, not a crash caught by the engine
    for word in why:
        assert word.lower() in detail.lower(), (word, detail)
    assert engine.store.audit_events(pred.message_id)[0]["event"] == "received"
    return detail


def folded(text: str) -> str:
    """Lower case, white space folded: how the contract compares transcripts."""
    return " ".join(text.lower().split())


# -- e-mail with a PDF purchase order --------------------------------------------------------------------------
def purchase_order_pdf() -> bytes:
    """An ERP-printed purchase order: letterhead with numbers, a Sr/Item/Qty/Unit/Rate/Amount table, totals."""
    return table_pdf(
        ["VOLT ELECTRICALS", "Shop 14, Sector 5 Market, Noida 201301", "GSTIN 09ABCDE1234F1Z5   Ph: +91 11100 00001",
         "PURCHASE ORDER No. PO-4471   Date: 02/11/2026", "Deliver by: 05/11/2026"],
        ["Sr", "Item", "Qty", "Unit", "Rate", "Amount"],
        [(1, "LED Bulb 9W Cool Day Light", "12", "box", "600.00", "7,200.00"),
         (2, "MCB Double Pole 32A", "10", "pcs", "420.00", "4,200.00"),
         (3, "Copper Wire 2.5 sqmm Red", "4", "roll", "2,300.00", "9,200.00"),
         (4, "LED Bulb 12W Cool Day Light", "30", "pcs", "82.00", "2,460.00"),
         ("", "Total", "", "", "", "23,060.00"),
         ("", "GST 18%", "", "", "", "4,150.80"),
         ("", "Grand Total", "", "", "", "27,210.80")],
        columns=(40, 70, 300, 350, 420, 500),
    )


def test_emailed_pdf_purchase_order_gives_its_lines_and_goes_through(engine: Engine) -> None:
    mail = eml(from_="Volt Purchase <buy@voltelec.example>", subject="PO-4471",
               body="Dear sir,\n\nPlease find our PO attached.\n\nRegards,\nStores, Volt Electricals",
               attachments=[("PO-4471.pdf", "application/pdf", purchase_order_pdf())])
    pred = engine.submit(raw_message(mail, "eml"))
    assert lines_of(pred) == [("E100", "LED-9W", 12, "BOX"), ("E100", "MCB-32A", 10, "PCS"),
                              ("E100", "WIRE-2.5", 4, "ROLL"), ("E100", "LED-12W", 3, "BOX")]  # 30 pcs = 3 boxes of 10
    assert pred.status == "auto" and pred.exceptions == []
    assert "LED Bulb 9W" in pred.orders[0].lines[0].text
    assert stored_raw(engine, pred)[0] == mail


def test_a_colleague_at_the_customers_own_mail_domain_is_that_customer(engine: Engine) -> None:
    mail = eml(from_="Ravi <ravi@voltelec.example>", body="Pls send\nLED 12W 3 box\nMCB 16A 5 pcs\n\nRegards\nRavi")
    pred = engine.submit(raw_message(mail, "eml"))
    assert lines_of(pred) == [("E100", "LED-12W", 3, "BOX"), ("E100", "MCB-16A", 5, "PCS")]
    assert pred.status == "auto"


# -- a regional distributor orders for its sub-dealers -----------------------------------------------------------
QUOTED_AND_SIGNED = (
    "\n\nThanks & regards\nAnil Kumar, Purchase Dept\nNorthern Power Agencies\n+91 11100 00006\n\n"
    "On Mon, 2 Nov 2026 at 18:05, Orders Desk <orders@distributor.example> wrote:\n"
    "> Dear Anil, the order for Bright Lights Company (LED 12W 8 box) is confirmed.\n"
    "> Regards, Orders Desk\n"
)
SUB_DEALER_LAYOUTS = {
    "numbered": "1) Volt Electricals\n- LED bulb 9W x 3 box\n- MCB 32A x 2 pcs\n\n2) Ganesh Wiring Works\n"
                "- copper wire 1.5 sqmm x 2 roll\n\n3) Sai Electric Point\n- LED 12W x 1 box",
    "party-cue": "Party: Volt Electricals\nLED bulb 9W 3 box\nMCB 32A 2 pcs\n\nParty: Ganesh Wiring Works\n"
                 "copper wire 1.5 sqmm 2 roll\n\nParty: Sai Electric Point\nLED 12W 1 box",
    "colon": "Volt Electricals:\nLED bulb 9W - 3 box\nMCB 32A - 2 pcs\n\nGanesh Wiring Works:\n"
             "copper wire 1.5 sqmm - 2 roll\n\nSai Electric Point:\nLED 12W - 1 box",
}


@pytest.mark.parametrize(
    "layout",
    [
        "numbered",
        "party-cue",
        "colon",
    ],
)
def test_sub_dealer_mail_gives_one_order_per_sub_dealer(engine: Engine, layout: str) -> None:
    body = "Dear sir,\nPlease book the following orders for this week:\n\n" + SUB_DEALER_LAYOUTS[layout] + QUOTED_AND_SIGNED
    mail = eml(from_="Northern Power <purchase@northernpower.example>", subject="Sub-dealer orders", body=body)
    pred = engine.submit(raw_message(mail, "eml"))
    assert [o.customer_id for o in pred.orders] == ["E100", "E500", None]
    assert lines_of(pred) == [("E100", "LED-9W", 3, "BOX"), ("E100", "MCB-32A", 2, "PCS"),
                              ("E500", "WIRE-1.5", 2, "ROLL"), (None, "LED-12W", 1, "BOX")]
    assert codes(pred) == {"CUSTOMER_UNKNOWN"} and pred.status == "exception"
    assert "Sai Electric Point" in pred.exceptions[0].detail


# -- scans and photos, through OCR ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_scanned_pdf_is_read_through_ocr(ocr_engine: Engine) -> None:
    lines = ["Ganesh Wiring Works", "Copper wire 1.5 sqmm - 4 roll", "LED bulb 12W - 2 box", "MCB 16A - 10 pcs"]
    pred = ocr_engine.submit(msg("", sender="+911110000005", channel="pdf",
                                 attachments=attached("scan-0711.pdf", "application/pdf", scanned_pdf(lines))))
    assert lines_of(pred) == [("E500", "WIRE-1.5", 4, "ROLL"), ("E500", "LED-12W", 2, "BOX"), ("E500", "MCB-16A", 10, "PCS")]
    assert pred.status == "auto"
    assert pred.transcript and fuzz.ratio(folded(pred.transcript), folded("\n".join(lines))) >= 90


@pytest.mark.slow
def test_rotated_phone_photo_of_a_list_is_read_through_ocr(ocr_engine: Engine) -> None:
    lines = ["Order list", "LED 9W - 6 box", "copper wire 2.5 sqmm 3 roll", "PVC tape 2 pkt"]
    photo = photo_jpeg(lines, tilt=3, exif_orientation=6)
    pred = ocr_engine.submit(msg("", sender="+911110000002", attachments=attached("IMG_2041.jpg", "image/jpeg", photo)))
    assert lines_of(pred) == [("E200", "LED-9W", 6, "BOX"), ("E200", "WIRE-2.5", 3, "ROLL"), ("E200", "TAPE-PVC", 2, "PKT")]
    assert pred.status == "auto"
    assert pred.transcript and fuzz.ratio(folded(pred.transcript), folded("\n".join(lines))) >= 90


# -- spreadsheets ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rows",
    [
        [["Bright Lights Company - order 02/11"], [], ["Sr", "Qty", "Item", "Unit"],
         [1, 3, "LED bulb 12W", "box"], [2, 6, "MCB 16A", "pcs"], [3, 2, "PVC tape", "pkt"]],
        [["Order from Bright Lights Company"], [None, None, None], ["Unit", "Item Description", "Qty"],
         ["pcs", "LED bulb 12W", 30], ["pcs", "MCB 16A", 6.0], ["pkt", "PVC tape", 2], [None, "Total", 38]],
    ],
    ids=["sr-qty-item-unit", "unit-item-qty-in-pieces-with-total"],
)
def test_xlsx_order_posted_as_an_attachment(engine: Engine, rows: list[list[object]]) -> None:
    pred = engine.submit(msg("Order sheet attached", sender="+911110000002", channel="spreadsheet",
                             attachments=attached("order.xlsx", XLSX_TYPE, xlsx_bytes(rows))))
    assert lines_of(pred) == [("E200", "LED-12W", 3, "BOX"), ("E200", "MCB-16A", 6, "PCS"), ("E200", "TAPE-PVC", 2, "PKT")]
    assert pred.status == "auto"


@pytest.mark.parametrize(("filename", "content_type", "build"), [
    ("order.xls", "application/vnd.ms-excel", xls_bytes),
    ("order.ods", "application/vnd.oasis.opendocument.spreadsheet", ods_bytes),
])
def test_legacy_excel_and_opendocument_orders_go_through_like_xlsx(engine: Engine, filename: str, content_type: str,
                                                                     build: Any) -> None:
    rows = [["Sr", "Qty", "Item", "Unit"], [1, 3, "LED bulb 12W", "box"], [2, 6, "MCB 16A", "pcs"],
            [3, 2, "PVC tape", "pkt"]]
    pred = engine.submit(msg("Order sheet attached", sender="+911110000002", channel="spreadsheet",
                             attachments=attached(filename, content_type, build(rows))))
    assert lines_of(pred) == [("E200", "LED-12W", 3, "BOX"), ("E200", "MCB-16A", 6, "PCS"), ("E200", "TAPE-PVC", 2, "PKT")]
    assert pred.status == "auto"


def test_xlsx_attached_to_a_raw_mail(engine: Engine) -> None:
    sheet = xlsx_bytes([["Item", "Qty", "Unit"], ["Copper wire 2.5 sqmm", 5, "roll"], ["LED bulb 9W", 4, "box"]])
    mail = eml(from_="buy@voltelec.example", subject="Order sheet", body="Dear sir, order sheet attached.",
               html="<p>Dear sir, order sheet attached.</p>", attachments=[("order.xlsx", XLSX_TYPE, sheet)])
    pred = engine.submit(raw_message(mail, "eml"))
    assert lines_of(pred) == [("E100", "WIRE-2.5", 5, "ROLL"), ("E100", "LED-9W", 4, "BOX")]
    assert pred.status == "auto"


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        (["Artikel", "Menge", "Einheit"], "cp1252"),
        (["Saman", "Matra", "Ikai"], "utf-8"),
        (["सामान", "मात्रा", "इकाई"], "utf-8"),
    ],
    ids=["german", "hindi-roman", "hindi-devanagari"],
)
def test_semicolon_csv_with_local_headers(engine: Engine, header: list[str], encoding: str) -> None:
    rows = [header, ["Copper wire 2.5 sqmm", "2", "roll"], ["LED bulb 9W", "5", "box"], ["MCB 16A", "10", "pcs"]]
    pred = engine.submit(msg("", sender="+911110000005", channel="spreadsheet",
                             attachments=attached("bestellung.csv", "text/csv", csv_bytes(rows, ";", encoding))))
    assert lines_of(pred) == [("E500", "WIRE-2.5", 2, "ROLL"), ("E500", "LED-9W", 5, "BOX"), ("E500", "MCB-16A", 10, "PCS")]
    assert pred.status == "auto"


def test_german_csv_with_german_unit_words(engine: Engine) -> None:
    rows = [["Artikel", "Menge", "Einheit", "Preis"], ["Copper wire 2.5 sqmm", "2", "Rolle", "2.300,00"],
            ["LED bulb 12W", "3", "Karton", "820,00"], ["MCB 16A", "10", "Stück", "180,00"]]
    pred = engine.submit(msg("", sender="+911110000002", channel="spreadsheet",
                             attachments=attached("bestellung.csv", "text/csv", csv_bytes(rows, ";", "cp1252"))))
    assert lines_of(pred) == [("E200", "WIRE-2.5", 2, "ROLL"), ("E200", "LED-12W", 3, "BOX"), ("E200", "MCB-16A", 10, "PCS")]
    assert pred.status == "auto"


# -- WhatsApp webhooks -------------------------------------------------------------------------------------------------
def test_whatsapp_text_webhook_names_the_customer_by_wa_id(engine: Engine) -> None:
    body = whatsapp_text_webhook("911110000022", "good morning sir\nLED 12W 4 box\nMCB 32A 2 pcs", "wamid.T1", "1793776680")
    pred = engine.submit(raw_message(body, "whatsapp"))
    assert lines_of(pred) == [("E200", "LED-12W", 4, "BOX"), ("E200", "MCB-32A", 2, "PCS")]  # E200's second phone
    assert pred.status == "auto"
    assert stored_raw(engine, pred)[0] == body


def test_whatsapp_from_an_unknown_number_is_customer_unknown(engine: Engine) -> None:
    pred = engine.submit(raw_message(whatsapp_text_webhook("919999900000", "LED 12W 4 box", "wamid.T2"), "whatsapp"))
    assert lines_of(pred) == [(None, "LED-12W", 4, "BOX")]
    assert codes(pred) == {"CUSTOMER_UNKNOWN"}


def test_status_only_webhook_is_no_order(engine: Engine) -> None:
    pred = engine.submit(raw_message(whatsapp_status_webhook(), "whatsapp"))
    assert pred.status == "no_order"
    assert pred.orders == [] and pred.exceptions == []


def test_media_message_keeps_its_caption_and_holds_the_unfetched_photo(engine: Engine) -> None:
    body = whatsapp_media_webhook("911110000001", "image", "7781", "image/jpeg", caption="LED 9W 5 box", wamid="wamid.T3")
    pred = engine.submit(raw_message(body, "whatsapp"))
    assert lines_of(pred) == [("E100", "LED-9W", 5, "BOX")]
    assert codes(pred) == {"UNREADABLE"} and "7781" in pred.exceptions[0].detail


# -- bad input: held as UNREADABLE, stored, nothing crashes ----------------------------------------------------------------
def good_pdf() -> bytes:
    """A small, valid one-page order PDF."""
    return table_pdf(["ORDER"], ["Item", "Qty", "Unit"], [("LED bulb 9W", "2", "box")])


BAD_ATTACHMENTS: dict[str, tuple[str, str, bytes, tuple[str, ...]]] = {
    "corrupt-pdf": ("PO-4471.pdf", "application/pdf", good_pdf()[:300], ("PO-4471.pdf", "corrupt")),
    "password-pdf": ("PO-4472.pdf", "application/pdf", text_pdf([[(40, 800, "LED 9W 5 box")]], password="volt"),
                     ("PO-4472.pdf", "password")),
    "truncated-jpeg": ("IMG_2042.jpg", "image/jpeg", photo_jpeg(["LED 9W 5 box"])[:2000], ("IMG_2042.jpg", "truncated")),
    "empty-file": ("order.pdf", "application/pdf", b"", ("order.pdf", "empty")),
    "broken-xls": ("order.xls", "application/vnd.ms-excel", XLS_BYTES, ("order.xls", "cannot open spreadsheet", ".xls")),
    "docx": ("order.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx_bytes(),
             ("order.docx", "unsupported", "word")),
    "corrupt-xlsx": ("order.xlsx", XLSX_TYPE, xlsx_bytes([["Item", "Qty"], ["MCB 16A", 5]])[:500], ("order.xlsx", "corrupt")),
}


@pytest.mark.parametrize("case", list(BAD_ATTACHMENTS))
def test_unreadable_attachment_is_held_with_the_file_and_the_reason(engine: Engine, case: str) -> None:
    filename, content_type, data, why = BAD_ATTACHMENTS[case]
    pred = engine.submit(msg("", sender="buy@voltelec.example", channel="email", attachments=attached(filename, content_type, data)))
    assert pred.orders == []
    assert_held_unreadable(engine, pred, *why)
    assert stored_raw(engine, pred)[1] == [data]


def test_an_unreadable_file_beside_a_written_order_keeps_the_written_lines(engine: Engine) -> None:
    mail = eml(from_="buy@voltelec.example", body="LED 9W 5 box, rest in the attached sheet",
               attachments=[("order.xls", "application/vnd.ms-excel", XLS_BYTES)])
    pred = engine.submit(raw_message(mail, "eml"))
    assert lines_of(pred) == [("E100", "LED-9W", 5, "BOX")]
    assert_held_unreadable(engine, pred, "order.xls")


def test_utf16_text_attachment_is_read(engine: Engine) -> None:
    data = "LED bulb 9W 5 box\r\nMCB 16A 10 pcs\r\n".encode("utf-16")
    pred = engine.submit(msg("", sender="+911110000002", attachments=attached("order.txt", "text/plain", data)))
    assert lines_of(pred) == [("E200", "LED-9W", 5, "BOX"), ("E200", "MCB-16A", 10, "PCS")]


@pytest.mark.slow
def test_blank_image_has_nothing_legible(ocr_engine: Engine) -> None:
    pred = ocr_engine.submit(msg("", sender="+911110000002", attachments=attached("IMG_2043.png", "image/png", blank_png())))
    assert pred.orders == []
    assert_held_unreadable(ocr_engine, pred, "IMG_2043.png", "no legible text")


BROKEN_MIME = (b"From: buy@voltelec.example\r\nSubject: order\r\nContent-Type: multipart/mixed\r\n\r\n"
               b"--x\r\nContent-Type: text/plain\r\n\r\nLED 9W 5 box\r\n")
UNDECODABLE = (b"From: buy@voltelec.example\r\nSubject: order\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: text/plain; charset=x-mac-klingon\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
               + bytes(range(128, 256)) * 2)
BAD_RAW: dict[str, tuple[bytes, Literal["eml", "whatsapp"], tuple[str, ...]]] = {
    "broken-mime": (BROKEN_MIME, "eml", ("MIME",)),
    "undecodable-charset": (UNDECODABLE, "eml", ("could not be decoded",)),
    "headerless-mail": (b"LED 9W 5 box\r\nMCB 16A 10 pcs\r\n", "eml", ("not an e-mail",)),
    "whatsapp-image": (whatsapp_media_webhook("911110000001", "image", "5550", "image/jpeg"), "whatsapp",
                       ("image", "5550", "not fetched")),
    "whatsapp-document": (whatsapp_media_webhook("911110000001", "document", "5551", "application/pdf",
                                                 filename="PO-9.pdf"), "whatsapp", ("PO-9.pdf", "not fetched")),
    "malformed-webhook": (b'{"object": "whatsapp_business_account", "entry": [', "whatsapp", ("malformed", "not JSON")),
    "webhook-not-an-object": (b"[1, 2, 3]", "whatsapp", ("malformed",)),
}


@pytest.mark.parametrize("case", list(BAD_RAW))
def test_unreadable_raw_message_is_held_and_stored(engine: Engine, case: str) -> None:
    data, kind, why = BAD_RAW[case]
    pred = engine.submit(raw_message(data, kind))
    assert pred.orders == []
    assert_held_unreadable(engine, pred, *why)
    assert stored_raw(engine, pred)[0] == data

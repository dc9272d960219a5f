"""body_blocks: what the sender wrote now, without quoted replies, earlier mails and signatures."""

from __future__ import annotations

from ordex.intake import body_blocks


def lines(text: str) -> list[str]:
    return [b.text for b in body_blocks(text)]


def test_one_block_per_nonempty_line_stripped_and_tagged() -> None:
    blocks = body_blocks("  LED bulb 9W 24 box  \n\n\tMCB 16A 10 pcs\n", source="subject")
    assert [b.text for b in blocks] == ["LED bulb 9W 24 box", "MCB 16A 10 pcs"]
    assert {(b.source, b.reader, b.confidence) for b in blocks} == {("subject", "text", 1.0)}


def test_quoted_reply_and_signature_are_removed() -> None:
    text = (
        "Dear Sir,\n\n1) Ganesh Wiring Works\n   - MCB 16A : 4 pcs\n\nThanks & regards\n"
        "Purchase Dept, Northern Power Agencies\n\n"
        "> On Tue, 3 Nov 2026, orders@supplier.example wrote:\n> Your order PO-88121 is confirmed: 60 box LED 9W."
    )
    assert lines(text) == ["Dear Sir,", "1) Ganesh Wiring Works", "- MCB 16A : 4 pcs"]


def test_attribution_line_wrapped_over_two_lines_cuts_the_rest() -> None:
    text = "LED bulb 9W 10 box\n\nOn Tue, 3 Nov 2026 at 10:02, Orders Desk <\norders@supplier.example> wrote:\nold 60 box\n"
    assert lines(text) == ["LED bulb 9W 10 box"]


def test_original_message_and_outlook_header_cut_the_earlier_mail() -> None:
    original = "PVC tape 30 roll\n-----Original Message-----\nFrom: Orders\nSent: Monday\nold order 99 box"
    assert lines(original) == ["PVC tape 30 roll"]
    outlook = (
        "MCB 32A 12 pcs\n________________________________\nFrom: Orders Desk <orders@supplier.example>\n"
        "Sent: Monday, November 2, 2026 10:00 AM\nTo: Ravi\nSubject: RE: order\n\nconfirmed 60 box"
    )
    assert lines(outlook) == ["MCB 32A 12 pcs"]


def test_outlook_forward_with_nothing_above_keeps_the_forwarded_body() -> None:
    text = "From: Volt Electricals <s@voltelec.example>\nSent: Monday\nTo: us\nSubject: order\n\nLED bulb 9W 15 box"
    assert lines(text) == ["LED bulb 9W 15 box"]


def test_signature_dashes_and_mobile_footer() -> None:
    assert lines("MCB 16A 4 pcs\n-- \nRavi Kumar\n+91 99000 11223") == ["MCB 16A 4 pcs"]
    assert lines("MCB 16A 4 pcs\n\nSent from my iPhone") == ["MCB 16A 4 pcs"]


def test_closings_in_several_forms_cut_the_signature() -> None:
    for closing in (
        "Regards,",
        "Best regards",
        "Thanks and Regards",
        "Warm regards,",
        "Sincerely",
        "Regards Ravi",
    ):
        text = f"Hi,\nLED bulb 9W 24 box\n\n{closing}\nRavi Kumar\nNorthern Power Agencies\n+91 99000 11223"
        assert lines(text) == ["Hi,", "LED bulb 9W 24 box"], closing


def test_closing_far_from_the_end_or_on_the_first_line_is_kept() -> None:
    order = "\n".join(f"item {i} - {i} box" for i in range(1, 11))
    assert lines(f"Hi,\nRegards to all\n{order}") == ["Hi,", "Regards to all", *order.splitlines()]
    assert lines("Thanks\n10 box LED bulb 9W") == ["Thanks", "10 box LED bulb 9W"]
    assert lines("LED bulb 9W 10 box\nThanks\nRavi") == ["LED bulb 9W 10 box"]


def test_forwarded_headers_dropped_and_forwarded_body_survives_outer_signature() -> None:
    text = (
        "Please process.\n\nRegards,\nRavi\n\n---------- Forwarded message ----------\n"
        "From: Volt <s@voltelec.example>\nDate: Mon, 2 Nov 2026\nSubject: order\nTo: ravi@northernpower.example\n\n"
        "LED bulb 9W x 15 box\ncopper wire 2.5 sqmm x 2 roll\n\nThanks & regards\nVolt Electricals"
    )
    assert lines(text) == ["Please process.", "LED bulb 9W x 15 box", "copper wire 2.5 sqmm x 2 roll"]


def test_kept_lines_number_the_lines_body_blocks_reads() -> None:
    from ordex.intake.text import kept_lines

    lines = ["2 ctn rice", "", "> 5 ctn dal", "Regards,", "Rohit"]
    assert kept_lines(lines) == [0, 1]
    assert [b.text for b in body_blocks("\n".join(lines))] == ["2 ctn rice"]


def test_a_table_typed_with_tabs_under_a_header_is_read_by_its_columns() -> None:
    """An e-mail body's tab-separated table: each row under a header row that names the product and quantity
    columns carries its cells as a spreadsheet row does; an empty unit cell stays empty, so the price after it is
    never the count. A blank line ends the table; lines outside it carry nothing."""
    text = ("Please supply:\nProduct\tQty.\tPack\tPrice\nVidya red 0.5mm\t150\tpcs\t165\ngeometry box senior\t60\t\t63.5\n"
            "\nS.No\tParticulars\tQty\tUOM\n1\tstaple pin no. 10\t100\tpkt\n\nname\tcity\nurgent")
    fields = [(b.text.split("\t")[0], b.fields) for b in body_blocks(text)]
    assert fields == [
        ("Please supply:", {}), ("Product", {}),
        ("Vidya red 0.5mm", {"product": "Vidya red 0.5mm", "qty": "150", "unit": "pcs", "price": "165"}),
        ("geometry box senior", {"product": "geometry box senior", "qty": "60", "price": "63.5"}),
        ("S.No", {}), ("1", {"product": "staple pin no. 10", "qty": "100", "unit": "pkt"}),
        ("name", {}), ("urgent", {}),
    ]

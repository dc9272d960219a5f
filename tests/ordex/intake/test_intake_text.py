"""body_blocks: what the sender wrote now, without quoted replies, earlier mails and signatures."""

from __future__ import annotations

from ordex.intake import body_blocks


def lines(text: str) -> list[str]:
    return [b.text for b in body_blocks(text)]


def test_one_block_per_nonempty_line_stripped_and_tagged() -> None:
    blocks = body_blocks("  tetra 1L 24 ctn  \n\n\tdahi 10 peti\n", source="subject")
    assert [b.text for b in blocks] == ["tetra 1L 24 ctn", "dahi 10 peti"]
    assert {(b.source, b.reader, b.confidence) for b in blocks} == {("subject", "text", 1.0)}


def test_quoted_reply_and_signature_are_removed() -> None:
    text = (
        "Dear Sir,\n\n1) Krishna Kirana\n   - Dahi 400g : 4 ctn\n\nThanks & regards\nPurchase Dept, Metro Dairy\n\n"
        "> On Tue, 3 Nov 2026, orders@supplier.example wrote:\n> Your order PO-88121 is confirmed: 60 ctn FCM."
    )
    assert lines(text) == ["Dear Sir,", "1) Krishna Kirana", "- Dahi 400g : 4 ctn"]


def test_attribution_line_wrapped_over_two_lines_cuts_the_rest() -> None:
    text = "tetra 1L 10 ctn\n\nOn Tue, 3 Nov 2026 at 10:02, Orders Desk <\norders@supplier.example> wrote:\nold 60 ctn\n"
    assert lines(text) == ["tetra 1L 10 ctn"]


def test_original_message_and_outlook_header_cut_the_earlier_mail() -> None:
    original = "paneer 30 pc\n-----Original Message-----\nFrom: Orders\nSent: Monday\nold order 99 ctn"
    assert lines(original) == ["paneer 30 pc"]
    outlook = (
        "ghee 1L 12 jar\n________________________________\nFrom: Orders Desk <orders@supplier.example>\n"
        "Sent: Monday, November 2, 2026 10:00 AM\nTo: Ravi\nSubject: RE: order\n\nconfirmed 60 ctn"
    )
    assert lines(outlook) == ["ghee 1L 12 jar"]


def test_outlook_forward_with_nothing_above_keeps_the_forwarded_body() -> None:
    text = "From: Sharma Traders <s@sharma.example>\nSent: Monday\nTo: us\nSubject: order\n\ntetra 1L 15 ctn"
    assert lines(text) == ["tetra 1L 15 ctn"]


def test_signature_dashes_and_mobile_footer() -> None:
    assert lines("dahi 4 ctn\n-- \nRavi Kumar\n+91 99000 11223") == ["dahi 4 ctn"]
    assert lines("dahi 4 ctn\n\nSent from my iPhone") == ["dahi 4 ctn"]


def test_closings_in_several_forms_cut_the_signature() -> None:
    for closing in (
        "Regards,",
        "Best regards",
        "Thanks and Regards",
        "Warm regards,",
        "Sincerely",
        "Regards Ravi",
    ):
        text = f"Hi,\ntetra 1L 24 ctn\n\n{closing}\nRavi Kumar\nMetro Dairy Distributors\n+91 99000 11223"
        assert lines(text) == ["Hi,", "tetra 1L 24 ctn"], closing


def test_closing_far_from_the_end_or_on_the_first_line_is_kept() -> None:
    order = "\n".join(f"item {i} - {i} ctn" for i in range(1, 11))
    assert lines(f"Hi,\nRegards to all\n{order}") == ["Hi,", "Regards to all", *order.splitlines()]
    assert lines("Thanks\n10 ctn tetra 1L") == ["Thanks", "10 ctn tetra 1L"]
    assert lines("tetra 1L 10 ctn\nThanks\nRavi") == ["tetra 1L 10 ctn"]


def test_forwarded_headers_dropped_and_forwarded_body_survives_outer_signature() -> None:
    text = (
        "Please process.\n\nRegards,\nRavi\n\n---------- Forwarded message ----------\n"
        "From: Sharma <s@sharma.example>\nDate: Mon, 2 Nov 2026\nSubject: order\nTo: ravi@metro.example\n\n"
        "tetra 1L x 15 ctn\nbutter 500 gm x 2 ctn\n\nThanks & regards\nSharma Traders"
    )
    assert lines(text) == ["Please process.", "tetra 1L x 15 ctn", "butter 500 gm x 2 ctn"]

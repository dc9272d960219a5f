"""The review page over HTTP: login by key into a signed cookie, the queue, one exception, a resolution from a
form with its CSRF token, and the page's safety headers. (The keyboard is tested in a real browser.)"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from support_serving import Svc

from serving.session import COOKIE


def _post(svc: Svc, body: dict[str, Any]) -> Any:
    return svc.client.post("/v1/messages", content=json.dumps(body).encode(), headers=svc.auth("ingest")).json()


def _login(svc: Svc, role: str = "ops") -> None:
    svc.client.cookies.clear()
    r = svc.client.post("/review/login", content=f"key={svc.keys[role]}".encode(),
                        headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and svc.keys[role] not in cookie
    logins = svc.host.store.views.audit(event="review_login")
    assert logins and logins[-1]["actor"] == f"{role}-tester" and logins[-1]["role"] == role  # the newest is last


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m is not None
    return m.group(1)


def test_without_a_session_every_page_goes_to_login_and_a_wrong_key_is_refused(svc: Svc) -> None:
    svc.client.cookies.clear()
    assert svc.client.get("/review", follow_redirects=False).headers["location"] == "/review/login"
    r = svc.client.post("/review/login", content=b"key=nope", follow_redirects=False,
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401 and "not a live key" in r.text
    svc.client.cookies.set(COOKIE, "forged.value", path="/review")
    assert svc.client.get("/review", follow_redirects=False).status_code == 303
    r = svc.client.post("/review/login", content=f"key={svc.keys['ingest']}".encode(), follow_redirects=False,
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401  # the ingest role works no queue


def test_the_queue_lists_the_exception_and_its_page_shows_names_and_candidates(svc: Svc) -> None:
    answer = _post(svc, {"sender": "+911110000003", "text": "ceiling fan 1200 brown 2 pcs", "message_id": "rev-1"})
    exception_id = answer["exception_ids"][0]
    _login(svc)
    queue = svc.client.get("/review")
    assert queue.status_code == 200 and f"/review/exceptions/{exception_id}" in queue.text
    assert "script-src 'self'" in queue.headers["content-security-policy"] and "<script>" not in queue.text
    page = svc.client.get(f"/review/exceptions/{exception_id}")
    assert page.status_code == 200 and "ceiling fan 1200 brown 2 pcs" in page.text
    view = svc.client.get(f"/v1/exceptions/{exception_id}", headers=svc.auth("ops")).json()
    assert view["code"] in page.text
    for k, line in enumerate(view["order"]["lines"]):
        for c in line["candidates"][:5]:  # each candidate offered by its product name, to pick with a digit
            assert f'name="sku-{k}" value="{c["sku"]}"' in page.text
        if not line["candidates"]:
            assert f'name="sku-{k}"' in page.text  # no candidate: the SKU is typed


def test_a_resolution_needs_the_csrf_token_then_releases_and_teaches(svc: Svc) -> None:
    answer = _post(svc, {"sender": "+911110000003", "text": "glowing gadget 2 pcs", "message_id": "rev-2"})
    [exception_id] = answer["exception_ids"]
    _login(svc)
    page = svc.client.get(f"/review/exceptions/{exception_id}").text
    form = {"action": "approve", "sku-0": "MCB-32A", "qty-0": "2"}
    bad = svc.client.post(f"/review/exceptions/{exception_id}/resolve", data={**form, "csrf": "x"},
                          follow_redirects=False)
    assert bad.status_code == 403
    ok = svc.client.post(f"/review/exceptions/{exception_id}/resolve", data={**form, "csrf": _csrf(page)},
                         follow_redirects=False)
    assert ok.status_code == 303 and "Released" in ok.headers["location"]
    again = _post(svc, {"sender": "+911110000003", "text": "glowing gadget 6 pcs", "message_id": "rev-3"})
    assert [ln["sku"] for o in again["orders"] for ln in o["lines"]] == ["MCB-32A"]  # the alias was learned
    assert "SKU_UNMATCHED" not in {e["code"] for e in again["exceptions"]}


def test_page_values_are_escaped(svc: Svc) -> None:
    answer = _post(svc, {"sender": "+911110000003", "text": "<script>alert(1)</script> gizmo 3 pcs",
                         "message_id": "rev-4"})
    _login(svc)
    for exception_id in answer["exception_ids"]:
        page = svc.client.get(f"/review/exceptions/{exception_id}").text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_pages_scripts_are_served_by_ordex_itself(svc: Svc) -> None:
    for name in ("htmx.min.js", "review.js", "review.css"):
        assert svc.client.get(f"/review/static/{name}").status_code == 200
    assert svc.client.get("/review/static/../api.py").status_code == 404


def test_a_credit_exception_shows_the_credit_position_and_a_moq_one_the_suggested_quantity(svc: Svc) -> None:
    credit = _post(svc, {"sender": "+911110000003", "text": "copper wire 2.5 sqmm 3 roll", "message_id": "page-credit"})
    assert {e["code"] for e in credit["exceptions"]} == {"CREDIT_LIMIT"}
    _login(svc, "credit")
    page = svc.client.get(f"/review/exceptions/{credit['exception_ids'][0]}").text
    for label, value in (("Order value", "6,900.00 INR"), ("Outstanding", "19,000.00"), ("Credit limit", "20,000.00")):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page
    released = re.search(r"<dt>Released since the last load</dt><dd>([\d,.]+)</dd>", page)
    assert released is not None  # what other tests of this module released for the customer counts too
    over = 6900 + 19000 + float(released.group(1).replace(",", "")) - 20000
    assert f"<dt>Over by</dt><dd>{over:,.2f}</dd>" in page
    moq = _post(svc, {"sender": "+911110000005", "text": "mcb 16a 2 pcs", "message_id": "page-moq"})
    assert {e["code"] for e in moq["exceptions"]} == {"BELOW_MOQ"}
    _login(svc)
    page = svc.client.get(f"/review/exceptions/{moq['exception_ids'][0]}").text
    assert "ordered 2 PCS; minimum 5: suggested 5 PCS" in page


@pytest.mark.slow
def test_a_photo_is_shown_upright_with_the_boxes_ocr_read(tmp_path: Path) -> None:
    import base64

    from builders import photo_jpeg
    from support import write_trade
    from support_serving import client_for, service_settings

    from ordex.keys import create_key
    from ordex.pipeline import Engine
    from serving.host import EngineHost

    settings = service_settings(tmp_path)
    host = EngineHost(Engine.open(settings, write_trade(tmp_path / "md")), settings)  # real OCR
    host.start_warm_up().join()  # OCR warm, then the worker: ready
    try:
        client = client_for(host)
        ingest, ops = create_key(host.store, "ingest", "up"), create_key(host.store, "ops", "op")
        photo = photo_jpeg(["LED 9W 5 box", "MCB 16A 10 pcs"])
        body = {"sender": "+919999999999", "message_id": "photo-1", "channel": "whatsapp", "text": "",
                "attachments": [{"filename": "list.jpg", "content_type": "image/jpeg",
                                 "content_base64": base64.b64encode(photo).decode()}]}
        answer = client.post("/v1/messages", content=json.dumps(body).encode(),
                             headers={"authorization": f"Bearer {ingest}", "content-type": "application/json"}).json()
        assert answer["status"] == "exception"
        r = client.post("/review/login", content=f"key={ops}".encode(),
                        headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
        assert r.status_code == 303
        page = client.get(f"/review/exceptions/{answer['exception_ids'][0]}").text
        assert '<svg class="photo"' in page and page.count('<rect class="box"') >= 2
        assert re.search(r"<title>LED 9W 5 box</title>", page)
        shown = client.get(f"/review/messages/{answer['message_id']}/attachments/0")
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
        from PIL import Image

        width, height = Image.open(io.BytesIO(shown.content)).size
        assert f'viewBox="0 0 {width} {height}"' in page and width > height  # upright: the lines run across
        client.cookies.clear()
        assert client.get(f"/review/messages/{answer['message_id']}/attachments/0",
                          follow_redirects=False).status_code == 303  # no session: to the login page
    finally:
        host.close()


def test_a_pdf_page_is_drawn_with_the_lines_read_from_its_text_layer(svc: Svc) -> None:
    import base64

    from builders import text_pdf

    pdf = text_pdf([[(72, 720, "Purchase order"), (72, 690, "LED 12W 4 box"), (72, 670, "MCB 32A 3 pcs")]])
    body = {"sender": "+919999999999", "message_id": "page-pdf", "channel": "email", "text": "PO attached",
            "attachments": [{"filename": "po.pdf", "content_type": "application/pdf",
                             "content_base64": base64.b64encode(pdf).decode()}]}
    answer = _post(svc, body)
    assert "CUSTOMER_UNKNOWN" in {e["code"] for e in answer["exceptions"]}
    _login(svc)
    page = svc.client.get(f"/review/exceptions/{answer['exception_ids'][0]}").text
    assert 'aria-label="po.pdf page 1 with the text read from it"' in page
    assert "<title>LED 12W 4 box</title>" in page and "<title>MCB 32A 3 pcs</title>" in page
    shown = svc.client.get(f"/review/messages/{answer['message_id']}/attachments/0/pages/0")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert svc.client.get(f"/review/messages/{answer['message_id']}/attachments/0/pages/7").status_code == 404

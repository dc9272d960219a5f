"""The conversation with the dealer, on the wire: a fake WhatsApp Graph API over real HTTP and a real SMTP server
(aiosmtpd) receive what ordex sends; the dealer's replies come in as webhooks and e-mails, as in production.

Confirmation once per released order (also across a restart), a question answered with "2", a reply that
corrects a quantity, "same as last time", and an answer that is no option going to ops with the conversation.
"""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Iterator
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from support import write_trade
from support_serving import (
    SECRET,
    TOKEN,
    client_for,
    open_host,
    raw_mail,
    signature,
    status_webhook,
    text_webhook,
    wait_for,
)

from ordex.conversation.options import ConversationOptions
from ordex.keys import create_key
from serving.host import EngineHost

PHONE = "911110000001"  # Volt Electricals (E100) on WhatsApp
FAST = ConversationOptions(poll_seconds=0.05, backoff_seconds=0.05, settle_seconds=0.0, burst_minutes=0.0)


class GraphSends:
    """A Graph API that takes ``POST /v21.0/{phone_number_id}/messages`` and answers a wamid, as Meta does;
    ``fail_next`` makes the next sends answer 500."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.failing = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.headers.get("authorization") != f"Bearer {TOKEN}":
                    return self.answer(401, {"error": "bad token"})
                if server.failing > 0:
                    server.failing -= 1
                    return self.answer(500, {"error": "try later"})
                server.paths.append(self.path)
                server.sent.append(json.loads(body))
                return self.answer(200, {"messaging_product": "whatsapp",
                                         "messages": [{"id": f"wamid.out.{len(server.sent)}"}]})

            def answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v21.0"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def to(self, phone: str) -> list[dict[str, Any]]:
        return [b for b in self.sent if b["to"] == phone]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Mailbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def webhook_now(text: str, wamid: str, phone: str) -> bytes:
    """A text webhook stamped now (the 24-hour window and the reply windows count from the dealer's message)."""
    body = json.loads(text_webhook(text, wamid, phone))
    body["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(int(time.time()))
    return json.dumps(body).encode()




@pytest.fixture(scope="module")
def graph() -> Iterator[GraphSends]:
    g = GraphSends()
    yield g
    g.close()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks its own port once started: give it a free one
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def open_talking_host(tmp: Path, md: Path, graph: GraphSends, mailbox: Mailbox,
                      opts: ConversationOptions = FAST) -> EngineHost:
    return open_host(tmp, md, whatsapp_access_token=TOKEN, whatsapp_graph_url=graph.base_url,
                     whatsapp_phone_number_id="1555000111", smtp_host="127.0.0.1",
                     smtp_port=mailbox.port,
                     mail_from="orders@distributor.example", conversation=opts)


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory, graph: GraphSends, mailbox: Mailbox) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("talk")
    md = write_trade(tmp / "md")
    host = open_talking_host(tmp, md, graph, mailbox)
    key = create_key(host.store, "ingest", "upstream")
    client = client_for(host)

    class Talk:
        def whatsapp(self, text: str, wamid: str, phone: str = PHONE) -> None:
            body = webhook_now(text, wamid, phone)
            r = client.post("/v1/webhooks/whatsapp", content=body,
                            headers={"x-hub-signature-256": signature(body, SECRET),
                                     "content-type": "application/json"})
            assert r.status_code == 200, r.text

        def result(self, wamid: str) -> dict[str, Any]:
            row = wait_for(lambda: host.store.views.message_row(wamid))
            return wait_for(lambda: host.store.prediction(row))  # type: ignore[no-any-return]

        def mail(self, raw: bytes) -> dict[str, Any]:
            r = client.post("/v1/messages/email", content=raw,
                            headers={"authorization": f"Bearer {key}", "content-type": "message/rfc822"})
            assert r.status_code == 200, r.text
            return r.json()  # type: ignore[no-any-return]

    t = Talk()
    t.host = host  # type: ignore[attr-defined]
    t.client = client  # type: ignore[attr-defined]
    yield t
    host.close()


def texts(bodies: list[dict[str, Any]]) -> list[str]:
    """The text of each WhatsApp message sent (a text body, or an interactive message's body)."""
    return [b["text"]["body"] if b["type"] == "text" else b["interactive"]["body"]["text"] for b in bodies]


def test_a_released_whatsapp_order_is_confirmed_once_with_names_quantities_and_reference(talk: Any,
                                                                                         graph: GraphSends) -> None:
    before = len(graph.to(PHONE))
    talk.whatsapp("9 watt 5 dabba aur 16 amp mcb 10 pc bhejo", "wamid.conf1")
    pred = talk.result("wamid.conf1")
    assert pred["status"] == "auto"
    sent = wait_for(lambda: graph.to(PHONE)[before:])
    body = sent[0]
    assert graph.paths[-1] == "/v21.0/1555000111/messages"
    assert body["type"] == "text" and body["context"] == {"message_id": "wamid.conf1"}
    text = body["text"]["body"]
    assert f"ORD-{pred['order_ids'][0]}" in text
    assert "5 box LED Bulb 9 W Cool Day Light" in text and "10 pcs MCB Single Pole 16 A" in text
    assert "Delivery:" in text
    time.sleep(0.5)
    assert len(graph.to(PHONE)) == before + 1  # once
    wamid = f"wamid.out.{graph.sent.index(body) + 1}"  # the id the Graph API answered for it
    for status in ("delivered", "read", "delivered"):  # statuses come back on the webhook, out of order too
        raw = status_webhook(wamid, status)
        talk.client.post("/v1/webhooks/whatsapp", content=raw,
                         headers={"x-hub-signature-256": signature(raw, SECRET), "content-type": "application/json"})
    row = next(o for o in talk.host.store.outbox.listing() if o.provider_id == wamid)
    assert row.payload["delivery"] == "read"
    trail = [e["detail"].get("status") for e in talk.host.store.views.audit(pred["message_id"])
             if e["event"] == "dealer_message_status"]
    assert trail == ["delivered", "read"]


def test_a_reply_correcting_a_quantity_amends_the_order_and_confirms_it_again(talk: Any, graph: GraphSends) -> None:
    talk.whatsapp("9 watt 2 dabba bhejo", "wamid.amend0")
    pred = talk.result("wamid.amend0")
    assert pred["status"] == "auto"
    order_id = pred["order_ids"][0]
    wait_for(lambda: any(f"ORD-{order_id} noted" in t for t in texts(graph.to(PHONE))))
    talk.whatsapp("9 watt 4 not 2", "wamid.amend1")
    reply = talk.result("wamid.amend1")
    assert reply["status"] == "no_order" and reply["exceptions"] == []
    order = talk.host.store.views.order(order_id)
    assert order["state"] == "released" and [(ln["sku"], ln["qty"]) for ln in order["lines"]] == [("LED-9W", 4)]
    updated = wait_for(lambda: [t for t in texts(graph.to(PHONE)) if f"Updated order ORD-{order_id}" in t])
    assert "4 box LED Bulb 9 W" in updated[0]
    events = [e["event"] for e in talk.host.store.views.audit(order["message_id"])]
    assert "amended" in events


def test_add_more_joins_the_order_just_confirmed(talk: Any, graph: GraphSends) -> None:
    talk.whatsapp("9 watt 3 dabba", "wamid.add0")
    order_id = talk.result("wamid.add0")["order_ids"][0]
    wait_for(lambda: any(f"ORD-{order_id} noted" in t for t in texts(graph.to(PHONE))))
    talk.whatsapp("add 2 more dabba of 9 watt", "wamid.add1")
    talk.whatsapp("aur 6 pc mcb 32a bhi", "wamid.add2")
    assert talk.result("wamid.add1")["status"] == talk.result("wamid.add2")["status"] == "no_order"
    order = talk.host.store.views.order(order_id)
    assert [(ln["sku"], ln["qty"]) for ln in order["lines"]] == [("LED-9W", 5), ("MCB-32A", 6)]
    wait_for(lambda: any(f"Updated order ORD-{order_id}" in t and "6 pcs MCB Double Pole 32 A" in t
                         for t in texts(graph.to(PHONE))))


def test_a_question_answered_with_2_resolves_the_exception_and_teaches_the_alias(talk: Any, graph: GraphSends) -> None:
    talk.whatsapp("led bulb 4 box", "wamid.ask1")
    pred = talk.result("wamid.ask1")
    assert pred["status"] == "exception" and {e["code"] for e in pred["exceptions"]} == {"SKU_UNMATCHED"}
    asked = wait_for(lambda: [b for b in graph.to(PHONE) if b["type"] == "interactive"])[-1]
    buttons = asked["interactive"]["action"]["buttons"]
    titles = [b["reply"]["title"] for b in buttons]
    assert len(titles) == 2 and all(t.startswith(f"{i}. LED Bulb") for i, t in enumerate(titles, start=1))
    second = "LED-12W" if "12" in titles[1] else "LED-9W"
    talk.whatsapp("2", "wamid.ask2")
    assert talk.result("wamid.ask2")["status"] == "no_order"
    order = talk.host.store.views.order(pred["order_ids"][0])
    assert order["state"] == "released"
    assert [(ln["sku"], ln["qty"]) for ln in order["lines"]] == [(second, 4)]
    assert ("E100", "led bulb", second) in {(c, a, s) for c, a, s, _ in talk.host.store.learned_aliases()}
    wait_for(lambda: any(f"ORD-{order['order_id']} noted" in t for t in texts(graph.to(PHONE))))
    talk.whatsapp("led bulb 6 box", "wamid.ask3")  # the alias is used at once
    again = talk.result("wamid.ask3")
    assert [ln["sku"] for o in again["orders"] for ln in o["lines"]] == [second]


def test_an_answer_that_is_no_option_goes_to_ops_with_the_conversation(talk: Any, graph: GraphSends) -> None:
    talk.whatsapp("wire 2 roll", "wamid.vague1")
    pred = talk.result("wamid.vague1")
    assert {e["code"] for e in pred["exceptions"]} == {"SKU_UNMATCHED"}
    wait_for(lambda: any('"wire 2 roll"' in t for t in texts(graph.to(PHONE))))
    talk.whatsapp("the red one", "wamid.vague2")
    talk.result("wamid.vague2")
    exc = talk.host.store.views.exception(pred["exception_ids"][0])
    assert exc["state"] == "open" and "the red one" in exc["detail"]
    ops = create_key(talk.host.store, "ops", "ops-talk")
    talk.client.post("/review/login", content=f"key={ops}".encode(),
                     headers={"content-type": "application/x-www-form-urlencoded"})
    page = talk.client.get(f"/review/exceptions/{exc['exception_id']}").text
    assert "<dt>Asked the dealer</dt>" in page and "the answer was not an option" in page
    assert "1. Copper Wire 1.5 sqmm Red; 2. Copper Wire 2.5 sqmm Red" in page


def test_same_as_last_time_repeats_the_customers_last_order_for_confirmation(talk: Any, graph: GraphSends) -> None:
    phone = "911110000005"  # Ganesh Wiring Works: no order in ordex yet, one in the loaded history
    talk.whatsapp("same as last time", "wamid.rep1", phone)
    pred = talk.result("wamid.rep1")
    assert pred["status"] == "auto"
    assert sorted((ln["sku"], ln["qty"]) for o in pred["orders"] for ln in o["lines"]) == [("LED-9W", 5), ("WIRE-1.5", 3)]
    sent = wait_for(lambda: texts(graph.to(phone)))
    assert f"ORD-{pred['order_ids'][0]}" in sent[0] and "3 roll Copper Wire 1.5 sqmm Red" in sent[0]


def test_an_email_order_is_answered_in_its_thread_in_text_and_html(talk: Any, mailbox: Mailbox) -> None:
    answer = talk.mail(raw_mail("LED 12W 3 box\nMCB 32A 4 pcs", message_id="<po-900@voltelec.example>"))
    assert answer["status"] == "auto"
    reply = wait_for(lambda: [m for m in mailbox.messages if m["In-Reply-To"] == "<po-900@voltelec.example>"])[0]
    assert reply["To"] == "buy@voltelec.example" and reply["Subject"] == "Re: Order"
    assert "<po-900@voltelec.example>" in reply["References"]
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in reply.walk()
             if not p.is_multipart()}
    assert "3 box LED Bulb 12 W Cool Day Light" in parts["text/plain"]
    assert "<td>LED Bulb 12 W Cool Day Light</td>" in parts["text/html"]


def test_a_confirmation_is_sent_once_across_a_failed_send_a_crash_and_a_restart(
        tmp_path: Path, graph: GraphSends, mailbox: Mailbox) -> None:
    md = write_trade(tmp_path / "md")
    phone = "911110000002"
    graph.failing = 10**6  # the Graph API is down: every send fails until the "crash"
    host = open_talking_host(tmp_path, md, graph, mailbox)
    body = webhook_now("led 12w 3 box", "wamid.crash1", phone)
    client_for(host).post("/v1/webhooks/whatsapp", content=body,
                          headers={"x-hub-signature-256": signature(body, SECRET), "content-type": "application/json"})
    row = wait_for(lambda: host.store.views.message_row("wamid.crash1"))
    assert wait_for(lambda: host.store.prediction(row))["status"] == "auto"
    wait_for(lambda: any(o.attempts >= 2 for o in host.store.outbox.listing()))
    host.close()  # the process goes away with the confirmation unsent
    graph.failing = 0
    restarted = open_talking_host(tmp_path, md, graph, mailbox)
    wait_for(lambda: graph.to(phone))
    restarted.close()
    again = open_talking_host(tmp_path, md, graph, mailbox)  # and once more: nothing is sent twice
    time.sleep(0.5)
    again.close()
    assert len(graph.to(phone)) == 1
    assert [o.state for o in again.store.outbox.listing() if o.recipient == f"+{phone}"] == ["sent"]


def test_an_order_sent_in_a_burst_of_messages_is_one_order_confirmed_once(
        tmp_path: Path, graph: GraphSends, mailbox: Mailbox) -> None:
    md = write_trade(tmp_path / "md")
    phone = "911110000006"
    host = open_talking_host(tmp_path, md, graph, mailbox, FAST.model_copy(update={"settle_seconds": 2.0,
                                                                                   "burst_minutes": 3.0}))
    client = client_for(host)
    results = []
    try:
        for k, text in enumerate(["led 12w 3 box", "mcb 32a 2 pcs"]):
            body = webhook_now(text, f"wamid.burst{k}", phone)
            client.post("/v1/webhooks/whatsapp", content=body,
                        headers={"x-hub-signature-256": signature(body, SECRET), "content-type": "application/json"})
            row = wait_for(lambda k=k: host.store.views.message_row(f"wamid.burst{k}"))
            results.append(wait_for(lambda row=row: host.store.prediction(row)))
        assert [r["status"] for r in results] == ["auto", "auto"]
        first, second = results[0]["order_ids"][0], results[1]["order_ids"][0]
        sent = wait_for(lambda: texts(graph.to(phone)))
        time.sleep(2.5)
        assert len(graph.to(phone)) == 1
        assert f"ORD-{first}" in sent[0] and "LED Bulb 12 W" in sent[0] and "MCB Double Pole 32 A" in sent[0]
        assert host.store.views.order(second)["state"] == "merged"
        assert [ln["sku"] for ln in host.store.views.order(first)["lines"]] == ["LED-12W", "MCB-32A"]
    finally:
        host.close()

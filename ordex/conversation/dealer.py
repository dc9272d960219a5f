"""The dealer's side of the conversation: a reply that answers a question, corrects or cancels an order just
confirmed, or asks for an earlier order again, is settled here before (instead of) the pipeline.

``Conversation.intercept`` runs on every accepted message in the worker, under its lock. It answers None for
a message that is none of these, and the pipeline reads it as an order. What it settles is stored as the
message's result (``no_order`` for a reply; the repeated order for a repeat) and audited with the dealer as the
actor, so the trail shows who changed what.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rapidfuzz import fuzz

from models.matcher import normalize
from ordex.conversation import replies
from ordex.conversation.options import ConversationOptions
from ordex.keys import Principal
from ordex.pipeline import Engine
from ordex.prediction import Answer, Prediction
from ordex.resolve import LineFix, Resolution, ResolveError, amend, merge, resolve, stored_fix
from ordex.schema import ASKABLE, Case, Code, Finding, Line, Message, Status, reply_channel
from ordex.stages.split import customer_of_sender
from ordex.store.outbox import Outbound

log = logging.getLogger("ordex.conversation")
BURST = Principal("ordex burst", "system")  # the actor of a merge: no person decided it
SAME_PHRASE = 80  # rapidfuzz score a reply's words need against a line to name it


class Conversation:
    """Reads a dealer's message in the light of what ordex last said to them."""

    def __init__(self, engine: Engine, opts: ConversationOptions, notify: Callable[[], None] = lambda: None) -> None:
        self.engine, self.store, self.opts, self.notify = engine, engine.store, opts, notify

    def intercept(self, row: int, message: Message) -> Answer | None:
        """Settle a reply, a correction, a repeat or a cancel; None to let the pipeline read the message."""
        if not self.opts.enabled:
            return None
        case = self.engine.run(Case(message=message), ("intake",))
        m = case.message
        if case.findings or m.attachments or reply_channel(m.channel, m.sender) is None:
            return None
        text = replies.first_words(m.text)
        if not text or len(text) > 300:
            return None
        answer = self._answer(row, case, text)
        if answer is not None:
            return answer
        customer = customer_of_sender(m.sender, self.engine.md)
        if customer is None:
            return None
        if (fix := replies.correction(text)) is not None:
            done = self._correct(row, case, fix)
            if done is not None:
                return done
        if replies.cancel_order(text):
            done = self._cancel(row, case, customer.customer_id)
            if done is not None:
                return done
        if (more := replies.addition(text)) is not None:
            done = self._add(row, case, more)
            if done is not None:
                return done
        if (again := replies.repeat(text)) is not None:
            return self._repeat(row, message, customer.customer_id, again)
        return None

    def after(self, row: int, answer: Answer) -> None:
        """A released order that follows the sender's previous one within the burst window joins it."""
        if not self.opts.enabled or self.opts.burst_minutes <= 0 or answer.status != "auto":
            return
        pair = self.store.burst_order(row, self.opts.burst_minutes)
        if pair is not None and merge(self.store, self.engine.md, pair[0], pair[1], BURST, str(row)):
            self.engine.sync()
            self.notify()

    # -- a question's answer -------------------------------------------------------------------------------
    def _answer(self, row: int, case: Case, text: str) -> Answer | None:
        m = case.message
        q = self.store.outbox.open_question(m.sender, m.received_at - timedelta(minutes=self.opts.question_minutes))
        if q is None or q.exception_id is None:
            return None
        options = q.payload.get("options") or []
        n = replies.choice(text, [str(o.get("label", "")) for o in options])
        dealer = Principal(f"dealer {m.sender}", "dealer")
        if n is None:
            if self.store.outbox.close(q.id, "not_understood", row):
                self.store.note_exception(q.exception_id, f"asked the dealer; the answer was not an option: {text!r}",
                                          row, dealer.name)
            return None  # read as any message: it may be an order of its own
        picked = options[n - 1]
        fixes = self._lines_with(q, int(q.payload["line"]), picked)
        try:
            result = resolve(self.store, self.engine.md, q.exception_id, Resolution(action="approve", lines=fixes),
                             dealer)
        except ResolveError as e:
            log.info("the dealer's answer to question %s came too late: %s", q.id, e.message)
            self.store.outbox.close(q.id, f"too_late: {e.code}", row)
            return self._reply(row, case, {"answered": q.id, "applied": False, "why": e.message})
        self.store.outbox.close(q.id, "answered", row)
        self.engine.sync()
        if not result.get("released") and result.get("order"):
            self._ask_next(q, result["order"])
        self.notify()
        return self._reply(row, case, {"answered": q.id, "option": n, "exception_id": q.exception_id,
                                       "released": result.get("released"), "learned": result.get("learned")})

    @staticmethod
    def _lines_with(q: Outbound, index: int, picked: dict[str, Any]) -> list[LineFix]:
        """The order's lines as they stand, the asked line as the dealer picked it."""
        pick = {"sku": picked["sku"], "qty": picked["qty"], "uom": picked.get("uom")}
        return [stored_fix(d, **pick) if i == index else stored_fix(d) for i, d in enumerate(q.order_lines)]

    def _ask_next(self, q: Outbound, order: dict[str, Any]) -> None:
        """After an answer, ask about the next line the dealer can settle, if that is all that holds the order."""
        open_ = [e for e in order.get("exceptions", []) if e.get("state") == "open"]
        if not open_ or any(e["code"] not in ASKABLE for e in open_) or q.message_id is None:
            return
        e = open_[0]
        view = self.store.views.exception(e["exception_id"]) or {}
        self.store.outbox.queue(q.message_id, f"question:{e['exception_id']}", "question", order_id=q.order_id,
                                exception_id=e["exception_id"], payload={"code": e["code"], "line": view.get("line")})

    # -- a correction of a confirmed order ---------------------------------------------------------------
    def _correct(self, row: int, case: Case, fix: replies.Correction) -> Answer | None:
        m = case.message
        conf = self._confirmed(m)
        if conf is None or conf.order_id is None:
            return None
        lines = conf.order_lines
        at = self._line_named(lines, fix)
        dealer = Principal(f"dealer {m.sender}", "dealer")
        if at is None:
            return self._hold(row, case, f"a correction of order ORD-{conf.order_id} names no single line of it: "
                                         f"{m.text.strip()[:200]!r}")
        kept = [d for i, d in enumerate(lines) if not (fix.drop and i == at)]
        fixes = None if not kept else [
            stored_fix(d, qty=fix.qty) if i == at and fix.qty is not None else stored_fix(d)
            for i, d in enumerate(lines) if not (fix.drop and i == at)]
        try:
            result = amend(self.store, self.engine.md, conf.order_id, fixes, dealer, m.text.strip()[:500], str(row))
        except ResolveError as e:
            return self._hold(row, case, f"could not correct order ORD-{conf.order_id}: {e.message}")
        self.engine.sync()
        self.notify()
        return self._reply(row, case, {"corrected": conf.order_id, **result})

    def _confirmed(self, m: Message) -> Outbound | None:
        """The last confirmation sent to this sender within the correction window, with its order as it stands."""
        return self.store.outbox.last_sent(m.sender, ("confirmation", "amended"),
                                           m.received_at - timedelta(hours=self.opts.correction_hours))

    def _line_named(self, lines: list[dict[str, Any]], fix: replies.Correction) -> int | None:
        """The one line the correction's words name (its product's name, its mention or its text), preferring
        the line with the quantity it says it replaces."""
        said = normalize(fix.phrase)
        if not said:
            return 0 if len(lines) == 1 else None
        scored = []
        for i, d in enumerate(lines):
            p = self.engine.md.product(d.get("sku"))
            names = [normalize(x) for x in (p.description if p else "", d.get("product") or "", d.get("text") or "")]
            score = max(fuzz.partial_ratio(said, n) for n in names if n) if any(names) else 0
            if score >= SAME_PHRASE:
                scored.append((score + (10 if fix.was is not None and float(d.get("qty") or 0) == fix.was else 0), i))
        scored.sort(reverse=True)
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        return scored[0][1]

    def _add(self, row: int, case: Case, more: str) -> Answer | None:
        """"add 2 more peti of X": the words read as order lines and added to the order just confirmed (to the
        same SKU's line when it has one); None when no order was confirmed lately (it is read as a new order)."""
        m = case.message
        current = self._confirmed(m)
        if current is None or current.order_id is None:
            return None
        only = m.model_copy(update={"text": more, "raw": None, "raw_kind": None, "attachments": ()})
        read = self.engine.run(Case(message=only), ("intake", "read", "split", "tag", "match"))
        sure = self.engine.settings.sku_threshold
        if not read.lines or any(not ln.sku or not ln.sku_qty or ln.sku_confidence < sure or ln.qty_vague
                                 or ln.qty_note for ln in read.lines):
            return self._hold(row, case, f"an addition to order ORD-{current.order_id} that could not be read "
                                         f"with confidence: {more!r}")
        lines = [dict(d) for d in current.order_lines]
        for ln in read.lines:
            same = next((d for d in lines if d.get("sku") == ln.sku), None)
            if same is not None:
                same["qty"] = float(same["qty"]) + float(ln.sku_qty or 0)
            else:
                lines.append({"sku": ln.sku, "qty": ln.sku_qty, "uom": ln.uom, "text": ln.text})
        fixes = [stored_fix(d) for d in lines]
        try:
            result = amend(self.store, self.engine.md, current.order_id, fixes,
                           Principal(f"dealer {m.sender}", "dealer"), m.text.strip()[:500], str(row))
        except ResolveError as e:
            return self._hold(row, case, f"could not add to order ORD-{current.order_id}: {e.message}")
        self.engine.sync()
        self.notify()
        return self._reply(row, case, {"added_to": current.order_id, **result})

    # -- cancel and repeat ---------------------------------------------------------------------------------
    def _cancel(self, row: int, case: Case, customer_id: str) -> Answer | None:
        m = case.message
        since = m.received_at - timedelta(hours=self.opts.correction_hours)
        order_id = self.store.latest_order(customer_id, since)
        if order_id is None:
            return None
        try:
            result = amend(self.store, self.engine.md, order_id, None, Principal(f"dealer {m.sender}", "dealer"),
                           m.text.strip()[:500], str(row))
        except ResolveError as e:
            return self._hold(row, case, f"could not cancel order ORD-{order_id}: {e.message}")
        self.notify()
        return self._reply(row, case, {"cancelled": order_id, **result})

    def _repeat(self, row: int, message: Message, customer_id: str, again: replies.Repeat) -> Answer:
        """The customer's last order (yesterday's, when asked) as a new order, through the rules."""
        def lines_for(case: Case) -> tuple[list[Line], list[Finding]]:
            when = case.message.received_at
            since = when - timedelta(days=2) if again.yesterday else None
            past = self.store.customer_orders(customer_id, when, since, limit=1)
            rows = past[0][2] if past else self._from_history(customer_id, when)
            text = case.message.text.strip()
            if not rows:
                return [], [Finding(code=Code.SKU_UNMATCHED, queue="catalog", section=0,
                                    detail=f"asked for an earlier order again ({text[:80]!r}), but there is no "
                                           "earlier order of this customer on record")]
            out = [Line(section=0, text=text, product=str(d.get("product") or d.get("text") or d["sku"]),
                        qty=float(d["qty"]), unit=d.get("uom"), sku=d["sku"], sku_confidence=1.0,
                        sku_qty=float(d["qty"]), uom=d.get("uom"), confidence=1.0, qty_confidence=1.0)
                   for d in rows if d.get("sku") and d.get("qty")]
            return out, []

        answer = self.engine.process_lines(row, message, lines_for)
        self.store.audit("dealer_repeat", actor=f"dealer {message.sender}", role="dealer", channel=message.channel,
                         message_id=row, detail={"orders": answer.order_ids, "status": answer.status})
        self.notify()
        return answer

    def _from_history(self, customer_id: str, before: Any) -> list[dict[str, Any]]:
        """The customer's newest order in the history the distributor loaded, when ordex has none of its own."""
        past = [h for h in self.engine.md.history if h.customer_id == customer_id and h.received_at < before]
        if not past:
            return []
        last = max(past, key=lambda h: h.received_at)
        return [{"sku": ln.sku, "qty": float(ln.qty), "uom": ln.uom} for ln in last.lines]

    # -- results -------------------------------------------------------------------------------------------
    def _reply(self, row: int, case: Case, detail: dict[str, Any]) -> Answer:
        """Store a settled reply as its message's result: no order of its own, the change audited."""
        return self._save(row, case, (), {"event": "dealer_reply", **detail})

    def _hold(self, row: int, case: Case, why: str) -> Answer:
        """A reply that asks for a change ordex cannot make: held for ops with the words it could not place."""
        return self._save(row, case, (Finding(code=Code.QTY_UNCLEAR, queue="catalog", detail=why),),
                          {"event": "dealer_reply", "held": why})

    def _save(self, row: int, case: Case, findings: tuple[Finding, ...], detail: dict[str, Any]) -> Answer:
        status = Status.EXCEPTION if findings else Status.NO_ORDER
        case = case.model_copy(update={"findings": findings, "status": status})
        pred = Prediction.of(case, 0.0)
        ids = self.store.save_result(row, str(status), case.model_dump(mode="json", exclude={"message": {"raw", "attachments"}}),
                                     pred.model_dump(mode="json"), [],
                                     [f.model_dump(mode="json") for f in findings], case.message.received_at,
                                     self.engine.load_id)
        self.store.audit("dealer_reply", actor=f"dealer {case.message.sender}", role="dealer",
                         channel=case.message.channel, message_id=row, detail=detail)
        return Answer.model_construct(**dict(pred), message_id=row, order_ids=ids["order_ids"],
                                      exception_ids=ids["exception_ids"])

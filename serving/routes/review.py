"""The review page (``/review``): ops work their exception queues in a browser, keyboard first.

Server-rendered with Jinja2 (every value escaped), htmx and the page's own script served by ordex itself (no
CDN, no inline script: the Content-Security-Policy allows only 'self'). Login is an API key of a queue's role,
kept as a signed, http-only, same-site session cookie (``serving.session``); every form carries the session's
CSRF token. A resolution is the same call as ``POST /v1/exceptions/{id}/resolve``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ordex.keys import Principal, hash_key
from ordex.resolve import Resolution, ResolveError, needs
from ordex.store.outbox import Outbound
from serving import session
from serving.host import EngineHost, current_host
from serving.routes.kpis import figures as kpi_figures
from serving.routes.kpis import kpi_range

Host = Annotated[EngineHost, Depends(current_host)]
HERE = Path(__file__).resolve().parent.parent
TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)
STATIC = {"htmx.min.js": "text/javascript", "review.js": "text/javascript", "review.css": "text/css"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}
FORM_LIMIT = 64 * 1024


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A rendered template with the page's security headers."""
    return HTMLResponse(TEMPLATES.get_template(name).render(**context), status_code=status, headers=SECURITY_HEADERS)


async def _form(request: Request) -> dict[str, str]:
    """An url-encoded form's fields (first value of each); empty when the body is too large or not a form."""
    body = await request.body()
    if len(body) > FORM_LIMIT:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), max_num_fields=2000).items()}


def _secret(host: EngineHost) -> bytes:
    """The secret this service signs review cookies with (``ORDEX_SESSION_SECRET`` or one in its data_dir)."""
    return session.signing_secret(host.settings.session_secret, host.settings.data_dir)


def _signed_in(request: Request, host: EngineHost) -> tuple[session.Session, Principal] | None:
    """The session and principal of a request's review cookie, while its key is live."""
    current = session.read(_secret(host), request.cookies.get(session.COOKIE))
    if current is None:
        return None
    principal = host.auth.check_digest(current.key_digest)
    return (current, principal) if principal is not None and principal.queues() else None


class NotSignedIn(HTTPException):
    """A review page asked for without a live session: answered with the login page (its own handler)."""

    def __init__(self) -> None:
        super().__init__(status_code=303, detail="sign in first")


def _signed(request: Request, host: Host) -> tuple[session.Session, Principal]:
    """The request's session and principal (a dependency of every signed-in page)."""
    signed = _signed_in(request, host)
    if signed is None:
        raise NotSignedIn()
    return signed


SignedIn = Annotated[tuple[session.Session, Principal], Depends(_signed)]


def _to_login() -> RedirectResponse:
    return RedirectResponse("/review/login", status_code=303, headers=SECURITY_HEADERS)


# -- pages --------------------------------------------------------------------------------------------------------
async def login_page(request: Request) -> HTMLResponse:
    """The login form: an API key of a queue's role."""
    return _page("review/login.html", error=None)


async def login(request: Request, host: Host) -> Response:
    """Check the key; on success set the session cookie and go to the queue."""
    key = (await _form(request)).get("key", "").strip()
    principal = await run_in_threadpool(host.auth.check, key)
    if principal is None or not principal.queues():
        error = "That key is not a live key of a role that works a queue."
        return _page("review/login.html", status=401, error=error)
    cookie, _ = session.issue(_secret(host), hash_key(key))
    await run_in_threadpool(host.store.audit, "review_login", actor=principal.name, role=principal.role,
                            detail={"queues": list(principal.queues())})
    response = RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(session.COOKIE, cookie, max_age=session.MAX_AGE_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/review")
    return response


async def logout(request: Request, host: Host) -> Response:
    """End the session (the form carries the CSRF token)."""
    signed = _signed_in(request, host)
    if signed is not None and session.csrf_ok(signed[0], (await _form(request)).get("csrf")):
        await run_in_threadpool(host.store.audit, "review_logout", actor=signed[1].name, role=signed[1].role)
        response = _to_login()
        response.delete_cookie(session.COOKIE, path="/review")
        return response
    return _to_login()


def _queue_rows(host: EngineHost, principal: Principal, filters: dict[str, str]) -> dict[str, Any]:
    """The open exceptions of the caller's queues, lowest confidence and oldest first, with counts and filters."""
    views = host.store.views.queue(principal.queues())
    by_queue = Counter(v["queue"] for v in views)
    by_code = Counter(v["code"] for v in views)
    rows = [v for v in views
            if (not filters.get("queue") or v["queue"] == filters["queue"])
            and (not filters.get("code") or v["code"] == filters["code"])
            and (not filters.get("channel") or v["message"]["channel"] == filters["channel"])
            and (not filters.get("customer") or (v["order"] or {}).get("customer_id") == filters["customer"])]
    rows.sort(key=lambda v: (_confidence(v), v["created_at"] or "", v["exception_id"]))
    return {"rows": rows, "by_queue": sorted(by_queue.items()), "by_code": sorted(by_code.items()),
            "channels": sorted({v["message"]["channel"] for v in views}),
            "customers": sorted({(v["order"] or {}).get("customer_id") or "" for v in views} - {""})}


def _confidence(view: dict[str, Any]) -> float:
    """How sure the pipeline was of what an exception concerns: its line's, else its order's weakest line's."""
    line = view["extracted"].get("line")
    lines = [line] if line else (view["order"] or {}).get("lines") or []
    return min((float(ln.get("confidence") or 0.0) for ln in lines), default=0.0)


async def queue_page(request: Request, host: Host, signed: SignedIn) -> Response:
    """The queues a role works: counts per queue and code, filters, and the list to work through."""
    current, principal = signed
    filters = {k: request.query_params.get(k, "") for k in ("queue", "code", "channel", "customer")}
    data = await run_in_threadpool(_queue_rows, host, principal, filters)
    return _page("review/queue.html", principal=principal, csrf=current.csrf, filters=filters,
                 notice=request.query_params.get("notice", ""), **data)


def _named(host: EngineHost, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order lines with their SKU's and candidates' product names."""
    def name(sku: str | None) -> str:
        product = host.engine.md.product(sku) if sku else None
        return product.description if product is not None else ""
    return [{**ln, "name": name(ln.get("sku")),
             "candidates": [{**c, "name": name(c.get("sku"))} for c in ln.get("candidates") or []]} for ln in lines]


async def exception_page(exception_id: int, request: Request, host: Host, signed: SignedIn) -> Response:
    """One exception: the message as received, what was read line by line, candidates, what is needed."""
    current, principal = signed
    view = await run_in_threadpool(host.store.views.exception, exception_id)
    if view is None or view["queue"] not in principal.queues():
        return _page("review/missing.html", status=404, principal=principal, csrf=current.csrf,
                     exception_id=exception_id)
    lines = _named(host, (view["order"] or {}).get("lines") or [])
    facts = await run_in_threadpool(_facts, host, view)
    figures = await run_in_threadpool(_figures, host, view)
    return _page("review/exception.html", principal=principal, csrf=current.csrf, view=view, needs=needs(view),
                 lines=lines, focus=view.get("line") or 0, notice=request.query_params.get("notice", ""),
                 facts=facts, figures=figures)


async def kpis_page(request: Request, host: Host, signed: SignedIn) -> Response:
    """The KPIs of a range as figures and server-side SVG charts (no script, no CDN)."""
    current, principal = signed
    if not principal.may("kpis.read"):
        return _page("review/missing.html", status=403, principal=principal, csrf=current.csrf, exception_id=0,
                     forbidden=True)
    def day(name: str) -> datetime | None:
        value = request.query_params.get(name, "")
        try:
            return datetime.fromisoformat(value) if value else None
        except ValueError:
            return None
    r = kpi_range(day("from"), day("to"), request.query_params.get("channel") or None)
    k = await run_in_threadpool(kpi_figures, host, r)
    return _page("review/kpis.html", principal=principal, csrf=current.csrf, k=k)


async def deliveries_page(request: Request, host: Host, signed: SignedIn) -> Response:
    """The ERP dead letters, each with a re-drive button (the ``deliveries`` grant: ops and admin)."""
    current, principal = signed
    if not principal.may("deliveries"):
        return _page("review/missing.html", status=403, principal=principal, csrf=current.csrf, exception_id=0,
                     forbidden=True)
    rows = await run_in_threadpool(host.store.outbox.listing, 200, "erp", "dead")
    return _page("review/deliveries.html", principal=principal, csrf=current.csrf, rows=rows,
                 notice=request.query_params.get("notice", ""))


async def redrive_delivery(delivery_id: int, request: Request, host: Host, signed: SignedIn) -> Response:
    """Make a dead letter due again now, as ``POST /v1/deliveries/{id}/redrive`` does (audited with the person)."""
    current, principal = signed
    form = await _form(request)
    if not principal.may("deliveries") or not session.csrf_ok(current, form.get("csrf")):
        return _page("review/missing.html", status=403, principal=principal, csrf=current.csrf, exception_id=0,
                     forbidden=True)
    row = await run_in_threadpool(host.store.outbox.redrive, delivery_id, principal.name, principal.role)
    if row is None or row.channel != "erp":
        notice = f"Delivery {delivery_id} is no dead letter (already re-driven?)."
    else:
        host.dispatcher.notify()
        notice = f"Delivery {delivery_id} (order ORD-{row.order_id}) is queued again."
    return RedirectResponse(f"/review/deliveries?notice={_q(notice)}", status_code=303, headers=SECURITY_HEADERS)


IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff")


async def attachment(message_id: int, position: int, host: Host, signed: SignedIn) -> Response:
    """An attachment of a message in one of the signed-in role's queues: a photo upright as OCR read it (PNG),
    anything else as a download."""
    found = await run_in_threadpool(_attachment_for, host, signed[1], message_id, position)
    if found is None:
        return Response("no such attachment", status_code=404, headers=SECURITY_HEADERS)
    name, content_type, data = found
    if content_type.lower() in IMAGE_TYPES:
        png = await run_in_threadpool(_upright_png, data)
        if png is not None:
            return Response(png, media_type="image/png", headers=SECURITY_HEADERS)
    safe = "".join(c for c in name if c.isalnum() or c in "._- ")[:100] or "attachment"
    return Response(data, media_type="application/octet-stream",
                    headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{safe}"'})


def _attachment_for(host: EngineHost, principal: Principal, message_id: int,
                    position: int) -> tuple[str, str, bytes] | None:
    """A message's attachment, when one of the principal's queues holds an exception of that message."""
    if not host.store.views.message_queues(message_id) & set(principal.queues()):
        return None
    return host.store.views.attachment(message_id, position)


def _upright_png(data: bytes) -> bytes | None:
    """The photo turned upright by its EXIF orientation (as OCR read it, so the boxes fit), as PNG."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            out = io.BytesIO()
            ImageOps.exif_transpose(im).convert("RGB").save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


MAX_PAGES_SHOWN = 10  # PDF pages drawn on one exception's screen


def _figures(host: EngineHost, view: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """Per attachment, what to draw with the boxes read from it: a photo upright (pixels), or each PDF page
    read (points), with its size and where to fetch it."""
    import io

    import pypdfium2 as pdfium
    from PIL import Image, ImageOps, UnidentifiedImageError

    message_id = view["message"]["message_id"]
    out: dict[int, list[dict[str, Any]]] = {}
    for i, a in enumerate(view["message"].get("attachments") or []):
        kind = str(a.get("content_type", "")).lower()
        if kind not in IMAGE_TYPES and kind != "application/pdf":
            continue
        found = host.store.views.attachment(message_id, i)
        if found is None:
            continue
        href = f"/review/messages/{message_id}/attachments/{i}"
        try:
            if kind in IMAGE_TYPES:
                with Image.open(io.BytesIO(found[2])) as im:
                    w, h = ImageOps.exif_transpose(im).size
                out[i] = [{"page": None, "w": w, "h": h, "href": href}]
                continue
            pdf = pdfium.PdfDocument(found[2])
            try:
                pages = sorted({(b.get("page") or 1) - 1 for b in view["extracted"].get("boxes") or []
                                if b.get("attachment") == i} | {0})  # blocks count pages from 1
                out[i] = [{"page": n, "w": pdf[n].get_width(), "h": pdf[n].get_height(),
                           "href": f"{href}/pages/{n}"} for n in pages[:MAX_PAGES_SHOWN] if n < len(pdf)]
            finally:
                pdf.close()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, pdfium.PdfiumError):
            continue
    return out


async def pdf_page(message_id: int, position: int, page: int, host: Host, signed: SignedIn) -> Response:
    """A PDF attachment's page as PNG (at 1.5 times its size in points), for the boxes read from it."""
    found = await run_in_threadpool(_attachment_for, host, signed[1], message_id, position)
    png = await run_in_threadpool(_page_png, found[2], page) if found is not None else None
    if png is None:
        return Response("no such page", status_code=404, headers=SECURITY_HEADERS)
    return Response(png, media_type="image/png", headers=SECURITY_HEADERS)


def _page_png(data: bytes, page: int) -> bytes | None:
    """One page of a PDF rendered as PNG; None when it is not there or cannot be read."""
    import io

    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        if not 0 <= page < len(pdf):
            return None
        out = io.BytesIO()
        pdf[page].render(scale=1.5).to_pil().convert("RGB").save(out, format="PNG")
        return out.getvalue()
    finally:
        pdf.close()


def _asked(q: Outbound, minutes: float) -> str:
    """Where a clarifying question to the dealer stands."""
    closed = q.payload.get("closed")
    if q.state in ("pending", "sending"):
        return f"on {q.channel}: being sent"
    if q.state != "sent":
        return f"on {q.channel}: not sent ({q.state})"
    options = "; ".join(f"{o.get('n')}. {o.get('label')}" for o in q.payload.get("options") or [])
    sent = f"on {q.channel} at {q.sent_at:%d %b %H:%M} UTC ({options})" if q.sent_at else f"on {q.channel}"
    if closed == "not_understood":
        return f"{sent}; the answer was not an option (see the detail)"
    if closed:
        return f"{sent}; {closed}"
    until = q.sent_at + timedelta(minutes=minutes) if q.sent_at else None
    return f"{sent}; awaiting the answer until {until:%H:%M} UTC" if until else sent


def _facts(host: EngineHost, view: dict[str, Any]) -> list[tuple[str, str]]:
    """What deciding this code takes, as label/value pairs: the credit position, the minimum quantity, the
    earlier order a duplicate repeats."""
    order = view.get("order") or {}
    md = host.engine.md
    customer = md.customer(order.get("customer_id"))
    code = view["code"]
    asked = host.store.outbox.for_exception(view["exception_id"])
    if asked is not None:
        return [("Asked the dealer", _asked(asked, host.settings.conversation.question_minutes))]
    if code == "CREDIT_LIMIT" and customer is not None:
        released = host.store.released_value(customer.customer_id, host.engine.load_id)
        value = Decimal(str(order.get("value") or 0))
        total = value + customer.outstanding + released
        return [("Order value", f"{value:,.2f} {customer.currency}"),
                ("Outstanding", f"{customer.outstanding:,.2f}"), ("Released since the last load", f"{released:,.2f}"),
                ("Together", f"{total:,.2f}"), ("Credit limit", f"{customer.credit_limit:,.2f}"),
                ("Over by", f"{total - customer.credit_limit:,.2f}")]
    if code == "BELOW_MOQ":
        out = []
        for ln in order.get("lines") or []:
            p = md.product(ln.get("sku"))
            if p is not None and p.moq and ln.get("qty") is not None and Decimal(str(ln["qty"])) < p.moq:
                out.append((f"{p.description} ({p.sku})", f"ordered {ln['qty']} {p.uom}; minimum {p.moq:g}: "
                                                          f"suggested {p.moq:g} {p.uom}"))
        return out
    if code == "DUPLICATE_ORDER" and customer is not None and order.get("received_at"):
        when = datetime.fromisoformat(order["received_at"])
        earlier = [r for r in host.store.recent_orders(customer.customer_id, when, 24) if r[0] != order.get("id")]
        def name(sku: str) -> str:
            p = md.product(sku)
            return p.description if p is not None else sku
        return [(f"Earlier: {mid} at {at:%d %b %H:%M}", ", ".join(f"{q:g} {name(sku)}" for sku, q in sig))
                for mid, at, sig in earlier[:3]]
    return []


async def resolve(exception_id: int, request: Request, host: Host, signed: SignedIn) -> Response:
    """Approve (with the candidate picked or the quantity edited per line) or reject, as the API does."""
    current, principal = signed
    form = await _form(request)
    if not session.csrf_ok(current, form.get("csrf")):
        return _page("review/missing.html", status=403, principal=principal, csrf=current.csrf,
                     exception_id=exception_id, forbidden=True)
    view = await run_in_threadpool(host.store.views.exception, exception_id)
    if view is None or view["queue"] not in principal.queues():
        return _page("review/missing.html", status=404, principal=principal, csrf=current.csrf,
                     exception_id=exception_id)
    try:
        body = Resolution.model_validate(_resolution(form, view))
        answer = await run_in_threadpool(host.resolve, exception_id, body, principal)
    except (ValidationError, ValueError, ResolveError) as e:
        message = e.message if isinstance(e, ResolveError) else "the fix is not valid: check the quantities"
        return RedirectResponse(f"/review/exceptions/{exception_id}?notice={_q(message)}", status_code=303,
                                headers=SECURITY_HEADERS)
    notice = "Released." if answer.get("released") else f"Resolved; the order is {answer.get('order', {}).get('state')}"
    again = answer.get("rechecked") or {}
    if again.get("rechecked"):
        notice += (f" The same phrase settled {len(again['rechecked'])} more open exception(s); "
                   f"{len(again['released_order_ids'])} order(s) released.")
    nxt = await run_in_threadpool(_next_open, host, principal, exception_id)
    target = f"/review/exceptions/{nxt}" if nxt is not None else "/review"
    return RedirectResponse(f"{target}?notice={_q(notice)}", status_code=303, headers=SECURITY_HEADERS)


def _resolution(form: dict[str, str], view: dict[str, Any]) -> dict[str, Any]:
    """The API's resolution body from the page's form: ``action``, and the lines when a ``sku-N`` or ``qty-N``
    field changed one of them (else the order is approved as it stands)."""
    action = form.get("action", "")
    lines = (view["order"] or {}).get("lines") or []
    fixes = []
    for k, ln in enumerate(lines):
        qty = _number(form.get(f"qty-{k}"))
        fixes.append({"sku": form.get(f"sku-{k}") or ln.get("sku"), "qty": qty if qty is not None else ln.get("qty"),
                      "uom": ln.get("uom")})
    if action != "approve" or all(f["sku"] == ln.get("sku") and f["qty"] == ln.get("qty")
                                  for f, ln in zip(fixes, lines, strict=True)):
        return {"action": action}
    return {"action": "approve", "lines": fixes}


def _number(text: str | None) -> float | None:
    """A quantity typed in the form, or None when blank (a typo is an error the page shows)."""
    return float(text) if text not in (None, "") else None


def _next_open(host: EngineHost, principal: Principal, after: int) -> int | None:
    """The next exception to work after one was resolved: the queue's first still open."""
    rows = _queue_rows(host, principal, {})["rows"]
    return next((v["exception_id"] for v in rows if v["exception_id"] != after), None)


def _q(text: str) -> str:
    """A notice for a redirect's query string."""
    return quote(text[:200])


async def static(name: str) -> Response:
    """The page's own scripts and style (no CDN)."""
    if name not in STATIC:
        return Response(status_code=404)
    return FileResponse(HERE / "static" / name, media_type=STATIC[name],
                        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})


def add_routes(app: FastAPI) -> None:
    """Register the review page's routes (left out of the OpenAPI page: they answer HTML)."""
    app.add_exception_handler(NotSignedIn, lambda _request, _exc: _to_login())
    app.get("/review/login", include_in_schema=False)(login_page)
    app.post("/review/login", include_in_schema=False)(login)
    app.post("/review/logout", include_in_schema=False)(logout)
    app.get("/review", include_in_schema=False)(queue_page)
    app.get("/review/exceptions/{exception_id}", include_in_schema=False)(exception_page)
    app.post("/review/exceptions/{exception_id}/resolve", include_in_schema=False)(resolve)
    app.get("/review/static/{name}", include_in_schema=False)(static)
    app.get("/review/kpis", include_in_schema=False)(kpis_page)
    app.get("/review/deliveries", include_in_schema=False)(deliveries_page)
    app.post("/review/deliveries/{delivery_id}/redrive", include_in_schema=False)(redrive_delivery)
    app.get("/review/messages/{message_id}/attachments/{position}", include_in_schema=False)(attachment)
    app.get("/review/messages/{message_id}/attachments/{position}/pages/{page}", include_in_schema=False)(pdf_page)

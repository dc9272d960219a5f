// The review page's keys (no inline script: the CSP allows scripts from 'self' only).
// j/k next/previous (rows on the queue, lines on an exception), 1-5 pick a candidate for the focused line,
// e edit its quantity, s type its SKU, a approve, r reject (sent after a 10 s undo window; Enter sends now),
// u undo the last pick or the pending approve/reject, ? show the keys.
(function () {
  "use strict";
  var lastPick = null; // {input, previous, at}
  var keysBox = document.getElementById("keys");
  document.getElementById("keys-toggle").addEventListener("click", function () { keysBox.hidden = !keysBox.hidden; });

  function items() {
    var rows = document.querySelectorAll("table.queue tbody tr[data-href]");
    return rows.length ? rows : document.querySelectorAll("li.line");
  }
  function focused(list) {
    for (var i = 0; i < list.length; i++) { if (list[i].classList.contains("focused")) { return i; } }
    return -1;
  }
  function move(step) {
    var list = items();
    if (!list.length) { return; }
    var i = focused(list);
    if (i >= 0) { list[i].classList.remove("focused"); }
    i = Math.max(0, Math.min(list.length - 1, i + step));
    list[i].classList.add("focused");
    list[i].scrollIntoView({block: "nearest"});
  }
  function focusedLine() { return document.querySelector("li.line.focused") || document.querySelector("li.line"); }
  var pending = null; // {timer, action}: an approve or reject waits its undo window before it is sent
  function submit(action) {
    var form = document.getElementById("resolve");
    if (!form || pending) { return; }
    document.getElementById("action").value = action;
    var wait = parseInt(form.dataset.undoMs || "0", 10);
    var note = document.getElementById("pending");
    if (!wait || !note) { form.submit(); return; }
    note.textContent = (action === "approve" ? "Approving" : "Rejecting") + " in " + Math.round(wait / 1000) +
      " s: u undoes, Enter sends now.";
    note.hidden = false;
    pending = {action: action, timer: window.setTimeout(function () { pending = null; form.submit(); }, wait)};
  }
  function sendNow() {
    if (!pending) { return false; }
    window.clearTimeout(pending.timer);
    pending = null;
    document.getElementById("resolve").submit();
    return true;
  }
  function undoPending() {
    if (!pending) { return false; }
    window.clearTimeout(pending.timer);
    pending = null;
    var note = document.getElementById("pending");
    note.textContent = "Undone: nothing was sent.";
    return true;
  }
  document.querySelectorAll("button[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { document.getElementById("action").value = b.dataset.action; });
  });
  document.querySelectorAll("table.queue tbody tr[data-href]").forEach(function (row) {
    row.addEventListener("click", function () { window.location.href = row.dataset.href; });
  });
  if (document.querySelector("table.queue tbody tr[data-href]") && !document.querySelector("tr.focused")) { move(1); }

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (t && (t.tagName === "INPUT" && t.type !== "radio" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) {
      // in a line's quantity or SKU field, Escape or Enter hands the keys back to the page; elsewhere (the
      // login form) Enter submits as usual
      var lineField = t.hasAttribute("data-qty") || t.hasAttribute("data-sku");
      if (ev.key === "Escape" || (ev.key === "Enter" && lineField)) { t.blur(); ev.preventDefault(); }
      return;
    }
    var k = ev.key;
    if (k === "j") { move(1); }
    else if (k === "k") { move(-1); }
    else if (k === "Enter") {
      if (sendNow()) { ev.preventDefault(); return; }
      var row = document.querySelector("table.queue tr.focused");
      if (row) { window.location.href = row.dataset.href; } else { return; }
    }
    else if (k === "s") {
      var sku = focusedLine() && focusedLine().querySelector("input[data-sku]");
      if (sku) { sku.focus(); sku.select(); } else { return; }
    }
    else if (k >= "1" && k <= "5") {
      var line = focusedLine();
      var input = line && line.querySelector('input[type=radio][data-key="' + k + '"]');
      if (!input) { return; }
      var prev = line.querySelector("input[type=radio]:checked");
      lastPick = {input: input, previous: prev, at: Date.now()};
      input.checked = true;
    }
    else if (k === "u") {
      if (undoPending()) { ev.preventDefault(); return; }
      if (lastPick && Date.now() - lastPick.at <= 10000) {
        lastPick.input.checked = false;
        if (lastPick.previous) { lastPick.previous.checked = true; }
        lastPick = null;
      }
    }
    else if (k === "e") {
      var q = focusedLine() && focusedLine().querySelector("input[data-qty]");
      if (q) { q.focus(); q.select(); }
    }
    else if (k === "a") { submit("approve"); }
    else if (k === "r") { submit("reject"); }
    else if (k === "?") { keysBox.hidden = !keysBox.hidden; }
    else { return; }
    ev.preventDefault();
  });
})();

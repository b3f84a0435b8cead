// Formats every figure for the page's language with the browser's own
// Intl (the text already there is the fallback), and sorts the tables
// whose headers say so. Nothing is fetched.
(function () {
  "use strict";
  var root = document.documentElement;
  var lang = root.lang || "en";
  var currency = root.getAttribute("data-currency") || "EUR";
  function format(options) {
    try { return new Intl.NumberFormat(lang, options); }
    catch (e) { return new Intl.NumberFormat("en", options); }
  }
  var money = format({ style: "currency", currency: currency });
  var signed = format({ style: "currency", currency: currency, signDisplay: "exceptZero" });
  var compact = format({ style: "currency", currency: currency, notation: "compact", maximumFractionDigits: 1 });
  var percent = format({ style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 2 });
  var quantity = format({ maximumFractionDigits: 8 });
  function each(selector, f) {
    var list = document.querySelectorAll(selector);
    for (var i = 0; i < list.length; i++) { f(list[i]); }
  }
  each("[data-amount]", function (e) {
    var v = Number(e.getAttribute("data-amount"));
    if (!isFinite(v)) { return; }
    var f = e.hasAttribute("data-compact") ? compact : e.hasAttribute("data-signed") ? signed : money;
    e.textContent = f.format(v);
  });
  each("[data-pct]", function (e) {
    var v = Number(e.getAttribute("data-pct"));
    if (isFinite(v)) { e.textContent = percent.format(v); }
  });
  each("[data-qty]", function (e) {
    var v = Number(e.getAttribute("data-qty"));
    if (isFinite(v)) { e.textContent = quantity.format(v); }
  });
  each("[data-time]", function (e) {
    var d = new Date(e.getAttribute("data-time"));
    if (isNaN(d)) { return; }
    try {
      e.textContent = d.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (err) { /* keep the UTC text */ }
  });
  // Sorting: a header with data-sort sorts by each cell's data-key (a
  // number) or its text.
  each("th[data-sort]", function (th) {
    th.tabIndex = 0;
    function sort() {
      var table = th.closest("table");
      var body = table.tBodies[0];
      var column = Array.prototype.indexOf.call(th.parentNode.children, th);
      var up = th.getAttribute("aria-sort") !== "ascending";
      each("th[aria-sort]", function (o) { if (o.closest("table") === table) { o.removeAttribute("aria-sort"); } });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var numeric = th.getAttribute("data-sort") === "number";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column], y = b.cells[column];
        var r;
        if (numeric) {
          var p = x.hasAttribute("data-key") ? Number(x.getAttribute("data-key")) : NaN;
          var q = y.hasAttribute("data-key") ? Number(y.getAttribute("data-key")) : NaN;
          p = isFinite(p) ? p : -Infinity; q = isFinite(q) ? q : -Infinity;
          r = p - q;
        } else {
          r = x.textContent.localeCompare(y.textContent, lang);
        }
        return up ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sort(); } });
  });
})();

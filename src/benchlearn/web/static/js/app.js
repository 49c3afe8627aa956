/* benchlearn pages: charts, selectors, search, sortable tables. No dependencies besides plotly.min.js. */
(function () {
  "use strict";
  var kommuneHref = document.body.getAttribute("data-kommune-href") || "/kommune/{k}";
  function go(k) { window.location.href = kommuneHref.replace("{k}", String(k)); }

  // Charts: every element with data-fig gets the JSON figure stored next to it.
  document.querySelectorAll("[data-fig]").forEach(function (el) {
    var src = document.getElementById(el.getAttribute("data-fig"));
    if (!src || typeof Plotly === "undefined") { return; }
    var fig = JSON.parse(src.textContent);
    var cfg = { responsive: true, displaylogo: false, scrollZoom: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"] };
    Plotly.newPlot(el, fig.data, fig.layout, cfg).then(function (gd) {
      gd.on("plotly_click", function (ev) {
        var p = ev && ev.points && ev.points[0];
        if (!p) { return; }
        var k = p.customdata !== undefined ? p.customdata : p.location;
        if (Array.isArray(k)) { k = k[0]; }
        if (k !== undefined && k !== null && /^\d+$/.test(String(k))) { go(k); }
      });
      el.setAttribute("data-rendered", "1");
    });
  });

  // Selectors: each option's value is the URL of that view (works on the server and in the static export).
  document.querySelectorAll("select.nav-select").forEach(function (sel) {
    sel.addEventListener("change", function () { window.location.href = sel.value; });
  });

  // Search: exact or prefix match on the municipality name, else the server's /sog.
  var form = document.getElementById("search-form");
  var items = [];
  try { items = JSON.parse(document.getElementById("search-items").textContent); } catch (e) { items = []; }
  if (form) {
    form.addEventListener("submit", function (ev) {
      var q = (document.getElementById("search-q").value || "").trim().toLowerCase();
      if (!q) { ev.preventDefault(); return; }
      var hit = items.find(function (i) { return i.navn.toLowerCase() === q; }) ||
        items.find(function (i) { return i.navn.toLowerCase().indexOf(q) === 0; }) ||
        items.find(function (i) { return i.navn.toLowerCase().indexOf(q) >= 0; });
      if (hit) { ev.preventDefault(); window.location.href = hit.href; }
      else if (form.getAttribute("action") === "#") { ev.preventDefault(); }
    });
  }

  // Table filter.
  document.querySelectorAll("input.table-filter").forEach(function (inp) {
    var table = document.getElementById(inp.getAttribute("data-table"));
    if (!table) { return; }
    inp.addEventListener("input", function () {
      var q = inp.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });

  // Sortable tables: buttons in the header; numbers sort by data-v.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("button.sort").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var col = parseInt(btn.getAttribute("data-col"), 10);
        var th = btn.parentElement;
        var asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(tr) {
          var c = tr.cells[col];
          if (!c) { return ""; }
          var v = c.getAttribute("data-v");
          if (v !== null && v !== "" && v !== "None" && !isNaN(parseFloat(v))) { return parseFloat(v); }
          return c.textContent.trim().toLowerCase();
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (typeof x === "number" && typeof y === "number") { return asc ? x - y : y - x; }
          return asc ? String(x).localeCompare(String(y), "da") : String(y).localeCompare(String(x), "da");
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();

/* benchlearn pages: charts, selectors, search, sortable tables. No dependencies besides plotly.min.js. */
(function () {
  "use strict";
  var kommuneHref = document.body.getAttribute("data-kommune-href") || "/kommune/{k}";
  function go(k) { window.location.href = kommuneHref.replace("{k}", String(k)); }

  // A map whose layout.meta.fitBounds = [west, south, east, north] gets a height that suits its
  // width (the SVG map then fits all 98 into it, layout.geo.fitbounds); a WebGL map (layout.map)
  // also gets the zoom that shows the whole box at the element's actual size (Web Mercator,
  // 512 px tiles), so Bornholm and west Jutland stay in view on a 390 px phone as on 1280 px.
  function fitMap(el, layout) {
    var b = layout.meta && layout.meta.fitBounds;
    if (!b) { return; }
    var w = el.clientWidth || 600, mb = (layout.margin && layout.margin.b) || 0;
    // Denmark is about as tall as wide: a phone-width map needs no 600 px of height
    layout.height = Math.round(Math.min(layout.height || 600, Math.max(320, w * 0.9 + mb)));
    if (!layout.map) { return; }
    var h = layout.height - mb;
    function y(lat) { var s = Math.sin(lat * Math.PI / 180); return Math.log((1 + s) / (1 - s)) / (4 * Math.PI); }
    var zx = Math.log2(w / 512 * 360 / (b[2] - b[0]));
    var zy = Math.log2(h / 512 / (y(b[3]) - y(b[1])));
    layout.map.zoom = Math.min(zx, zy) - 0.08;
    layout.map.center = { lon: (b[0] + b[2]) / 2, lat: (b[1] + b[3]) / 2 };
  }

  // The map is Plotly's SVG geo map (d3-geo): no WebGL, no worker, no tiles, no network, so it
  // also draws when the static site is opened from disk (#18.3), and the page loads the 1.4 MB
  // geo bundle instead of the 4.8 MB full one (#18.5).
  // GeoJSON (RFC 7946) winds outer rings anticlockwise; d3-geo (spherical) reads an anticlockwise
  // ring as "everything but this", so every ring is reversed for it.
  function clockwise(fc) {
    function poly(rings) { return rings.map(function (r) { return r.slice().reverse(); }); }
    return { type: fc.type, features: fc.features.map(function (f) {
      var g = f.geometry, c = g.type === "Polygon" ? poly(g.coordinates) : g.coordinates.map(poly);
      return { type: f.type, id: f.id, properties: f.properties, geometry: { type: g.type, coordinates: c } };
    }) };
  }
  var wound = {};  // one reversed copy per boundary file (a map has two traces on it)

  function isMap(tr) { return tr.type === "choropleth" && tr.geojson; }

  // the boundaries: from geo/kommuner.js (static site, opened from disk: a script, not a fetch) or
  // one fetch of the URL the figure names, started at once for every map on the page
  function withBoundaries(fig) {
    var maps = fig.data.filter(isMap);
    if (!maps.length) { return Promise.resolve(fig); }
    // the geo map asks for its world base map (a CDN fetch) even when hidden: an empty one stands in
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    window.PlotlyGeoAssets.topojson.world_110m = { type: "Topology", objects: {}, arcs: [] };
    return Promise.all(maps.map(function (tr) {
      var key = typeof tr.geojson === "string" ? tr.geojson : "inline";
      if (!wound[key]) {
        wound[key] = (window.BENCHLEARN_GEO ? Promise.resolve(window.BENCHLEARN_GEO)
          : typeof tr.geojson === "string" ? fetch(tr.geojson).then(function (r) { return r.json(); })
          : Promise.resolve(tr.geojson)).then(clockwise);
      }
      return wound[key].then(function (gj) { tr.geojson = gj; });
    })).then(function () { return fig; });
  }

  // Charts: every element with data-fig gets the JSON figure stored next to it. Drawing one takes
  // the browser 70-750 ms on this 2-core machine and a municipality page has eleven, so the charts in
  // the first screen are drawn at once and the rest one per task afterwards (the page answers
  // clicks and scrolling in between); a chart scrolled into view before its turn is drawn then.
  // Every chart keeps the height its figure asks for from the start, so nothing jumps.
  function draw(el) {
    if (el.hasAttribute("data-drawing")) { return Promise.resolve(); }  // already begun (observer or queue)
    el.setAttribute("data-drawing", "1");
    return withBoundaries(el.benchlearnFig).then(function (fig) {
      fitMap(el, fig.layout);
      var cfg = { responsive: true, displaylogo: false, scrollZoom: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"] };
      return Plotly.newPlot(el, fig.data, fig.layout, cfg);
    }).then(function (gd) {
      gd.on("plotly_click", function (ev) {
        var p = ev && ev.points && ev.points[0];
        if (!p) { return; }
        var k = p.customdata !== undefined ? p.customdata : p.location;
        if (Array.isArray(k)) { k = k[0]; }
        if (k !== undefined && k !== null && /^\d+$/.test(String(k))) { go(k); }
      });
      el.setAttribute("data-rendered", "1");
    });
  }
  var charts = [];
  document.querySelectorAll("[data-fig]").forEach(function (el) {
    var src = document.getElementById(el.getAttribute("data-fig"));
    if (!src || typeof Plotly === "undefined") { return; }
    el.benchlearnFig = JSON.parse(src.textContent);
    var h = el.benchlearnFig.layout && el.benchlearnFig.layout.height;
    if (h && !(el.benchlearnFig.layout.meta && el.benchlearnFig.layout.meta.fitBounds)) { el.style.minHeight = h + "px"; }
    charts.push(el);
  });
  function onScreen(el) {
    var r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < (window.innerHeight || 900) && r.width > 0;
  }
  // The rest waits until the first screen is drawn: started earlier (an observer's first report
  // covers every chart within its margin), they would hold the first screen up.
  var later = charts.filter(function (el) { return !onScreen(el); });
  Promise.all(charts.filter(onScreen).map(function (el) { return draw(el).catch(function () {}); })).then(function () {
    document.body.setAttribute("data-first-screen", "1");
    if ("IntersectionObserver" in window) {
      var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (en) { if (en.isIntersecting) { io.unobserve(en.target); draw(en.target); } });
      }, { rootMargin: "200px" });
      later.forEach(function (el) { io.observe(el); });
    }
    (function next() {
      var el = later.shift();
      if (!el) { return; }
      setTimeout(function () { draw(el).then(next, next); }, 0);
    })();
  });

  // Selectors: each option's value is the URL of that view (works on the server and in the static export).
  document.querySelectorAll("select.nav-select").forEach(function (sel) {
    sel.addEventListener("change", function () { window.location.href = sel.value; });
  });

  // The view selectors navigate on change; submitting their form does nothing (a listener, not an
  // inline onsubmit, which the Content-Security-Policy forbids).
  document.querySelectorAll("form.selectors").forEach(function (f) {
    f.addEventListener("submit", function (ev) { ev.preventDefault(); });
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

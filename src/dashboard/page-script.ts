/**
 * The dashboard's script, served as /app.js: polls /api/state once a second and renders it with
 * textContent only (never innerHTML), so nothing an agent sent can become markup. Every time is
 * shown in UTC and labelled so; the request table is filtered in the page and capped at SHOWN rows.
 */
export const PAGE_SCRIPT = `"use strict";
(function () {
  var POLL_MS = 1000;
  var SHOWN = 50;
  var last = null;
  function $(id) { return document.getElementById(id); }
  /** "2026-01-02T03:04:05.678Z" → "2026-01-02 03:04:05 UTC" (the server sends ISO UTC times). */
  function utc(iso) { return iso ? iso.slice(0, 10) + " " + iso.slice(11, 19) + " UTC" : ""; }
  /** Keeps a select's options in step with the values seen, and its current choice. */
  function options(id, values) {
    var sel = $(id), keep = sel.value, seen = {};
    var fresh = [["", "all"]].concat(values);
    if (sel.options.length === fresh.length && fresh.every(function (v, i) { return sel.options[i].value === v[0]; })) return;
    sel.replaceChildren();
    fresh.forEach(function (v) {
      if (seen[v[0]]) return; seen[v[0]] = true;
      var o = document.createElement("option"); o.value = v[0]; o.textContent = v[1]; sel.appendChild(o);
    });
    sel.value = seen[keep] ? keep : "";
  }
  function renderRecent(a) {
    var agents = {}, routes = {};
    a.recent.forEach(function (r) {
      if (r.agent) agents[r.agent] = r.agent;
      if (r.route) routes[r.route] = r.routeLabel;
    });
    options("filter-agent", Object.keys(agents).sort().map(function (k) { return [k, k]; }));
    options("filter-route", Object.keys(routes).sort().map(function (k) { return [k, routes[k]]; }));
    var fa = $("filter-agent").value, fr = $("filter-route").value, fd = $("filter-decision").value;
    var rows = a.recent.filter(function (r) {
      return (!fa || r.agent === fa) && (!fr || r.route === fr) && (!fd || r.decision === fd);
    });
    $("recent-count").textContent = "showing " + Math.min(rows.length, SHOWN) + " of " + rows.length +
      " matching (" + a.recent.length + " kept)";
    fill("recent", rows.slice(0, SHOWN), function (r, tr) {
      tr.dataset.decision = r.decision;
      tr.dataset.requestId = r.requestId;
      cell(tr, r.time.slice(11, 23)); cell(tr, r.agent); cell(tr, r.method); cell(tr, r.host);
      cell(tr, r.routeLabel, "route").title = r.route; cell(tr, r.decision, "decision"); cell(tr, r.status); cell(tr, r.code);
      cell(tr, r.ms);
      var seq = cell(tr, "", "seq");
      if (r.seq !== null) {
        var link = document.createElement("a");
        link.href = "/audit/" + r.seq; link.textContent = String(r.seq);
        seq.appendChild(link);
      } else seq.textContent = "…";
      cell(tr, r.requestId, "mono");
    }, a.recent.length ? "no request matches the filters" : "no requests yet");
  }
  function cell(row, value, cls) {
    var td = document.createElement("td");
    td.textContent = value === undefined || value === null ? "" : String(value);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function fill(id, rows, cells, empty) {
    var body = $(id).tBodies[0];
    var fresh = document.createElement("tbody");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cells(r, tr);
      fresh.appendChild(tr);
    });
    if (rows.length === 0 && empty) {
      var tr = document.createElement("tr");
      var td = cell(tr, empty, "muted");
      td.colSpan = $(id).tHead.rows[0].cells.length;
      fresh.appendChild(tr);
    }
    body.replaceWith(fresh);
  }
  function stats(id, pairs) {
    var dl = $(id);
    dl.replaceChildren();
    pairs.forEach(function (p) {
      var dt = document.createElement("dt");
      dt.textContent = p[0];
      var dd = document.createElement("dd");
      dd.textContent = String(p[1]);
      dl.append(dt, dd);
    });
  }
  function counts(c, tr) { cell(tr, c.allow); cell(tr, c.deny); cell(tr, c.error); }
  function render(s) {
    var a = s.activity;
    $("summary").textContent = "v" + s.version + " — proxy " + s.proxyListen + " — up since " + utc(s.startedAt);
    stats("totals", [["allowed", a.totals.allow], ["denied", a.totals.deny], ["errors", a.totals.error],
      ["in flight", s.inflight], ["open tunnels", a.tunnels.open], ["tunnels opened", a.tunnels.opened]]);
    stats("audit", [["head seq", s.audit.head ? s.audit.head.seq : "empty"], ["batches", s.audit.batches],
      ["records", s.audit.records], ["failed batches", s.audit.failedBatches],
      ["fsync avg ms", a.auditWrites.avgMs], ["fsync p95 ms", a.auditWrites.p95Ms]]);
    $("audit-head").textContent = s.audit.head ? s.audit.head.hash : "—";
    renderRecent(a);
    var max = 1;
    a.denialsPerMinute.forEach(function (m) {
      var n = 0; Object.keys(m.counts).forEach(function (k) { n += m.counts[k]; });
      m.total = n; if (n > max) max = n;
    });
    var chart = $("denial-chart");
    chart.replaceChildren();
    a.denialsPerMinute.forEach(function (m) {
      var bar = document.createElement("div");
      bar.className = "bar";
      bar.style.height = Math.round((m.total / max) * 100) + "%";
      bar.title = m.minute.slice(11, 16) + " UTC — " + Object.keys(m.counts).map(function (k) { return k + " " + m.counts[k]; }).join(", ");
      chart.appendChild(bar);
    });
    var mins = a.denialsPerMinute;
    $("chart-y-max").textContent = String(max);
    $("chart-y-mid").textContent = max >= 2 ? String(Math.round(max / 2)) : "";
    $("chart-x-start").textContent = mins.length ? mins[0].minute.slice(11, 16) : "";
    $("chart-x-mid").textContent = mins.length ? mins[Math.floor(mins.length / 2)].minute.slice(11, 16) : "";
    $("chart-x-end").textContent = mins.length ? mins[mins.length - 1].minute.slice(11, 16) + " UTC" : "";
    fill("denials", Object.keys(a.denialsByCode).sort(), function (code, tr) {
      cell(tr, code); cell(tr, a.denialsByCode[code]);
    }, "no denials");
    fill("agents", a.agents, function (r, tr) { cell(tr, r.name || "(unauthenticated)"); counts(r, tr); }, "none yet");
    fill("routes", a.routes, function (r, tr) { cell(tr, r.label).title = r.id; counts(r, tr); }, "none yet");
    fill("backend-latency", a.backends, function (b, tr) {
      cell(tr, b.name); cell(tr, b.count); cell(tr, b.avgMs); cell(tr, b.p50Ms); cell(tr, b.p95Ms); cell(tr, b.maxMs);
    }, "no fetches yet");
    var c = s.config;
    fill("cfg-proxy", Object.keys(c.proxy), function (k, tr) { cell(tr, k); cell(tr, c.proxy[k]); });
    fill("cfg-agents", c.agents, function (r, tr) {
      cell(tr, r.name); cell(tr, r.id, "mono"); cell(tr, utc(r.createdAt)); cell(tr, r.revoked ? "yes" : "no");
    }, "no agents");
    fill("cfg-routes", c.routes, function (r, tr) {
      cell(tr, r.id, "mono"); cell(tr, r.agent); cell(tr, r.host); cell(tr, r.path); cell(tr, r.methods);
      cell(tr, r.backend); cell(tr, r.secretRef); cell(tr, r.inject); cell(tr, r.binding);
      cell(tr, r.plaintext ? "allowed" : "no"); cell(tr, r.upstreamCa ? "yes" : "system");
    }, "no routes");
    fill("cfg-backends", c.backends, function (b, tr) {
      cell(tr, b.name); cell(tr, b.kind);
      cell(tr, Object.keys(b.options).map(function (k) { return k + "=" + b.options[k]; }).join(", "), "mono");
      cell(tr, b.hiddenOptions.join(", "));
    }, "no backends");
    fill("cfg-anchors", c.anchors, function (r, tr) {
      cell(tr, r.kid); cell(tr, r.fingerprint, "mono"); cell(tr, r.issuers.join(", ")); cell(tr, r.audience);
      cell(tr, r.source); cell(tr, r.loaded ? "yes" : "no");
    }, "no anchors");
  }
  function poll() {
    fetch("/api/state", { cache: "no-store" })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then(function (s) {
        last = s;
        render(s);
        $("status").textContent = "updated " + utc(s.now);
      })
      .catch(function (err) { $("status").textContent = "update failed: " + err.message; })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }
  ["filter-agent", "filter-route", "filter-decision"].forEach(function (id) {
    $(id).addEventListener("change", function () { if (last) renderRecent(last.activity); });
  });
  poll();
})();
`;

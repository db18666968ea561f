/**
 * The dashboard's script, served as /app.js: polls /api/state once a second and renders it with
 * textContent only (never innerHTML), so nothing an agent sent can become markup.
 */
export const PAGE_SCRIPT = `"use strict";
(function () {
  var POLL_MS = 1000;
  function $(id) { return document.getElementById(id); }
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
    $("summary").textContent = "v" + s.version + " — proxy " + s.proxyListen + " — up since " + s.startedAt;
    stats("totals", [["allowed", a.totals.allow], ["denied", a.totals.deny], ["errors", a.totals.error],
      ["in flight", s.inflight], ["open tunnels", a.tunnels.open], ["tunnels opened", a.tunnels.opened]]);
    stats("audit", [["head seq", s.audit.head ? s.audit.head.seq : "empty"], ["batches", s.audit.batches],
      ["records", s.audit.records], ["failed batches", s.audit.failedBatches],
      ["fsync avg ms", a.auditWrites.avgMs], ["fsync p95 ms", a.auditWrites.p95Ms]]);
    $("audit-head").textContent = s.audit.head ? s.audit.head.hash : "—";
    fill("recent", a.recent, function (r, tr) {
      tr.dataset.decision = r.decision;
      tr.dataset.requestId = r.requestId;
      cell(tr, r.time.slice(11, 23)); cell(tr, r.agent); cell(tr, r.method); cell(tr, r.host);
      cell(tr, r.route, "mono"); cell(tr, r.decision, "decision"); cell(tr, r.status); cell(tr, r.code);
      cell(tr, r.ms); cell(tr, r.requestId, "mono");
    }, "no requests yet");
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
      bar.title = m.minute.slice(11, 16) + " — " + Object.keys(m.counts).map(function (k) { return k + " " + m.counts[k]; }).join(", ");
      chart.appendChild(bar);
    });
    fill("denials", Object.keys(a.denialsByCode).sort(), function (code, tr) {
      cell(tr, code); cell(tr, a.denialsByCode[code]);
    }, "no denials");
    fill("agents", a.agents, function (r, tr) { cell(tr, r.name || "(unauthenticated)"); counts(r, tr); }, "none yet");
    fill("routes", a.routes, function (r, tr) { cell(tr, r.id, "mono"); counts(r, tr); }, "none yet");
    fill("backend-latency", a.backends, function (b, tr) {
      cell(tr, b.name); cell(tr, b.count); cell(tr, b.avgMs); cell(tr, b.p50Ms); cell(tr, b.p95Ms); cell(tr, b.maxMs);
    }, "no fetches yet");
    var c = s.config;
    fill("cfg-proxy", Object.keys(c.proxy), function (k, tr) { cell(tr, k); cell(tr, c.proxy[k]); });
    fill("cfg-agents", c.agents, function (r, tr) {
      cell(tr, r.name); cell(tr, r.id, "mono"); cell(tr, r.createdAt); cell(tr, r.revoked ? "yes" : "no");
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
        render(s);
        $("status").textContent = "updated " + new Date().toLocaleTimeString();
      })
      .catch(function (err) { $("status").textContent = "update failed: " + err.message; })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }
  poll();
})();
`;

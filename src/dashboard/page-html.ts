/**
 * The dashboard page. No inline script or style (the CSP forbids both): structure only, filled in
 * by app.js from /api/state. Exported as a string so the build carries it into dist.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sigil Vault dashboard</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>Sigil Vault</h1>
  <p id="summary">loading…</p>
  <p id="status" class="muted"></p>
</header>
<main>
<section id="totals-section">
  <h2>Requests</h2>
  <dl id="totals" class="stats"></dl>
</section>
<section>
  <h2>Audit chain</h2>
  <dl id="audit" class="stats"></dl>
  <p>Head: <code id="audit-head">—</code></p>
</section>
<section class="wide">
  <h2>Recent requests</h2>
  <div class="filters">
    <label>agent <select id="filter-agent"><option value="">all</option></select></label>
    <label>route <select id="filter-route"><option value="">all</option></select></label>
    <label>decision <select id="filter-decision"><option value="">all</option><option value="allow">allow</option><option value="deny">deny</option><option value="error">error</option></select></label>
    <span id="recent-count" class="muted"></span>
  </div>
  <table id="recent"><thead><tr><th>time (UTC)</th><th>agent</th><th>method</th><th>host</th><th>route</th><th>decision</th><th>status</th><th>code</th><th>ms</th><th>audit seq</th><th>request id</th></tr></thead><tbody></tbody></table>
</section>
<section class="wide">
  <h2>Denials per minute (last hour, UTC)</h2>
  <div class="chart-frame">
    <div class="y-axis" id="chart-y-axis"><span id="chart-y-max">1</span><span id="chart-y-mid"></span><span>0</span></div>
    <div id="denial-chart" class="chart" role="img" aria-label="denials per minute over the last hour"></div>
    <div class="x-axis" id="chart-x-axis"><span id="chart-x-start"></span><span id="chart-x-mid"></span><span id="chart-x-end"></span></div>
  </div>
  <p class="muted axis-legend">y: denials per minute · x: minute (UTC)</p>
  <table id="denials"><thead><tr><th>code</th><th>denials</th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>By agent</h2>
  <table id="agents"><thead><tr><th>agent</th><th>allow</th><th>deny</th><th>error</th></tr></thead><tbody></tbody></table>
</section>
<section>
  <h2>By route</h2>
  <table id="routes"><thead><tr><th>route (host + path)</th><th>allow</th><th>deny</th><th>error</th></tr></thead><tbody></tbody></table>
</section>
<section class="wide">
  <h2>Backend latency (credential fetch, ms)</h2>
  <table id="backend-latency"><thead><tr><th>backend</th><th>fetches</th><th>avg</th><th>p50</th><th>p95</th><th>max</th></tr></thead><tbody></tbody></table>
</section>
<section class="wide">
  <h2>Configuration</h2>
  <h3>Proxy</h3>
  <table id="cfg-proxy"><thead><tr><th>setting</th><th>value</th></tr></thead><tbody></tbody></table>
  <h3>Agents</h3>
  <table id="cfg-agents"><thead><tr><th>name</th><th>id</th><th>created (UTC)</th><th>revoked</th></tr></thead><tbody></tbody></table>
  <h3>Routes</h3>
  <table id="cfg-routes"><thead><tr><th>id</th><th>agent</th><th>host</th><th>path</th><th>methods</th><th>backend</th><th>secret ref</th><th>inject</th><th>binding</th><th>plaintext</th><th>upstream CA</th></tr></thead><tbody></tbody></table>
  <h3>Backends</h3>
  <table id="cfg-backends"><thead><tr><th>name</th><th>kind</th><th>options</th><th>not shown</th></tr></thead><tbody></tbody></table>
  <h3>Trust anchors</h3>
  <table id="cfg-anchors"><thead><tr><th>kid</th><th>fingerprint</th><th>issuers</th><th>audience</th><th>key source</th><th>loaded</th></tr></thead><tbody></tbody></table>
</section>
</main>
</body>
</html>
`;

/** The dashboard's stylesheet, served as /app.css (the CSP allows no inline style). */
export const PAGE_STYLE = `:root { color-scheme: light dark; --ok: #2e7d32; --deny: #c62828; --err: #ef6c00; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; }
header { display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.3rem; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
h3 { font-size: 0.95rem; margin: 0.8rem 0 0.3rem; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 2rem; }
section.wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.15rem 0.5rem; border-bottom: 1px solid #8884; white-space: nowrap; }
td { font-variant-numeric: tabular-nums; }
code, td.mono { font-family: ui-monospace, monospace; font-size: 0.85rem; word-break: break-all; white-space: normal; }
.muted { opacity: 0.7; }
.stats { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0; }
.stats dt { opacity: 0.75; }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; }
tr[data-decision="allow"] td.decision { color: var(--ok); }
tr[data-decision="deny"] td.decision { color: var(--deny); font-weight: 600; }
tr[data-decision="error"] td.decision { color: var(--err); font-weight: 600; }
.filters { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; margin-bottom: 0.4rem; }
.chart-frame { display: grid; grid-template-columns: max-content 1fr; grid-template-rows: 80px auto; gap: 0 0.3rem; }
.y-axis { display: flex; flex-direction: column; justify-content: space-between; align-items: flex-end; font-size: 0.75rem; opacity: 0.8; border-right: 1px solid #8886; padding-right: 0.2rem; }
.x-axis { grid-column: 2; display: flex; justify-content: space-between; font-size: 0.75rem; opacity: 0.8; }
.axis-legend { font-size: 0.8rem; margin-top: 0.2rem; }
.chart { display: flex; align-items: flex-end; gap: 2px; height: 80px; border-bottom: 1px solid #8886; }
.chart .bar { flex: 1; background: var(--deny); min-height: 0; }
`;

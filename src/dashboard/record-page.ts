/**
 * `/audit/<seq>`: one audit record, read-only, as the request table links to it. Records never
 * hold a credential, token or attestation (spec §8), but they do hold what an agent sent (host,
 * path, method), so every value is HTML-escaped; the page has no script and uses /app.css.
 */
import type { AuditRecord } from "../audit/record.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** The seq in `/audit/<seq>`, or undefined when the path is not one. */
export function recordSeqFromPath(path: string): number | undefined {
  const m = /^\/audit\/(\d{1,15})$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

export function renderRecordPage(seq: number, record: AuditRecord | undefined): string {
  const rows = record
    ? Object.entries(record)
        .map(
          ([k, v]) =>
            `<tr><th>${escapeHtml(k)}</th><td class="mono">${escapeHtml(
              typeof v === "string" ? v : JSON.stringify(v),
            )}</td></tr>`,
        )
        .join("\n")
    : "";
  const body = record
    ? `<table id="record">\n${rows}\n</table>`
    : `<p id="record-missing">No audit record with seq ${seq}.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>Audit record ${seq} — Sigil Vault</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header><h1>Audit record ${seq}</h1><p><a href="/">back to the dashboard</a></p></header>
<main class="single">
<section class="wide">
${body}
<p class="muted">Times are UTC. Verify the whole chain with <code>sigil-vault audit verify</code>.</p>
</section>
</main>
</body>
</html>
`;
}

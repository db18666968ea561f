/**
 * Keeps docs/errors.md honest: every code in PROXY_ERRORS and CLI_ERRORS is documented exactly once
 * with the status the source defines, the doc names no code the source does not define, and the
 * outcome-only codes it lists are codes the proxy really writes.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CLI_ERRORS, OUTCOME_ERRORS, PROXY_ERRORS } from "../../src/errors.js";

// Compiled to dist/test/docs/: the repository root is three levels up.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DOC = join(ROOT, "docs", "errors.md");

const HEADINGS = {
  proxy: "## Proxy refusal codes",
  outcome: "## Outcome-only codes",
  cli: "## CLI and configuration codes",
} as const;

/** One table row: the documented status (HTTP or exit; null for outcome rows) and code. */
interface Row {
  status: number | null;
  code: string;
}

interface ErrorDoc {
  proxy: Row[];
  outcome: Row[];
  cli: Row[];
  /** Every `ERR_*` token anywhere in the page. */
  mentioned: Set<string>;
}

/** The text under `heading`, up to the next level-2 heading. */
function section(md: string, heading: string): string {
  const start = md.split("\n").findIndex((line) => line.trim() === heading);
  if (start < 0) return "";
  const rest = md.split("\n").slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith("## "));
  return (end < 0 ? rest : rest.slice(0, end)).join("\n");
}

/** Rows of the section's tables: `| status | `CODE` | …` or, without a status, `| `CODE` | …`. */
function rows(text: string, withStatus: boolean): Row[] {
  const out: Row[] = [];
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 3 || cells[0] !== "") continue;
    const codeCell = withStatus ? cells[2] : cells[1];
    const code = /^`(ERR_[A-Z0-9_]+)`$/.exec(codeCell ?? "")?.[1];
    if (code === undefined) continue;
    out.push({ status: withStatus ? Number(cells[1]) : null, code });
  }
  return out;
}

function parseErrorDoc(md: string): ErrorDoc {
  return {
    proxy: rows(section(md, HEADINGS.proxy), true),
    outcome: rows(section(md, HEADINGS.outcome), false),
    cli: rows(section(md, HEADINGS.cli), true),
    mentioned: new Set(md.match(/\bERR_[A-Z0-9_]+\b/g) ?? []),
  };
}

/** Compares one table with one source table; returns human-readable problems. */
function compareTable(rows: Row[], source: Record<string, number>, name: string): string[] {
  const problems: string[] = [];
  for (const [code, status] of Object.entries(source)) {
    const found = rows.filter((r) => r.code === code);
    if (found.length === 0) problems.push(`${code} is missing from ${name}`);
    if (found.length > 1) problems.push(`${code} is listed ${found.length} times in ${name}`);
    for (const r of found) {
      if (r.status !== status)
        problems.push(`${code}: doc says ${r.status}, source says ${status}`);
    }
  }
  for (const r of rows) {
    if (!Object.prototype.hasOwnProperty.call(source, r.code)) {
      problems.push(`${r.code} is in ${name} but the source does not define it`);
    }
  }
  return problems;
}

/** Every disagreement between the doc and the source (`sourceText`: all of src/ concatenated). */
function compareWithSource(
  doc: ErrorDoc,
  proxy: Record<string, number>,
  cli: Record<string, number>,
  outcome: readonly string[],
  sourceText: string,
): string[] {
  const problems = [
    ...compareTable(doc.proxy, proxy, "Proxy refusal codes"),
    ...compareTable(doc.cli, cli, "CLI and configuration codes"),
    // Outcome rows have no status: compare them with the OUTCOME_ERRORS list as status-less rows.
    ...compareTable(
      doc.outcome.map((r) => ({ ...r, status: 0 })),
      Object.fromEntries(outcome.map((code) => [code, 0])),
      "Outcome-only codes",
    ),
  ];
  for (const code of outcome) {
    if (code in proxy || code in cli) problems.push(`${code} is a table code, not outcome-only`);
    // Beyond its definition in errors.ts: some module writes it.
    if (sourceText.split(`"${code}"`).length < 3) problems.push(`${code} does not occur in src/`);
  }
  const known = new Set([...Object.keys(proxy), ...Object.keys(cli)]);
  for (const { code } of doc.outcome) known.add(code);
  for (const code of doc.mentioned) {
    if (!known.has(code)) problems.push(`${code} is mentioned but not defined`);
  }
  return problems;
}

function readSources(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => readFileSync(join(e.parentPath ?? e.path, e.name), "utf8"))
    .join("\n");
}

test("docs/errors.md documents every error code with the status the source defines", () => {
  const md = readFileSync(DOC, "utf8");
  const doc = parseErrorDoc(md);
  assert.ok(doc.proxy.length > 0 && doc.cli.length > 0, "the code tables were not found");
  const problems = compareWithSource(
    doc,
    PROXY_ERRORS,
    CLI_ERRORS,
    OUTCOME_ERRORS,
    readSources(join(ROOT, "src")),
  );
  assert.deepEqual(problems, []);
});

test("the comparison reports a missing code, an undefined code and a wrong status", () => {
  const proxy = { ERR_A: 403, ERR_B: 407 };
  const cli = { ERR_USAGE: 2 };
  const md = [
    HEADINGS.proxy,
    "| Status | Code | When |",
    "| --- | --- | --- |",
    "| 404 | `ERR_A` | wrong status |",
    "| 403 | `ERR_GHOST` | not in the source |",
    HEADINGS.outcome,
    "| `ERR_STREAM_BROKE` | written by the proxy |",
    "| `ERR_NEVER_WRITTEN` | written by nobody |",
    HEADINGS.cli,
    "| 2 | `ERR_USAGE` | fine |",
    "Prose mentioning ERR_UNKNOWN_THING.",
  ].join("\n");
  const outcome = ["ERR_STREAM_BROKE", "ERR_NEVER_WRITTEN", "ERR_UNLISTED"];
  const source = 'OUTCOME = ["ERR_STREAM_BROKE", "ERR_NEVER_WRITTEN"]; finish("ERR_STREAM_BROKE")';
  const problems = compareWithSource(parseErrorDoc(md), proxy, cli, outcome, source);
  assert.deepEqual(problems.sort(), [
    "ERR_A: doc says 404, source says 403",
    "ERR_B is missing from Proxy refusal codes",
    "ERR_GHOST is in Proxy refusal codes but the source does not define it",
    "ERR_GHOST is mentioned but not defined",
    "ERR_NEVER_WRITTEN does not occur in src/",
    "ERR_UNKNOWN_THING is mentioned but not defined",
    "ERR_UNLISTED does not occur in src/",
    "ERR_UNLISTED is missing from Outcome-only codes",
  ]);
});

test("a code listed twice is reported", () => {
  const md = [HEADINGS.cli, "| 2 | `ERR_USAGE` | a |", "| 2 | `ERR_USAGE` | b |"].join("\n");
  const problems = compareWithSource(parseErrorDoc(md), {}, { ERR_USAGE: 2 }, [], "");
  assert.deepEqual(problems, ["ERR_USAGE is listed 2 times in CLI and configuration codes"]);
});

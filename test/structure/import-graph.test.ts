/**
 * Keeps src/ layered: the relative imports of every .ts file (static, `export … from`, type-only
 * and dynamic `import()`, as TypeScript's own pre-processor finds them) form a graph with no
 * cycles, the low layers import nothing above them, and nothing imports the command-line apps.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// Compiled to dist/test/structure/: the repository root is three levels up.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SRC = join(ROOT, "src");

/**
 * Layers that sit under everything else: they may import their own folder and the modules in
 * LEAVES, nothing more. "Above" them is everything else in src/ — config/compile, the proxy, the
 * pipeline, observe/, inject/, the CLI.
 */
const LOW_LAYERS = ["attestation/", "audit/", "backends/", "routing/"];

/**
 * Modules anyone may import: each imports nothing in src/ but other LEAVES (checked below).
 * config/resolve (the `--resolve` host map) and config/schema (the file's types) are read by the
 * backends, which connect where the operator's config says; optional-packages checks that an
 * optional peer dependency is installed.
 */
const LEAVES = [
  "errors.ts",
  "log.ts",
  "canonical-json.ts",
  "version.ts",
  "optional-packages.ts",
  "config/resolve.ts",
  "config/schema.ts",
  "live-headers.ts",
  "bind-server.ts",
  "config/file-mode.ts",
  // SigV4's scope inference (service and region from the host) is pure computation; routing
  // reads it to name the AWS operation a request performs.
  "inject/sigv4/scope.ts",
  "inject/sigv4/sign.ts",
  "inject/sigv4/canonical.ts",
];

/** Folders that are programs, not libraries: only their own files import them. */
const APPS = ["cli/", "demo/"];

/** Folder → folders it must never import (the one that would start it or hold its state). */
const FORBIDDEN: Record<string, string[]> = {
  "dashboard/": ["proxy/"], // reads the proxy through its DashboardSource view, not Runtime
  "doctor/": ["proxy/"], // asks a running proxy over the network, never imports it
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** src-relative path (posix) → the src-relative paths it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file).split("\\").join("/");
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => posix.join(dirname(from), spec).replace(/\.js$/, ".ts"));
    graph.set(from, [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle's members, one strongly connected component (Tarjan) each. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function folderOf(file: string): string {
  const slash = file.indexOf("/");
  return slash < 0 ? file : file.slice(0, slash + 1);
}

/** Every `from -> to` edge for which `bad(from, to)` holds. */
function edges(graph: Map<string, string[]>, bad: (from: string, to: string) => boolean): string[] {
  return [...graph].flatMap(([from, tos]) =>
    tos.filter((to) => bad(from, to)).map((to) => `${from} -> ${to}`),
  );
}

const graph = importGraph();

test("every relative import resolves to a file in src/ (the parser sees the real graph)", () => {
  assert.ok(graph.size > 100, `only ${graph.size} files found under ${SRC}`);
  assert.deepEqual(
    edges(graph, (_from, to) => !graph.has(to)),
    [],
  );
  // A known edge, so a parser that found nothing would fail here rather than pass everything.
  assert.ok(graph.get("pipeline.ts")?.includes("proxy/stream-response.ts"));
});

test("src/ has no import cycles", () => {
  assert.deepEqual(cycles(graph), []);
});

test("the cycle finder finds a cycle (so the test above can fail)", () => {
  const g = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["a.ts"]],
  ]);
  assert.deepEqual(cycles(g), [["a.ts", "b.ts", "c.ts"]]);
});

test("the leaf modules import only other leaf modules", () => {
  assert.deepEqual(
    edges(graph, (from, to) => LEAVES.includes(from) && !LEAVES.includes(to)),
    [],
  );
});

test("attestation/, audit/, backends/ and routing/ import only their own folder and leaves", () => {
  const low = (f: string) => LOW_LAYERS.includes(folderOf(f));
  assert.deepEqual(
    edges(
      graph,
      (from, to) => low(from) && folderOf(to) !== folderOf(from) && !LEAVES.includes(to),
    ),
    [],
  );
});

test("nothing outside cli/ and demo/ imports them; nothing imports the entry points", () => {
  assert.deepEqual(
    edges(
      graph,
      (from, to) =>
        (APPS.includes(folderOf(to)) && folderOf(to) !== folderOf(from)) ||
        to === "cli/main.ts" ||
        to === "demo/main.ts",
    ),
    [],
  );
});

test("the dashboard and doctor do not import the proxy", () => {
  assert.deepEqual(
    edges(graph, (from, to) => FORBIDDEN[folderOf(from)]?.includes(folderOf(to)) ?? false),
    [],
  );
});

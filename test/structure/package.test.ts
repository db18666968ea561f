/**
 * Keeps package.json honest about what src/ needs: every package src/ imports is a dependency or
 * an optional peer (so the published install can run it), the cloud SDKs are optional peers at the
 * versions the backends name in their install hint and the tests pin, and the build runs at pack
 * time, not at install time. .ci/pack-smoke checks the packed tarball itself.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { OPTIONAL_SDKS } from "../../src/backends/optional-sdk.js";
import { SODIUM_PACKAGE } from "../../src/attestation/ed25519.js";
import { REDIS_PACKAGE } from "../../src/replay/create.js";

// Compiled to dist/test/structure/: the repository root is three levels up.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  scripts: Record<string, string>;
  files: string[];
}

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

function srcPackages(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        // Type-only imports are erased at build time: they need no installed package.
        const runtime = text.replace(/^import type [^;]+;$/gms, "");
        for (const f of ts.preProcessFile(runtime, true, true).importedFiles) {
          if (!f.fileName.startsWith(".") && !f.fileName.startsWith("node:")) {
            found.add(packageName(f.fileName));
          }
        }
        // Native addons are loaded with createRequire(import.meta.url)("name").
        for (const m of runtime.matchAll(/createRequire\([^)]*\)\(\s*"([^"./][^"]*)"\s*\)/g)) {
          found.add(packageName(m[1] as string));
        }
      }
    }
  };
  walk(join(ROOT, "src"));
  return found;
}

/** Every optional peer: the cloud SDKs and the Redis client, name → tested version. */
const optionalPackages = new Map([
  ...Object.values(OPTIONAL_SDKS).flatMap((pkgs) => Object.entries(pkgs ?? {})),
  ...Object.entries(REDIS_PACKAGE),
  SODIUM_PACKAGE.split(/(?<=.)@/) as [string, string],
]);

test("every package src/ loads at run time is a dependency or an optional peer", () => {
  const missing = [...srcPackages()].filter(
    (name) => !(name in pkg.dependencies) && !(name in pkg.peerDependencies),
  );
  assert.deepEqual(missing, []);
});

test("the cloud SDKs and Redis client are optional peers at the install hint's versions", () => {
  assert.ok(optionalPackages.size >= 7);
  for (const [name, version] of optionalPackages) {
    assert.equal(pkg.dependencies[name], undefined, `${name} is a hard dependency`);
    assert.equal(pkg.peerDependencies[name], version, `${name} peer version`);
    assert.equal(pkg.peerDependenciesMeta[name]?.optional, true, `${name} is not optional`);
    assert.equal(pkg.devDependencies[name], version, `${name} dev version`);
  }
  assert.deepEqual(Object.keys(pkg.peerDependencies).sort(), [...optionalPackages.keys()].sort());
});

test("every dependency is pinned to an exact version and is used by src/", () => {
  const used = srcPackages();
  for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name}@${version} is not exact`);
  }
  assert.deepEqual(
    Object.keys(pkg.dependencies).filter((name) => !used.has(name)),
    [],
  );
});

test("the build runs when packing, not on install; the tarball ships the docs it links", () => {
  assert.equal(pkg.scripts["prepare"], undefined);
  assert.match(pkg.scripts["prepack"] ?? "", /tsconfig\.build\.json/);
  assert.deepEqual(pkg.files, ["dist/src", "docs"]);
  const build = JSON.parse(readFileSync(join(ROOT, "tsconfig.build.json"), "utf8")) as {
    compilerOptions: { sourceMap?: boolean };
    include: string[];
  };
  assert.equal(build.compilerOptions.sourceMap, false);
  assert.deepEqual(build.include, ["src/**/*.ts"]);
});

test("the README and the pages of each feature give the install command at the tested versions", () => {
  const cloud = Object.values(OPTIONAL_SDKS).flatMap((pkgs) => Object.entries(pkgs ?? {}));
  const pages: [string, [string, string][]][] = [
    ["README.md", [...optionalPackages]],
    [join("docs", "backends.md"), cloud],
    [join("docs", "operations.md"), Object.entries(REDIS_PACKAGE)],
  ];
  for (const [doc, packages] of pages) {
    const text = readFileSync(join(ROOT, doc), "utf8");
    for (const [name, version] of packages) {
      assert.ok(text.includes(`${name}@${version}`), `${doc} lacks ${name}@${version}`);
    }
  }
});

/** Static, run-time imports of one file (type-only imports and dynamic `import()` left out). */
function staticImports(text: string): string[] {
  const out: string[] = [];
  const re = /^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?["']([^"']+)["'];?$/gms;
  for (const m of text.matchAll(re)) out.push(m[1] as string);
  return out;
}

test("no optional peer is reachable by static imports from the bin or the client entry", () => {
  const src = join(ROOT, "src");
  const seen = new Set<string>();
  const reached = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) visit(join(file, "..", spec.replace(/\.js$/, ".ts")));
      else if (!spec.startsWith("node:")) reached.add(packageName(spec));
    }
  };
  visit(join(src, "cli", "main.ts"));
  visit(join(src, "client", "index.ts"));
  assert.ok(seen.size > 50, `only ${seen.size} modules reached`);
  assert.ok(reached.has("zod"), "a known hard dependency is reached (the walk works)");
  const optional = [...reached].filter((name) => name in pkg.peerDependencies);
  assert.deepEqual(optional, [], "an optional peer would be loaded by every start");
});

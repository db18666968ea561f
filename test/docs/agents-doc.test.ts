/**
 * docs/agents.md cannot rot: every snippet marked `<!-- docs-test: LANG NAME -->` is extracted and
 * run as written, under `sigil-vault run`, against the real proxy, the dev signer and a fake API
 * answering as api.openai.com and api.anthropic.com. Each must exit 0, print the fake answer,
 * and reach the upstream with the route's credential and a request-bound attestation.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { WORDS } from "../fakes/llm-api.js";
import { PYTHON, PYTHON_CLIENT, pythonSkip, runUnderVault } from "../client/python-agent.js";
import { startSdkFixture, type SdkFixture } from "../client/sdk-fixture.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DOC = readFileSync(join(ROOT, "docs/agents.md"), "utf8");

/** `{lang, name, code}` for each marked fence, in document order. */
function snippets(): { lang: "node" | "python"; name: string; code: string }[] {
  const marked = /<!-- docs-test: (node|python) ([a-z-]+) -->\s*```(?:js|python)\n([\s\S]*?)```/g;
  return [...DOC.matchAll(marked)].map((m) => ({
    lang: m[1] as "node" | "python",
    name: m[2] as string,
    code: m[3] as string,
  }));
}

describe("docs/agents.md snippets", { timeout: 180_000 }, () => {
  let f: SdkFixture;
  // Inside the package, so `sigil-vault/client` resolves by self-reference and `openai` from node_modules.
  const dir = mkdtempSync(join(ROOT, "dist", "docs-snippets-"));
  before(async () => {
    f = await startSdkFixture({ openai: "api.openai.com", anthropic: "api.anthropic.com" });
  });
  after(async () => {
    await f?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("marks the snippets the page promises", () => {
    assert.deepEqual(
      snippets().map((s) => `${s.lang} ${s.name}`),
      ["node openai", "node anthropic", "python requests", "python httpx", "python aiohttp"],
    );
  });

  for (const s of snippets()) {
    const skip = s.lang === "python" ? pythonSkip : false;
    it(`runs the ${s.lang} ${s.name} snippet as written`, { skip }, async () => {
      const file = join(dir, `snippet_${s.name}.${s.lang === "node" ? "mjs" : "py"}`);
      writeFileSync(file, s.code);
      const seenBefore = f.api.requests.length;
      const releasesBefore = (await f.releases()).length;
      const run =
        s.lang === "node"
          ? await runUnderVault(f, [process.execPath, file])
          : await runUnderVault(f, [PYTHON, file], { PYTHONPATH: PYTHON_CLIENT });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), WORDS.join(""));
      assert.equal(run.stderr, "");
      const seen = f.api.requests.slice(seenBefore);
      assert.equal(seen.length, 1);
      const credential =
        s.name === "anthropic" ? seen[0]!.headers["x-api-key"] : seen[0]!.headers["authorization"];
      assert.equal(credential, s.name === "anthropic" ? f.h.canary : `Bearer ${f.h.canary}`);
      const released = (await f.releases()).slice(releasesBefore);
      assert.deepEqual(
        released.map((r) => r["binding"]),
        ["verified"],
      );
    });
  }
});

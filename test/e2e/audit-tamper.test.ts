/**
 * Tamper evidence of the audit log (spec §8) through the real CLI: a log produced by real traffic
 * is copied, edited on disk (flipped byte, deleted, swapped, duplicated line) and `audit verify`
 * must name the first bad line; the untouched copy must verify.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CURL } from "../helpers/cli.js";
import { MODELS_URL, setupVault, type VaultFixture } from "./vault-fixture.js";
import { skipUnless } from "../helpers/skip.js";

type Edit = (lines: Buffer[]) => Buffer[];

const flipByte =
  (k: number): Edit =>
  (lines) =>
    lines.map((line, i) => {
      if (i !== k - 1) return line;
      const copy = Buffer.from(line);
      const at = Math.floor(copy.length / 2);
      copy[at] = copy[at]! ^ 0x01;
      return copy;
    });
const deleteLine =
  (k: number): Edit =>
  (lines) =>
    lines.filter((_, i) => i !== k - 1);
const swapLines =
  (k: number): Edit =>
  (lines) => {
    const out = [...lines];
    [out[k - 1], out[k]] = [lines[k]!, lines[k - 1]!];
    return out;
  };
const duplicateLine =
  (k: number): Edit =>
  (lines) => [...lines.slice(0, k), lines[k - 1]!, ...lines.slice(k)];

describe(
  "audit verify on a tampered copy of a real log",
  {
    skip: skipUnless(
      CURL !== null,
      "curl is not installed; the e2e suite drives real curl as the agent",
    ),
    timeout: 120_000,
  },
  () => {
    let vault: VaultFixture;
    let auditFile: string;
    let lines: Buffer[];
    let copies = 0;

    before(async () => {
      vault = await setupVault();
      const { proxy, port } = await vault.startProxy();
      for (let i = 0; i < 2; i++) {
        const attestation = await vault.attest();
        assert.equal((await vault.curlAgent(port, MODELS_URL, { attestation })).final?.status, 200);
        assert.equal((await vault.curlAgent(port, MODELS_URL, { attestation })).final?.status, 403);
      }
      const badToken = `svt_${randomBytes(24).toString("base64url")}`;
      assert.equal(
        (await vault.curlAgent(port, MODELS_URL, { token: badToken })).final?.status,
        407,
      );
      assert.equal((await vault.curlAgent(port, "https://elsewhere.test/")).final?.status, 403);
      assert.equal((await vault.curlAgent(port, MODELS_URL)).final?.status, 403);
      assert.equal((await proxy.stop()).code, 0);
      const names = (await readdir(join(vault.home, "audit"))).filter((n) => n.endsWith(".jsonl"));
      assert.equal(names.length, 1, `expected one audit file, found ${names.join(", ")}`);
      auditFile = names[0]!;
      const text = await readFile(join(vault.home, "audit", auditFile));
      lines = splitLines(text);
      assert.ok(lines.length >= 10, `only ${lines.length} records`);
    });
    after(() => vault?.close());

    /** Copies the home, applies `edit` to the audit file, and runs `audit verify` on the copy. */
    async function verifyCopy(edit: Edit) {
      const home = join(vault.dir, `copy-${++copies}`);
      await cp(vault.home, home, { recursive: true });
      const edited = edit(lines).map((l) => Buffer.concat([l, Buffer.from("\n")]));
      await writeFile(join(home, "audit", auditFile), Buffer.concat(edited));
      return vault.session.run(["audit", "verify"], { home });
    }

    it("the untouched copy verifies with the same count and head as the original", async () => {
      const original = await vault.session.run(["audit", "verify"]);
      assert.equal(original.code, 0, original.stderr);
      assert.match(
        original.stdout,
        new RegExp(`^OK ${lines.length} records, head [0-9a-f]{64}\\n$`),
      );
      const copy = await verifyCopy((l) => l);
      assert.equal(copy.code, 0, copy.stderr);
      assert.equal(copy.stdout, original.stdout);
    });

    const cases: [string, (n: number) => { edit: Edit; line: number }][] = [
      ["a flipped byte in the first line is named", () => ({ edit: flipByte(1), line: 1 })],
      [
        "a flipped byte in a middle line is named",
        (n) => ({ edit: flipByte(n >> 1), line: n >> 1 }),
      ],
      ["a flipped byte in the last line is named", (n) => ({ edit: flipByte(n), line: n })],
      ["a deleted first line is named at line 1", () => ({ edit: deleteLine(1), line: 1 })],
      [
        "a deleted middle line k is named at line k",
        (n) => ({ edit: deleteLine(n >> 1), line: n >> 1 }),
      ],
      ["lines 1 and 2 swapped are named at line 1", () => ({ edit: swapLines(1), line: 1 })],
      [
        "lines k and k+1 swapped are named at line k",
        (n) => ({ edit: swapLines(n >> 1), line: n >> 1 }),
      ],
      ["a duplicated line k is named at line k+1", () => ({ edit: duplicateLine(3), line: 4 })],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        const { edit, line } = make(lines.length);
        const r = await verifyCopy(edit);
        assert.equal(r.code, 1, r.stdout);
        assert.equal(r.stdout, "");
        assert.match(
          r.stderr,
          new RegExp(`^FAIL \\S*${auditFile} line ${line}\\b[^\\n]*: [^\\n]+\\n$`),
        );
      });
    }

    it("audit tail -n 3 shows a header and the last three records", async () => {
      const r = await vault.session.run(["audit", "tail", "-n", "3"]);
      assert.equal(r.code, 0, r.stderr);
      const rows = r.stdout.trimEnd().split("\n");
      assert.equal(rows.length, 4, r.stdout);
      assert.match(rows[0]!, /^TIME\s+SEQ\s/);
      const seqs = lines.slice(-3).map((l) => (JSON.parse(l.toString()) as { seq: number }).seq);
      rows.slice(1).forEach((row, i) => assert.match(row, new RegExp(`^\\S+\\s+${seqs[i]}\\s`)));
      assert.match(rows[3]!, /\bstop\b/);
    });
  },
);

function splitLines(text: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let nl = text.indexOf(10); nl >= 0; nl = text.indexOf(10, start)) {
    out.push(text.subarray(start, nl));
    start = nl + 1;
  }
  assert.equal(start, text.length, "the log ends with a newline");
  return out;
}

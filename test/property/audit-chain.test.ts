/**
 * Tamper evidence of the audit chain (spec §8) under random records: a sealed log verifies, and
 * flipping any one byte anywhere makes `verify` fail at exactly the line holding that byte.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { prepareRecord, sealRecord } from "../../src/audit/chain.js";
import { auditFileName } from "../../src/audit/files.js";
import { CHAIN_KEYS, ZERO_HASH } from "../../src/audit/record.js";
import { verifyAuditDir } from "../../src/audit/verify.js";
import { canonicalize } from "../../src/canonical-json.js";

// Bounded for CI: at most 200 runs, and a whole property (shrinking included) stops after 10 s.
const RUNS = { numRuns: 200, plugins: [fc.interruptAfterTimeLimit(10_000)] };
const T0 = Date.UTC(2025, 0, 1);

const record = fc.record({
  type: fc.constantFrom("deny", "release", "outcome", "config"),
  fields: fc.dictionary(
    fc.string({ maxLength: 8 }).filter((k) => !CHAIN_KEYS.includes(k) && k !== "type"),
    fc.jsonValue({ maxDepth: 2, stringUnit: "binary" }),
    { maxKeys: 5 },
  ),
});

/** Seals records into one log file's bytes, chained from the zero hash. */
function sealLog(records: { type: string; fields: Record<string, unknown> }[]): Buffer {
  let prev = ZERO_HASH;
  const lines = records.map(({ type, fields }, seq) => {
    const ts = new Date(T0 + seq * 1000).toISOString();
    const unsealed = prepareRecord({ ...fields, type }, ts);
    const line = sealRecord(unsealed, seq, prev);
    prev = unsealed.record.hash;
    return line + "\n";
  });
  return Buffer.from(lines.join(""), "utf8");
}

/** 1-based line of byte `pos` (a line's "\n" belongs to it). */
function lineOf(bytes: Buffer, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

describe("sealed records against src/canonical-json.ts", () => {
  it("stores each record as canonicalize() serialises it, hashed without its hash", () => {
    const prop = fc.property(record, fc.nat(), (r, seq) => {
      const ts = new Date(T0 + seq).toISOString();
      const prev = createHash("sha256").update(String(seq)).digest("hex");
      const input = { ...r.fields, type: r.type };
      const unsealed = prepareRecord(input, ts);
      const line = sealRecord(unsealed, seq, prev);
      const unhashed = { ...input, v: 1, seq, ts, prev };
      const hash = createHash("sha256").update(canonicalize(unhashed), "utf8").digest("hex");
      assert.equal(unsealed.record.hash, hash);
      assert.equal(line, canonicalize({ ...unhashed, hash }));
      assert.equal(canonicalize(unsealed.record), line, "the record holds what the line says");
    });
    fc.assert(prop, RUNS);
  });
});

describe("the audit chain under random records and single-byte edits", () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sigil-chain-prop-"));
    file = join(dir, auditFileName(0));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("verifies a sealed log and fails at the edited line after any one byte changes", async () => {
    const logs = fc.array(record, { minLength: 1, maxLength: 6 });
    const prop = fc.asyncProperty(
      logs,
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      async (recs, pos, mask) => {
        const bytes = sealLog(recs);
        await writeFile(file, bytes);
        const clean = await verifyAuditDir(dir);
        assert.ok(clean.ok && clean.count === recs.length, JSON.stringify(clean));
        const at = pos % bytes.length;
        const edited = Buffer.from(bytes);
        edited[at]! ^= mask;
        await writeFile(file, edited);
        const result = await verifyAuditDir(dir);
        assert.equal(result.ok, false, `byte ${at} ^ ${mask} went unnoticed`);
        assert.equal(result.ok ? 0 : result.line, lineOf(bytes, at));
      },
    );
    await fc.assert(prop, RUNS);
  });

  // Single-byte edits that once slipped through: F0 BF BD is a truncated 4-byte sequence that a
  // lossy UTF-8 decoder reads as one U+FFFD, exactly like EF BF BD; and "1e965" parses to Infinity,
  // which canonical JSON cannot serialise.
  const EDITS: [string, Record<string, unknown>, string, number, number][] = [
    ["turns the lead byte of U+FFFD (EF) into F0", { reason: "x\ufffdy" }, "\ufffd", 0, 0xf0],
    ["turns the lead byte of U+FFFD (EF) into F3", { reason: "x\ufffdy" }, "\ufffd", 0, 0xf3],
    ["turns an exponent sign into a digit (1e-65 into 1e965)", { n: 1e-65 }, "e-65", 1, 0x39],
  ];
  for (const [name, fields, find, offset, byte] of EDITS) {
    it(`names line 2 after an edit that ${name}`, async () => {
      const bytes = sealLog([
        { type: "config", fields: {} },
        { type: "deny", fields },
        { type: "config", fields: {} },
      ]);
      const edited = Buffer.from(bytes);
      edited[bytes.indexOf(Buffer.from(find, "utf8")) + offset] = byte;
      await writeFile(file, edited);
      let result;
      try {
        result = await verifyAuditDir(dir);
      } catch (err) {
        assert.fail(`verify threw instead of naming the line: ${String((err as Error).message)}`);
      }
      assert.equal(result.ok, false, "the edit went unnoticed");
      assert.equal(result.ok ? 0 : result.line, 2);
    });
  }
});

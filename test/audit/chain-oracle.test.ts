/**
 * Independent oracles for the canonical JSON behind the audit chain: RFC 8785's own published
 * examples, and one audit record whose canonical form is written out by hand here, so the expected
 * hash comes from SHA-256 of a literal string, not from src/canonical-json. The other audit tests
 * recompute hashes with canonicalize(); these keep that helper itself honest.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openAuditWriter } from "../../src/audit/writer.js";
import { canonicalize } from "../../src/canonical-json.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

test("RFC 8785 §3.2.2 sample: numbers, string escapes and literals", () => {
  const input = JSON.parse(
    '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
      '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
      '"literals":[null,true,false]}',
  ) as unknown;
  assert.equal(
    canonicalize(input),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

test("RFC 8785 §3.2.3 sample: property sorting by UTF-16 code units", () => {
  const input = JSON.parse(
    '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
      '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",' +
      '"\\u00f6":"Latin Small Letter O With Diaeresis"}',
  ) as unknown;
  assert.equal(
    canonicalize(input),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\u{1f600}":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
});

test("an audit record's hash is SHA-256 of its hand-written canonical form", async (t) => {
  const dir = join(await makeTmpDir(t), "audit");
  const w = await openAuditWriter({ dir, now: () => new Date("2030-01-01T00:00:00.000Z") });
  await w.append({ type: "stop", reason: "SIGTERM" });
  await w.close();
  // Members sorted by name, no whitespace, `hash` left out (spec §9).
  const zeros = "0".repeat(64);
  const body = `{"prev":"${zeros}","reason":"SIGTERM","seq":0,"ts":"2030-01-01T00:00:00.000Z","type":"stop","v":1}`;
  const hash = createHash("sha256").update(body, "utf8").digest("hex");
  const [file] = (await readdir(dir)).sort();
  const line = (await readFile(join(dir, file!), "utf8")).trimEnd();
  assert.equal(
    line,
    `{"hash":"${hash}","prev":"${zeros}","reason":"SIGTERM","seq":0,"ts":"2030-01-01T00:00:00.000Z","type":"stop","v":1}`,
  );
});

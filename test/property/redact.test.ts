/**
 * The body redactor against a reference: however the upstream splits its body into chunks, the
 * output is the whole body with every credential occurrence masked, byte for byte.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { createRedactor } from "../../src/proxy/redact.js";

/** Masks occurrences left to right, needle by needle, as one pass over the whole body would. */
function reference(body: Buffer, needles: Buffer[]): Buffer {
  const out = Buffer.from(body);
  for (const n of needles) {
    for (let i = out.indexOf(n); i >= 0; i = out.indexOf(n, i + n.length))
      out.fill(0x2a, i, i + n.length);
  }
  return out;
}

async function run(needles: Buffer[], chunks: Buffer[]): Promise<Buffer[]> {
  const filter = createRedactor(needles.map((n) => Buffer.from(n))).body();
  const out: Buffer[] = [];
  filter.on("data", (c: Buffer) => out.push(Buffer.from(c)));
  const done = new Promise((resolve) => filter.on("end", resolve));
  for (const c of chunks) filter.write(Buffer.from(c));
  filter.end();
  await done;
  return out;
}

const alphabet = fc.constantFrom(..."abAB:=-*x".split(""));
const needle = fc
  .string({ unit: alphabet, minLength: 8, maxLength: 20 })
  .map((s) => Buffer.from(s));

test("chunked redaction equals masking the whole body", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(needle, { minLength: 1, maxLength: 3 }),
      fc.array(fc.oneof(fc.string({ unit: alphabet, maxLength: 30 }), fc.constant("NEEDLE")), {
        maxLength: 12,
      }),
      fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 20 }),
      async (needles, parts, sizes) => {
        const body = Buffer.concat(
          parts.map((p, i) => (p === "NEEDLE" ? needles[i % needles.length]! : Buffer.from(p))),
        );
        const chunks: Buffer[] = [];
        for (let at = 0, k = 0; at < body.length; k++) {
          const size = sizes[k % sizes.length]!;
          chunks.push(body.subarray(at, at + size));
          at += size;
        }
        const out = await run(needles, chunks);
        assert.deepEqual(Buffer.concat(out), reference(body, needles));
      },
    ),
    { numRuns: 300, plugins: [fc.interruptAfterTimeLimit(10_000)] },
  );
});

test("the pump's masker (last chunk flagged) equals masking the whole body", () => {
  fc.assert(
    fc.property(
      fc.array(needle, { minLength: 1, maxLength: 3 }),
      fc.array(fc.oneof(fc.string({ unit: alphabet, maxLength: 30 }), fc.constant("NEEDLE")), {
        maxLength: 12,
      }),
      fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 20 }),
      (needles, parts, sizes) => {
        const body = Buffer.concat(
          parts.map((p, i) => (p === "NEEDLE" ? needles[i % needles.length]! : Buffer.from(p))),
        );
        const masker = createRedactor(needles.map((n) => Buffer.from(n))).masker();
        const out: Buffer[] = [];
        let at = 0;
        for (let k = 0; at < body.length; k++) {
          const size = sizes[k % sizes.length]!;
          const chunk = Buffer.from(body.subarray(at, at + size));
          at += size;
          out.push(Buffer.from(masker.next(chunk, at >= body.length)));
        }
        out.push(masker.end());
        assert.deepEqual(Buffer.concat(out), reference(body, needles));
      },
    ),
    { numRuns: 300 },
  );
});

test("header masking equals masking each value's bytes", () => {
  const byte = fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b));
  const value = fc.array(fc.oneof(byte, fc.constantFrom(..."abAB:=-*x".split(""))), {
    maxLength: 40,
  });
  fc.assert(
    fc.property(
      fc.array(needle, { minLength: 1, maxLength: 3 }),
      fc.array(fc.tuple(value, fc.boolean()), { maxLength: 6 }),
      (needles, values) => {
        const raw: string[] = [];
        values.forEach(([chars, plant], i) => {
          const planted = plant ? needles[i % needles.length]!.toString("latin1") : "";
          raw.push(`x-h${i}`, chars.join("") + planted + chars.slice(0, 3).join(""));
        });
        const out = createRedactor(needles.map((n) => Buffer.from(n))).headers(raw);
        const want = raw.map((v, i) =>
          i % 2 === 0 ? v : reference(Buffer.from(v, "latin1"), needles).toString("latin1"),
        );
        assert.deepEqual(out, want);
      },
    ),
    { numRuns: 500 },
  );
});

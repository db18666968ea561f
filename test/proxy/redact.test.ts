import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { createCredential } from "../../src/backends/backend.js";
import { createRedactor, credentialNeedles } from "../../src/proxy/redact.js";

const cred = (fields: Record<string, string>) =>
  createCredential(new Map(Object.entries(fields).map(([k, v]) => [k, Buffer.from(v)])));

async function through(
  redactorChunks: string[],
  secret: string,
): Promise<{ out: string; chunks: number }> {
  const r = createRedactor(credentialNeedles(cred({ value: secret })));
  const filter = r.body();
  const parts: Buffer[] = [];
  filter.on("data", (c: Buffer) => parts.push(c));
  await new Promise<void>((resolve, reject) => {
    filter.on("end", resolve);
    filter.on("error", reject);
    Readable.from(redactorChunks.map((c) => Buffer.from(c))).pipe(filter);
  });
  return { out: Buffer.concat(parts).toString(), chunks: parts.length };
}

test("a credential echoed in the body is masked with stars of the same length", async () => {
  const { out } = await through(['{"auth":"Bearer sk-secret-123"}'], "sk-secret-123");
  assert.equal(out, '{"auth":"Bearer *************"}');
});

test("a credential split across chunks is still masked", async () => {
  const { out } = await through(["xx sk-sec", "ret-1", "23 yy"], "sk-secret-123");
  assert.equal(out, "xx ************* yy");
});

test("chunks that cannot start a credential are passed on at once (SSE stays event by event)", async () => {
  const events = ["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"];
  const { out, chunks } = await through(events, "sk-secret-123");
  assert.equal(out, events.join(""));
  assert.equal(chunks, 3);
});

test("response header values are masked, names untouched", () => {
  const r = createRedactor(credentialNeedles(cred({ value: "sk-secret-123" })));
  assert.deepEqual(r.headers(["X-Echo", "Bearer sk-secret-123", "Content-Type", "text/plain"]), [
    "X-Echo",
    "Bearer *************",
    "Content-Type",
    "text/plain",
  ]);
  assert.equal(r.masked, 1);
});

test("basic credentials are also looked for in their base64 wire form", () => {
  const needles = credentialNeedles(cred({ username: "service-user", password: "pa55word!" }));
  const wire = Buffer.from("service-user:pa55word!").toString("base64");
  assert.ok(needles.some((n) => n.toString() === wire));
});

test("short values are not scanned for, and wipe zeroes the copies", () => {
  const needles = credentialNeedles(cred({ value: "abc", token: "long-enough-token" }));
  assert.deepEqual(
    needles.map((n) => n.toString()),
    ["long-enough-token"],
  );
  createRedactor(needles).wipe();
  assert.ok(needles[0]!.every((b) => b === 0));
});

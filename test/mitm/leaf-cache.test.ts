// Leaf cache bookkeeping with an injected clock: hits, name normalisation, LRU eviction, renewal,
// and refusal of names a certificate cannot carry. Real handshakes are in tls-handshake.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { createCa, parseCa } from "../../src/mitm/ca.js";
import { createLeafCache } from "../../src/mitm/leaf-cache.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);
const ca = parseCa(createCa({ now: () => T0 }));

function clockAt(start: number) {
  const clock = { ms: start, now: () => clock.ms };
  return clock;
}

describe("leaf cache", () => {
  it("returns the same context for a host whatever its letter case or trailing dot", () => {
    const cache = createLeafCache(ca, { nowMs: () => T0 });
    const first = cache.secureContext("api.example.test");
    assert.equal(cache.secureContext("API.Example.TEST"), first);
    assert.equal(cache.secureContext("api.example.test."), first);
    assert.deepEqual(cache.stats(), { minted: 1, hits: 2 });
    assert.equal(cache.size, 1);
  });

  it("treats an IPv6 literal with and without brackets as one host", () => {
    const cache = createLeafCache(ca, { nowMs: () => T0 });
    assert.equal(cache.secureContext("[::1]"), cache.secureContext("::1"));
    assert.deepEqual(cache.stats(), { minted: 1, hits: 1 });
  });

  it("mints a separate context for each host", () => {
    const cache = createLeafCache(ca, { nowMs: () => T0 });
    assert.notEqual(cache.secureContext("a.example.test"), cache.secureContext("b.example.test"));
    assert.deepEqual(cache.stats(), { minted: 2, hits: 0 });
  });

  it("evicts the least recently used host beyond maxEntries", () => {
    const cache = createLeafCache(ca, { nowMs: () => T0, maxEntries: 2 });
    const a = cache.secureContext("a.test");
    const b = cache.secureContext("b.test");
    cache.secureContext("a.test");
    cache.secureContext("c.test");
    assert.equal(cache.size, 2);
    assert.equal(cache.secureContext("a.test"), a, "a was used recently and stays");
    assert.notEqual(cache.secureContext("b.test"), b, "b was evicted and is minted again");
    assert.deepEqual(cache.stats(), { minted: 4, hits: 2 });
  });

  it("keeps a leaf while at least an hour of validity remains, then mints a new one", () => {
    const clock = clockAt(T0);
    const cache = createLeafCache(ca, { nowMs: clock.now, validityMs: 24 * HOUR });
    const first = cache.secureContext("api.example.test");
    clock.ms = T0 + 23 * HOUR - 1000;
    assert.equal(cache.secureContext("api.example.test"), first);
    clock.ms = T0 + 23 * HOUR + 1000;
    const renewed = cache.secureContext("api.example.test");
    assert.notEqual(renewed, first);
    assert.equal(cache.secureContext("api.example.test"), renewed);
    assert.deepEqual(cache.stats(), { minted: 2, hits: 2 });
  });

  const badNames: [string, string][] = [
    ["an empty name", ""],
    ["a name with a space", "bad name.test"],
    ["a wildcard", "*.example.test"],
    ["an empty label", "a..example.test"],
    ["a label starting with a hyphen", "-a.example.test"],
    ["a label over 63 characters", `${"a".repeat(64)}.test`],
    ["a name over 253 characters", `${"a.".repeat(127)}test`],
    ["a Unicode name that was not converted to punycode", "bücher.example"],
    ["an IPv6 literal with a zone id", "fe80::1%eth0"],
    ["a host with a port", "api.example.test:443"],
  ];
  for (const [name, host] of badNames) {
    it(`refuses ${name} without minting`, () => {
      const cache = createLeafCache(ca, { nowMs: () => T0 });
      assert.throws(
        () => cache.secureContext(host),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_BAD_REQUEST",
      );
      assert.deepEqual(cache.stats(), { minted: 0, hits: 0 });
    });
  }

  it("keeps unrouted hosts in their own small pool, which never evicts a routed leaf", () => {
    const cache = createLeafCache(ca, { maxEntries: 2, maxUnroutedEntries: 2, nowMs: () => T0 });
    const routed = cache.secureContext("api.example.test");
    for (let i = 0; i < 10; i++) cache.secureContext(`junk-${i}.example.test`, "unrouted");
    assert.equal(cache.size, 3, "one routed leaf plus the two newest unrouted ones");
    assert.equal(cache.secureContext("api.example.test"), routed, "the routed leaf survived");
    assert.equal(cache.secureContext("api.example.test", "unrouted"), routed, "and is reused");
    assert.equal(cache.stats().minted, 11);
  });

  it("refuses options that would make it useless", () => {
    assert.throws(() => createLeafCache(ca, { maxUnroutedEntries: 0 }), RangeError);
    assert.throws(() => createLeafCache(ca, { maxEntries: 0 }), RangeError);
    assert.throws(() => createLeafCache(ca, { validityMs: HOUR }), RangeError);
  });

  it("mints a leaf in a few milliseconds of CPU (one keygen, one signature)", (t) => {
    const cache = createLeafCache(ca, { nowMs: () => T0 });
    cache.secureContext("warm-up.test");
    const count = 20;
    const before = process.cpuUsage();
    for (let i = 0; i < count; i++) cache.secureContext(`host-${i}.example.test`);
    const used = process.cpuUsage(before);
    const meanMs = (used.user + used.system) / 1000 / count;
    t.diagnostic(`mean mint CPU time ${meanMs.toFixed(2)} ms`);
    assert.ok(meanMs < 15, `minting took ${meanMs.toFixed(2)} ms of CPU on average`);
  });
});

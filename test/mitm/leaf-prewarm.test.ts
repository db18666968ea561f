// Leaves minted ahead for exact route hosts: one per scheduled turn, wildcards and duplicates
// skipped, and the first real handshake for such a host is then a cache hit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCa, parseCa } from "../../src/mitm/ca.js";
import { createLeafCache } from "../../src/mitm/leaf-cache.js";
import { exactRouteHosts, mintLeavesAhead } from "../../src/mitm/leaf-prewarm.js";

const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);
const ca = parseCa(createCa({ now: () => T0 }));
const routes = [
  { host: "api.example.test" },
  { host: "*.wild.example.test" },
  { host: "API.example.test:8443" },
  { host: "10.0.0.7" },
  { host: "other.example.test" },
  { host: "bad host" },
];

describe("leaves ahead of time", () => {
  it("lists each exact route host once, normalised, without wildcards or bad patterns", () => {
    assert.deepEqual(exactRouteHosts(routes), [
      "api.example.test",
      "10.0.0.7",
      "other.example.test",
    ]);
  });

  it("mints one host per scheduled turn, then serves those hosts from the cache", () => {
    const cache = createLeafCache(ca, { nowMs: () => T0 });
    const turns: (() => void)[] = [];
    mintLeavesAhead(cache, routes, (next) => turns.push(next));
    assert.deepEqual(cache.stats(), { minted: 0, hits: 0 }, "nothing happens synchronously");
    let ran = 0;
    while (turns.length > 0) {
      turns.shift()!();
      ran++;
      assert.ok(cache.stats().minted <= ran, "at most one leaf per turn");
    }
    assert.deepEqual(cache.stats(), { minted: 3, hits: 0 });
    cache.secureContext("api.example.test");
    cache.secureContext("10.0.0.7");
    assert.deepEqual(cache.stats(), { minted: 3, hits: 2 });
  });

  it("leaves fresh leaves alone on a reload (a hit, not a new key)", () => {
    const cache = createLeafCache(ca, { nowMs: () => T0 });
    const ctx = cache.secureContext("api.example.test");
    const turns: (() => void)[] = [];
    mintLeavesAhead(cache, [{ host: "api.example.test" }], (next) => turns.push(next));
    while (turns.length > 0) turns.shift()!();
    assert.equal(cache.secureContext("api.example.test"), ctx);
    assert.deepEqual(cache.stats(), { minted: 1, hits: 2 });
  });
});

/** The per-agent tunnel cap: counted per agent id, released once, and no entry left at zero. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTunnelQuota } from "../../src/proxy/tunnel-quota.js";

describe("tunnel quota", () => {
  it("refuses the slot over the cap for one agent and leaves other agents alone", () => {
    const q = createTunnelQuota();
    const a1 = q.acquire("agt_a", 2);
    const a2 = q.acquire("agt_a", 2);
    assert.ok(a1 && a2);
    assert.equal(q.acquire("agt_a", 2), undefined);
    assert.ok(q.acquire("agt_b", 2), "another agent has its own count");
    a1();
    a1(); // a second release of the same slot frees nothing more
    assert.equal(q.count("agt_a"), 1);
    assert.ok(q.acquire("agt_a", 2));
  });

  it("forgets an agent whose last tunnel closed", () => {
    const q = createTunnelQuota();
    const release = q.acquire("agt_a", 1)!;
    release();
    assert.equal(q.count("agt_a"), 0);
    assert.ok(q.acquire("agt_a", 1));
  });
});

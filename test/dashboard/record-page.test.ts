/** `/audit/<seq>`: which paths name a record, and that agent-chosen text is escaped, never markup. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recordSeqFromPath, renderRecordPage } from "../../src/dashboard/record-page.js";

describe("the audit record page", () => {
  it("takes /audit/<digits> only", () => {
    assert.equal(recordSeqFromPath("/audit/42"), 42);
    for (const p of ["/audit/", "/audit/-1", "/audit/1.5", "/audit/42/x", "/audit/0x10", "/audit"])
      assert.equal(recordSeqFromPath(p), undefined, p);
  });

  it("escapes what an agent chose (host, path) so it cannot become markup", () => {
    const html = renderRecordPage(7, {
      v: 1,
      seq: 7,
      ts: "2026-01-01T00:00:00.000Z",
      type: "deny",
      prev: "0".repeat(64),
      hash: "a".repeat(64),
      path: `/x"><script>alert(1)</script>`,
      host: "<img src=x onerror=alert(1)>",
    });
    assert.doesNotMatch(html, /<script>|<img/);
    assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(html.includes("/x&quot;&gt;"));
  });
});

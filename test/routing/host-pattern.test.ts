// Host patterns decide which hosts a credential may go to: wildcards, ports and refused forms.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { hostMatches, portMatches, portsOverlap } from "../../src/routing/host-match.js";
import { normalizeHost, parseHostPattern } from "../../src/routing/host.js";

describe("parseHostPattern", () => {
  const parsed: [string, string, object][] = [
    [
      "parses an exact host",
      "api.example.com",
      { kind: "exact", host: "api.example.com", port: null },
    ],
    [
      "normalises case and a trailing dot",
      "API.Example.com.",
      { kind: "exact", host: "api.example.com", port: null },
    ],
    [
      "normalises Unicode to punycode",
      "ÄPI.example.com",
      { kind: "exact", host: "xn--pi-uia.example.com", port: null },
    ],
    [
      "parses an explicit port",
      "api.example.com:8443",
      { kind: "exact", host: "api.example.com", port: 8443 },
    ],
    ["parses a wildcard", "*.Example.com", { kind: "wildcard", host: "example.com", port: null }],
    [
      "parses a wildcard with a port",
      "*.example.com:8443",
      { kind: "wildcard", host: "example.com", port: 8443 },
    ],
    [
      "parses an IPv6 literal with a port",
      "[::1]:8080",
      { kind: "exact", host: "[::1]", port: 8080 },
    ],
  ];
  for (const [name, pattern, want] of parsed) {
    it(name, () => assert.deepEqual(parseHostPattern(pattern), want));
  }

  const refused: [string, string][] = [
    ["refuses `*` alone", "*"],
    ["refuses `*` alone with a port", "*:443"],
    ["refuses a wildcard over a single label", "*.com"],
    ["refuses a wildcard over a single label with a trailing dot", "*.com."],
    ["refuses `*` inside a label", "a*.example.com"],
    ["refuses `*` in a later label", "api.*.com"],
    ["refuses a double wildcard", "*.*.example.com"],
    ["refuses `**`", "**.example.com"],
    ["refuses a wildcard over an IP address", "*.127.0.0.1"],
    ["refuses a bad port", "api.example.com:0"],
    ["refuses an invalid host", "api_x.example.com"],
    ["refuses an empty pattern", ""],
  ];
  for (const [name, pattern] of refused) {
    it(name, () =>
      assert.throws(
        () => parseHostPattern(pattern),
        (err: unknown) => err instanceof SigilError && err.code === "ERR_USAGE",
      ),
    );
  }
});

describe("hostMatches", () => {
  const cases: [string, string, string, boolean][] = [
    ["a wildcard matches one label", "*.example.com", "api.example.com", true],
    ["a wildcard matches several labels", "*.example.com", "a.b.example.com", true],
    ["a wildcard never matches the apex", "*.example.com", "example.com", false],
    ["a wildcard does not match a look-alike suffix", "*.example.com", "badexample.com", false],
    [
      "a wildcard does not match a different domain",
      "*.example.com",
      "example.com.evil.net",
      false,
    ],
    ["an exact host matches only itself", "api.example.com", "api.example.com", true],
    ["an exact host does not match a subdomain", "api.example.com", "x.api.example.com", false],
    [
      "an exact host matches its IDN form",
      "ÄPI.example.com",
      normalizeHost("äpi.EXAMPLE.com."),
      true,
    ],
    [
      "an exact host matches a full-width spelling",
      "api.example.com",
      normalizeHost("ａｐｉ.example.com"),
      true,
    ],
    [
      "an exact host does not match a homograph",
      "example.com",
      normalizeHost("exаmple.com"),
      false,
    ],
  ];
  for (const [name, pattern, host, want] of cases) {
    it(name, () => assert.equal(hostMatches(parseHostPattern(pattern), host), want));
  }
});

describe("ports", () => {
  it("treats a pattern without a port as 443 for https and 80 for http", () => {
    const p = parseHostPattern("api.example.com");
    assert.equal(portMatches(p, 443, "https"), true);
    assert.equal(portMatches(p, 80, "http"), true);
    assert.equal(portMatches(p, 80, "https"), false);
    assert.equal(portMatches(p, 8443, "https"), false);
  });

  it("matches an explicit port for either scheme and nothing else", () => {
    const p = parseHostPattern("api.example.com:8443");
    assert.equal(portMatches(p, 8443, "https"), true);
    assert.equal(portMatches(p, 8443, "http"), true);
    assert.equal(portMatches(p, 443, "https"), false);
  });

  const overlaps: [string, string, string, boolean][] = [
    ["a default port overlaps an explicit 443", "h.example", "h.example:443", true],
    ["a default port overlaps an explicit 80", "h.example", "h.example:80", true],
    ["a default port does not overlap 8443", "h.example", "h.example:8443", false],
    ["two different explicit ports do not overlap", "h.example:8443", "h.example:9443", false],
  ];
  for (const [name, a, b, want] of overlaps) {
    it(name, () => assert.equal(portsOverlap(parseHostPattern(a), parseHostPattern(b)), want));
  }
});

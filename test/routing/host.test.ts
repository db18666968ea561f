// Host canonicalisation is what makes a host match a route at all: these cases pin it down.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { normalizeHost, parseAuthority } from "../../src/routing/host.js";

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof SigilError && err.code === code);
}

describe("normalizeHost", () => {
  const accepted: [string, string, string][] = [
    ["lower-cases ASCII names", "API.Example.COM", "api.example.com"],
    ["strips one trailing dot", "api.example.com.", "api.example.com"],
    ["converts Unicode labels to punycode", "ÄPI.example.com", "xn--pi-uia.example.com"],
    ["keeps punycode as it is", "xn--pi-uia.example.com", "xn--pi-uia.example.com"],
    ["lower-cases upper-case punycode", "XN--PI-UIA.EXAMPLE.COM", "xn--pi-uia.example.com"],
    ["maps full-width letters through IDNA", "ａｐｉ.example.com", "api.example.com"],
    ["maps the ideographic full stop to a dot", "api。example。com", "api.example.com"],
    ["keeps a look-alike Cyrillic letter distinct", "exаmple.com", "xn--exmple-4nf.com"],
    ["accepts a dotted-decimal IPv4 address", "127.0.0.1", "127.0.0.1"],
    ["accepts a bracketed IPv6 address in canonical form", "[0:0::1]", "[::1]"],
    ["accepts a 63-character label", `${"a".repeat(63)}.com`, `${"a".repeat(63)}.com`],
  ];
  for (const [name, input, want] of accepted) {
    it(name, () => assert.equal(normalizeHost(input), want));
  }

  it("is idempotent on every accepted form", () => {
    for (const [, input] of accepted) {
      const once = normalizeHost(input);
      assert.equal(normalizeHost(once), once);
    }
  });

  const refused: [string, string][] = [
    ["refuses an empty host", ""],
    ["refuses a lone dot", "."],
    ["refuses two trailing dots", "api.example.com.."],
    ["refuses an empty label", "api..example.com"],
    ["refuses an underscore", "a_b.example.com"],
    ["refuses a label starting with a hyphen", "-a.example.com"],
    ["refuses a label ending with a hyphen", "a-.example.com"],
    ["refuses a 64-character label", `${"a".repeat(64)}.com`],
    ["refuses a name longer than 253 characters", Array(64).fill("abc").join(".")],
    ["refuses percent-encoding, which IDNA would decode", "%61pi.example.com"],
    ["refuses a space", "api example.com"],
    ["refuses invalid punycode", "xn--zz.example.com"],
    ["refuses a zero-width joiner", "a\u200db.example.com"],
    ["refuses a port", "api.example.com:443"],
    ["refuses user info", "user@api.example.com"],
    ["refuses a short-form IPv4 address", "127.1"],
    ["refuses a hexadecimal IPv4 address", "0x7f.0.0.1"],
    ["refuses an IPv4 octet with a leading zero", "127.0.0.01"],
    ["refuses full-width digits in an IPv4 address", "１２７.0.0.1"],
    ["refuses a name whose last label is numeric but not IPv4", "example.123"],
    ["refuses an unbracketed IPv6 address", "::1"],
    ["refuses an IPv6 zone id", "[fe80::1%25eth0]"],
    ["refuses a wildcard", "*.example.com"],
  ];
  for (const [name, input] of refused) {
    it(name, () => assertCode(() => normalizeHost(input), "ERR_BAD_REQUEST"));
  }
});

describe("parseAuthority", () => {
  const accepted: [string, string, number | undefined, string, number][] = [
    ["parses a CONNECT target", "API.example.com:443", undefined, "api.example.com", 443],
    ["parses a bracketed IPv6 target", "[::1]:8443", undefined, "[::1]", 8443],
    [
      "normalises the host of a target",
      "ÄPI.example.com.:8443",
      undefined,
      "xn--pi-uia.example.com",
      8443,
    ],
    [
      "uses the default port when allowed and absent",
      "api.example.com",
      443,
      "api.example.com",
      443,
    ],
    [
      "prefers an explicit port over the default",
      "api.example.com:8443",
      443,
      "api.example.com",
      8443,
    ],
    ["accepts the highest port", "h.example:65535", undefined, "h.example", 65535],
  ];
  for (const [name, input, fallback, host, port] of accepted) {
    it(name, () => assert.deepEqual(parseAuthority(input, fallback), { host, port }));
  }

  const refused: [string, string][] = [
    ["refuses a target without a port", "api.example.com"],
    ["refuses an empty port", "api.example.com:"],
    ["refuses port zero", "api.example.com:0"],
    ["refuses a port above 65535", "api.example.com:65536"],
    ["refuses a port with a leading zero", "api.example.com:0443"],
    ["refuses a non-numeric port", "api.example.com:https"],
    ["refuses a signed port", "api.example.com:+443"],
    ["refuses a missing host", ":443"],
    ["refuses an unbracketed IPv6 target", "::1:443"],
    ["refuses an unterminated IPv6 bracket", "[::1:443"],
    ["refuses junk after an IPv6 bracket", "[::1]x:443"],
    ["refuses user info in the target", "user:pw@api.example.com:443"],
  ];
  for (const [name, input] of refused) {
    it(name, () => assertCode(() => parseAuthority(input), "ERR_BAD_REQUEST"));
  }

  it("never echoes the input in its reason", () => {
    assert.throws(
      () => parseAuthority("secret-looking-host_name:443"),
      (err: unknown) => err instanceof SigilError && !err.reason.includes("secret-looking"),
    );
  });
});

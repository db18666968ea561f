// The iPAddress SAN bytes must be exactly what a client compares against, for every IPv6 spelling.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ipAddressBytes } from "../../src/mitm/ip-address.js";

describe("ipAddressBytes", () => {
  const cases: [string, string, string | undefined][] = [
    ["an IPv4 literal is four octets", "127.0.0.1", "7f000001"],
    ["IPv6 loopback expands the gap", "::1", "00000000000000000000000000000001"],
    ["the unspecified IPv6 address is all zeros", "::", "00000000000000000000000000000000"],
    ["a trailing gap fills with zeros", "fe80::", "fe800000000000000000000000000000"],
    [
      "a full IPv6 address needs no expansion",
      "1:2:3:4:5:6:7:8",
      "00010002000300040005000600070008",
    ],
    ["a gap in the middle", "2001:db8::ff00:42:8329", "20010db8000000000000ff0000428329"],
    ["an embedded IPv4 tail", "::ffff:192.0.2.1", "00000000000000000000ffffc0000201"],
    ["upper-case hex is accepted", "2001:DB8::1", "20010db8000000000000000000000001"],
    ["a DNS name is not an IP", "localhost", undefined],
    ["brackets are not part of the literal", "[::1]", undefined],
    ["a zone id cannot go in a certificate", "fe80::1%eth0", undefined],
    ["an out-of-range IPv4 octet is refused", "256.0.0.1", undefined],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(ipAddressBytes(input)?.toString("hex"), expected));
  }
});

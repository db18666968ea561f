// Byte-exact checks of the DER encoder against X.690 rules, and of the reader that walks it back.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as der from "../../src/mitm/der.js";
import { decodeOid, readChildren, readElement } from "../../src/mitm/der-reader.js";

const hex = (buf: Buffer) => buf.toString("hex");

describe("DER encoder", () => {
  const cases: [string, () => Buffer, string][] = [
    ["a length below 128 uses the short form", () => der.encodeLength(127), "7f"],
    ["length 128 needs the long form", () => der.encodeLength(128), "8180"],
    ["length 256 uses two length octets", () => der.encodeLength(256), "820100"],
    ["length 65536 uses three length octets", () => der.encodeLength(65536), "83010000"],
    ["zero is one zero octet", () => der.unsignedInteger(0), "020100"],
    ["127 needs no sign octet", () => der.unsignedInteger(127), "02017f"],
    ["128 gets a leading zero so it stays positive", () => der.unsignedInteger(128), "02020080"],
    ["256 is two octets", () => der.unsignedInteger(256), "02020100"],
    [
      "leading zero bytes are stripped",
      () => der.unsignedInteger(Buffer.from("000001", "hex")),
      "020101",
    ],
    [
      "a high-bit buffer gets a sign octet",
      () => der.unsignedInteger(Buffer.from("ff", "hex")),
      "020200ff",
    ],
    [
      "ecdsa-with-SHA256 encodes as in RFC 5758",
      () => der.oid("1.2.840.10045.4.3.2"),
      "06082a8648ce3d040302",
    ],
    ["subjectAltName's OID", () => der.oid("2.5.29.17"), "0603551d11"],
    ["serverAuth's OID", () => der.oid("1.3.6.1.5.5.7.3.1"), "06082b06010505070301"],
    [
      "a first arc of 2 allows a large second arc (X.690 example)",
      () => der.oid("2.999.3"),
      "0603883703",
    ],
    ["TRUE is 0xff", () => der.boolean(true), "0101ff"],
    ["FALSE is 0x00", () => der.boolean(false), "010100"],
    ["digitalSignature alone leaves seven unused bits", () => der.namedBits([0]), "03020780"],
    ["keyCertSign and cRLSign leave one unused bit", () => der.namedBits([5, 6]), "03020106"],
    ["a bit in the second octet adds an octet", () => der.namedBits([8]), "0303070080"],
    ["no bits is an empty BIT STRING", () => der.namedBits([]), "030100"],
    [
      "SET OF sorts its elements",
      () => der.setOf(der.boolean(true), der.boolean(false)),
      "3106010100" + "0101ff",
    ],
    ["EXPLICIT wraps a whole element", () => der.explicit(0, der.unsignedInteger(2)), "a003020102"],
    ["IMPLICIT replaces the tag", () => der.implicitPrimitive(2, der.ia5Bytes("a")), "820161"],
    ["UTF8String keeps UTF-8 bytes", () => der.utf8String("é"), "0c02c3a9"],
    ["an empty SEQUENCE", () => der.sequence(), "3000"],
  ];
  for (const [name, encode, expected] of cases) {
    it(name, () => assert.equal(hex(encode()), expected));
  }

  const times: [string, string, string][] = [
    ["the last second of 2049 is a UTCTime", "2049-12-31T23:59:59Z", "170d" + "491231235959Z"],
    ["2050 switches to GeneralizedTime", "2050-01-01T00:00:00Z", "180f" + "20500101000000Z"],
    ["1950 is still a UTCTime", "1950-01-01T00:00:00Z", "170d" + "500101000000Z"],
    ["1949 is a GeneralizedTime", "1949-12-31T23:59:59Z", "180f" + "19491231235959Z"],
    ["milliseconds are dropped", "2024-02-29T12:34:56.789Z", "170d" + "240229123456Z"],
  ];
  for (const [name, iso, expected] of times) {
    it(name, () => {
      const encoded = der.time(new Date(iso));
      const [tagAndLength, text] = [expected.slice(0, 4), expected.slice(4)];
      assert.equal(hex(encoded), tagAndLength + Buffer.from(text, "ascii").toString("hex"));
    });
  }

  const refusals: [string, () => unknown][] = [
    ["an OID with one arc", () => der.oid("1")],
    ["an OID whose first arc exceeds 2", () => der.oid("3.1")],
    ["an OID whose second arc exceeds 39 under arc 1", () => der.oid("1.40")],
    ["an OID with a non-numeric arc", () => der.oid("1.a")],
    ["an OID arc with a leading zero", () => der.oid("1.02")],
    ["a negative integer", () => der.unsignedInteger(-1)],
    ["a PrintableString with '@'", () => der.printableString("a@b")],
    ["an IA5String with non-ASCII text", () => der.ia5Bytes("bücher.example")],
    ["an invalid date", () => der.time(new Date(Number.NaN))],
  ];
  for (const [name, encode] of refusals) {
    it(`refuses ${name}`, () => assert.throws(encode, RangeError));
  }
});

describe("DER reader", () => {
  it("walks back a nested structure with a long-form length", () => {
    const big = der.octetString(Buffer.alloc(300, 7));
    const encoded = der.sequence(der.unsignedInteger(5), big, der.sequence(der.boolean(true)));
    const top = readElement(encoded);
    assert.equal(top.tag, 0x30);
    assert.equal(top.raw.length, encoded.length);
    const [integer, octets, inner] = readChildren(top);
    assert.equal(hex(integer!.content), "05");
    assert.equal(octets!.content.length, 300);
    assert.equal(hex(inner!.raw), "30030101ff");
  });

  const malformed: [string, string][] = [
    ["a truncated element", "3005020101"],
    ["a non-minimal long-form length", "04810100"],
    ["an indefinite length", "308000000000"],
    ["a length pointing past the buffer", "0482ffff00"],
  ];
  for (const [name, bytes] of malformed) {
    it(`refuses ${name}`, () =>
      assert.throws(() => readElement(Buffer.from(bytes, "hex")), RangeError));
  }

  for (const dotted of [
    "1.2.840.10045.4.3.2",
    "2.5.29.17",
    "2.999.3",
    "0.9.2342.19200300.100.1.25",
  ]) {
    it(`decodes ${dotted} back to the same dotted form`, () => {
      assert.equal(decodeOid(readElement(der.oid(dotted)).content), dotted);
    });
  }
});

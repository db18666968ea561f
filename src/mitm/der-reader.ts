/**
 * A strict, bounds-checked DER reader, just enough to walk a certificate: leaves must name their
 * issuer with the CA's exact subject bytes and key identifier, which node:crypto does not expose.
 */

/** One element located inside a buffer; `content` is a view, not a copy. */
export interface DerElement {
  /** The complete identifier octet (class, constructed bit and tag number). */
  readonly tag: number;
  /** The whole encoding: identifier, length and content. */
  readonly raw: Buffer;
  readonly content: Buffer;
}

/** Reads the element starting at `offset`; throws RangeError on anything malformed. */
export function readElement(buf: Buffer, offset = 0): DerElement {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError("truncated DER");
  if ((tag & 0x1f) === 0x1f) throw new RangeError("high-tag-number form not supported");
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new RangeError("unsupported DER length");
    length = 0;
    for (let i = 0; i < count; i++) {
      const octet = buf[offset + 2 + i];
      if (octet === undefined) throw new RangeError("truncated DER");
      length = length * 256 + octet;
    }
    if (length < 0x80 || (count > 1 && buf[offset + 2] === 0)) {
      throw new RangeError("non-minimal DER length");
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new RangeError("truncated DER");
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

/** The elements directly inside a constructed element. */
export function readChildren(parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw new RangeError("not a constructed DER element");
  const children: DerElement[] = [];
  for (let offset = 0; offset < parent.content.length;) {
    const child = readElement(parent.content, offset);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}

/** Dotted form of an OBJECT IDENTIFIER's content octets. */
export function decodeOid(content: Buffer): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (const [i, octet] of content.entries()) {
    value = (value << 7n) | BigInt(octet & 0x7f);
    if (octet & 0x80) {
      if (i === content.length - 1) throw new RangeError("truncated OID");
      continue;
    }
    arcs.push(value);
    value = 0n;
  }
  const [head, ...rest] = arcs;
  if (head === undefined) throw new RangeError("empty OID");
  const first = head < 80n ? head / 40n : 2n;
  return [first, head - first * 40n, ...rest].join(".");
}

/** The parts of a certificate that issuing a child certificate needs. */
export interface CertificateParts {
  /** The DER-encoded subject Name, byte for byte. */
  readonly subjectDer: Buffer;
  /** The subjectKeyIdentifier extension value, if the certificate has one. */
  readonly subjectKeyId: Buffer | undefined;
  /** Each v3 extension by OID, with its criticality and extnValue content. */
  readonly extensions: ReadonlyMap<string, { critical: boolean; value: Buffer }>;
}

/** Splits a DER certificate (RFC 5280 §4.1) into the parts above. */
export function readCertificateParts(der: Buffer): CertificateParts {
  const [tbs] = readChildren(readElement(der));
  if (tbs === undefined) throw new RangeError("certificate has no tbsCertificate");
  const fields = readChildren(tbs);
  const hasVersion = fields[0]?.tag === 0xa0;
  const subject = fields[hasVersion ? 5 : 4];
  if (subject === undefined || subject.tag !== 0x30) throw new RangeError("certificate subject");
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  const wrapper = fields.find((field) => field.tag === 0xa3);
  const list = wrapper ? readChildren(wrapper)[0] : undefined;
  for (const ext of list ? readChildren(list) : []) {
    const parts = readChildren(ext);
    const id = parts[0];
    const critical = parts.length === 3 && parts[1]?.content[0] === 0xff;
    const value = parts[parts.length - 1];
    if (id?.tag !== 0x06 || value?.tag !== 0x04) throw new RangeError("malformed extension");
    extensions.set(decodeOid(id.content), { critical, value: value.content });
  }
  const ski = extensions.get("2.5.29.14");
  return {
    subjectDer: subject.raw,
    subjectKeyId: ski ? readElement(ski.value).content : undefined,
    extensions,
  };
}

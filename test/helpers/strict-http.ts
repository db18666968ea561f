/**
 * A strict HTTP/1.1 request parser for what the proxy writes upstream (spec §3 "Outbound
 * framing"). It is deliberately independent of node:http (llhttp), so a framing bug in how Node
 * writes requests cannot also hide in how the test reads them: exactly one Host, at most one
 * framing header, `chunked` only as the sole transfer coding, no obs-fold, no bare LF.
 */

export interface StrictRequest {
  method: string;
  target: string;
  /** Lower-case name / value pairs in order. */
  headers: [string, string][];
  body: Buffer;
}

export interface StrictHead {
  method: string;
  target: string;
  headers: [string, string][];
  /** Offset of the first body byte. */
  bodyStart: number;
}

export class StrictParseError extends Error {}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The head at the start of `buf`, or undefined while it is incomplete. */
export function parseStrictHead(buf: Buffer): StrictHead | undefined {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) {
    if (buf.length > 64 * 1024) throw new StrictParseError("head longer than 64 KiB");
    return undefined;
  }
  const text = buf.subarray(0, end).toString("latin1");
  if (/\r(?!\n)|(?<!\r)\n/.test(text)) throw new StrictParseError("bare CR or LF in head");
  const [line = "", ...fields] = text.split("\r\n");
  const m = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(line);
  if (!m) throw new StrictParseError(`bad request line ${JSON.stringify(line.slice(0, 80))}`);
  const headers: [string, string][] = [];
  for (const field of fields) {
    const colon = field.indexOf(":");
    const name = field.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) {
      throw new StrictParseError(`bad header line ${JSON.stringify(field.slice(0, 80))}`);
    }
    const value = field.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new StrictParseError(`bad value for ${name}`);
    headers.push([name.toLowerCase(), value]);
  }
  const count = (n: string) => headers.filter(([k]) => k === n).length;
  if (count("host") !== 1) throw new StrictParseError("not exactly one Host");
  if (count("content-length") > 1 || count("transfer-encoding") > 1) {
    throw new StrictParseError("repeated framing header");
  }
  if (count("content-length") + count("transfer-encoding") > 1) {
    throw new StrictParseError("both Content-Length and Transfer-Encoding");
  }
  return { method: m[1] as string, target: m[2] as string, headers, bodyStart: end + 4 };
}

/**
 * Every complete request at the start of `buf`, and the bytes after them (an incomplete request,
 * or nothing). Throws StrictParseError on anything ambiguous.
 */
export function parseStrictRequests(buf: Buffer): { requests: StrictRequest[]; rest: Buffer } {
  const requests: StrictRequest[] = [];
  for (;;) {
    const head = parseStrictHead(buf);
    if (!head) return { requests, rest: buf };
    const body = readBody(head, buf.subarray(head.bodyStart));
    if (!body) return { requests, rest: buf };
    requests.push({
      method: head.method,
      target: head.target,
      headers: head.headers,
      body: body.data,
    });
    buf = buf.subarray(head.bodyStart + body.consumed);
  }
}

function readBody(head: StrictHead, data: Buffer): { data: Buffer; consumed: number } | undefined {
  const te = head.headers.find(([k]) => k === "transfer-encoding")?.[1];
  const cl = head.headers.find(([k]) => k === "content-length")?.[1];
  if (te !== undefined) {
    if (te.toLowerCase() !== "chunked") throw new StrictParseError(`transfer-encoding ${te}`);
    return dechunkStrict(data);
  }
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) throw new StrictParseError(`content-length ${cl}`);
    const n = Number(cl);
    return data.length < n ? undefined : { data: data.subarray(0, n), consumed: n };
  }
  return { data: Buffer.alloc(0), consumed: 0 };
}

function dechunkStrict(data: Buffer): { data: Buffer; consumed: number } | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const eol = data.indexOf("\r\n", at);
    if (eol < 0) return undefined;
    const sizeText = data.subarray(at, eol).toString("latin1");
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new StrictParseError(`chunk size ${sizeText}`);
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      // No trailers: the last chunk is followed by the empty line.
      if (data.length < eol + 4) return undefined;
      if (data.subarray(eol + 2, eol + 4).toString("latin1") !== "\r\n") {
        throw new StrictParseError("trailer section after the last chunk");
      }
      return { data: Buffer.concat(parts), consumed: eol + 4 };
    }
    if (data.length < eol + 2 + size + 2) return undefined;
    if (data.subarray(eol + 2 + size, eol + 4 + size).toString("latin1") !== "\r\n") {
      throw new StrictParseError("chunk not followed by CRLF");
    }
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 4 + size;
  }
}

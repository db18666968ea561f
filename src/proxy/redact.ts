/**
 * Response redaction: an upstream endpoint that echoes request headers (debug endpoints, error
 * messages) would hand the injected credential to the agent. Every occurrence of a credential's
 * bytes in the response headers and body is overwritten with `*` of the same length, so lengths
 * and framing stay valid. The body filter holds back only a tail that could still be the start of
 * a credential, so server-sent events keep flowing event by event.
 */
import { Transform, type TransformCallback } from "node:stream";
import type { Credential } from "../backends/backend.js";

/** Shorter values are not scanned for: masking them would corrupt ordinary responses. */
const MIN_NEEDLE_BYTES = 8;
const STAR = 0x2a;

export interface Redactor {
  /** Raw header array with credential bytes masked in values. */
  headers(raw: readonly string[]): string[];
  /** A stream filter masking credential bytes in the body. */
  body(): Transform;
  /** The same masking for a caller that moves the chunks itself (stream-response.ts). */
  masker(): BodyMasker;
  /**
   * Masks every whole occurrence in `buf` in place and returns how many trailing bytes could still
   * be the start of one: a streaming caller holds those back until more bytes arrive. With `final`
   * (nothing more will follow) that tail is not looked for and 0 is returned.
   */
  scan(buf: Buffer, final?: boolean): number;
  /** Zeroes the redactor's own copies of the credential bytes. */
  wipe(): void;
  /** Number of occurrences masked so far (for the outcome record). */
  readonly masked: number;
}

/** Masks a body chunk by chunk, holding back only a tail that could start a credential. */
export interface BodyMasker {
  /**
   * Masks `chunk` (in place: it must be the caller's own) and returns what can be sent now.
   * `last`: nothing follows, so nothing is held back.
   */
  next(chunk: Buffer, last?: boolean): Buffer;
  /** The held-back tail, once the body has ended. */
  end(): Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * The byte strings to look for: each field, the encodings injectors put on the wire, and what an
 * injector derived for this one request (`derived`, e.g. a SigV4 signature; zeroed by `wipe`).
 */
export function credentialNeedles(cred: Credential, derived: readonly Buffer[] = []): Buffer[] {
  const out: Buffer[] = [];
  const add = (b: Buffer) => {
    if (b.length >= MIN_NEEDLE_BYTES && !out.some((o) => o.equals(b))) out.push(b);
  };
  // First, so a whole derived value (an Authorization header) is masked before its parts are.
  for (const d of derived) add(d);
  for (const value of cred.fields.values()) {
    add(Buffer.from(value));
    const text = value.toString("utf8");
    const encoded = encodeURIComponent(text);
    if (encoded !== text) add(Buffer.from(encoded, "utf8"));
  }
  const user = cred.fields.get("username");
  const pass = cred.fields.get("password");
  if (user && pass) {
    const pair = Buffer.concat([user, Buffer.from(":"), pass]);
    add(Buffer.from(pair.toString("base64"), "latin1"));
    pair.fill(0);
  }
  return out;
}

export function createRedactor(needles: Buffer[]): Redactor {
  const longest = needles.reduce((m, n) => Math.max(m, n.length), 0);
  let masked = 0;

  function maskAll(buf: Buffer): void {
    for (const needle of needles) {
      for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) {
        buf.fill(STAR, i, i + needle.length);
        masked++;
      }
    }
  }

  /** Length of the longest suffix of `buf` that is a proper prefix of some needle. */
  function pendingTail(buf: Buffer): number {
    let best = 0;
    for (const n of needles) {
      // Only positions holding the needle's first byte can start a partial match.
      const from = Math.max(0, buf.length - n.length + 1, buf.length - longest + 1);
      for (let i = buf.indexOf(n[0]!, from); i >= 0; i = buf.indexOf(n[0]!, i + 1)) {
        const len = buf.length - i;
        if (len <= best) break;
        if (buf.compare(n, 0, len, i) === 0) {
          best = len;
          break;
        }
      }
    }
    return best;
  }

  function scan(buf: Buffer, final = false): number {
    if (needles.length === 0) return 0;
    maskAll(buf);
    return final ? 0 : pendingTail(buf);
  }

  function masker(): BodyMasker {
    let carry = EMPTY;
    return {
      next(chunk, last = false) {
        if (needles.length === 0) return chunk;
        const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        const hold = scan(buf, last);
        carry = hold ? Buffer.from(buf.subarray(buf.length - hold)) : EMPTY;
        return hold ? buf.subarray(0, buf.length - hold) : buf;
      },
      end() {
        const tail = carry;
        carry = EMPTY;
        return tail;
      },
    };
  }

  return {
    scan,
    get masked() {
      return masked;
    },
    headers(raw) {
      if (needles.length === 0) return [...raw];
      return raw.map((v, i) => {
        // Header values are latin1 strings of the raw bytes: a copy is made only to mask one.
        if (i % 2 === 0 || !needles.some((n) => holdsBytes(v, n))) return v;
        const buf = Buffer.from(v, "latin1");
        const before = masked;
        maskAll(buf);
        return masked === before ? v : buf.toString("latin1");
      });
    },
    masker,
    body() {
      const m = masker();
      return new Transform({
        transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
          // The chunk is ours alone (a fresh read or decoder output): mask it in place.
          const out = m.next(chunk);
          done(null, out.length ? out : undefined);
        },
        flush(done: TransformCallback) {
          const tail = m.end();
          done(null, tail.length ? tail : undefined);
        },
      });
    },
    wipe() {
      for (const n of needles) n.fill(0);
    },
  };
}

/** Whether latin1 text `v` contains the bytes of `needle`, without copying either. */
function holdsBytes(v: string, needle: Buffer): boolean {
  const first = needle[0]!;
  const last = v.length - needle.length;
  outer: for (let i = v.indexOf(String.fromCharCode(first)); i >= 0 && i <= last;) {
    for (let j = 1; j < needle.length; j++) {
      if (v.charCodeAt(i + j) !== needle[j]) {
        i = v.indexOf(String.fromCharCode(first), i + 1);
        continue outer;
      }
    }
    return true;
  }
  return false;
}

/**
 * Upstream → agent WebSocket frames (RFC 6455 §5.2) with the credential masked in every payload.
 * Headers pass unchanged and masking keeps lengths, so framing stays valid; payloads stream (no
 * frame is buffered whole), and only a tail that could still start a credential is held back until
 * the next fragment of the same message arrives. https://www.rfc-editor.org/rfc/rfc6455#section-5.2
 */
import { Transform, type TransformCallback } from "node:stream";
import { SigilError } from "../errors.js";
import type { Redactor } from "./redact.js";

const CONTINUATION = 0x0;
const CLOSE = 0x8;
const KNOWN_OPCODES = new Set([0x0, 0x1, 0x2, 0x8, 0x9, 0xa]);
const MAX_CONTROL_PAYLOAD = 125;

/** The filter, and whether the upstream sent a Close frame (a clean end of the session). */
export interface FrameRedactor {
  readonly stream: Transform;
  readonly closeSeen: boolean;
}

interface Segment {
  buf: Buffer;
  /** Bytes of the current data message's payload (scanned together across fragments). */
  payload: boolean;
}

interface Frame {
  fin: boolean;
  opcode: number;
  remaining: number;
}

export function createFrameRedactor(redactor: Redactor): FrameRedactor {
  let header: Buffer = Buffer.alloc(0);
  let frame: Frame | undefined;
  let control: Buffer[] = [];
  let inMessage = false;
  let closeSeen = false;
  let pending: Segment[] = [];
  let out: Buffer[] = [];

  /** Emits pending bytes up to the payload tail that could still start a credential. */
  function settle(final: boolean): void {
    const payload = pending.filter((s) => s.payload);
    let hold = 0;
    if (payload.length === 1) {
      hold = redactor.scan((payload[0] as Segment).buf, final);
    } else if (payload.length > 1) {
      const joined = Buffer.concat(payload.map((s) => s.buf));
      hold = redactor.scan(joined, final);
      let at = 0;
      for (const s of payload) at += joined.copy(s.buf, 0, at, at + s.buf.length);
    }
    // The held tail is the last `hold` payload bytes; everything after its start waits too.
    for (let i = pending.length - 1, left = hold; i >= 0 && left > 0; i--) {
      const s = pending[i] as Segment;
      if (!s.payload) continue;
      if (s.buf.length < left) {
        left -= s.buf.length;
        continue;
      }
      const cut = s.buf.length - left;
      out.push(...pending.slice(0, i).map((p) => p.buf), s.buf.subarray(0, cut));
      pending = [{ buf: s.buf.subarray(cut), payload: true }, ...pending.slice(i + 1)];
      return;
    }
    out.push(...pending.map((s) => s.buf));
    pending = [];
  }

  function startFrame(): Frame | undefined {
    if (header.length < 2) return undefined;
    const b0 = header[0] as number;
    const b1 = header[1] as number;
    const opcode = b0 & 0x0f;
    if (b0 & 0x70) throw invalid("reserved bits set (no extension was negotiated)");
    if (!KNOWN_OPCODES.has(opcode)) throw invalid("unknown opcode");
    if (b1 & 0x80) throw invalid("a server frame must not be masked");
    const len7 = b1 & 0x7f;
    const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0);
    if (header.length < need) return undefined;
    let length = len7;
    if (len7 === 126) length = header.readUInt16BE(2);
    if (len7 === 127) {
      const big = header.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid("payload length out of range");
      length = Number(big);
    }
    const fin = (b0 & 0x80) !== 0;
    if (opcode >= CLOSE) {
      if (!fin || length > MAX_CONTROL_PAYLOAD) throw invalid("oversized or fragmented control");
      if (opcode === CLOSE) closeSeen = true;
    } else if ((opcode === CONTINUATION) !== inMessage) {
      throw invalid(inMessage ? "new message inside a fragmented one" : "stray continuation");
    }
    return { fin, opcode, remaining: length };
  }

  function headerLength(): number {
    const len7 = (header[1] as number) & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0);
  }

  function endFrame(f: Frame): void {
    frame = undefined;
    if (f.opcode >= CLOSE) {
      const [head, ...body] = control;
      const payload = Buffer.concat(body);
      redactor.scan(payload, true);
      pending.push({ buf: Buffer.concat([head as Buffer, payload]), payload: false });
      control = [];
      settle(false);
      return;
    }
    inMessage = !f.fin;
    settle(f.fin);
  }

  function consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length || (frame && frame.remaining === 0)) {
      if (!frame) {
        const take = Math.min(chunk.length - at, 14 - header.length);
        const piece = chunk.subarray(at, at + take);
        header = header.length === 0 ? piece : Buffer.concat([header, piece]);
        const f = startFrame();
        if (!f) {
          at += take;
          continue;
        }
        const used = headerLength();
        at += take - (header.length - used);
        const head = Buffer.from(header.subarray(0, used));
        header = Buffer.alloc(0);
        frame = f;
        if (f.opcode >= CLOSE) control = [head];
        else pending.push({ buf: head, payload: false });
        if (f.opcode < CLOSE) inMessage = true;
        continue;
      }
      const n = Math.min(frame.remaining, chunk.length - at);
      const piece = chunk.subarray(at, at + n);
      at += n;
      frame.remaining -= n;
      if (frame.opcode >= CLOSE) control.push(piece);
      else if (n > 0) pending.push({ buf: piece, payload: true });
      if (frame.remaining === 0) endFrame(frame);
      else if (frame.opcode < CLOSE) settle(false);
    }
  }

  const stream = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        consume(chunk);
      } catch (err) {
        return done(err as Error);
      }
      const ready = out;
      out = [];
      done(null, ready.length ? Buffer.concat(ready) : undefined);
    },
    flush(done: TransformCallback) {
      // A stream that ends mid-frame is cut short anyway; what is held is only a partial frame.
      settle(true);
      done(null, out.length ? Buffer.concat(out) : undefined);
    },
  });
  return {
    stream,
    get closeSeen() {
      return closeSeen;
    },
  };
}

function invalid(what: string): SigilError {
  return new SigilError("ERR_UPSTREAM_FAILED", `invalid WebSocket frame from upstream: ${what}`);
}

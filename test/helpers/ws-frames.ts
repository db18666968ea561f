/**
 * A small RFC 6455 frame codec for tests, written apart from the product's parser so the two can
 * disagree: encode frames (masked as a client must, unmasked as a server must) and parse a byte
 * stream back into frames. https://www.rfc-editor.org/rfc/rfc6455#section-5.2
 */
import { createHash, randomBytes } from "node:crypto";

export const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One frame, payload unmasked. */
export interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  /** Default true. */
  fin?: boolean;
  /** Clients mask (default false: a server frame). */
  mask?: boolean;
  /** Raw RSV bits (0x70 mask) for hostile-frame tests. */
  rsv?: number;
}

export function encodeFrame(f: FrameSpec): Buffer {
  const payload = Buffer.from(f.payload ?? "");
  const b0 = ((f.fin ?? true) ? 0x80 : 0) | (f.rsv ?? 0) | f.opcode;
  const maskBit = f.mask ? 0x80 : 0;
  let head: Buffer;
  if (payload.length < 126) {
    head = Buffer.from([b0, maskBit | payload.length]);
  } else if (payload.length < 0x10000) {
    head = Buffer.alloc(4);
    head.writeUInt8(b0, 0);
    head.writeUInt8(maskBit | 126, 1);
    head.writeUInt16BE(payload.length, 2);
  } else {
    head = Buffer.alloc(10);
    head.writeUInt8(b0, 0);
    head.writeUInt8(maskBit | 127, 1);
    head.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  if (!f.mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  return Buffer.concat([head, key, xorMask(payload, key)]);
}

/** Parses frames out of a byte stream fed in arbitrary pieces. */
export function createFrameParser(): { push(chunk: Buffer): Frame[] } {
  let buf = Buffer.alloc(0);
  return {
    push(chunk) {
      buf = Buffer.concat([buf, chunk]);
      const frames: Frame[] = [];
      for (;;) {
        if (buf.length < 2) break;
        const b0 = buf[0] as number;
        const b1 = buf[1] as number;
        const len7 = b1 & 0x7f;
        let at = 2;
        let length = len7;
        if (len7 === 126) {
          if (buf.length < 4) break;
          length = buf.readUInt16BE(2);
          at = 4;
        } else if (len7 === 127) {
          if (buf.length < 10) break;
          length = Number(buf.readBigUInt64BE(2));
          at = 10;
        }
        const masked = (b1 & 0x80) !== 0;
        const key = masked ? buf.subarray(at, at + 4) : undefined;
        if (masked) at += 4;
        if (buf.length < at + length) break;
        const raw = buf.subarray(at, at + length);
        const payload = key ? xorMask(raw, key) : Buffer.from(raw);
        frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, payload });
        buf = buf.subarray(at + length);
      }
      return frames;
    },
  };
}

/** A masked (or unmasked) copy of `data` with the 4-byte key (RFC 6455 §5.3). */
function xorMask(data: Buffer, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) ^ (key[i & 3] as number);
  return out;
}

/** The Sec-WebSocket-Accept value for a key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
}

/**
 * The upstream → agent frame redactor on its own: whatever way the bytes are cut into reads, the
 * output is the same frames with the credential masked (fragments, interleaved control frames,
 * 16- and 64-bit lengths), a finished message is never held back, and invalid frames are refused.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import { createRedactor } from "../../src/proxy/redact.js";
import { createFrameRedactor } from "../../src/proxy/websocket-frames.js";
import { createFrameParser, encodeFrame, OP, type Frame } from "../helpers/ws-frames.js";

const SECRET = "sk-live-0123456789abcdef";
const STARS = "*".repeat(SECRET.length);

/** Runs `input` through a fresh redactor in the given read sizes; returns the output bytes. */
async function run(input: Buffer, sizes: () => number): Promise<Buffer> {
  const { stream } = createFrameRedactor(createRedactor([Buffer.from(SECRET)]));
  const out: Buffer[] = [];
  stream.on("data", (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  for (let at = 0; at < input.length;) {
    const n = Math.max(1, sizes());
    stream.write(input.subarray(at, at + n));
    at += n;
  }
  stream.end();
  await done;
  return Buffer.concat(out);
}

/** A deterministic pseudo-random read size in 1..max (xorshift; no flaky seeds). */
function sizes(seed: number, max: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (Math.abs(x) % max) + 1;
  };
}

const big = Buffer.alloc(70_000, "x");
big.write(SECRET, 65_000);
const frames = [
  { opcode: OP.text, fin: false, payload: `a ${SECRET.slice(0, 5)}` },
  { opcode: OP.ping, payload: `ping ${SECRET}` },
  { opcode: OP.cont, fin: false, payload: SECRET.slice(5, 9) },
  { opcode: OP.cont, fin: false, payload: "" },
  { opcode: OP.cont, payload: `${SECRET.slice(9)} z` },
  { opcode: OP.binary, payload: Buffer.concat([Buffer.alloc(300, 1), Buffer.from(SECRET)]) },
  { opcode: OP.binary, payload: big },
  { opcode: OP.text, payload: `ends with a prefix ${SECRET.slice(0, 6)}` },
  { opcode: OP.close, payload: Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from(SECRET)]) },
];
const input = Buffer.concat(frames.map((f) => encodeFrame(f)));

function expected(): Frame[] {
  return frames.map((f) => ({
    fin: f.fin ?? true,
    opcode: f.opcode,
    masked: false,
    payload: Buffer.from(
      Buffer.from(f.payload).toString("latin1").replaceAll(SECRET, STARS),
      "latin1",
    ),
  }));
}

describe("WebSocket frame redactor", () => {
  it("masks the credential within and across fragments, whatever the read sizes", async () => {
    const want = expected();
    for (const [seed, max] of [
      [1, 1],
      [7, 3],
      [42, 17],
      [99, 1000],
      [5, 100_000],
    ] as const) {
      const out = await run(input, sizes(seed, max));
      assert.equal(out.length, input.length, `lengths are kept (seed ${seed})`);
      assert.ok(!out.includes(SECRET), `no secret in the output (seed ${seed})`);
      const got = createFrameParser().push(out);
      assert.equal(got.length, want.length);
      // The secret cut across fragments 0, 2 and 4 is masked as one: they are checked joined.
      const message = Buffer.concat([got[0], got[2], got[3], got[4]].map((f) => f!.payload));
      assert.equal(message.toString(), `a ${STARS} z`, `seed ${seed}`);
      for (const [i, f] of got.entries()) {
        if (i >= 5 || i === 1) assert.deepEqual(f, want[i], `frame ${i} (seed ${seed})`);
        else assert.deepEqual([f.fin, f.opcode], [want[i]!.fin, want[i]!.opcode]);
      }
    }
  });

  it("delivers a finished message at once, even when it ends like the start of a secret", async () => {
    const { stream } = createFrameRedactor(createRedactor([Buffer.from(SECRET)]));
    const frame = encodeFrame({ opcode: OP.text, payload: `x ${SECRET.slice(0, 8)}` });
    const out = await new Promise<Buffer>((resolve) => {
      stream.once("data", resolve);
      stream.write(frame);
    });
    assert.deepEqual(out, frame);
    stream.destroy();
  });

  it("holds only the possible start of a secret in an unfinished message", async () => {
    const { stream } = createFrameRedactor(createRedactor([Buffer.from(SECRET)]));
    const frame = encodeFrame({
      opcode: OP.text,
      fin: false,
      payload: `hello ${SECRET.slice(0, 4)}`,
    });
    const out = await new Promise<Buffer>((resolve) => {
      stream.once("data", resolve);
      stream.write(frame);
    });
    assert.deepEqual(out, frame.subarray(0, frame.length - 4));
    stream.destroy();
  });

  const invalid: [string, Buffer][] = [
    ["reserved bits set", encodeFrame({ opcode: OP.text, payload: "x", rsv: 0x40 })],
    ["an unknown opcode", encodeFrame({ opcode: 0x3, payload: "x" })],
    ["a masked server frame", encodeFrame({ opcode: OP.text, payload: "x", mask: true })],
    [
      "a control frame over 125 bytes",
      encodeFrame({ opcode: OP.ping, payload: Buffer.alloc(126) }),
    ],
    ["a fragmented control frame", encodeFrame({ opcode: OP.ping, fin: false, payload: "x" })],
    ["a continuation with no message", encodeFrame({ opcode: OP.cont, payload: "x" })],
    [
      "a new message inside a fragmented one",
      Buffer.concat([
        encodeFrame({ opcode: OP.text, fin: false, payload: "x" }),
        encodeFrame({ opcode: OP.text, payload: "y" }),
      ]),
    ],
    ["a 64-bit length with the top bit set", Buffer.from([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1])],
  ];
  for (const [name, bytes] of invalid) {
    it(`refuses ${name} with ERR_UPSTREAM_FAILED`, async () => {
      await assert.rejects(
        run(bytes, () => 3),
        (err: unknown) => {
          assert.ok(err instanceof SigilError);
          assert.equal(err.code, "ERR_UPSTREAM_FAILED");
          return true;
        },
      );
    });
  }
});

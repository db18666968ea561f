/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) that answers A 127.0.0.1 for names under one
 * zone, so a peer with a configurable resolver (mockttp's lookupOptions.servers) reaches the bench
 * upstream by its real name, with TLS verifying that name, and /etc/hosts stays untouched.
 * RFC 1035 §4.1: header, one question, one answer that points back at the question's name.
 */
import { createSocket } from "node:dgram";
import { once } from "node:events";

export interface BenchDns {
  port: number;
  close(): Promise<void>;
}

const TYPE_A = 1;

export async function startBenchDns(zone: string): Promise<BenchDns> {
  const sock = createSocket("udp4");
  sock.on("message", (msg, peer) => {
    const reply = answer(msg, zone);
    if (reply) sock.send(reply, peer.port, peer.address);
  });
  sock.bind(0, "127.0.0.1");
  await once(sock, "listening");
  return {
    port: sock.address().port,
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}

function answer(msg: Buffer, zone: string): Buffer | null {
  if (msg.length < 17 || msg.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let off = 12;
  while (off < msg.length && msg[off] !== 0) {
    const len = msg[off]!;
    labels.push(msg.subarray(off + 1, off + 1 + len).toString("latin1"));
    off += 1 + len;
  }
  const end = off + 5; // the root label, QTYPE, QCLASS
  if (end > msg.length) return null;
  const qtype = msg.readUInt16BE(off + 1);
  const name = labels.join(".").toLowerCase();
  const inZone = name === zone || name.endsWith("." + zone);
  const withAnswer = inZone && qtype === TYPE_A;
  const head = Buffer.alloc(12);
  head.writeUInt16BE(msg.readUInt16BE(0), 0);
  head.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | (inZone ? 0 : 3), 2); // QR AA RD, NXDOMAIN
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(withAnswer ? 1 : 0, 6);
  const question = msg.subarray(12, end);
  if (!withAnswer) return Buffer.concat([head, question]);
  const rr = Buffer.from([0xc0, 0x0c, 0, TYPE_A, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 127, 0, 0, 1]);
  return Buffer.concat([head, question, rr]);
}

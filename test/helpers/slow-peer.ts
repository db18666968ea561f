/**
 * Misbehaving peers for load tests: a client that dribbles bytes (slowloris), sockets whose close
 * is awaited with a bound, and latency sampling, so tests can show that one slow peer is cut off
 * by a timeout and does not stall anyone else.
 */
import { connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Writes `bytes` one byte every `everyMs` until done or the socket closes; returns a stopper. */
export function dribble(socket: Duplex, bytes: Buffer | string, everyMs: number): () => void {
  const data = Buffer.from(bytes);
  let at = 0;
  const timer = setInterval(() => {
    if (at >= data.length || socket.destroyed || !socket.writable) return clearInterval(timer);
    socket.write(data.subarray(at, at + 1));
    at++;
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
  return () => clearInterval(timer);
}

/** Resolves with what the peer sent and how long the socket lived, once it closes; rejects after `ms`. */
export function closedWithin(
  socket: Duplex,
  ms: number,
): Promise<{ ms: number; received: string }> {
  const started = Date.now();
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after ${ms} ms`));
    }, ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - started, received: Buffer.concat(chunks).toString("latin1") });
    });
  });
}

/** A plain TCP connection to the proxy listener. */
export function connectProxy(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Runs `probe` every `everyMs` until `until` resolves; returns each run's duration in ms. */
export async function sampleLatency(
  probe: () => Promise<unknown>,
  until: Promise<unknown>,
  everyMs = 100,
): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const samples: number[] = [];
  while (!done) {
    const started = performance.now();
    await probe();
    samples.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return samples;
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** `HOST:PORT` listen addresses, and whether one stays on this machine (spec §3). */
import type { AddressInfo } from "node:net";
import { SigilError } from "../errors.js";

export function splitListen(listen: string): [string, number] {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[2]) : -1;
  if (!m || port < 0 || port > 65535)
    throw new SigilError("ERR_USAGE", "--listen expects HOST:PORT");
  return [(m[1] as string).replace(/^\[|\]$/g, ""), port];
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A bound address as HOST:PORT, bracketing IPv6. */
export function formatHostPort(a: AddressInfo): string {
  return a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

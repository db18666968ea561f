/**
 * Upstream address overrides (`--resolve api.example.com:443=127.0.0.1:8443`, or `proxy.resolve`):
 * where to connect for a host, while TLS still verifies the original name (spec §3).
 */
import { SigilError } from "../errors.js";

export interface ResolveTarget {
  host: string;
  port: number;
}

/** Keys are "host:port" (lower-case host); values "address:port". */
export function parseResolveMap(map: Readonly<Record<string, string>>): Map<string, ResolveTarget> {
  const out = new Map<string, ResolveTarget>();
  for (const [from, to] of Object.entries(map)) {
    const src = splitHostPort(from, "resolve source");
    out.set(`${src.host.toLowerCase()}:${src.port}`, splitHostPort(to, "resolve target"));
  }
  return out;
}

/** Parses one `HOST:PORT=ADDR:PORT` flag value into a map entry. */
export function parseResolveFlag(flag: string): [string, string] {
  const eq = flag.indexOf("=");
  if (eq < 0) throw new SigilError("ERR_USAGE", `--resolve expects HOST:PORT=ADDRESS:PORT`);
  const from = flag.slice(0, eq);
  const to = flag.slice(eq + 1);
  splitHostPort(from, "resolve source");
  splitHostPort(to, "resolve target");
  return [from.toLowerCase(), to];
}

function splitHostPort(value: string, what: string): ResolveTarget {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new SigilError("ERR_USAGE", `${what} "${value}" must be HOST:PORT`);
  }
  const host = (m[1] as string).replace(/^\[|\]$/g, "");
  return { host, port };
}

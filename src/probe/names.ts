/**
 * The built-in probe's reserved names (docs/doctor.md). The proxy adds an agent, trust anchor,
 * backend and route under these names at start-up; operator config may never use them, so the
 * probe's pieces can only ever meet each other.
 */
import type { ConfigFile } from "../config/schema.js";
import { SigilError } from "../errors.js";

/** `.invalid` never resolves (RFC 6761), so the probe host can only reach the echo upstream. */
export const PROBE_HOST = "probe.sigil-vault.invalid";
export const PROBE_PATH = "/sigil-vault-probe";
export const PROBE_AGENT_ID = "agt_sigil-vault-probe";
export const PROBE_AGENT_NAME = "sigil-vault-probe";
export const PROBE_KID = "sigil-vault-probe";
export const PROBE_BACKEND = "sigil-vault-probe";
export const PROBE_ROUTE_ID = "rt_sigil-vault-probe";
/** Resolves to the same echo, whose certificate does not name it: the proxy must refuse it. */
export const PROBE_WRONG_NAME_HOST = "wrong-name.sigil-vault.invalid";
export const PROBE_WRONG_NAME_ROUTE_ID = "rt_sigil-vault-probe-tls";
export const PROBE_ROUTE_IDS: readonly string[] = [PROBE_ROUTE_ID, PROBE_WRONG_NAME_ROUTE_ID];

const RESERVED_DOMAIN = "sigil-vault.invalid";

/** Refuses operator config that uses a name reserved for the probe (ERR_CONFIG_INVALID). */
export function assertNoProbeNames(file: ConfigFile): void {
  const clash = (what: string) => {
    throw new SigilError(
      "ERR_CONFIG_INVALID",
      `${what} is reserved for the built-in probe (sigil-vault doctor --probe)`,
    );
  };
  for (const a of file.agents) {
    if (a.id === PROBE_AGENT_ID) clash(`agent id ${a.id}`);
    if (a.name === PROBE_AGENT_NAME) clash(`agent name ${a.name}`);
  }
  for (const a of file.anchors) if (a.kid === PROBE_KID) clash(`anchor kid ${a.kid}`);
  for (const b of file.backends) if (b.name === PROBE_BACKEND) clash(`backend name ${b.name}`);
  for (const r of file.routes) {
    if (PROBE_ROUTE_IDS.includes(r.id)) clash(`route id ${r.id}`);
    if (isReservedHost(r.host)) clash(`route host ${r.host}`);
  }
  for (const from of Object.keys(file.proxy.resolve ?? {})) {
    if (isReservedHost(from.replace(/:\d+$/, ""))) clash(`resolve entry ${from}`);
  }
}

function isReservedHost(pattern: string): boolean {
  const host = pattern.toLowerCase().replace(/\.$/, "");
  return host === RESERVED_DOMAIN || host.endsWith(`.${RESERVED_DOMAIN}`);
}

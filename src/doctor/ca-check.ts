/**
 * The MITM CA: present, parses, key matches (loadCa does all three, as the proxy would at start),
 * and how long until it expires. Agents trust this CA, so an expired one breaks every tunnel.
 */
import type { HomePaths } from "../config/home.js";
import { loadCa } from "../mitm/ca.js";
import { describe, fail, ok, warn, type CheckResult } from "./check.js";

const DAY_MS = 86_400_000;
/** Below this many days left, doctor warns. */
export const CA_WARN_DAYS = 30;
const RENEW =
  "move the ca/ directory aside, run sigil-vault init, and trust the new ca.crt in every agent";

export async function checkCa(home: HomePaths, nowMs: number): Promise<CheckResult[]> {
  let ca;
  try {
    ca = await loadCa(home.caDir);
  } catch (err) {
    return [fail("ca", describe(err), `${RENEW} (or chmod 600 the key if that is the problem)`)];
  }
  const notBefore = Date.parse(ca.cert.validFrom);
  const notAfter = Date.parse(ca.cert.validTo);
  const until = new Date(notAfter).toISOString().slice(0, 10);
  if (nowMs < notBefore) {
    return [fail("ca", `not valid before ${ca.cert.validFrom}`, "check the system clock")];
  }
  const days = Math.floor((notAfter - nowMs) / DAY_MS);
  if (nowMs >= notAfter) return [fail("ca", `expired on ${until}`, RENEW)];
  const line = `valid until ${until} (${days} days), key matches`;
  if (days < CA_WARN_DAYS) return [warn("ca", line, RENEW)];
  return [ok("ca", line)];
}

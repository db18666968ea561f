/**
 * The probe key and the probe routes only accept each other: a probe-signed attestation is refused
 * on every real route, and the probe routes refuse every real anchor's attestation. So the probe
 * material stored in the home cannot release a real credential, whoever reads it.
 */
import { SigilError } from "../errors.js";
import { PROBE_KID, PROBE_ROUTE_IDS } from "./names.js";

/** Throws ERR_ATTESTATION_UNTRUSTED when the signer and the route are not both (or both not) the probe's. */
export function checkProbeIsolation(routeId: string, kid: string): void {
  const probeRoute = PROBE_ROUTE_IDS.includes(routeId);
  const probeKey = kid === PROBE_KID;
  if (probeKey && !probeRoute) {
    throw new SigilError(
      "ERR_ATTESTATION_UNTRUSTED",
      "the built-in probe key is trusted only for the probe route",
    );
  }
  if (probeRoute && !probeKey) {
    throw new SigilError(
      "ERR_ATTESTATION_UNTRUSTED",
      "the built-in probe route accepts only the probe key",
    );
  }
}

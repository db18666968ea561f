/**
 * `mtls` — the credential's certificate (plus its CA chain, when the backend gave one) and private
 * key become the client certificate of the upstream TLS connection (spec §6). The key is the
 * credential's own buffer, zeroed with it; the forwarder gives a request with a client
 * certificate a connection of its own, never a pooled one.
 */
import { SigilError } from "../errors.js";
import type { Injector } from "./injector.js";

const NEWLINE = Buffer.from("\n");

export function createMtlsInjector(spec: string, arg: string): Injector {
  if (arg !== "") throw new SigilError("ERR_USAGE", `inject "${spec}": mtls takes no argument`);
  return {
    spec,
    requiredFields: ["certificate", "private_key"],
    apply(req, cred) {
      const certificate = cred.fields.get("certificate");
      const key = cred.fields.get("private_key");
      if (!certificate?.length || !key?.length) {
        throw new SigilError(
          "ERR_INJECTION_FAILED",
          "credential has no certificate and private_key",
        );
      }
      const chain = cred.fields.get("ca_chain");
      const cert = !chain?.length
        ? certificate
        : Buffer.concat(
            certificate.at(-1) === NEWLINE[0]
              ? [certificate, chain]
              : [certificate, NEWLINE, chain],
          );
      req.tls = { cert, key };
    },
  };
}

/**
 * The fake's PKI engine: `POST <mount>/issue/<role> {common_name, ttl}` mints a real certificate
 * from the engine's own CA with a fresh P-256 key, and answers like Vault (certificate,
 * issuing_ca, ca_chain, private_key, private_key_type, serial_number, expiration). Like Vault's
 * default roles, leaves carry both serverAuth and clientAuth, so they work for mtls.
 * https://developer.hashicorp.com/vault/api-docs/secret/pki#generate-certificate-and-key
 */
import { generateKeyPairSync } from "node:crypto";
import type { ServerResponse } from "node:http";
import { parseCa, type IssuingCa } from "../../../src/mitm/ca.js";
import { createCertificate, isDnsName, randomSerial } from "../../../src/mitm/x509.js";
import { signClientLeaf } from "./client-leaf.js";
import { badRequest, parseDurationSeconds, sendOk } from "./reply.js";

export interface PkiRole {
  /** Domains whose names (and subdomains) may be issued. */
  allowedDomains: string[];
  /** Seconds; the cap for requested TTLs. Default 3600. */
  maxTtlSec?: number;
}

const CN_REQUIRED =
  'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false';

export class PkiEngine {
  readonly ca: IssuingCa;
  readonly #roles = new Map<string, PkiRole>();

  constructor(
    name: string,
    private readonly nowMs: () => number,
  ) {
    const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const subject = { commonName: name, organization: "Fake Vault PKI" };
    const now = nowMs();
    const certPem = createCertificate({
      serial: randomSerial(),
      subject,
      issuer: subject,
      notBefore: new Date(now - 3_600_000),
      notAfter: new Date(now + 30 * 86_400_000),
      publicKey: key.publicKey,
      signingKey: key.privateKey,
      isCa: true,
    });
    const keyPem = key.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    this.ca = parseCa({ certPem, keyPem });
  }

  addRole(name: string, role: PkiRole): void {
    this.#roles.set(name, role);
  }

  issue(res: ServerResponse, rest: string[], body: Record<string, unknown>): void {
    const roleName = rest[1];
    if (rest[0] !== "issue" || rest.length !== 2 || roleName === undefined) {
      return badRequest(res, "unsupported path");
    }
    const role = this.#roles.get(roleName);
    if (!role) return badRequest(res, `unknown role: ${roleName}`);
    const cn = body["common_name"];
    if (typeof cn !== "string" || cn === "") return badRequest(res, CN_REQUIRED);
    const allowed = role.allowedDomains.some((d) => cn === d || cn.endsWith(`.${d}`));
    if (!allowed || !isDnsName(cn)) {
      return badRequest(res, `common name ${cn} not allowed by this role`);
    }
    const maxTtl = role.maxTtlSec ?? 3600;
    const ttl = Math.min(parseDurationSeconds(body["ttl"], maxTtl), maxTtl);
    const leafKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const serial = randomSerial();
    const now = this.nowMs();
    const notAfter = new Date(now + ttl * 1000);
    const certificate = signClientLeaf({
      ca: this.ca,
      serial,
      commonName: cn,
      notBefore: new Date(now - 30_000),
      notAfter,
      publicKey: leafKey.publicKey,
    });
    const issuingCa = this.ca.certPem.trimEnd();
    sendOk(res, {
      data: {
        certificate: certificate.trimEnd(),
        issuing_ca: issuingCa,
        ca_chain: [issuingCa],
        private_key: leafKey.privateKey
          .export({ type: "sec1", format: "pem" })
          .toString()
          .trimEnd(),
        private_key_type: "ec",
        serial_number: serial.toString("hex").match(/../g)!.join(":"),
        expiration: Math.floor(notAfter.getTime() / 1000),
      },
    });
  }
}

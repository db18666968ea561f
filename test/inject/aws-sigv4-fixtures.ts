/**
 * Shared pieces of the aws-sigv4 tests: AWS's example key, an outbound request builder, signing
 * with a fixed clock, and the fake services' independent verifier applied to what a server would
 * receive.
 */
import { createCredential, type Credential } from "../../src/backends/backend.js";
import { SigilError } from "../../src/errors.js";
import { createAwsSigv4Injector } from "../../src/inject/aws-sigv4.js";
import type { OutboundRequest } from "../../src/inject/injector.js";
import { verifySigV4, type ReceivedRequest } from "../fakes/sigv4-verify.js";

/** The example key of AWS's SigV4 test suite and documentation. */
export const EXAMPLE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
export const AT = Date.UTC(2015, 7, 30, 12, 36, 0);

export function cred(fields: Record<string, string> = EXAMPLE): Credential {
  return createCredential(new Map(Object.entries(fields).map(([k, v]) => [k, Buffer.from(v)])));
}

export function outbound(o: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    method: "GET",
    path: "/",
    host: "example.amazonaws.com",
    headers: {},
    body: Buffer.alloc(0),
    ...o,
  };
}

export function sign(spec: string, req: OutboundRequest, c = cred(), now = AT): OutboundRequest {
  const colon = spec.indexOf(":");
  createAwsSigv4Injector(spec, colon < 0 ? "" : spec.slice(colon + 1), () => now).apply(req, c);
  return req;
}

/** What a server receives for an outbound request (the forwarder adds Host). */
export function received(req: OutboundRequest): ReceivedRequest {
  const raw: string[] = ["Host", req.host];
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) raw.push(name, v);
  }
  return { method: req.method, url: req.path, rawHeaders: raw, body: req.body ?? Buffer.alloc(0) };
}

export function verify(
  req: OutboundRequest,
  service: string,
  region: string,
  keys = EXAMPLE,
  nowMs = AT,
) {
  return verifySigV4(received(req), {
    service,
    region,
    nowMs,
    lookup: (id) =>
      id === keys.accessKeyId
        ? {
            secretAccessKey: keys.secretAccessKey,
            ...("sessionToken" in keys ? { sessionToken: String(keys.sessionToken) } : {}),
          }
        : undefined,
  });
}

export const isCode = (code: string) => (e: unknown) => e instanceof SigilError && e.code === code;

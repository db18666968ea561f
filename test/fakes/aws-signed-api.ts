/**
 * A fake AWS service API (e.g. bedrock-runtime) as an upstream for `aws-sigv4` routes: it accepts a
 * request only if its SigV4 signature verifies, with the independent verifier, against a key of
 * the fake account (STS-issued keys included) for its own service and region — as AWS does,
 * answering 403 with an AWS JSON error otherwise.
 */
import type { TestPki } from "../helpers/pki.js";
import type { AwsAccount } from "./aws-account.js";
import { header, send, startAwsServer, type AwsFakeServer } from "./aws-server.js";
import { verifySigV4, type VerifyResult } from "./sigv4-verify.js";

export interface FakeSignedApi extends AwsFakeServer {
  /** The verifier's verdict for each request, in order. */
  readonly verdicts: VerifyResult[];
}

export async function startFakeSignedApi(opts: {
  pki: TestPki;
  account: AwsAccount;
  /** The host name on the certificate, e.g. bedrock-runtime.us-west-2.amazonaws.com. */
  host: string;
  service: string;
  region: string;
  /** Answer a verified request with the headers it carried, like a debugging endpoint. */
  echoHeaders?: boolean;
}): Promise<FakeSignedApi> {
  const verdicts: VerifyResult[] = [];
  const server = await startAwsServer(
    opts.pki,
    (req, res) => {
      const verdict = verifySigV4(req, {
        service: opts.service,
        region: opts.region,
        nowMs: Date.now(),
        lookup: (id) => opts.account.lookup(id, Date.now()),
      });
      verdicts.push(verdict);
      const body = verdict.ok
        ? { ok: true, ...(opts.echoHeaders ? { headers: req.rawHeaders } : {}) }
        : {
            __type:
              verdict.reason === "UnknownAccessKey"
                ? "UnrecognizedClientException"
                : "InvalidSignatureException",
            message:
              "The request signature we calculated does not match the signature you provided.",
          };
      const echo: Record<string, string> =
        opts.echoHeaders && verdict.ok
          ? { "x-echo-authorization": header(req, "authorization") ?? "" }
          : {};
      send(res, verdict.ok ? 200 : 403, "application/json", JSON.stringify(body), echo);
    },
    [opts.host],
  );
  return Object.assign(server, { verdicts });
}

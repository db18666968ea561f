/**
 * The GCE/GKE metadata server's token endpoint (plain HTTP, as on a VM): requires the
 * `Metadata-Flavor: Google` request header, answers with it, and issues an access token for the
 * instance's service account with the requested (or default) scopes.
 * https://cloud.google.com/compute/docs/access/authenticate-workloads#applications
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeIdentity } from "./gcp-identity.js";
import { listenFake, sendJson, type FakeListener } from "./gcp-server.js";

export interface FakeMetadata extends FakeListener {
  /** `127.0.0.1:<port>`, the form GCE_METADATA_HOST takes. */
  readonly host: string;
  /** Token requests answered. */
  readonly issued: number;
}

const TOKEN_PATH = /^\/computeMetadata\/v1\/instance\/service-accounts\/([^/]+)\/token$/;

export async function startFakeMetadata(
  identity: FakeIdentity,
  email: string | undefined,
  defaultScopes = ["https://www.googleapis.com/auth/cloud-platform"],
): Promise<FakeMetadata> {
  let issued = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://metadata.google.internal");
    const flavor = { "metadata-flavor": "Google" };
    if (req.headers["metadata-flavor"] !== "Google" || req.headers["x-forwarded-for"]) {
      res.writeHead(403, { "content-type": "text/html", ...flavor });
      return void res.end("Missing required header: Metadata-Flavor");
    }
    const m = TOKEN_PATH.exec(url.pathname);
    if (req.method !== "GET" || !m || !email || (m[1] !== "default" && m[1] !== email)) {
      res.writeHead(404, { "content-type": "text/html", ...flavor });
      return void res.end("Not Found");
    }
    const requested = url.searchParams.get("scopes");
    const scopes = requested ? requested.split(",") : defaultScopes;
    issued++;
    sendJson(res, 200, { ...identity.issue(email, scopes), token_type: "Bearer" }, flavor);
  };
  const listener = await listenFake(handle);
  return {
    port: listener.port,
    origin: listener.origin,
    close: listener.close,
    host: `127.0.0.1:${listener.port}`,
    get issued() {
      return issued;
    },
  };
}

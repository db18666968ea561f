/**
 * Google's OAuth 2.0 token endpoint for the JWT-bearer grant (RFC 7523, Google's service-account
 * flow): verifies the RS256 assertion against the account's public key and checks iss/aud/scope/
 * iat/exp as Google does, answering `invalid_grant` etc. with Google's 400 bodies.
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 */
import { verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TestPki } from "../helpers/pki.js";
import type { FakeIdentity } from "./gcp-identity.js";
import { listenFake, readBody, sendJson, type FakeListener } from "./gcp-server.js";

export const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** The audience Google requires in assertions. */
export const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";

/** The running token endpoint. */
export interface FakeOAuth extends FakeListener {
  /** `https://127.0.0.1:<port>/token` */
  readonly tokenUri: string;
  /** Requests received (answered or not). */
  readonly received: number;
  /** Grants answered with a token. */
  readonly granted: number;
  /** Grants refused, by `error` code. */
  readonly refused: string[];
  /** When true, requests are accepted and never answered. */
  hang: boolean;
}

export async function startFakeOAuth(identity: FakeIdentity, pki: TestPki): Promise<FakeOAuth> {
  const state = { received: 0, granted: 0, refused: [] as string[], hang: false };
  const refuse = (res: ServerResponse, error: string, description: string) => {
    state.refused.push(error);
    sendJson(res, 400, { error, error_description: description });
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    state.received++;
    if (state.hang) return;
    if (req.method !== "POST" || new URL(req.url ?? "/", "http://x").pathname !== "/token") {
      return sendJson(res, 404, { error: "not_found" });
    }
    if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
      return refuse(res, "invalid_request", "Bad Request");
    }
    const form = new URLSearchParams(body.toString("utf8"));
    const grantType = form.get("grant_type") ?? "";
    if (grantType !== JWT_BEARER) {
      return refuse(res, "unsupported_grant_type", `Invalid grant_type: ${grantType}`);
    }
    const outcome = checkAssertion(identity, form.get("assertion") ?? "");
    if ("error" in outcome) return refuse(res, outcome.error, outcome.description);
    state.granted++;
    sendJson(res, 200, { ...identity.issue(outcome.email, outcome.scopes), token_type: "Bearer" });
  };
  const listener = await listenFake((req, res) => void handle(req, res), pki);
  return {
    port: listener.port,
    origin: listener.origin,
    close: listener.close,
    tokenUri: `${listener.origin}/token`,
    get received() {
      return state.received;
    },
    get granted() {
      return state.granted;
    },
    refused: state.refused,
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
  };
}

type Outcome = { email: string; scopes: string[] } | { error: string; description: string };

const SHORT_LIVED =
  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. " +
  "Check your iat and exp values in the JWT claim.";

function checkAssertion(identity: FakeIdentity, assertion: string): Outcome {
  const grant = (description: string) => ({ error: "invalid_grant", description });
  const parts = assertion.split(".");
  if (parts.length !== 3) return grant("Invalid JWT: could not be parsed.");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(p);
  if (!header || !claims || header["alg"] !== "RS256") return grant("Invalid JWT Signature.");
  const account = typeof claims["iss"] === "string" ? identity.account(claims["iss"]) : undefined;
  if (!account) return grant("Invalid grant: account not found");
  const signed = Buffer.from(`${h}.${p}`);
  if (!verify("sha256", signed, account.publicKey, Buffer.from(s, "base64url"))) {
    return grant("Invalid JWT Signature.");
  }
  if (claims["aud"] !== GOOGLE_TOKEN_AUDIENCE) {
    return grant(
      `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_AUDIENCE}`,
    );
  }
  const nowS = identity.now() / 1000;
  const { iat, exp } = claims;
  if (typeof iat !== "number" || typeof exp !== "number") return grant(SHORT_LIVED);
  // Google tolerates a little clock skew either way.
  if (iat > nowS + 300 || exp < nowS - 60 || exp - iat > 3600) return grant(SHORT_LIVED);
  const scopes = typeof claims["scope"] === "string" ? claims["scope"].split(" ") : [];
  if (scopes.filter(Boolean).length === 0) {
    return {
      error: "invalid_scope",
      description: "Invalid OAuth scope or ID token audience provided.",
    };
  }
  return { email: account.email, scopes };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

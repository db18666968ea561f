/**
 * A fake Microsoft Entra ID token service (OAuth 2.0 client credentials, v2.0 endpoint) as MSAL
 * Node drives it: POST /{tenant}/oauth2/v2.0/token with a client secret or a workload-identity
 * client assertion, and GET /common/discovery/instance (MSAL asks it only about authority hosts it
 * has no built-in metadata for). Error bodies follow Entra's shape: {error, error_description
 * "AADSTSnnnn: …", error_codes}. Tokens are opaque and remembered, so the Key Vault fake can check
 * the bearer it receives. https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
import { randomBytes, randomUUID, timingSafeEqual, type KeyObject } from "node:crypto";
import type { ServerResponse } from "node:http";
import { jwtVerify } from "jose";

/** An app registration the fake knows. */
export interface FakeEntraApp {
  readonly clientId: string;
  readonly clientSecret?: string;
  /** A federated identity credential: which signed assertions stand in for a secret. */
  readonly federated?: { issuer: string; subject: string; publicKey: KeyObject };
}

/** What the fake remembers about an access token it issued. */
export interface IssuedToken {
  readonly clientId: string;
  readonly tenantId: string;
  /** The resource the token is for, e.g. "https://vault.azure.net". */
  readonly audience: string;
  readonly expiresAtMs: number;
}

export interface FakeEntra {
  readonly tenantId: string;
  /** Successful token grants so far. */
  readonly tokensIssued: number;
  /** The token if the fake issued it and it has not expired. */
  verify(accessToken: string): IssuedToken | undefined;
  handle(host: string, method: string, url: URL, body: Buffer, res: ServerResponse): void;
}

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const RESOURCES = new Set(["https://vault.azure.net"]);
const KNOWN_AUTHORITY_HOSTS = [
  "login.microsoftonline.com",
  "login.windows.net",
  "login.microsoft.com",
  "sts.windows.net",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
];

export function createFakeEntra(opts: { tenantId: string; apps: FakeEntraApp[] }): FakeEntra {
  const issued = new Map<string, IssuedToken>();
  let tokensIssued = 0;

  const token = async (tenant: string, form: URLSearchParams, res: ServerResponse) => {
    if (tenant !== opts.tenantId) {
      return oauthError(res, 400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    }
    if (form.get("grant_type") !== "client_credentials") {
      return oauthError(
        res,
        400,
        "unsupported_grant_type",
        70003,
        "The app requested an unsupported grant type.",
      );
    }
    const clientId = form.get("client_id") ?? "";
    const app = opts.apps.find((a) => a.clientId === clientId);
    if (!app) {
      return oauthError(
        res,
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory.`,
      );
    }
    const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const resource = scopes.length === 1 ? scopes[0]!.replace(/\/\.default$/, "") : "";
    if (!scopes[0]?.endsWith("/.default") || !RESOURCES.has(resource)) {
      return oauthError(
        res,
        400,
        "invalid_resource",
        500011,
        "The resource principal was not found in the tenant.",
      );
    }
    const problem = await authenticate(app, form);
    if (problem)
      return oauthError(res, problem.status, "invalid_client", problem.code, problem.text);
    const accessToken = randomBytes(32).toString("base64url");
    const expiresIn = 3599;
    issued.set(accessToken, {
      clientId,
      tenantId: tenant,
      audience: resource,
      expiresAtMs: Date.now() + expiresIn * 1000,
    });
    tokensIssued++;
    json(res, 200, {
      token_type: "Bearer",
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: accessToken,
    });
  };

  return {
    tenantId: opts.tenantId,
    get tokensIssued() {
      return tokensIssued;
    },
    verify(accessToken) {
      const t = issued.get(accessToken);
      return t && t.expiresAtMs > Date.now() ? t : undefined;
    },
    handle(host, method, url, body, res) {
      const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (method === "POST" && tokenPath) {
        void token(
          decodeURIComponent(tokenPath[1]!),
          new URLSearchParams(body.toString("utf8")),
          res,
        );
        return;
      }
      if (method === "GET" && url.pathname === "/common/discovery/instance") {
        return discovery(host, url, opts.tenantId, res);
      }
      json(res, 404, { error: "not_found" });
    },
  };
}

/** Checks the client secret or the federated client assertion; a problem to report, or none. */
async function authenticate(
  app: FakeEntraApp,
  form: URLSearchParams,
): Promise<{ status: number; code: number; text: string } | undefined> {
  const secret = form.get("client_secret");
  const assertion = form.get("client_assertion");
  if (secret !== null && app.clientSecret !== undefined) {
    return sameText(secret, app.clientSecret)
      ? undefined
      : { status: 401, code: 7000215, text: "Invalid client secret provided." };
  }
  if (assertion !== null && form.get("client_assertion_type") === ASSERTION_TYPE && app.federated) {
    const { issuer, subject, publicKey } = app.federated;
    try {
      await jwtVerify(assertion, publicKey, {
        issuer,
        subject,
        audience: "api://AzureADTokenExchange",
      });
      return undefined;
    } catch {
      return {
        status: 400,
        code: 70021,
        text: "No matching federated identity record found for presented assertion.",
      };
    }
  }
  return {
    status: 401,
    code: 7000218,
    text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  };
}

function discovery(host: string, url: URL, tenant: string, res: ServerResponse): void {
  let authority: URL;
  try {
    authority = new URL(url.searchParams.get("authorization_endpoint") ?? "");
  } catch {
    return oauthError(
      res,
      400,
      "invalid_request",
      90014,
      "The request body must contain the following parameter: 'authorization_endpoint'.",
    );
  }
  if (!KNOWN_AUTHORITY_HOSTS.includes(authority.hostname)) {
    return oauthError(res, 400, "invalid_instance", 50049, "Unknown or invalid instance.");
  }
  json(res, 200, {
    tenant_discovery_endpoint: `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [
      {
        preferred_network: authority.hostname,
        preferred_cache: authority.hostname,
        aliases: [authority.hostname],
      },
    ],
  });
}

function oauthError(
  res: ServerResponse,
  status: number,
  error: string,
  code: number,
  text: string,
): void {
  const now = new Date().toISOString().replace("T", " ").slice(0, 19);
  json(res, status, {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${randomUUID()} Timestamp: ${now}Z`,
    error_codes: [code],
    timestamp: `${now}Z`,
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

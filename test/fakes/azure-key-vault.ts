/**
 * A fake Azure Key Vault data plane for GET /secrets/{name}[/{version}]?api-version=…, as the
 * service answers it: a request without a valid bearer token gets 401 with the
 * `WWW-Authenticate: Bearer authorization=…, resource=…` challenge; a caller without a role
 * assignment gets 403 Forbidden (ForbiddenByRbac); a missing secret 404 SecretNotFound. A
 * certificate is served the way Key Vault keeps it: as a managed secret of the same name holding
 * the PEM (or PKCS#12) bundle. https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { json, type FakeEntra } from "./azure-identity.js";

export interface FakeSecretOptions {
  contentType?: string;
  /** True for a secret that backs a certificate (set by putCertificate). */
  managed?: boolean;
  enabled?: boolean;
}

export interface FakeKeyVault {
  /** Adds a new version of a secret and returns its version id (32 hex digits). */
  putSecret(name: string, value: string, opts?: FakeSecretOptions): string;
  /** Adds a certificate version: a managed secret holding `bundle`. */
  putCertificate(name: string, bundle: string, contentType?: string): string;
  /** Client ids that hold "Key Vault Secrets User"; default: every client. */
  allowClients(clientIds: string[] | undefined): void;
  /** While true, secret reads are accepted and never answered. */
  hang: boolean;
  /** Secret reads that carried a valid token (answered or not). */
  readonly authorizedReads: number;
  handle(
    host: string,
    method: string,
    url: URL,
    authorization: string | undefined,
    res: ServerResponse,
  ): void;
}

interface Version extends FakeSecretOptions {
  id: string;
  value: string;
  created: number;
}

const API_VERSIONS = new Set(["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"]);

export function createFakeKeyVault(entra: FakeEntra): FakeKeyVault {
  const secrets = new Map<string, Version[]>();
  let allowed: Set<string> | undefined;
  let authorizedReads = 0;
  const put = (name: string, value: string, opts: FakeSecretOptions = {}) => {
    const id = randomBytes(16).toString("hex");
    const versions = secrets.get(name.toLowerCase()) ?? [];
    versions.push({ ...opts, id, value, created: Math.floor(Date.now() / 1000) });
    secrets.set(name.toLowerCase(), versions);
    return id;
  };

  const vault: FakeKeyVault = {
    putSecret: put,
    putCertificate: (name, bundle, contentType = "application/x-pem-file") =>
      put(name, bundle, { contentType, managed: true }),
    allowClients(ids) {
      allowed = ids && new Set(ids);
    },
    hang: false,
    get authorizedReads() {
      return authorizedReads;
    },
    handle(host, method, url, authorization, res) {
      const apiVersion = url.searchParams.get("api-version");
      if (!apiVersion || !API_VERSIONS.has(apiVersion)) {
        return kvError(
          res,
          400,
          "BadParameter",
          "The specified version of the API is not recognized.",
        );
      }
      const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
      const caller = token === undefined ? undefined : entra.verify(token);
      if (
        !caller ||
        caller.audience !== "https://vault.azure.net" ||
        caller.tenantId !== entra.tenantId
      ) {
        const text =
          token === undefined
            ? "AKV10000: Request is missing a Bearer or PoP token."
            : "AKV10022: Invalid audience or token.";
        return kvError(res, 401, "Unauthorized", text, {
          "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/${entra.tenantId}", resource="https://vault.azure.net"`,
        });
      }
      const path = /^\/secrets\/([0-9A-Za-z-]{1,127})(?:\/([0-9a-f]{32}))?\/?$/.exec(url.pathname);
      if (!path) return kvError(res, 404, "NotFound", "The requested resource was not found.");
      if (method !== "GET")
        return kvError(res, 405, "MethodNotAllowed", "The method is not allowed.");
      if (allowed && !allowed.has(caller.clientId)) {
        return kvError(
          res,
          403,
          "Forbidden",
          "Caller is not authorized to perform action on resource.",
          {},
          "ForbiddenByRbac",
        );
      }
      authorizedReads++;
      if (vault.hang) return;
      const [, name, versionId] = path as unknown as [string, string, string?];
      const versions = secrets.get(name.toLowerCase()) ?? [];
      const version =
        versionId === undefined ? versions.at(-1) : versions.find((v) => v.id === versionId);
      if (!version) {
        const what = versionId === undefined ? name : `${name}/${versionId}`;
        return kvError(
          res,
          404,
          "SecretNotFound",
          `A secret with (name/id) ${what} was not found in this key vault.`,
        );
      }
      if (version.enabled === false) {
        return kvError(
          res,
          403,
          "Forbidden",
          "Operation get is not allowed on a disabled secret.",
          {},
          "SecretDisabled",
        );
      }
      json(res, 200, {
        value: version.value,
        ...(version.contentType !== undefined ? { contentType: version.contentType } : {}),
        id: `https://${host}/secrets/${name}/${version.id}`,
        attributes: {
          enabled: true,
          created: version.created,
          updated: version.created,
          recoveryLevel: "Recoverable+Purgeable",
          recoverableDays: 90,
        },
        tags: {},
        ...(version.managed
          ? { kid: `https://${host}/keys/${name}/${version.id}`, managed: true }
          : {}),
      });
    },
  };
  return vault;
}

function kvError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  inner?: string,
): void {
  json(
    res,
    status,
    { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } },
    headers,
  );
}

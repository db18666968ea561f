/**
 * Secret Manager's REST `versions/<v>:access` as Google serves it: bearer-token check against the
 * fake identity (401 UNAUTHENTICATED, 403 for scopes or IAM), version resolution (numbers,
 * aliases, `latest` = newest ENABLED), Google's error shape, and `payload.dataCrc32c`.
 * https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TestPki } from "../helpers/pki.js";
import type { FakeIdentity } from "./gcp-identity.js";
import { listenFake, sendJson, type FakeListener } from "./gcp-server.js";

/** One version; `corruptCrc` serves a wrong dataCrc32c, `omitCrc` none at all. */
export interface FakeVersion {
  data: Buffer;
  state?: "ENABLED" | "DISABLED" | "DESTROYED";
  corruptCrc?: boolean;
  omitCrc?: boolean;
}

export interface FakeSecretManager extends FakeListener {
  readonly projectId: string;
  readonly projectNumber: string;
  /** Adds a secret with versions 1..n; `accessors` hold roles/secretmanager.secretAccessor on it. */
  addSecret(
    id: string,
    versions: (string | Buffer | FakeVersion)[],
    opts?: { accessors?: string[]; aliases?: Record<string, number> },
  ): void;
  /** Grants roles/secretmanager.secretAccessor on the whole project. */
  grantProject(email: string): void;
  /** Every request that reached the service, with the bearer token it carried (if any). */
  readonly requests: { path: string; token?: string }[];
  /** When true, requests are accepted and never answered. */
  hang: boolean;
}

const CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";
const ACCESS = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/:]+):access$/;
const REALM = 'Bearer realm="https://accounts.google.com/"';

interface Secret {
  versions: FakeVersion[];
  accessors: Set<string>;
  aliases: Record<string, number>;
}

export async function startFakeSecretManager(
  identity: FakeIdentity,
  pki: TestPki,
  project = { id: "sigil-test", number: "123456789012" },
): Promise<FakeSecretManager> {
  const secrets = new Map<string, Secret>();
  const projectAccessors = new Set<string>();
  const requests: { path: string; token?: string }[] = [];
  let hang = false;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    requests.push(auth ? { path, token: auth[1]! } : { path });
    if (hang) return;
    const m = req.method === "GET" ? ACCESS.exec(path) : null;
    if (!m) return void res.writeHead(404, { "content-type": "text/html" }).end("<h1>404</h1>");
    if (!auth) {
      return fail(res, 401, "UNAUTHENTICATED", MISSING, { "www-authenticate": REALM });
    }
    const who = identity.lookup(auth[1]!);
    if (!who) {
      const challenge = `${REALM}, error="invalid_token"`;
      return fail(res, 401, "UNAUTHENTICATED", INVALID, { "www-authenticate": challenge });
    }
    if (!who.scopes.includes(CLOUD_PLATFORM)) {
      const challenge = `${REALM}, error="insufficient_scope", scope="${CLOUD_PLATFORM}"`;
      return fail(
        res,
        403,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
        {
          "www-authenticate": challenge,
        },
      );
    }
    const [p, s, v] = [m[1]!, m[2]!, m[3]!];
    const secret = secrets.get(s);
    const granted = projectAccessors.has(who.email) || secret?.accessors.has(who.email);
    if ((p !== project.id && p !== project.number) || !granted) {
      const resource = `projects/${p}/secrets/${s}/versions/${v}`;
      const msg = `Permission 'secretmanager.versions.access' denied for resource '${resource}' (or it may not exist).`;
      return fail(res, 403, "PERMISSION_DENIED", msg);
    }
    const secretName = `projects/${project.number}/secrets/${s}`;
    const n = resolveVersion(secret, v);
    if (!secret || (v === "latest" && n === undefined)) {
      return fail(res, 404, "NOT_FOUND", `Secret [${secretName}] not found or has no versions.`);
    }
    const version = n === undefined ? undefined : secret.versions[n - 1];
    if (n === undefined || !version) {
      return fail(res, 404, "NOT_FOUND", `Secret Version [${secretName}/versions/${v}] not found.`);
    }
    const name = `${secretName}/versions/${n}`;
    const state = version.state ?? "ENABLED";
    if (state !== "ENABLED") {
      return fail(
        res,
        400,
        "FAILED_PRECONDITION",
        `Secret Version [${name}] is in ${state} state.`,
      );
    }
    const crc = crc32cBitwise(version.data) ^ (version.corruptCrc ? 1 : 0);
    const payload = {
      data: version.data.toString("base64"),
      ...(version.omitCrc ? {} : { dataCrc32c: String(crc >>> 0) }),
    };
    sendJson(res, 200, { name, payload });
  };

  const listener = await listenFake(handle, pki);
  return {
    port: listener.port,
    origin: listener.origin,
    close: listener.close,
    projectId: project.id,
    projectNumber: project.number,
    requests,
    get hang() {
      return hang;
    },
    set hang(value: boolean) {
      hang = value;
    },
    addSecret(id, versions, opts = {}) {
      secrets.set(id, {
        versions: versions.map((v) =>
          typeof v === "string" ? { data: Buffer.from(v) } : Buffer.isBuffer(v) ? { data: v } : v,
        ),
        accessors: new Set(opts.accessors ?? []),
        aliases: opts.aliases ?? {},
      });
    },
    grantProject: (email) => void projectAccessors.add(email),
  };
}

const MISSING =
  "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const INVALID =
  "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

/** The version number `v` names: a number, an alias, or `latest` (newest ENABLED). */
function resolveVersion(secret: Secret | undefined, v: string): number | undefined {
  if (!secret) return undefined;
  if (v === "latest") {
    for (let i = secret.versions.length; i > 0; i--) {
      if ((secret.versions[i - 1]!.state ?? "ENABLED") === "ENABLED") return i;
    }
    return undefined;
  }
  return /^[1-9][0-9]*$/.test(v) ? Number(v) : secret.aliases[v];
}

function fail(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, code, { error: { code, message, status } }, headers);
}

/** Bit-at-a-time CRC32C, independent of the product's table-driven one. */
function crc32cBitwise(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The fake's KV engines. v1: `GET <mount>/<path>` → `data`. v2: `GET <mount>/data/<path>[?version=N]`
 * → `data.data` + `data.metadata`; a deleted version is a 404 that still carries its metadata, and
 * a path without `data/` is a 404, as in Vault.
 * https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v1
 * https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2
 */
import type { ServerResponse } from "node:http";
import { notFound, sendJson, sendOk } from "./reply.js";

export type KvData = Record<string, unknown>;

interface Version {
  data: KvData;
  createdAt: string;
  deletedAt: string;
}

export class KvV1 {
  readonly #items = new Map<string, KvData>();

  put(path: string, data: KvData): void {
    this.#items.set(path, data);
  }

  read(res: ServerResponse, path: string): void {
    const data = this.#items.get(path);
    if (!data) return notFound(res);
    sendOk(res, { data, lease_duration: 2764800 });
  }
}

export class KvV2 {
  readonly #items = new Map<string, Version[]>();

  /** Writes a new version; returns its number (1, 2, …). */
  put(path: string, data: KvData): number {
    const versions = this.#items.get(path) ?? [];
    versions.push({ data, createdAt: new Date().toISOString(), deletedAt: "" });
    this.#items.set(path, versions);
    return versions.length;
  }

  /** Soft-deletes one version (`DELETE <mount>/data/<path>` / `delete/<path>`). */
  deleteVersion(path: string, version: number): void {
    const v = this.#items.get(path)?.[version - 1];
    if (v) v.deletedAt = new Date().toISOString();
  }

  /** `rest` is the path after the mount; `query` the request's search params. */
  read(res: ServerResponse, rest: string[], query: URLSearchParams): void {
    if (rest[0] !== "data" || rest.length < 2) return notFound(res);
    const versions = this.#items.get(rest.slice(1).join("/"));
    if (!versions?.length) return notFound(res);
    const asked = query.get("version");
    const number = asked === null || asked === "0" ? versions.length : Number(asked);
    const v = Number.isInteger(number) ? versions[number - 1] : undefined;
    if (!v) return notFound(res);
    const metadata = {
      created_time: v.createdAt,
      custom_metadata: null,
      deletion_time: v.deletedAt,
      destroyed: false,
      version: number,
    };
    if (v.deletedAt) {
      return sendJson(res, 404, { request_id: "", data: { data: null, metadata } });
    }
    sendOk(res, { data: { data: v.data, metadata } });
  }
}

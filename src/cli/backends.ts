/** `sigil-vault backends add|list|remove|test` — where credentials come from (spec §7). */
import { BACKEND_KINDS } from "../backends/backend.js";
import { isBackendKind } from "../backends/index.js";
import { parseResolveMap } from "../config/resolve.js";
import { validateBackendOptions } from "../backends/options.js";
import { testFetch } from "../backends/test-fetch.js";
import { looseBackendFiles } from "../backends/file-modes.js";
import { SigilError } from "../errors.js";
import type { Command } from "./command.js";
import { str } from "./command.js";
import { changeConfig, readConfig } from "./config-io.js";
import { formatTable, toJson } from "./output.js";
import { parseKeyValues, required } from "./require.js";

const add: Command = {
  path: ["backends", "add"],
  summary: "add a credential backend",
  help: `Usage: sigil-vault backends add --name NAME --kind KIND [--options k=v,k=v] [--json]

Kinds: ${BACKEND_KINDS.join(", ")}.
Options name where login material lives (an env var, a file, the platform identity), never a
secret itself. See docs/backends.md for each kind's options.

Examples:
  sigil-vault backends add --name dev-env --kind env
  sigil-vault backends add --name hashi-prod --kind hashicorp-vault \\
      --options vault_addr=https://vault.internal:8200,auth_method=approle,role_id=...,secret_id_file=/run/secret-id`,
  options: { name: { type: "string" }, kind: { type: "string" }, options: { type: "string" } },
  async run(ctx, values) {
    const name = required(values, "name");
    const kind = required(values, "kind");
    if (!isBackendKind(kind)) {
      throw new SigilError("ERR_USAGE", `--kind must be one of ${BACKEND_KINDS.join(", ")}`);
    }
    const options = parseKeyValues(str(values, "options"));
    validateBackendOptions(kind, options);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      throw new SigilError("ERR_USAGE", "--name must be 1-64 letters, digits, . _ or -");
    }
    await changeConfig(ctx, (cfg) => {
      if (cfg.backends.some((b) => b.name === name)) {
        throw new SigilError("ERR_CONFLICT", `a backend named ${name} already exists`);
      }
      cfg.backends.push({ name, kind, options });
    });
    ctx.out(ctx.json ? toJson({ name, kind, options }) : `Backend ${name} (${kind}) added`);
    return 0;
  },
};

const listCmd: Command = {
  path: ["backends", "list"],
  summary: "list backends",
  help: `Usage: sigil-vault backends list [--json]

Lists each backend's name, kind and options (options name where secrets live, never hold them).

Example:
  sigil-vault backends list --json`,
  options: {},
  async run(ctx) {
    const backends = readConfig(ctx).backends;
    if (ctx.json) ctx.out(toJson(backends));
    else {
      const rows = backends.map((b) => [
        b.name,
        b.kind,
        Object.entries(b.options)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      ]);
      ctx.out(formatTable(["NAME", "KIND", "OPTIONS"], rows));
    }
    return 0;
  },
};

const remove: Command = {
  path: ["backends", "remove"],
  summary: "remove a backend that no route uses",
  help: `Usage: sigil-vault backends remove --name NAME [--json]

Refused while a route still uses the backend (remove the route first).

Example:
  sigil-vault backends remove --name vault-prod`,
  options: { name: { type: "string" } },
  async run(ctx, values) {
    const name = required(values, "name");
    await changeConfig(ctx, (cfg) => {
      const i = cfg.backends.findIndex((b) => b.name === name);
      if (i < 0) throw new SigilError("ERR_NOT_FOUND", `no backend named ${name}`);
      const users = cfg.routes.filter((r) => r.backend === name).map((r) => r.id);
      if (users.length) {
        throw new SigilError(
          "ERR_CONFLICT",
          `backend ${name} is used by routes ${users.join(", ")}`,
        );
      }
      cfg.backends.splice(i, 1);
    });
    ctx.out(ctx.json ? toJson({ name, removed: true }) : `Backend ${name} removed`);
    return 0;
  },
};

const test: Command = {
  path: ["backends", "test"],
  summary: "fetch a credential once and describe it (never the value)",
  help: `Usage: sigil-vault backends test --name NAME [--secret REF] [--json]

Fetches once through the real backend and reports success, the credential's field names and
their byte lengths. The value is never printed, and it is zeroed right after.

Example:
  OPENAI_API_KEY=sk-test sigil-vault backends test --name dev-env --secret OPENAI_API_KEY`,
  options: { name: { type: "string" }, secret: { type: "string" } },
  async run(ctx, values) {
    const name = required(values, "name");
    const cfg = readConfig(ctx);
    const entry = cfg.backends.find((b) => b.name === name);
    if (!entry) throw new SigilError("ERR_NOT_FOUND", `no backend named ${name}`);
    for (const w of looseBackendFiles(entry)) ctx.err(`warning: ${w}`);
    const result = await testFetch(entry, str(values, "secret") ?? "", {
      env: ctx.env,
      resolve: parseResolveMap(cfg.proxy.resolve ?? {}),
    });
    const { durationMs: ms, fields, leaseId } = result;
    if (ctx.json)
      ctx.out(
        toJson({
          ok: true,
          backend: name,
          kind: entry.kind,
          durationMs: ms,
          fields,
          ...(leaseId ? { leaseId } : {}),
        }),
      );
    else {
      ctx.out(`OK ${name} (${entry.kind}) answered in ${ms} ms`);
      for (const f of fields) ctx.out(`  field ${f.name}: ${f.bytes} bytes`);
    }
    return 0;
  },
};

export const backendCommands = [add, listCmd, remove, test];

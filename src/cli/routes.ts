/** `sigil-vault routes add|list|remove` — which agent may reach which host/path with which credential. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { generateId } from "../agents.js";
import type { RouteEntry } from "../config/schema.js";
import { SigilError } from "../errors.js";
import { compileInjector, DEFAULT_INJECT } from "../inject/index.js";
import { parseHostPattern } from "../routing/host.js";
import { parsePathPattern } from "../routing/path.js";
import type { Command } from "./command.js";
import { str } from "./command.js";
import { changeConfig, readConfig } from "./config-io.js";
import { formatTable, toJson } from "./output.js";
import { required } from "./require.js";

const BINDINGS = ["off", "optional", "required"] as const;

const add: Command = {
  path: ["routes", "add"],
  summary: "allow an agent to reach a host/path with a credential from a backend",
  help: `Usage: sigil-vault routes add --agent-id ID --host HOST --path PATH --backend NAME
         [--secret REF] [--inject SPEC] [--methods GET,POST] [--binding off|optional|required]
         [--upstream-ca FILE] [--session-policy FILE] [--allow-plaintext] [--json]

HOST: exact (api.openai.com, api.internal:8443) or a leading wildcard (*.example.com, never the apex).
PATH: /v1/* matches /v1 and below (not /v10); a * segment matches one segment; otherwise exact.
SPEC: header:NAME=TEMPLATE (default "${DEFAULT_INJECT}"), basic, query:NAME,
      aws-sigv4[:service[:region]] (re-sign with released AWS keys), mtls (client certificate).
--binding: check X-Sigil-Intent against the live request (default required: the header must be
      sent and match). optional (checked only when sent) and off are opt-outs that let one
      attestation be used on any such route of the agent; doctor warns about them.
--upstream-ca: an extra CA (PEM) trusted for this upstream, on top of the system roots.
--session-policy: a JSON IAM policy that down-scopes each aws-sts release for this route.

Example:
  sigil-vault routes add --agent-id agt_123 --host api.openai.com --path "/v1/*" \\
      --backend hashi-prod --secret "secret/data/openai#api_key"`,
  options: {
    "agent-id": { type: "string" },
    host: { type: "string" },
    path: { type: "string" },
    backend: { type: "string" },
    secret: { type: "string" },
    inject: { type: "string" },
    methods: { type: "string" },
    binding: { type: "string" },
    "upstream-ca": { type: "string" },
    "session-policy": { type: "string" },
    "allow-plaintext": { type: "boolean" },
  },
  async run(ctx, values) {
    const agentId = required(values, "agent-id");
    const host = required(values, "host");
    const path = required(values, "path");
    const backend = required(values, "backend");
    parseHostPattern(host);
    parsePathPattern(path);
    const inject = str(values, "inject") ?? DEFAULT_INJECT;
    compileInjector(inject);
    const binding = str(values, "binding") ?? "required";
    if (!(BINDINGS as readonly string[]).includes(binding)) {
      throw new SigilError("ERR_USAGE", "--binding must be off, optional or required");
    }
    const methods = parseMethods(str(values, "methods"));
    const caFlag = str(values, "upstream-ca");
    const upstreamCa = caFlag === undefined ? undefined : resolve(caFlag);
    if (upstreamCa !== undefined && !existsSync(upstreamCa)) {
      throw new SigilError("ERR_USAGE", `--upstream-ca ${upstreamCa} does not exist`);
    }
    const policyFlag = str(values, "session-policy");
    const sessionPolicy = policyFlag === undefined ? undefined : resolve(policyFlag);
    if (sessionPolicy !== undefined && !existsSync(sessionPolicy)) {
      throw new SigilError("ERR_USAGE", `--session-policy ${sessionPolicy} does not exist`);
    }
    const route: RouteEntry = {
      id: generateId("rt"),
      agent_id: agentId,
      host,
      path,
      backend,
      inject,
      binding: binding as RouteEntry["binding"],
      ...(str(values, "secret") !== undefined ? { secret: str(values, "secret") } : {}),
      ...(methods ? { methods } : {}),
      ...(upstreamCa ? { upstream_ca: upstreamCa } : {}),
      ...(sessionPolicy ? { session_policy: sessionPolicy } : {}),
      ...(values["allow-plaintext"] === true ? { allow_plaintext: true } : {}),
    };
    await changeConfig(ctx, (cfg) => {
      if (!cfg.agents.some((a) => a.id === agentId)) {
        throw new SigilError("ERR_NOT_FOUND", `no agent with id ${agentId}`);
      }
      if (!cfg.backends.some((b) => b.name === backend)) {
        throw new SigilError("ERR_NOT_FOUND", `no backend named ${backend}`);
      }
      cfg.routes.push(route);
    });
    ctx.out(ctx.json ? toJson(routeView(route)) : `Route ${route.id} added`);
    return 0;
  },
};

function parseMethods(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const methods = text.split(",").map((m) => m.trim().toUpperCase());
  if (methods.some((m) => !/^[A-Z]{1,16}$/.test(m))) {
    throw new SigilError("ERR_USAGE", "--methods expects a comma-separated list like GET,POST");
  }
  return [...new Set(methods)];
}

function routeView(r: RouteEntry) {
  return {
    id: r.id,
    agentId: r.agent_id,
    host: r.host,
    path: r.path,
    methods: r.methods ?? null,
    backend: r.backend,
    secret: r.secret ?? null,
    inject: r.inject,
    binding: r.binding,
    upstreamCa: r.upstream_ca ?? null,
    allowPlaintext: r.allow_plaintext ?? false,
  };
}

const listCmd: Command = {
  path: ["routes", "list"],
  summary: "list routes",
  help: `Usage: sigil-vault routes list [--json]

Lists each route's id, agent, host, path, methods, backend and injection.

Example:
  sigil-vault routes list --json`,
  options: {},
  async run(ctx) {
    const routes = readConfig(ctx).routes.map(routeView);
    if (ctx.json) ctx.out(toJson(routes));
    else {
      const rows = routes.map((r) => [
        r.id,
        r.agentId,
        r.host,
        r.path,
        r.methods?.join(",") ?? "*",
        r.backend,
        r.binding,
        r.inject,
      ]);
      ctx.out(
        formatTable(
          ["ID", "AGENT", "HOST", "PATH", "METHODS", "BACKEND", "BINDING", "INJECT"],
          rows,
        ),
      );
    }
    return 0;
  },
};

const remove: Command = {
  path: ["routes", "remove"],
  summary: "remove a route",
  help: `Usage: sigil-vault routes remove --id ID [--json]

A running proxy stops serving the route within 1 s.

Example:
  sigil-vault routes remove --id rt_3kTq9v0aXw`,
  options: { id: { type: "string" } },
  async run(ctx, values) {
    const id = required(values, "id");
    await changeConfig(ctx, (cfg) => {
      const i = cfg.routes.findIndex((r) => r.id === id);
      if (i < 0) throw new SigilError("ERR_NOT_FOUND", `no route with id ${id}`);
      cfg.routes.splice(i, 1);
    });
    ctx.out(ctx.json ? toJson({ id, removed: true }) : `Route ${id} removed`);
    return 0;
  },
};

export const routeCommands = [add, listCmd, remove];

/**
 * `sigil-vault routes add|update|list|remove` — which agent may reach which host/path with which
 * credential. Flags shared by add and update live in route-flags.ts; agent look-up and the
 * backend's secret rule in route-refs.ts.
 */
import { generateId } from "../agents.js";
import type { ConfigFile, RouteEntry } from "../config/schema.js";
import { SigilError } from "../errors.js";
import { DEFAULT_INJECT } from "../inject/index.js";
import { parseHostPattern } from "../routing/host.js";
import { parsePathPattern } from "../routing/path.js";
import type { Command } from "./command.js";
import { str } from "./command.js";
import { changeConfig, readConfig } from "./config-io.js";
import { formatTable, toJson } from "./output.js";
import { required } from "./require.js";
import { parseRouteFlags, ROUTE_FLAG_OPTIONS } from "./route-flags.js";
import { AGENT_OPTIONS, checkHostFlag, checkRouteSecret, findAgent } from "./route-refs.js";

const add: Command = {
  path: ["routes", "add"],
  summary: "allow an agent to reach a host/path with a credential from a backend",
  help: `Usage: sigil-vault routes add --agent NAME_OR_ID --host HOST --path PATH --backend NAME
         [--secret REF] [--inject SPEC] [--methods GET,POST] [--binding off|optional|required]
         [--upstream-ca FILE] [--session-policy FILE] [--allow-plaintext]
         [--aws-operations OP,OP] [--keep-header NAME]... [--json]

--agent: the agent's name or id (--agent-id ID still works).
HOST: exact (api.openai.com, api.internal:8443) or a leading wildcard (*.example.com, never the apex).
PATH: /v1/* matches /v1 and below (not /v10); a * segment matches one segment; otherwise exact.
--secret: what to fetch; required by every backend kind except aws-sts (which takes none) and an
      env backend with option var.
SPEC: header:NAME=TEMPLATE (default "${DEFAULT_INJECT}"), basic, query:NAME,
      aws-sigv4[:service[:region]] (re-sign with released AWS keys), mtls (client certificate).
--binding: check X-Sigil-Intent against the live request (default required: the header must be
      sent and match). optional (checked only when sent) and off are opt-outs that let one
      attestation be used on any such route of the agent; doctor warns about them.
--upstream-ca: an extra CA (PEM) trusted for this upstream, on top of the system roots.
--session-policy: a JSON IAM policy that down-scopes each aws-sts release for this route.
--aws-operations: with aws-sigv4, only these AWS operations are signed (e.g. GetSecretValue,
      secretsmanager.DescribeSecret, GetObject, AssumeRole); others get 403 ERR_NO_ROUTE.
--methods: also bounds X-HTTP-Method-Override / X-HTTP-Method / X-Method-Override values.
--keep-header: forward this agent-sent header although Vault normally strips it (Authorization,
      x-api-key, api-key, x-goog-api-key are removed before injecting); repeatable.

Example:
  sigil-vault routes add --agent agent-prod-1 --host api.openai.com --path "/v1/*" \\
      --backend hashi-prod --secret "secret/data/openai#api_key"`,
  options: {
    ...AGENT_OPTIONS,
    host: { type: "string" },
    path: { type: "string" },
    backend: { type: "string" },
    ...ROUTE_FLAG_OPTIONS,
  },
  async run(ctx, values) {
    if (str(values, "agent") === undefined && str(values, "agent-id") === undefined)
      throw new SigilError("ERR_USAGE", "--agent is required (a name or an id)");
    const host = required(values, "host");
    checkHostFlag(host);
    const path = required(values, "path");
    const backend = required(values, "backend");
    parseHostPattern(host);
    parsePathPattern(path);
    const flags = parseRouteFlags(values);
    const route = await changeConfig(ctx, (cfg) => {
      const agent = findAgent(cfg, values)!;
      const r: RouteEntry = {
        id: generateId("rt"),
        agent_id: agent.id,
        host,
        path,
        backend,
        inject: DEFAULT_INJECT,
        binding: "required",
        ...withoutUndefined(flags),
      };
      checkRouteSecret(cfg, r);
      cfg.routes.push(r);
      return r;
    });
    ctx.out(ctx.json ? toJson(routeView(route)) : `Route ${route.id} added`);
    return 0;
  },
};

const update: Command = {
  path: ["routes", "update"],
  summary: "change a route's methods, binding, upstream CA, injection or secret in place",
  help: `Usage: sigil-vault routes update --id ID [--secret REF] [--inject SPEC] [--methods GET,POST|*]
         [--binding off|optional|required] [--upstream-ca FILE] [--session-policy FILE]
         [--allow-plaintext] [--aws-operations OP,OP] [--keep-header NAME]... [--json]

Only the flags given change; each is checked as routes add checks it, and the whole config is
validated before it is written (atomically). --methods '*' allows every method again. Host, path,
agent and backend are the route's identity: remove it and add a new one to change them.
A running proxy uses the changed route within 1 s.

Example:
  sigil-vault routes update --id rt_3kTq9v0aXw --methods GET,POST --binding required`,
  options: { id: { type: "string" }, ...ROUTE_FLAG_OPTIONS },
  async run(ctx, values) {
    const id = required(values, "id");
    const flags = parseRouteFlags(values);
    if (Object.keys(flags).length === 0)
      throw new SigilError("ERR_USAGE", "nothing to change: give at least one route flag");
    const route = await changeConfig(ctx, (cfg) => {
      const i = cfg.routes.findIndex((r) => r.id === id);
      const old = cfg.routes[i];
      if (!old) throw new SigilError("ERR_NOT_FOUND", `no route with id ${id}`);
      const next = withoutUndefined({ ...old, ...flags }) as RouteEntry;
      checkRouteSecret(cfg, next);
      cfg.routes[i] = next;
      return next;
    });
    ctx.out(ctx.json ? toJson(routeView(route)) : `Route ${route.id} updated`);
    return 0;
  },
};

/** Drops keys whose value is undefined (a flag that cleared an optional field). */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function routeView(r: RouteEntry, cfg?: ConfigFile) {
  const agent = cfg?.agents.find((a) => a.id === r.agent_id);
  return {
    id: r.id,
    agentId: r.agent_id,
    ...(cfg ? { agentName: agent?.name ?? null } : {}),
    host: r.host,
    path: r.path,
    methods: r.methods ?? null,
    backend: r.backend,
    secret: r.secret ?? null,
    inject: r.inject,
    binding: r.binding,
    upstreamCa: r.upstream_ca ?? null,
    allowPlaintext: r.allow_plaintext ?? false,
    awsOperations: r.aws_operations ?? null,
    ...(r.keep_headers ? { keepHeaders: r.keep_headers } : {}),
  };
}

const listCmd: Command = {
  path: ["routes", "list"],
  summary: "list routes",
  help: `Usage: sigil-vault routes list [--json]

Lists each route's id, agent (name), host, path, methods, backend, secret reference, injection
and binding.

Example:
  sigil-vault routes list --json`,
  options: {},
  async run(ctx) {
    const cfg = readConfig(ctx);
    const routes = cfg.routes.map((r) => routeView(r, cfg));
    if (ctx.json) ctx.out(toJson(routes));
    else {
      const rows = routes.map((r) => [
        r.id,
        r.agentName ?? r.agentId,
        r.host,
        r.path,
        r.methods?.join(",") ?? "*",
        r.backend,
        r.secret ?? "-",
        r.inject,
        r.binding,
      ]);
      ctx.out(
        formatTable(
          ["ID", "AGENT", "HOST", "PATH", "METHODS", "BACKEND", "SECRET", "INJECT", "BINDING"],
          rows,
        ),
      );
    }
    return 0;
  },
};

const remove: Command = {
  path: ["routes", "remove"],
  summary: "remove a route, or an agent's routes",
  help: `Usage: sigil-vault routes remove --id ID [--json]
       sigil-vault routes remove --agent NAME_OR_ID [--host HOST] [--path PATH] [--json]

With --agent (or --agent-id), removes that agent's routes, narrowed by --host and --path when
given. A running proxy stops serving removed routes within 1 s.

Examples:
  sigil-vault routes remove --id rt_3kTq9v0aXw
  sigil-vault routes remove --agent agent-prod-1 --host api.openai.com`,
  options: {
    id: { type: "string" },
    ...AGENT_OPTIONS,
    host: { type: "string" },
    path: { type: "string" },
  },
  async run(ctx, values) {
    const id = str(values, "id");
    const host = str(values, "host");
    const path = str(values, "path");
    const removed = await changeConfig(ctx, (cfg) => {
      const agent = findAgent(cfg, values);
      if ((id === undefined) === (agent === undefined))
        throw new SigilError("ERR_USAGE", "give --id, or --agent (with optional --host, --path)");
      if (id !== undefined && (host !== undefined || path !== undefined))
        throw new SigilError("ERR_USAGE", "--host and --path narrow --agent, not --id");
      const hit = (r: RouteEntry) =>
        id !== undefined
          ? r.id === id
          : r.agent_id === agent!.id &&
            (host === undefined || r.host === host) &&
            (path === undefined || r.path === path);
      const ids = cfg.routes.filter(hit).map((r) => r.id);
      if (ids.length === 0)
        throw new SigilError(
          "ERR_NOT_FOUND",
          id !== undefined ? `no route with id ${id}` : "no route matches",
        );
      cfg.routes = cfg.routes.filter((r) => !hit(r));
      return ids;
    });
    if (ctx.json) ctx.out(id !== undefined ? toJson({ id, removed: true }) : toJson({ removed }));
    else for (const r of removed) ctx.out(`Route ${r} removed`);
    return 0;
  },
};

export const routeCommands = [add, update, listCmd, remove];

/**
 * How `routes` commands name things: an agent by name or id (`--agent`, or the older
 * `--agent-id`), and the checks that need the config — the backend's secret rule.
 */
import { secretRule } from "../backends/secret-rule.js";
import type { BackendKind } from "../backends/backend.js";
import type { AgentEntry, ConfigFile, RouteEntry } from "../config/schema.js";
import { SigilError } from "../errors.js";
import { str, type Options, type Values } from "./command.js";

export const AGENT_OPTIONS: Options = {
  agent: { type: "string" },
  "agent-id": { type: "string" },
};

/** The agent named by `--agent NAME_OR_ID` or `--agent-id ID`; undefined when neither is given. */
export function findAgent(cfg: ConfigFile, values: Values): AgentEntry | undefined {
  const byEither = str(values, "agent");
  const byId = str(values, "agent-id");
  if (byEither !== undefined && byId !== undefined)
    throw new SigilError("ERR_USAGE", "give --agent or --agent-id, not both");
  const key = byEither ?? byId;
  if (key === undefined || key === "") return undefined;
  const agent =
    cfg.agents.find((a) => a.id === key) ??
    (byEither !== undefined ? cfg.agents.find((a) => a.name === key) : undefined);
  if (!agent) throw new SigilError("ERR_NOT_FOUND", `no agent with name or id ${key}`);
  return agent;
}

/** Refuses a route whose backend needs a secret it lacks, or takes none and was given one. */
export function checkRouteSecret(cfg: ConfigFile, route: RouteEntry): void {
  const backend = cfg.backends.find((b) => b.name === route.backend);
  if (!backend) throw new SigilError("ERR_NOT_FOUND", `no backend named ${route.backend}`);
  const rule = secretRule(backend.kind as BackendKind, backend.options);
  const has = route.secret !== undefined && route.secret !== "";
  if (rule === "required" && !has)
    throw new SigilError(
      "ERR_USAGE",
      `backend ${backend.name} (${backend.kind}) needs --secret REF: what to fetch (see docs/backends.md)`,
    );
  if (rule === "forbidden" && has)
    throw new SigilError(
      "ERR_USAGE",
      `backend ${backend.name} (${backend.kind}) takes no --secret (the role is its role_arn)`,
    );
}

/** `--host` is a host pattern; a URL there is a common slip that deserves its own message. */
export function checkHostFlag(host: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host) || host.includes("/"))
    throw new SigilError(
      "ERR_USAGE",
      `--host takes a host name like api.openai.com (optionally :port), not a URL; put the path in --path`,
    );
}

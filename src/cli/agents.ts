/** `sigil-vault agents create|list|revoke|rotate` — agent identities; tokens are shown once. */
import { generateAgentToken, generateId, hashToken } from "../agents.js";
import { SigilError } from "../errors.js";
import type { Command } from "./command.js";
import { changeConfig, readConfig } from "./config-io.js";
import { formatTable, toJson } from "./output.js";
import { required } from "./require.js";

const create: Command = {
  path: ["agents", "create"],
  summary: "create an agent and print its id and token (once)",
  help: `Usage: sigil-vault agents create --name NAME [--json]

Creates an agent identity. The token is printed once and only its SHA-256 is stored. Sigil Sign's
attestations must carry agentId = NAME for this agent.

Example:
  sigil-vault agents create --name agent-prod-1 --json
  HTTPS_PROXY=http://x:<token>@127.0.0.1:10255 curl ...`,
  options: { name: { type: "string" } },
  async run(ctx, values) {
    const name = required(values, "name");
    if (!/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/.test(name)) {
      throw new SigilError("ERR_USAGE", "--name must be 1-128 letters, digits, . _ @ : or -");
    }
    const token = generateAgentToken();
    const id = generateId("agt");
    await changeConfig(ctx, (cfg) => {
      if (cfg.agents.some((a) => a.name === name && !a.revoked_at)) {
        throw new SigilError("ERR_CONFLICT", `an agent named ${name} already exists`);
      }
      cfg.agents.push({
        id,
        name,
        token_sha256: hashToken(token),
        created_at: new Date().toISOString(),
      });
    });
    if (ctx.json) {
      ctx.out(toJson({ id, name, token }));
    } else {
      ctx.out(`Agent created: ${name}`);
      ctx.out(`  id:    ${id}`);
      ctx.out(`  token: ${token}`);
      ctx.out("The token is shown only now; store it where the agent can read it.");
    }
    return 0;
  },
};

const listCmd: Command = {
  path: ["agents", "list"],
  summary: "list agents (never tokens)",
  help: `Usage: sigil-vault agents list [--json]

Lists each agent's id, name, status and creation time; tokens and token hashes never.

Example:
  sigil-vault agents list --json`,
  options: {},
  async run(ctx) {
    const agents = readConfig(ctx).agents.map((a) => ({
      id: a.id,
      name: a.name,
      createdAt: a.created_at,
      status: a.revoked_at ? "revoked" : "active",
      ...(a.revoked_at ? { revokedAt: a.revoked_at } : {}),
    }));
    if (ctx.json) ctx.out(toJson(agents));
    else
      ctx.out(
        formatTable(
          ["ID", "NAME", "STATUS", "CREATED"],
          agents.map((a) => [a.id, a.name, a.status, a.createdAt]),
        ),
      );
    return 0;
  },
};

const revoke: Command = {
  path: ["agents", "revoke"],
  summary: "revoke an agent; a running proxy refuses it within 1 s",
  help: `Usage: sigil-vault agents revoke --agent-id ID [--json]

A running proxy refuses the agent's token within 1 s (407), in open tunnels too.

Example:
  sigil-vault agents revoke --agent-id agt_Xc81mQ2pLs`,
  options: { "agent-id": { type: "string" } },
  async run(ctx, values) {
    const id = required(values, "agent-id");
    await changeConfig(ctx, (cfg) => {
      const agent = cfg.agents.find((a) => a.id === id);
      if (!agent) throw new SigilError("ERR_NOT_FOUND", `no agent with id ${id}`);
      agent.revoked_at ??= new Date().toISOString();
    });
    ctx.out(ctx.json ? toJson({ id, status: "revoked" }) : `Agent ${id} revoked`);
    return 0;
  },
};

const rotate: Command = {
  path: ["agents", "rotate"],
  summary: "issue a new token for an agent; the old one stops working",
  help: `Usage: sigil-vault agents rotate --agent-id ID [--json]

Prints the new token once. Tunnels opened with the old token are refused from the next request.`,
  options: { "agent-id": { type: "string" } },
  async run(ctx, values) {
    const id = required(values, "agent-id");
    const token = generateAgentToken();
    const name = await changeConfig(ctx, (cfg) => {
      const agent = cfg.agents.find((a) => a.id === id);
      if (!agent) throw new SigilError("ERR_NOT_FOUND", `no agent with id ${id}`);
      if (agent.revoked_at) throw new SigilError("ERR_CONFLICT", `agent ${id} is revoked`);
      agent.token_sha256 = hashToken(token);
      return agent.name;
    });
    if (ctx.json) ctx.out(toJson({ id, name, token }));
    else {
      ctx.out(`New token for ${name} (${id}):`);
      ctx.out(`  token: ${token}`);
      ctx.out("The old token no longer works.");
    }
    return 0;
  },
};

export const agentCommands = [create, listCmd, revoke, rotate];

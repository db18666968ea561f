/**
 * `sigil-vault run` and `sigil-vault env`: the agent's side of the set-up in one step — proxy
 * variables with its token and the Vault CA trusted by curl, Python, Node, git, OpenSSL and Deno.
 */
import { spawn } from "node:child_process";
import type { Command } from "./command.js";
import { str } from "./command.js";
import { agentEnvironment, findProxy, readAgentToken } from "./agent-env.js";
import { SigilError } from "../errors.js";

const OPTIONS = { "agent-token-file": { type: "string" }, proxy: { type: "string" } } as const;

const run: Command = {
  path: ["run"],
  summary: "run a command with the proxy and the Vault CA configured",
  help: `Usage: sigil-vault run --agent-token-file FILE [--proxy HOST:PORT] -- <command> [args...]

Starts <command> with HTTPS_PROXY/HTTP_PROXY (token included), NO_PROXY=localhost,127.0.0.1,::1,
NODE_EXTRA_CA_CERTS and DENO_CERT (the Vault CA), and SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
CURL_CA_BUNDLE and GIT_SSL_CAINFO (a bundle of the system roots plus the Vault CA), and
NODE_OPTIONS with a preload that makes Node's built-in fetch() honour HTTPS_PROXY (Node 20
ignores it otherwise). The proxy address comes from --proxy, else $SIGIL_VAULT_PROXY, else the
config. The command's exit code is passed through. The token may also come from
$SIGIL_VAULT_AGENT_TOKEN.

Node's http/https modules still ignore HTTPS_PROXY: use fetch() or a client that honours it.

Example:
  sigil-vault run --agent-token-file ~/.agent-token -- python3 agent.py`,
  options: OPTIONS,
  async run(ctx, values, positionals) {
    if (positionals.length === 0) throw new SigilError("ERR_USAGE", "give the command after --");
    const token = readAgentToken(str(values, "agent-token-file"), ctx.env, ctx.err);
    const env = {
      ...ctx.env,
      ...agentEnvironment(
        ctx.home,
        findProxy(str(values, "proxy"), ctx.home, ctx.env),
        token,
        ctx.env,
      ),
    };
    const [cmd, ...args] = positionals as [string, ...string[]];
    const child = spawn(cmd, args, { env, stdio: "inherit" });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    process.on("SIGINT", forward("SIGINT"));
    process.on("SIGTERM", forward("SIGTERM"));
    return new Promise((resolve) => {
      child.once("error", (err: NodeJS.ErrnoException) => {
        ctx.err(`error: cannot start ${cmd}: ${err.code ?? "failed"}`);
        resolve(127);
      });
      child.once("exit", (code, signal) =>
        resolve(code ?? (signal ? 128 + signalNumber(signal) : 1)),
      );
    });
  },
};

const env: Command = {
  path: ["env"],
  summary: "print the agent environment as shell exports",
  help: `Usage: sigil-vault env --agent-token-file FILE [--proxy HOST:PORT] [--json]

Prints the variables "sigil-vault run" would set, as POSIX shell exports (the token included).

Example:
  eval "$(sigil-vault env --agent-token-file ~/.agent-token)"`,
  options: OPTIONS,
  async run(ctx, values) {
    const token = readAgentToken(str(values, "agent-token-file"), ctx.env, ctx.err);
    const vars = agentEnvironment(
      ctx.home,
      findProxy(str(values, "proxy"), ctx.home, ctx.env),
      token,
      ctx.env,
    );
    if (ctx.json) ctx.out(JSON.stringify(vars));
    else
      for (const [k, v] of Object.entries(vars))
        ctx.out(`export ${k}='${v.replace(/'/g, `'\\''`)}'`);
    return 0;
  },
};

function signalNumber(signal: NodeJS.Signals): number {
  return (
    ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[
      signal
    ] ?? 1
  );
}

export const runCommands = [run, env];

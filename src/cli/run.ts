/**
 * `sigil-vault run` and `sigil-vault env`: the agent's side of the set-up in one step — proxy
 * variables with its token and the Vault CA trusted by curl, Python, Node, git, OpenSSL and Deno.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import type { Command } from "./command.js";
import { str } from "./command.js";
import { agentEnvironment, findAgentCa, findProxy, readAgentToken } from "./agent-env.js";
import { preflight } from "./run-preflight.js";
import { SigilError } from "../errors.js";

const OPTIONS = {
  "agent-token-file": { type: "string" },
  proxy: { type: "string" },
  ca: { type: "string" },
} as const;

const run: Command = {
  path: ["run"],
  summary: "run a command with the proxy and the Vault CA configured",
  help: `Usage: sigil-vault run --agent-token-file FILE [--proxy HOST:PORT] [--ca FILE] [--skip-checks]
         -- <command> [args...]

Checks that the proxy answers, accepts the agent token, and that the Vault CA is readable (one
line on stderr and exit 1 naming what failed; --skip-checks skips the proxy checks), then starts
<command> with HTTPS_PROXY/HTTP_PROXY (token included), NO_PROXY=localhost,127.0.0.1,::1,
NODE_EXTRA_CA_CERTS, DENO_CERT and SIGIL_VAULT_CA (the Vault CA), and SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
CURL_CA_BUNDLE and GIT_SSL_CAINFO (a bundle of the system roots plus the Vault CA), and
NODE_OPTIONS with a preload that makes Node's built-in fetch() honour HTTPS_PROXY (Node 20
ignores it otherwise). The proxy address comes from --proxy, else $SIGIL_VAULT_PROXY, else the
config. The command's exit code is passed through. The token may also come from
$SIGIL_VAULT_AGENT_TOKEN. The CA comes from --ca, else $SIGIL_VAULT_CA, else <home>/ca/ca.crt:
an agent running as another OS user, without a home, needs only the CA file (and its token).

Node's http/https modules still ignore HTTPS_PROXY: use fetch() or a client that honours it.

Example:
  sigil-vault run --agent-token-file ~/.agent-token -- python3 agent.py`,
  options: { ...OPTIONS, "skip-checks": { type: "boolean" } },
  async run(ctx, values, positionals) {
    if (positionals.length === 0) throw new SigilError("ERR_USAGE", "give the command after --");
    const token = readAgentToken(str(values, "agent-token-file"), ctx.env, ctx.err);
    const ca = findAgentCa(str(values, "ca"), ctx.home, ctx.env);
    const proxy = findProxy(str(values, "proxy"), ctx.home, ctx.env);
    if (values["skip-checks"] !== true) await preflight(proxy, token);
    const env = { ...ctx.env, ...agentEnvironment(ca, proxy, token, ctx.env) };
    const [cmd, ...args] = positionals as [string, ...string[]];
    const child = spawn(cmd, args, { env, stdio: "inherit" });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    process.on("SIGINT", forward("SIGINT"));
    process.on("SIGTERM", forward("SIGTERM"));
    const exited = new Promise<number>((resolve) => {
      child.once("error", (err: NodeJS.ErrnoException) => {
        ctx.err(`error: cannot start ${cmd}: ${err.code ?? "failed"}`);
        resolve(127);
      });
      child.once("exit", (code, signal) =>
        resolve(code ?? (signal ? 128 + signalNumber(signal) : 1)),
      );
    });
    // A bundle written next to a --ca file outside the home is this run's alone.
    return exited.finally(() => {
      if (ca.bundleDir !== ctx.home.caDir) rmSync(ca.bundleDir, { recursive: true, force: true });
    });
  },
};

const env: Command = {
  path: ["env"],
  summary: "print the agent environment as shell exports",
  help: `Usage: sigil-vault env --agent-token-file FILE [--proxy HOST:PORT] [--ca FILE] [--json]

Prints the variables "sigil-vault run" would set, as POSIX shell exports (the token included).

Example:
  eval "$(sigil-vault env --agent-token-file ~/.agent-token)"`,
  options: OPTIONS,
  async run(ctx, values) {
    const token = readAgentToken(str(values, "agent-token-file"), ctx.env, ctx.err);
    const vars = agentEnvironment(
      findAgentCa(str(values, "ca"), ctx.home, ctx.env),
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

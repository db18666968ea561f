/**
 * The documented operator workflow, run through the real CLI in a temporary home: init, dev signer,
 * trust add, agents create, backends add, routes add. E2E suites start the proxy from here and talk
 * to it with real curl as the agent; every step's output is kept so tests can assert on it.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startUpstream, type Upstream } from "../helpers/upstream.js";
import {
  createCliSession,
  parseCurlOutput,
  type CliSession,
  type LongRunning,
  type OutputRecord,
  type ProcessResult,
  type ResponseHead,
} from "../helpers/cli.js";

export const API_HOST = "api.example.test";
export const MODELS_URL = `https://${API_HOST}/v1/models`;
export const AGENT_NAME = "agent-1";

/** What `agents create --json` printed. */
export interface AgentCredentials {
  readonly id: string;
  readonly name: string;
  readonly token: string;
}

/** One `dev attest` result: a curl `-H @file` header file and the raw token in it. */
export interface Attestation {
  readonly headerFile: string;
  readonly token: string;
  readonly output: OutputRecord;
}

/** curl's result with its response heads parsed; `final` is the last head (the answer). */
export interface CurlResponse {
  readonly result: ProcessResult;
  readonly heads: ResponseHead[];
  readonly final: ResponseHead | undefined;
  readonly body: string;
}

export interface AgentRequest {
  readonly token?: string;
  readonly attestation?: Attestation;
  /** Pass the proxy as `HTTPS_PROXY` in curl's environment instead of `-x`. */
  readonly viaEnv?: boolean;
}

export interface VaultFixture {
  readonly dir: string;
  readonly home: string;
  readonly caCert: string;
  readonly session: CliSession;
  readonly upstream: Upstream;
  readonly signer: LongRunning;
  /** The credential value the env backend serves; must only ever reach the upstream. */
  readonly canary: string;
  readonly agent: AgentCredentials;
  readonly routeId: string;
  /** Results of the setup commands, by name. */
  readonly steps: Readonly<Record<SetupStep, ProcessResult>>;
  /** The transcript entry of `agents create` (the one output allowed to hold the token). */
  readonly agentsCreateOutput: OutputRecord;
  /** Starts `sigil-vault start` on 127.0.0.1:0 with DEMO_KEY = canary; returns it and its port. */
  startProxy(extraArgs?: readonly string[]): Promise<{ proxy: LongRunning; port: number }>;
  attest(url?: string, method?: string): Promise<Attestation>;
  /** curl -i through the proxy on `port` as the agent (default token: the agent's). */
  curlAgent(port: number, url: string, request?: AgentRequest): Promise<CurlResponse>;
  /** Kills every child, closes the upstream, removes the work directory. */
  close(): Promise<void>;
}

type SetupStep = "init" | "trustAdd" | "agentsCreate" | "backendsAdd" | "routesAdd";

export async function setupVault(): Promise<VaultFixture> {
  const dir = await mkdtemp(join(tmpdir(), "sigil-e2e-"));
  const home = join(dir, "home");
  const keyFile = join(dir, "dev-signer.jwk");
  const upstreamCa = join(dir, "upstream-ca.pem");
  const session = createCliSession(home, dir);
  let upstream: Upstream | undefined;
  const close = async () => {
    await session.close();
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    upstream = await startUpstream();
    await writeFile(upstreamCa, upstream.caPem);
    const init = must(await session.run(["init"]), "init");
    const signer = await session.start([
      "dev",
      "signer",
      "--listen",
      "127.0.0.1:0",
      "--key",
      keyFile,
      "--json",
    ]);
    const { kid, fingerprint, jwksUrl } = signer.info as Record<string, string>;
    const trustAdd = must(
      await session.run([
        "trust",
        "add",
        "--fingerprint",
        `${fingerprint}`,
        "--kid",
        `${kid}`,
        "--jwks-url",
        `${jwksUrl}`,
      ]),
      "trust add",
    );
    const agentsCreate = must(
      await session.run(["agents", "create", "--name", AGENT_NAME, "--json"]),
      "agents create",
    );
    const agentsCreateOutput = session.outputs.at(-1)!;
    const agent = JSON.parse(agentsCreate.stdout) as AgentCredentials;
    const backendsAdd = must(
      await session.run(["backends", "add", "--name", "dev-env", "--kind", "env"]),
      "backends add",
    );
    const routesAdd = must(
      await session.run([
        "routes",
        "add",
        "--agent-id",
        agent.id,
        "--host",
        API_HOST,
        "--path",
        "/v1/*",
        "--backend",
        "dev-env",
        "--secret",
        "DEMO_KEY",
        "--upstream-ca",
        upstreamCa,
        "--json",
      ]),
      "routes add",
    );
    const routeId = (JSON.parse(routesAdd.stdout) as { id: string }).id;
    const canary = `sk-canary-${randomBytes(16).toString("hex")}`;
    const up = upstream;
    let attestations = 0;
    return {
      dir,
      home,
      caCert: join(home, "ca", "ca.crt"),
      session,
      upstream: up,
      signer,
      canary,
      agent,
      routeId,
      steps: { init, trustAdd, agentsCreate, backendsAdd, routesAdd },
      agentsCreateOutput,
      close,
      async startProxy(extraArgs = []) {
        const proxy = await session.start(
          [
            "start",
            "--listen",
            "127.0.0.1:0",
            "--resolve",
            `${API_HOST}:443=127.0.0.1:${up.port}`,
            "--json",
            ...extraArgs,
          ],
          { env: { DEMO_KEY: canary } },
        );
        const port = Number(String(proxy.info["listening"]).split(":").at(-1));
        return { proxy, port };
      },
      async attest(url = MODELS_URL, method = "GET") {
        const r = must(
          await session.run([
            "dev",
            "attest",
            "--key",
            keyFile,
            "--agent",
            AGENT_NAME,
            "--method",
            method,
            "--url",
            url,
          ]),
          "dev attest",
        );
        const token = /^X-Sigil-Attestation: (\S+)$/m.exec(r.stdout)?.[1];
        if (!token) throw new Error("dev attest printed no X-Sigil-Attestation line");
        const headerFile = join(dir, `attestation-${++attestations}.txt`);
        await writeFile(headerFile, r.stdout);
        return { headerFile, token, output: session.outputs.at(-1)! };
      },
      async curlAgent(port, url, request = {}) {
        const proxyUrl = `http://x:${request.token ?? agent.token}@127.0.0.1:${port}`;
        const args = ["-sS", "-i", "--max-time", "10", "--cacert", join(home, "ca", "ca.crt")];
        if (!request.viaEnv) args.push("-x", proxyUrl);
        if (request.attestation) args.push("-H", `@${request.attestation.headerFile}`);
        const result = await session.curl(
          [...args, url],
          request.viaEnv ? { env: { HTTPS_PROXY: proxyUrl } } : {},
        );
        const { heads, body } = parseCurlOutput(result.stdout);
        return { result, heads, final: heads.at(-1), body };
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function must(result: ProcessResult, label: string): ProcessResult {
  if (result.code !== 0) throw new Error(`${label} exited ${result.code}: ${result.stderr.trim()}`);
  return result;
}

/**
 * Everything an SDK test needs, offline: the real proxy (harness) with required-binding routes for
 * a fake OpenAI and a fake Anthropic host, the fake LLM API behind them, and the dev signer
 * speaking Sign's API with the harness's anchored key. `clientOptions` configures
 * `createAttestedFetch` explicitly (no environment), the way an agent outside `run` would.
 */
import { createServer } from "node:http";
import { createDevSigner } from "../../src/dev/signer.js";
import type { AttestedFetchOptions } from "../../src/client/index.js";
import { startFakeLlmApi } from "../fakes/llm-api.js";
import { startHarness } from "../helpers/harness.js";
import { listenOnLoopback } from "../helpers/loopback-server.js";
import { createTestPki } from "../helpers/pki.js";

export const OPENAI_HOST = "api.openai.test";
export const ANTHROPIC_HOST = "api.anthropic.test";
export const SIGN_API_KEY = "sk_sigil_test_sdk";

export type SdkFixture = Awaited<ReturnType<typeof startSdkFixture>>;

/** `hosts`: the names the fake OpenAI and Anthropic APIs answer as (the docs test uses the real ones). */
export async function startSdkFixture(hosts = { openai: OPENAI_HOST, anthropic: ANTHROPIC_HOST }) {
  const pki = createTestPki();
  const api = await startFakeLlmApi(pki, [hosts.openai, hosts.anthropic]);
  const h = await startHarness({
    upstreamPki: pki,
    routes: [
      { host: hosts.openai, path: "/v1/*", binding: "required" },
      {
        host: hosts.anthropic,
        path: "/v1/*",
        inject: "header:x-api-key={value}",
        binding: "required",
      },
    ],
    resolve: {
      [`${hosts.openai}:443`]: `127.0.0.1:${api.port}`,
      [`${hosts.anthropic}:443`]: `127.0.0.1:${api.port}`,
    },
  });
  const signer = await listenOnLoopback(createServer(createDevSigner({ key: h.devKey })));
  const signUrl = `http://127.0.0.1:${signer.port}`;
  const clientOptions = (over: Partial<AttestedFetchOptions> = {}): AttestedFetchOptions => ({
    proxy: `http://127.0.0.1:${h.proxyPort}`,
    agentToken: h.agent.token,
    ca: h.caPem,
    env: {},
    sign: { url: signUrl, apiKey: SIGN_API_KEY, agentId: h.agent.name, framework: "sdk-test" },
    ...over,
  });
  /** Release records in the audit log, in order. */
  const releases = async () => (await h.readAudit()).filter((r) => r.type === "release");
  return {
    h,
    api,
    signUrl,
    clientOptions,
    releases,
    async stop() {
      await Promise.all([h.stop(), api.close(), signer.close()]);
    },
  };
}

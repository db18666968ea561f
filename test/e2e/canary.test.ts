/**
 * Spec §1/§9 "never written anywhere": after a broad run (allowed and refused requests, debug
 * logging, backend test, every list, audit reads, stop), every byte the product printed and every
 * file under its home is searched for the credential, the agent token and the raw attestations.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CURL, type LongRunning } from "../helpers/cli.js";
import {
  API_HOST,
  MODELS_URL,
  setupVault,
  type Attestation,
  type VaultFixture,
} from "./vault-fixture.js";
import { findLeaks, type Secret } from "./leak-scan.js";
import { skipUnless } from "../helpers/skip.js";

describe(
  "no credential, token or attestation leaks anywhere",
  {
    skip: skipUnless(
      CURL !== null,
      "curl is not installed; the e2e suite drives real curl as the agent",
    ),
    timeout: 120_000,
  },
  () => {
    let vault: VaultFixture;
    let proxy: LongRunning;
    let port: number;
    const attestations: Attestation[] = [];
    const attest = async (url = MODELS_URL) => {
      const a = await vault.attest(url);
      attestations.push(a);
      return a;
    };
    const secrets = (): Secret[] => [
      { name: "credential", value: vault.canary },
      { name: "credential (base64)", value: Buffer.from(vault.canary).toString("base64") },
      { name: "agent token", value: vault.agent.token, allowedIn: [vault.agentsCreateOutput] },
      { name: "proxy auth", value: Buffer.from(`x:${vault.agent.token}`).toString("base64") },
      ...attestations.flatMap((a, i) => [
        { name: `attestation ${i + 1}`, value: a.token, allowedIn: [a.output] },
        {
          name: `attestation ${i + 1} signature`,
          value: a.token.split(".")[2]!,
          allowedIn: [a.output],
        },
      ]),
    ];

    before(async () => {
      vault = await setupVault();
      ({ proxy, port } = await vault.startProxy(["--log-level", "debug"]));
    });
    after(() => vault?.close());

    it("drives allowed and refused requests with the expected answers", async () => {
      const statusOf = async (url: string, request: Parameters<VaultFixture["curlAgent"]>[2]) => {
        const r = await vault.curlAgent(port, url, request);
        return [r.final?.status, r.final?.headers.get("x-sigil-error") ?? null];
      };
      const first = await attest();
      assert.deepEqual(await statusOf(MODELS_URL, { attestation: first }), [200, null]);
      assert.deepEqual(await statusOf(MODELS_URL, { attestation: await attest(), viaEnv: true }), [
        200,
        null,
      ]);
      assert.deepEqual(await statusOf(MODELS_URL, { attestation: first }), [
        403,
        "ERR_ATTESTATION_REPLAYED",
      ]);
      assert.deepEqual(await statusOf(MODELS_URL, {}), [403, "ERR_ATTESTATION_MISSING"]);
      const v2 = `https://${API_HOST}/v2/models`;
      assert.deepEqual(await statusOf(v2, { attestation: await attest(v2) }), [
        403,
        "ERR_NO_ROUTE",
      ]);
      const wrongToken = `svt_${randomBytes(24).toString("base64url")}`;
      const refused = { token: wrongToken, attestation: await attest() };
      assert.deepEqual(await statusOf(MODELS_URL, refused), [407, "ERR_AGENT_UNAUTHENTICATED"]);
      assert.deepEqual(await statusOf("https://elsewhere.test/", {}), [403, "ERR_NO_ROUTE"]);
      assert.equal(vault.upstream.requests.length, 2);
      for (const seen of vault.upstream.requests) {
        assert.equal(seen.headers["authorization"], `Bearer ${vault.canary}`);
      }
    });

    it("runs the read-only commands and a backend test with the credential in the environment", async () => {
      const env = { env: { DEMO_KEY: vault.canary } };
      const reads = [
        ["backends", "test", "--name", "dev-env", "--secret", "DEMO_KEY"],
        ["backends", "test", "--name", "dev-env", "--secret", "DEMO_KEY", "--json"],
        ["agents", "list"],
        ["agents", "list", "--json"],
        ["routes", "list", "--json"],
        ["trust", "list"],
        ["backends", "list", "--json"],
        ["audit", "tail", "-n", "100"],
        ["audit", "tail", "-n", "100", "--json"],
        ["audit", "verify"],
      ];
      for (const args of reads) {
        const r = await vault.session.run(args, env);
        assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      }
    });

    it("stops the proxy and the signer cleanly", async () => {
      assert.equal((await proxy.stop()).code, 0);
      assert.equal((await vault.signer.stop()).code, 0);
      const logLines = proxy.output.stderr.trimEnd().split("\n");
      assert.ok(logLines.length >= 5, "the proxy logged its refusals (scanned below)");
      for (const line of logLines) assert.doesNotThrow(() => JSON.parse(line), line);
    });

    it("finds none of the secrets in any output or file", async () => {
      assert.equal(attestations.length, 4);
      assert.deepEqual(await findLeaks(vault.session.outputs, vault.home, secrets()), []);
    });

    it("the scan itself finds a secret where one is known to be (self-check)", async () => {
      const token: Secret = { name: "agent token", value: vault.agent.token };
      assert.deepEqual(await findLeaks(vault.session.outputs, vault.home, [token]), [
        "agent token in stdout of agents create",
      ]);
      const route = { name: "route id", value: vault.routeId };
      assert.ok(
        (await findLeaks([], vault.home, [route])).some((hit) => hit.endsWith("config.json")),
      );
    });
  },
);

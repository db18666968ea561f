/**
 * The README workflow as an operator and an agent would run it: real CLI processes, real curl,
 * a real HTTPS upstream. Asserts what reaches the upstream, what the agent sees, and what the
 * audit log records — including replay protection surviving a restart.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CURL, type LongRunning } from "../helpers/cli.js";
import {
  API_HOST,
  MODELS_URL,
  setupVault,
  type Attestation,
  type CurlResponse,
  type VaultFixture,
} from "./vault-fixture.js";
import { findLeaks } from "./leak-scan.js";
import { skipUnless } from "../helpers/skip.js";

const skip = skipUnless(
  CURL !== null,
  "curl is not installed; the e2e suite drives real curl as the agent",
);

/** An audit line as `audit tail --json` prints it; only the members these tests read. */
interface AuditLine {
  type: string;
  seq: number;
  hash: string;
  [member: string]: unknown;
}

function assertRefused(r: CurlResponse, status: number, code: string): void {
  assert.equal(r.final?.status, status, r.result.stdout + r.result.stderr);
  assert.equal(r.final?.headers.get("x-sigil-error"), code);
}

describe(
  "the documented workflow, driven through the CLI and curl",
  { skip, timeout: 120_000 },
  () => {
    let vault: VaultFixture;
    let proxy: LongRunning;
    let port: number;
    let first: Attestation;
    let viaEnv: Attestation;
    const audit = async () => {
      const r = await vault.session.run(["audit", "tail", "-n", "1000", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as AuditLine);
    };

    before(async () => {
      vault = await setupVault();
      ({ proxy, port } = await vault.startProxy());
    });
    after(() => vault?.close());

    it("init prints the CA path and creates a 0700 home with a 0600 CA key and config", () => {
      assert.match(vault.steps.init.stdout, new RegExp(`CA certificate: ${vault.caCert}\\n`));
      assert.equal(statSync(vault.home).mode & 0o777, 0o700);
      assert.equal(statSync(join(vault.home, "ca", "ca.key")).mode & 0o777, 0o600);
      assert.equal(statSync(join(vault.home, "config.json")).mode & 0o777, 0o600);
    });

    it("agents create --json prints id, name and token; routes add --json prints an id", () => {
      assert.deepEqual(Object.keys(JSON.parse(vault.steps.agentsCreate.stdout)).sort(), [
        "id",
        "name",
        "token",
      ]);
      assert.equal(vault.agent.name, "agent-1");
      assert.match(vault.agent.token, /^svt_[A-Za-z0-9_-]{32,}$/);
      assert.match(vault.routeId, /\S/);
    });

    it("an attested request gets 200 and the credential reaches only the upstream", async () => {
      first = await vault.attest();
      const before = vault.upstream.requests.length;
      const r = await vault.curlAgent(port, MODELS_URL, { attestation: first });
      assert.deepEqual(
        r.heads.map((h) => h.status),
        [200, 200],
        r.result.stderr,
      );
      assert.deepEqual(JSON.parse(r.body), { ok: true, path: "/v1/models" });
      assert.equal(vault.upstream.requests.length, before + 1);
      const seen = vault.upstream.requests.at(-1)!;
      assert.equal(seen.headers["authorization"], `Bearer ${vault.canary}`);
      assert.equal(seen.servername, API_HOST);
      const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      assert.deepEqual(
        names.filter((n) => /^(x-sigil-|proxy-)/.test(n)),
        [],
      );
      assert.ok(!r.result.stdout.includes(vault.canary) && !r.result.stderr.includes(vault.canary));
    });

    it("the same attestation a second time is refused as replayed, and nothing is forwarded", async () => {
      const before = vault.upstream.requests.length;
      assertRefused(
        await vault.curlAgent(port, MODELS_URL, { attestation: first }),
        403,
        "ERR_ATTESTATION_REPLAYED",
      );
      assert.equal(vault.upstream.requests.length, before);
    });

    it("a routed request without an attestation is refused as missing", async () => {
      const r = await vault.curlAgent(port, MODELS_URL);
      assertRefused(r, 403, "ERR_ATTESTATION_MISSING");
      assert.equal(
        (JSON.parse(r.body) as { error: { code: string } }).error.code,
        "ERR_ATTESTATION_MISSING",
      );
    });

    it("an unknown agent token gets 407 with Proxy-Authenticate on the CONNECT", async () => {
      const token = `svt_${randomBytes(24).toString("base64url")}`;
      const r = await vault.curlAgent(port, MODELS_URL, { token, attestation: first });
      assert.equal(r.heads.length, 1, r.result.stdout);
      assertRefused(r, 407, "ERR_AGENT_UNAUTHENTICATED");
      assert.equal(r.final?.headers.get("proxy-authenticate"), 'Basic realm="sigil-vault"');
    });

    it("a request to a host no route covers gets ERR_NO_ROUTE inside the accepted tunnel", async () => {
      const r = await vault.curlAgent(port, "https://other.example.test/v1/models");
      assert.deepEqual(
        r.heads.map((h) => h.status),
        [200, 403],
        r.result.stdout,
      );
      assertRefused(r, 403, "ERR_NO_ROUTE");
      assert.equal(JSON.parse(r.body).error.code, "ERR_NO_ROUTE");
    });

    it("a standard client configured with HTTPS_PROXY in its environment works", async () => {
      viaEnv = await vault.attest();
      const r = await vault.curlAgent(port, MODELS_URL, { attestation: viaEnv, viaEnv: true });
      assert.equal(r.final?.status, 200, r.result.stdout + r.result.stderr);
      assert.equal(
        vault.upstream.requests.at(-1)?.headers["authorization"],
        `Bearer ${vault.canary}`,
      );
    });

    it("audit tail --json shows release, outcome and deny records with the right codes", async () => {
      const records = await audit();
      const releases = records.filter((r) => r.type === "release");
      assert.equal(releases.length, 2);
      for (const rel of releases) {
        assert.deepEqual(rel["agent"], { id: vault.agent.id, name: "agent-1" });
        assert.equal(rel["route"], vault.routeId);
        assert.equal(rel["secretRef"], "DEMO_KEY");
        assert.deepEqual(
          [rel["method"], rel["host"], rel["path"]],
          ["GET", API_HOST, "/v1/models"],
        );
        const outcome = records.find((r) => r.type === "outcome" && r["release"] === rel.hash);
        assert.equal(outcome?.["status"], 200);
        assert.equal(outcome?.["requestId"], rel["requestId"]);
      }
      const codes = records.filter((r) => r.type === "deny").map((r) => r["code"]);
      assert.deepEqual(codes.sort(), [
        "ERR_AGENT_UNAUTHENTICATED",
        "ERR_ATTESTATION_MISSING",
        "ERR_ATTESTATION_REPLAYED",
        "ERR_NO_ROUTE",
      ]);
    });

    it("audit verify prints OK with the record count and the head hash", async () => {
      const records = await audit();
      const r = await vault.session.run(["audit", "verify"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(records[0]?.seq, 0);
      assert.equal(r.stdout, `OK ${records.length} records, head ${records.at(-1)?.hash}\n`);
    });

    it("SIGTERM stops the proxy with exit 0 and a stop record", async () => {
      const r = await proxy.stop();
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await audit()).at(-1)?.type, "stop");
    });

    it("after a restart on the same home, an already-used attestation is still refused", async () => {
      const restarted = await vault.startProxy();
      const before = vault.upstream.requests.length;
      const r = await vault.curlAgent(restarted.port, MODELS_URL, { attestation: viaEnv });
      assertRefused(r, 403, "ERR_ATTESTATION_REPLAYED");
      assert.equal(vault.upstream.requests.length, before);
      assert.equal((await restarted.proxy.stop()).code, 0);
    });

    it("no process output or file under the home holds the credential, token or attestations", async () => {
      const hits = await findLeaks(vault.session.outputs, vault.home, [
        { name: "canary", value: vault.canary },
        { name: "agent token", value: vault.agent.token, allowedIn: [vault.agentsCreateOutput] },
        ...[first, viaEnv].map((a, i) => ({
          name: `attestation ${i + 1}`,
          value: a.token,
          allowedIn: [a.output],
        })),
      ]);
      assert.deepEqual(hits, []);
    });
  },
);

/**
 * `npm run demo`: the whole Sigil Vault story on an embedded default (spec §12). A temporary home,
 * the dev signer, a local HTTPS API, an `env` backend and a route, all set up with the real CLI;
 * then real requests through the proxy — one allowed, and the refusals an operator must trust —
 * a summary, and `audit verify`. Exits 0 only if every scenario behaved as expected.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pgCommit } from "../canonical-json.js";
import { loadDevKey } from "../dev/keys.js";
import { signAttestation } from "../dev/token.js";
import { encodeBase64url } from "../attestation/base64url.js";
import { sendThroughVault, type AgentResponse } from "../probe/agent-client.js";
import { runCli, startCli, stopCli } from "./cli-runner.js";
import { startDemoUpstream } from "./upstream.js";

const HOST = "api.demo.test";
const say = (line = "") => process.stdout.write(line + "\n");

async function cli(home: string, args: string[], env?: NodeJS.ProcessEnv) {
  say(`  $ sigil-vault ${args.join(" ")}`);
  const r = await runCli(home, args, env);
  if (r.code !== 0)
    throw new Error(`sigil-vault ${args[0]} ${args[1] ?? ""} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "sigil-vault-demo-"));
  const home = join(dir, "home");
  const secret = `sk-demo-${randomBytes(16).toString("hex")}`;
  const expectedAuth = createHash("sha256").update(`Bearer ${secret}`).digest("hex");
  const upstream = await startDemoUpstream(HOST);
  const children: import("node:child_process").ChildProcess[] = [];
  try {
    writeFileSync(join(dir, "upstream-ca.pem"), upstream.caPem);
    say(`Sigil Vault demo — temporary home ${home}\n`);
    say("1. Set up (the same commands an operator runs):");
    await cli(home, ["init"]);
    const signer = await startCli(home, [
      "dev",
      "signer",
      "--listen",
      "127.0.0.1:0",
      "--key",
      join(dir, "dev-signer.jwk"),
    ]);
    children.push(signer.child);
    const { kid, fingerprint, jwksUrl, listen: signerAt } = signer.info as Record<string, string>;
    await cli(home, [
      "trust",
      "add",
      "--fingerprint",
      fingerprint!,
      "--kid",
      kid!,
      "--jwks-url",
      jwksUrl!,
    ]);
    const agent = JSON.parse(
      await cli(home, ["agents", "create", "--name", "demo-agent", "--json"]),
    ) as { id: string; token: string };
    await cli(home, ["backends", "add", "--name", "demo-env", "--kind", "env"]);
    await cli(home, [
      "routes",
      "add",
      "--agent-id",
      agent.id,
      "--host",
      HOST,
      "--path",
      "/v1/*",
      "--backend",
      "demo-env",
      "--secret",
      "DEMO_API_KEY",
      "--upstream-ca",
      join(dir, "upstream-ca.pem"),
    ]);
    say(
      `  $ DEMO_API_KEY=… sigil-vault start --listen 127.0.0.1:0 --resolve ${HOST}:443=127.0.0.1:${upstream.port}`,
    );
    const proxy = await startCli(
      home,
      ["start", "--listen", "127.0.0.1:0", "--resolve", `${HOST}:443=127.0.0.1:${upstream.port}`],
      { ...process.env, DEMO_API_KEY: secret },
    );
    children.push(proxy.child);
    const proxyPort = Number(String(proxy.info["listening"]).split(":").pop());
    const vaultCa = (await import("node:fs")).readFileSync(join(home, "ca", "ca.crt"), "utf8");

    /** Asks the dev signer for an attestation the way an agent asks Sigil Sign. */
    const authorize = async (method: string, url: string) => {
      const nonce = randomBytes(8).toString("hex");
      const intent = { action: "http", method, url, metadata: { nonce } };
      const res = await fetch(`http://${signerAt}/v1/authorize`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: "Bearer sk_sigil_test_demo",
        },
        body: JSON.stringify({
          agentId: "demo-agent",
          framework: "sigil-vault-demo",
          txCommit: pgCommit(intent),
          intent,
        }),
      });
      const body = (await res.json()) as { intent_attestation: string };
      return {
        "x-sigil-attestation": body.intent_attestation,
        "x-sigil-intent": encodeBase64url(JSON.stringify(intent)),
      };
    };
    const send = (headers: Record<string, string>, token = agent.token, path = "/v1/models") =>
      sendThroughVault({ proxyPort, token, host: HOST, vaultCa, method: "GET", path, headers });

    say("\n2. Requests through the proxy:");
    const results: { scenario: string; want: string; got: string; ok: boolean }[] = [];
    const check = (scenario: string, want: string, res: AgentResponse, extra = true) => {
      const got = `${res.status}${res.headers["x-sigil-error"] ? " " + String(res.headers["x-sigil-error"]) : ""}`;
      const ok = got === want && extra && !res.body.includes(secret);
      results.push({ scenario, want, got, ok });
      say(`  ${ok ? "✔" : "✘"} ${scenario.padEnd(44)} ${got}`);
    };
    const url = `https://${HOST}/v1/models`;
    const good = await authorize("GET", url);
    const allowed = await send(good);
    const arrived = upstream.seen.at(-1);
    check(
      "attested request (credential injected)",
      "200",
      allowed,
      arrived?.authSha256 === expectedAuth && arrived.sigilHeaders === 0 && !arrived.proxyAuth,
    );
    check("same attestation again (replay)", "403 ERR_ATTESTATION_REPLAYED", await send(good));
    check("no attestation", "403 ERR_ATTESTATION_MISSING", await send({}));
    const key = await loadDevKey(join(dir, "dev-signer.jwk"));
    const intent = { action: "http", method: "GET", url, nonce: "expired" };
    const expired = signAttestation(key, {
      agentId: "demo-agent",
      framework: "sigil-vault-demo",
      txCommit: pgCommit(intent),
      iat: Math.floor(Date.now() / 1000) - 600,
    });
    check(
      "expired attestation",
      "403 ERR_ATTESTATION_EXPIRED",
      await send({
        "x-sigil-attestation": expired,
        "x-sigil-intent": encodeBase64url(JSON.stringify(intent)),
      }),
    );
    check(
      "attestation for another URL",
      "403 ERR_ATTESTATION_MISMATCH",
      await send(await authorize("GET", `https://${HOST}/v1/other`)),
    );
    check(
      "bad agent token",
      "407 ERR_AGENT_UNAUTHENTICATED",
      await send(await authorize("GET", url), "svt_not-a-real-token"),
    );
    say(
      `  upstream received ${upstream.seen.length} request(s); credential arrived: ${arrived?.authSha256 === expectedAuth ? "yes" : "NO"}`,
    );

    say("\n3. Stop the proxy and check the audit chain:");
    await stopCli(proxy.child);
    say((await cli(home, ["audit", "tail", "-n", "20"])).replace(/^/gm, "    "));
    const verify = await cli(home, ["audit", "verify"]);
    say(`    ${verify.trim()}`);
    const allOk =
      results.every((r) => r.ok) && verify.startsWith("OK ") && upstream.seen.length === 1;
    say(
      `\n${allOk ? "Demo passed" : "Demo FAILED"}: ${results.filter((r) => r.ok).length}/${results.length} scenarios as expected; the credential never reached the agent.`,
    );
    return allOk ? 0 : 1;
  } finally {
    await Promise.all(children.map(stopCli));
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

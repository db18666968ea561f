/**
 * `sigil-vault run` end to end: real agent runtimes (curl, Python requests) started by the CLI,
 * with no proxy or CA flags of their own, reach the upstream through Vault with the credential
 * injected; the exit code is passed through.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHarness, API_HOST, type Harness } from "../helpers/harness.js";
import { nodeOptionsWithPreload } from "../../src/cli/agent-env.js";
import { skipUnless } from "../helpers/skip.js";

const BIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function sv(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const hasPython = await new Promise<boolean>((resolve) =>
  execFile("python3", ["-c", "import requests"], (err) => resolve(!err)),
);

describe("sigil-vault run", () => {
  let h: Harness;
  let tokenFile: string;
  before(async () => {
    h = await startHarness();
    tokenFile = join(h.home.root, "agent.token");
    writeFileSync(tokenFile, h.agent.token + "\n", { mode: 0o600 });
  });
  after(() => h.stop());

  const runArgs = () => [
    "--home",
    h.home.root,
    "run",
    "--agent-token-file",
    tokenFile,
    "--proxy",
    `127.0.0.1:${h.proxyPort}`,
    "--",
  ];

  it("lets curl reach the upstream through Vault with only the Sigil headers of its own", async () => {
    const { attestation, intent } = h.attest({
      method: "GET",
      url: `https://${API_HOST}/v1/run-curl`,
    });
    const r = await sv([
      ...runArgs(),
      "curl",
      "-sS",
      "-i",
      "-H",
      `X-Sigil-Attestation: ${attestation}`,
      "-H",
      `X-Sigil-Intent: ${intent!}`,
      `https://${API_HOST}/v1/run-curl`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 200/m);
    const seen = h.upstream.requests.find((q) => q.url === "/v1/run-curl");
    assert.equal(seen?.headers["authorization"], `Bearer ${h.canary}`);
    assert.ok(!r.stdout.includes(h.canary));
  });

  it(
    "lets Python requests use the bundle of system roots plus the Vault CA",
    { skip: skipUnless(hasPython, "python3 with requests is not installed") },
    async () => {
      const { attestation, intent } = h.attest({
        method: "GET",
        url: `https://${API_HOST}/v1/run-python`,
      });
      const script = `import requests,sys\nr=requests.get("https://${API_HOST}/v1/run-python",headers={"X-Sigil-Attestation":sys.argv[1],"X-Sigil-Intent":sys.argv[2]},timeout=10)\nprint(r.status_code)`;
      const r = await sv([...runArgs(), "python3", "-c", script, attestation, intent!]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "200");
      assert.equal(
        h.upstream.requests.find((q) => q.url === "/v1/run-python")?.headers["authorization"],
        `Bearer ${h.canary}`,
      );
    },
  );

  it("lets Node's built-in fetch() reach the upstream through Vault", async () => {
    const { attestation, intent } = h.attest({
      method: "GET",
      url: `https://${API_HOST}/v1/run-node`,
    });
    const script = `const r = await fetch("https://${API_HOST}/v1/run-node", { headers: { "X-Sigil-Attestation": process.argv[1], "X-Sigil-Intent": process.argv[2] } }); console.log(r.status, (await r.text()).length > 0);`;
    const r = await sv([
      ...runArgs(),
      process.execPath,
      "--input-type=module",
      "-e",
      script,
      attestation,
      intent!,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "200 true");
    assert.equal(r.stderr, "", "no UNDICI-EHPA experimental warning");
    assert.equal(
      h.upstream.requests.find((q) => q.url === "/v1/run-node")?.headers["authorization"],
      `Bearer ${h.canary}`,
    );
  });

  it("keeps an existing NODE_OPTIONS and adds the fetch preload once", () => {
    const once = nodeOptionsWithPreload("--max-old-space-size=512");
    assert.match(once, /^--max-old-space-size=512 --import "\/.+node-fetch-proxy\.js"$/);
    assert.equal(nodeOptionsWithPreload(once), once);
    assert.match(nodeOptionsWithPreload(undefined), /^--import "/);
  });

  it("passes the command's exit code through and refuses a missing token file", async () => {
    assert.equal((await sv([...runArgs(), "sh", "-c", "exit 7"])).code, 7);
    const missing = await sv([
      "--home",
      h.home.root,
      "run",
      "--agent-token-file",
      "/nonexistent",
      "--",
      "true",
    ]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
  });

  it("checks the proxy, the token and the CA before starting the agent, naming what failed", async () => {
    const marker = join(h.home.root, "agent-started");
    const agent = ["sh", "-c", `touch ${marker}`];
    const cases: [string, string[], RegExp][] = [
      [
        "a proxy that does not answer",
        ["--proxy", "127.0.0.1:1"],
        /^error: the Vault proxy at 127\.0\.0\.1:1 does not answer \(ECONNREFUSED\) \(ERR_IO\)$/,
      ],
      ["an unreadable CA", ["--ca", "/nonexistent/ca.crt"], /^error: cannot read the Vault CA/],
    ];
    for (const [what, flags, want] of cases) {
      const r = await sv([...runArgs().slice(0, -1), ...flags, "--", ...agent]);
      assert.equal(r.code, 1, what);
      assert.match(r.stderr.trim(), want, what);
      assert.equal(r.stderr.trim().split("\n").length, 1, what);
    }
    const badToken = join(h.home.root, "bad.token");
    writeFileSync(badToken, `svt_${"C".repeat(43)}`, { mode: 0o600 });
    const args = runArgs().map((a) => (a === tokenFile ? badToken : a));
    const refused = await sv([...args, ...agent]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr.trim(), /refused the agent token \(407\)/);
    assert.equal(existsSync(marker), false, "the agent never started");
    const denies = (await h.readAudit()).filter(
      (r) => r["host"] === "sigil-vault-preflight.invalid:443",
    );
    assert.deepEqual(
      denies.map((d) => d["code"]),
      ["ERR_AGENT_UNAUTHENTICATED"],
      "only the bad token's check is audited; a good token's check leaves no record",
    );
  });

  it("runs an agent without a home with --ca FILE or $SIGIL_VAULT_CA", async () => {
    const noHome = join(h.home.root, "no-such-home");
    for (const viaEnv of [false, true]) {
      const url = `https://${API_HOST}/v1/run-ca-${viaEnv}`;
      const { attestation, intent } = h.attest({ method: "GET", url });
      const args = ["--home", noHome, "run", "--agent-token-file", tokenFile];
      args.push("--proxy", `127.0.0.1:${h.proxyPort}`, ...(viaEnv ? [] : ["--ca", h.home.caCert]));
      const env = viaEnv ? { ...process.env, SIGIL_VAULT_CA: h.home.caCert } : process.env;
      const script =
        'test "$SIGIL_VAULT_CA" = "$1" && curl -sS -o /dev/null -w "%{http_code}" -H "X-Sigil-Attestation: $2" -H "X-Sigil-Intent: $4" "$3"';
      const r = await sv(
        [...args, "--", "sh", "-c", script, "sh", h.home.caCert, attestation, url, intent!],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "200");
    }
    assert.equal(existsSync(noHome), false, "nothing was written to a home");
  });

  it("env prints the same variables as shell exports", async () => {
    const r = await sv([
      "--home",
      h.home.root,
      "env",
      "--agent-token-file",
      tokenFile,
      "--proxy",
      `127.0.0.1:${h.proxyPort}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const name of [
      "HTTPS_PROXY",
      "NO_PROXY",
      "NODE_EXTRA_CA_CERTS",
      "SSL_CERT_FILE",
      "REQUESTS_CA_BUNDLE",
      "CURL_CA_BUNDLE",
      "GIT_SSL_CAINFO",
      "DENO_CERT",
      "NODE_OPTIONS",
    ]) {
      assert.match(r.stdout, new RegExp(`^export ${name}='`, "m"));
    }
    assert.match(r.stdout, /^export NO_PROXY='localhost,127\.0\.0\.1,::1'$/m);
  });
});

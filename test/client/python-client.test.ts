/**
 * The Python client (clients/python) with real requests, httpx (sync and async) and aiohttp, run
 * under `sigil-vault run` against the real proxy, the dev signer and a fake API: each request is
 * attested and bound to its body, refusals come back readable, and its pg-commit matches Node's.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { buildHttpIntent, txCommitOf } from "../../src/client/index.js";
import { WORDS } from "../fakes/llm-api.js";
import { PYTHON, PYTHON_CLIENT, pythonSkip, runPythonAgent } from "./python-agent.js";
import { OPENAI_HOST, startSdkFixture, type SdkFixture } from "./sdk-fixture.js";

const AGENT = `
import asyncio, json, sys
import aiohttp, httpx, requests
from sigil_vault_client import SigilAuth, SigilHttpxAuth, SigilSigner, SigilSignError

url = "https://${OPENAI_HOST}/v1/chat/completions"
payload = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}

def report(name, status, text):
    print(json.dumps({"client": name, "status": status, "text": text}))

r = requests.post(url, json=payload, auth=SigilAuth(), timeout=20)
report("requests", r.status_code, r.json()["choices"][0]["message"]["content"])

with httpx.Client(auth=SigilHttpxAuth(), timeout=20) as c:
    r = c.post(url, json=payload)
    report("httpx", r.status_code, r.json()["choices"][0]["message"]["content"])

async def main():
    async with httpx.AsyncClient(auth=SigilHttpxAuth(), timeout=20) as c:
        r = await c.post(url, json=payload)
        report("httpx-async", r.status_code, r.json()["choices"][0]["message"]["content"])
    body = json.dumps(payload).encode()
    headers = SigilSigner().headers("POST", url, body, "application/json")
    async with aiohttp.ClientSession(trust_env=True) as s:
        async with s.post(url, data=body, headers={**headers, "Content-Type": "application/json"}) as r:
            report("aiohttp", r.status, (await r.json())["choices"][0]["message"]["content"])

asyncio.run(main())

r = requests.get("https://api.unrouted.test/v1/models", auth=SigilAuth(), timeout=20)
report("no-route", r.status_code, r.headers["X-Sigil-Error"] + " " + r.json()["error"]["code"])
try:
    requests.get(url, auth=SigilAuth(api_key="sk_sigil_test_"), timeout=20)
except SigilSignError as e:
    report("sign-refused", e.status, e.code)
`;

describe("the Python client", { skip: pythonSkip, timeout: 120_000 }, () => {
  let f: SdkFixture;
  before(async () => {
    f = await startSdkFixture();
  });
  after(() => f?.stop());

  it("attests requests, httpx (sync and async) and aiohttp calls, each bound to its body", async () => {
    const releasesBefore = (await f.releases()).length;
    const seenBefore = f.api.requests.length;
    const run = await runPythonAgent(f, AGENT);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const answer = WORDS.join("");
    assert.deepEqual(lines, [
      { client: "requests", status: 200, text: answer },
      { client: "httpx", status: 200, text: answer },
      { client: "httpx-async", status: 200, text: answer },
      { client: "aiohttp", status: 200, text: answer },
      { client: "no-route", status: 403, text: "ERR_NO_ROUTE ERR_NO_ROUTE" },
      { client: "sign-refused", status: 401, text: "SIGIL_AUTH_INVALID_TOKEN" },
    ]);
    const seen = f.api.requests.slice(seenBefore);
    assert.equal(seen.length, 4);
    for (const s of seen) assert.equal(s.headers["authorization"], `Bearer ${f.h.canary}`);
    const released = (await f.releases()).slice(releasesBefore);
    assert.deepEqual(
      released.map((r) => r["binding"]),
      Array(4).fill("verified"),
    );
    assert.equal(new Set(released.map((r) => r["replayId"])).size, 4);
  });

  it("computes the same txCommit as the Node client", () => {
    const args = [
      "POST",
      "https://api.example.test/v1/x?a=1&b=%C3%A9",
      '{"é":1}',
      "application/json",
    ];
    const script =
      "import sys; from sigil_vault_client import build_http_intent, pg_commit\n" +
      "m, u, b, ct = sys.argv[1:]\n" +
      "print(pg_commit(build_http_intent(m, u, {'X-Amz-Target': 'T', 'x-amz-date': 'd'}, b, ct, nonce='n-1')))";
    const py = execFileSync(PYTHON, ["-c", script, ...args], {
      env: { PYTHONPATH: PYTHON_CLIENT, PYTHONDONTWRITEBYTECODE: "1" },
    })
      .toString()
      .trim();
    const node = txCommitOf(
      buildHttpIntent({
        method: args[0]!,
        url: args[1]!,
        headers: [
          ["X-Amz-Target", "T"],
          ["x-amz-date", "d"],
        ],
        body: { bytes: Buffer.from(args[2]!), contentType: args[3]! },
        nonce: "n-1",
      }),
    );
    assert.equal(py, node);
  });
});

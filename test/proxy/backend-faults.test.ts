/**
 * Backend faults (issue #5), per backend kind through the real client path: a service that never
 * speaks TLS, resets, answers garbage (not JSON, truncated, the wrong shape, an HTML 500) or
 * answers late. Each is a 504 ERR_BACKEND_TIMEOUT or 502 ERR_BACKEND_FAILED within the backend's
 * timeout plus a margin, with a `deny` record and nothing sent upstream; a late answer that still
 * beats the timeout is served. (The `env` backend has no network to fault.)
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Fault } from "../helpers/fault-server.js";
import { DEFAULT_ROUTES, startHarness, type Harness } from "../helpers/harness.js";
import { startFaultStacks, type FaultStack } from "./backend-fault-stacks.js";

const TIMEOUT_MS = 1000;
/** Scheduling slack on a loaded two-core machine; the bound is still far below the 5 s cap. */
const MARGIN_MS = 1500;

const json = (status: number, body: string, declared = Buffer.byteLength(body)) =>
  `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n` +
  `connection: close\r\n\r\n${body}`;
const HTML_500 = "<html><body><h1>500 Internal Server Error</h1></body></html>";

/** [case, fault (or "silent": TCP accepted, TLS never starts), expected status, code]. */
const cases: [string, Fault | "silent", number, string | null][] = [
  ["never completes the TLS handshake", "silent", 504, "ERR_BACKEND_TIMEOUT"],
  ["resets the connection", { then: "reset" }, 502, "ERR_BACKEND_FAILED"],
  [
    "answers 200 with a body that is not JSON",
    { raw: json(200, "GARBAGE-7f3a, not json"), then: "close" },
    502,
    "ERR_BACKEND_FAILED",
  ],
  [
    "answers truncated JSON and closes",
    { raw: json(200, '{"SecretString":"sk-trunc-', 200), then: "close" },
    502,
    "ERR_BACKEND_FAILED",
  ],
  [
    "answers 200 with JSON of the wrong shape",
    { raw: json(200, '{"field-9c2e":[1,2,3]}'), then: "close" },
    502,
    "ERR_BACKEND_FAILED",
  ],
  [
    "answers an HTML 500 page",
    {
      raw:
        `HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/html\r\n` +
        `content-length: ${HTML_500.length}\r\nconnection: close\r\n\r\n${HTML_500}`,
      then: "close",
    },
    502,
    "ERR_BACKEND_FAILED",
  ],
  ["answers late but within the timeout", { delayMs: TIMEOUT_MS * 0.3, then: "pass" }, 200, null],
  [
    "answers after the timeout",
    { delayMs: TIMEOUT_MS + 800, then: "pass" },
    504,
    "ERR_BACKEND_TIMEOUT",
  ],
];

describe("backend faults through the proxy", { timeout: 180_000 }, () => {
  let h: Harness;
  let stacks: FaultStack[] = [];
  before(async () => {
    stacks = await startFaultStacks(TIMEOUT_MS);
    h = await startHarness({
      routes: [...DEFAULT_ROUTES, ...stacks.map((s) => s.route)],
      backends: stacks.map((s) => s.backend),
      env: Object.assign({}, ...stacks.map((s) => s.env)),
      backendCa: stacks.flatMap((s) => s.backendCa),
      resolve: Object.assign({}, ...stacks.map((s) => s.resolve)),
    });
  });
  after(async () => {
    await h?.stop();
    for (const s of stacks) await s.close();
  });

  const kinds = [
    "hashicorp-vault",
    "aws-secrets-manager",
    "aws-sts",
    "azure-key-vault",
    "gcp-secret-manager",
  ];
  for (const kind of kinds) {
    describe(kind, () => {
      const stack = () => stacks.find((s) => s.kind === kind)!;
      before(async () => {
        // Warm up: SDK loading, sign-in and the first TLS connection are not what is measured.
        for (let i = 0; i < 3; i++) {
          if ((await h.attested({ path: `/${kind}/warm-up` })).status === 200) return;
        }
        assert.fail(`${kind} never served the warm-up request`);
      });

      for (const [name, fault, status, code] of cases) {
        it(`a service that ${name}: ${code ?? "served"}`, async (t) => {
          const s = stack();
          s.fault.dropConnections();
          s.fault.silent = fault === "silent";
          s.fault.fault = () => (fault === "silent" ? { then: "hang" } : fault);
          const asked = s.fault.counts.tcp;
          const started = Date.now();
          const res = await h.attested({ path: `/${kind}/x` }).finally(() => {
            s.fault.silent = false;
            s.fault.fault = () => ({ then: "pass" });
          });
          const elapsed = Date.now() - started;
          assert.ok(s.fault.counts.tcp > asked, "the backend really called the service");
          if (code === null) {
            assert.equal(res.status, 200, res.body.toString());
            assert.equal(res.upstreamRequests.length, 1);
            return;
          }
          await h.expectDenied(res, status, code);
          const message = JSON.parse(res.body.toString()).error.message as string;
          t.diagnostic(`${elapsed} ms: ${message}`);
          assert.doesNotMatch(message, /GARBAGE|sk-trunc|<h1>|9c2e/, "no service text is echoed");
          assert.ok(elapsed < TIMEOUT_MS + MARGIN_MS, `answered after ${elapsed} ms`);
          if (status === 504)
            assert.ok(elapsed >= TIMEOUT_MS - 50, `timed out after ${elapsed} ms`);
        });
      }
    });
  }
});

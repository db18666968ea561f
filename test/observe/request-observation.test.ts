/**
 * One summary per request from the pipeline's phase marks: the decision follows the audit record
 * (deny before release, error after it, allow otherwise), phases a request never reached are
 * absent, and the `request` log line carries only the listed fields.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SigilError } from "../../src/errors.js";
import type { ProxyObserver, RequestSummary } from "../../src/observe/observer.js";
import {
  RequestObservation,
  reportRefusal,
  reportRequest,
} from "../../src/observe/request-observation.js";

function capture() {
  const summaries: RequestSummary[] = [];
  const logs: Record<string, unknown>[] = [];
  const observer: ProxyObserver = {
    request: (s) => summaries.push(s),
    tunnelOpened() {},
    tunnelClosed() {},
    auditWrite() {},
  };
  const deps = {
    observer,
    logger: {
      log: (_l: string, msg: string, f?: Record<string, unknown>) => logs.push({ msg, ...f }),
    },
    nowMs: () => 1_700_000_000_000,
  };
  return { summaries, logs, deps };
}

const INFO = { requestId: "rid", method: "GET", host: "h.example", route: "rt_1" };

describe("request observation", () => {
  const cases: {
    name: string;
    run: (o: RequestObservation) => void;
    decision: string;
    phases: string[];
    status: number;
    code?: string;
  }[] = [
    {
      name: "refused at attestation is a deny with auth and total only",
      run: (o) => {
        o.routed("env");
        o.failed(new SigilError("ERR_ATTESTATION_MISSING", "x"));
      },
      decision: "deny",
      phases: ["auth", "total"],
      status: 403,
      code: "ERR_ATTESTATION_MISSING",
    },
    {
      name: "a backend failure before release is a deny",
      run: (o) => {
        o.routed("env");
        o.attested();
        o.failed(new SigilError("ERR_BACKEND_FAILED", "x"));
      },
      decision: "deny",
      phases: ["attestation", "auth", "total"],
      status: 502,
      code: "ERR_BACKEND_FAILED",
    },
    {
      name: "a completed response after release is an allow with every phase",
      run: (o) => {
        o.routed("env");
        o.attested();
        o.fetched();
        o.released();
        o.ended({ status: 201 });
      },
      decision: "allow",
      phases: ["attestation", "auth", "backend", "total", "upstream"],
      status: 201,
    },
    {
      name: "an upstream failure after release is an error",
      run: (o) => {
        o.routed("env");
        o.attested();
        o.fetched();
        o.released();
        o.ended({ status: 0, error: "ERR_CLIENT_ABORTED" });
      },
      decision: "error",
      phases: ["attestation", "auth", "backend", "total", "upstream"],
      status: 0,
      code: "ERR_CLIENT_ABORTED",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { summaries, logs, deps } = capture();
      const o = new RequestObservation();
      c.run(o);
      reportRequest(deps, o, INFO);
      const s = summaries[0]!;
      assert.equal(s.decision, c.decision);
      assert.equal(s.status, c.status);
      assert.equal(s.code, c.code);
      assert.deepEqual(Object.keys(s.phases).sort(), c.phases);
      for (const v of Object.values(s.phases)) assert.ok(v >= 0);
      assert.equal(s.time, 1_700_000_000_000);
      assert.equal(logs.length, 1);
      assert.equal(logs[0]!["msg"], "request");
      assert.equal(logs[0]!["decision"], c.decision);
      assert.equal(typeof logs[0]!["ms"], "number");
    });
  }

  it("a refusal before the pipeline is reported untimed", () => {
    const { summaries, logs, deps } = capture();
    reportRefusal(deps, new SigilError("ERR_AGENT_UNAUTHENTICATED", "x"), {
      requestId: "r2",
      method: "CONNECT",
    });
    const defined = Object.entries(summaries[0]!).filter(([, v]) => v !== undefined);
    assert.deepEqual(Object.fromEntries(defined), {
      requestId: "r2",
      time: 1_700_000_000_000,
      method: "CONNECT",
      decision: "deny",
      status: 407,
      code: "ERR_AGENT_UNAUTHENTICATED",
      reason: "x",
      phases: {},
    });
    assert.equal(logs[0]!["ms"], undefined);
  });
});

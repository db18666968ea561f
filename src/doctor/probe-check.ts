/**
 * `doctor --probe`: one real attested request through the running proxy to its built-in echo
 * upstream (docs/doctor.md), the same attestation again, and one request to a name the echo's
 * certificate does not carry. The echo's report and the audit log
 * show whether injection, header stripping, upstream TLS, redaction, replay refusal and audit work.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { HomePaths } from "../config/home.js";
import { sendThroughVault, type AgentResponse } from "../probe/agent-client.js";
import { makeDevAttestation, type DevAttestation } from "../dev/attest.js";
import type { EchoReport } from "../probe/echo.js";
import { probePaths, readProbeMaterial } from "../probe/material.js";
import { PROBE_AGENT_NAME, PROBE_HOST, PROBE_PATH, PROBE_WRONG_NAME_HOST } from "../probe/names.js";
import { describe, fail, ok, type CheckResult } from "./check.js";
import { findProbeRecords } from "./probe-audit.js";
import { judgeReport } from "./probe-judge.js";
import type { ProxyAddress } from "./proxy-check.js";

/** Sent as the agent's own Authorization; the injected credential must replace it. */
const AGENT_AUTHORIZATION = "Bearer agent-own-authorization";
const RESTART = "restart the proxy (sigil-vault start) and run doctor --probe again";

export async function runProbe(
  home: HomePaths,
  proxy: ProxyAddress,
  nowMs: number,
): Promise<CheckResult[]> {
  let material;
  try {
    material = await readProbeMaterial(probePaths(home));
  } catch (err) {
    return [fail("probe", describe(err), "start the proxy on this home: sigil-vault start")];
  }
  const m = material;
  const attest = (host: string) =>
    makeDevAttestation({
      key: m.key,
      agentName: PROBE_AGENT_NAME,
      method: "GET",
      url: `https://${host}${PROBE_PATH}`,
      nowMs,
    });
  const send = (host: string, att: DevAttestation) =>
    sendThroughVault({
      proxyHost: proxy.host,
      proxyPort: proxy.port,
      token: m.token,
      host,
      vaultCa: readFileSync(home.caCert, "utf8"),
      method: "GET",
      path: PROBE_PATH,
      headers: {
        authorization: AGENT_AUTHORIZATION,
        "proxy-authorization": "Basic YWdlbnQ6bm90LWEtdG9rZW4=",
        "x-sigil-attestation": att.attestation,
        "x-sigil-intent": att.intent as string,
      },
    });
  const att = attest(PROBE_HOST);
  let first: AgentResponse;
  let replay: AgentResponse;
  let wrongName: AgentResponse;
  try {
    first = await send(PROBE_HOST, att);
    replay = await send(PROBE_HOST, att);
    wrongName = await send(PROBE_WRONG_NAME_HOST, attest(PROBE_WRONG_NAME_HOST));
  } catch (err) {
    return [fail("probe", `request through ${proxy.text} failed: ${describe(err)}`, RESTART)];
  }
  const report = parseReport(first);
  if (report === undefined) {
    const code = first.headers["x-sigil-error"];
    const why = code !== undefined ? ` ${String(code)}` : "";
    return [fail("probe", `the proxy answered ${first.status}${why}`, RESTART)];
  }
  const replayId = "sha256:" + createHash("sha256").update(att.attestation).digest("hex");
  return [
    ok("probe: request", `attested GET https://${PROBE_HOST}${PROBE_PATH} answered 200`),
    ...judgeReport(report, first.headers["x-probe-echo"], wrongName.headers["x-sigil-error"]),
    replay.headers["x-sigil-error"] === "ERR_ATTESTATION_REPLAYED"
      ? ok("probe: replay", "the same attestation again was refused (ERR_ATTESTATION_REPLAYED)")
      : fail(
          "probe: replay",
          `the same attestation again answered ${replay.status}`,
          "check proxy.replay_store; see docs/security.md (replay)",
        ),
    await findProbeRecords(home.auditDir, replayId),
  ];
}

function parseReport(res: AgentResponse): EchoReport | undefined {
  if (res.status !== 200) return undefined;
  try {
    const parsed = JSON.parse(res.body) as EchoReport;
    return parsed.probe === "sigil-vault" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

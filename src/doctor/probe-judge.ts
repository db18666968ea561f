/**
 * Reads the echo upstream's report of one probe request: each property the proxy must have (one
 * injected probe credential, agent-only headers stripped, the probe host's TLS name verified,
 * the echoed credential masked) becomes its own ok or FAIL line.
 */
import type { EchoReport } from "../probe/echo.js";
import { PROBE_HOST } from "../probe/names.js";
import { fail, ok, type CheckResult } from "./check.js";

/**
 * `echoHeader` is the `x-probe-echo` response header as the agent received it; `wrongNameError`
 * the `x-sigil-error` of the request to the host the echo's certificate does not name.
 */
export function judgeReport(
  r: EchoReport,
  echoHeader: unknown,
  wrongNameError: unknown,
): CheckResult[] {
  const masked = (v: unknown) => typeof v === "string" && /^\*{8,}$/.test(v);
  const fix = "this is a bug in the proxy: report it with the doctor output";
  return [
    r.injected && r.authorizationHeaders === 1
      ? ok("probe: injection", "the upstream got one Authorization: a fresh probe credential")
      : fail(
          "probe: injection",
          `the upstream got ${r.authorizationHeaders} Authorization headers, probe credential ${r.injected ? "present" : "absent"}`,
          fix,
        ),
    r.reached.length === 0
      ? ok(
          "probe: header stripping",
          "Proxy-Authorization and X-Sigil-* did not reach the upstream",
        )
      : fail("probe: header stripping", `${r.reached.join(", ")} reached the upstream`, fix),
    r.servername !== PROBE_HOST
      ? fail("probe: upstream TLS", `the proxy asked for server name ${r.servername}`, fix)
      : wrongNameError !== "ERR_UPSTREAM_FAILED"
        ? fail(
            "probe: upstream TLS",
            `a certificate for another name was not refused (${String(wrongNameError ?? "no error")})`,
            fix,
          )
        : ok(
            "probe: upstream TLS",
            `verified ${PROBE_HOST} against the probe CA alone; a certificate for another name was refused`,
          ),
    masked(r.echo) && masked(echoHeader)
      ? ok("probe: redaction", "the echoed credential was masked in the body and a header")
      : fail("probe: redaction", "the echoed credential reached the agent unmasked", fix),
  ];
}

/**
 * Wires the built-in probe into a running proxy: the reserved agent, anchor and route are compiled
 * into every config load like operator entries (so probe requests take the real pipeline), the
 * probe backend joins the runtime's backends, and the echo upstream runs for the proxy's lifetime.
 */
import { hashToken } from "../agents.js";
import { compileConfig, type RuntimeConfig } from "../config/compile.js";
import type { HomePaths } from "../config/home.js";
import type { ConfigFile, RouteEntry } from "../config/schema.js";
import { devKeyInfo } from "../dev/keys.js";
import { SigilError } from "../errors.js";
import { DEFAULT_INJECT } from "../inject/index.js";
import type { RuntimeState } from "../proxy/runtime.js";
import { createProbeBackend } from "./backend.js";
import { startEchoUpstream, type EchoUpstream } from "./echo.js";
import {
  createProbeMaterial,
  probePaths,
  removeProbeMaterial,
  writeProbeMaterial,
  type ProbeMaterial,
} from "./material.js";
import * as N from "./names.js";

/** The proxy's handle on its probe. */
export interface Probe {
  /** Refuses reserved names, compiles the operator's file plus the probe entries. */
  compile(file: ConfigFile): RuntimeConfig;
  /** The state with the probe backend added (after every `buildState`). */
  attach(state: RuntimeState): RuntimeState;
  /** Stops the echo upstream and removes the stored material. */
  close(): Promise<void>;
}

/** Starts the echo upstream and writes fresh material to `<home>/probe/`. */
export async function startProbe(home: HomePaths, nowMs: () => number): Promise<Probe> {
  const backend = createProbeBackend();
  const echo = await startEchoUpstream(backend);
  const material = createProbeMaterial();
  const paths = probePaths(home);
  try {
    writeProbeMaterial(paths, material);
  } catch {
    await echo.close();
    throw new SigilError("ERR_IO", `cannot write the probe material to ${paths.dir}`);
  }
  const createdAt = new Date(nowMs()).toISOString();
  return {
    compile(file) {
      N.assertNoProbeNames(file);
      const base = compileConfig(file);
      const full = compileConfig(withProbeEntries(file, material, echo, createdAt));
      for (const host of [N.PROBE_HOST, N.PROBE_WRONG_NAME_HOST]) {
        const match = full.routes.match(N.PROBE_AGENT_ID, {
          scheme: "https",
          host,
          port: 443,
          path: N.PROBE_PATH,
          method: "GET",
        });
        if (!match.ok) throw new SigilError("ERR_INTERNAL", "a probe route did not compile");
        // The probe CA alone, not system roots plus it: the echo must present a probe-CA certificate.
        match.route.upstreamCa = { file: "(built-in probe CA)", ...echo.trust };
      }
      return { ...full, hash: base.hash, backends: base.backends };
    },
    attach: (state) => ({
      ...state,
      backends: new Map([...state.backends, [N.PROBE_BACKEND, backend]]),
    }),
    async close() {
      removeProbeMaterial(paths);
      await echo.close();
    },
  };
}

/** The operator's file plus the probe's agent, anchor, route and resolve entry. */
function withProbeEntries(
  file: ConfigFile,
  m: ProbeMaterial,
  echo: EchoUpstream,
  createdAt: string,
): ConfigFile {
  const info = devKeyInfo(m.key);
  return {
    ...file,
    proxy: {
      ...file.proxy,
      resolve: {
        ...file.proxy.resolve,
        [`${N.PROBE_HOST}:443`]: `127.0.0.1:${echo.port}`,
        [`${N.PROBE_WRONG_NAME_HOST}:443`]: `127.0.0.1:${echo.port}`,
      },
    },
    agents: [
      ...file.agents,
      {
        id: N.PROBE_AGENT_ID,
        name: N.PROBE_AGENT_NAME,
        token_sha256: hashToken(m.token),
        created_at: createdAt,
      },
    ],
    anchors: [
      ...file.anchors,
      {
        kid: N.PROBE_KID,
        fingerprint: info.fingerprint,
        issuers: ["sigil-core"],
        audience: "sigil-sign",
        jwk: { ...info.publicJwk },
      },
    ],
    // Only so the route's backend reference compiles; `compile` drops it again and `attach` adds
    // the in-process probe backend in its place.
    backends: [...file.backends, { name: N.PROBE_BACKEND, kind: "env", options: {} }],
    routes: [
      ...file.routes,
      probeRoute(N.PROBE_ROUTE_ID, N.PROBE_HOST),
      probeRoute(N.PROBE_WRONG_NAME_ROUTE_ID, N.PROBE_WRONG_NAME_HOST),
    ],
  };
}

function probeRoute(id: string, host: string): RouteEntry {
  return {
    id,
    agent_id: N.PROBE_AGENT_ID,
    host,
    path: N.PROBE_PATH,
    methods: ["GET"],
    backend: N.PROBE_BACKEND,
    inject: DEFAULT_INJECT,
    binding: "required",
  };
}

/**
 * What the comparison needs from each contender: a way for the client to reach the upstream
 * through it, the headers the client must add itself, and the process to measure. Every
 * contender serves the same upstream, payloads and client; only the middle changes.
 */
import type { Connector } from "../lib/tunnel-agent.js";

/** Shared by every contender of one bench run. */
export interface BenchSetup {
  upstreamPort: number;
  upstreamCaPem: string;
  /** The upstream CA as a file, for peers configured by path. */
  upstreamCaFile: string;
  /** The header value every request must reach the upstream with: `Authorization: <auth>`. */
  auth: string;
  /** The bare credential (what sigil-vault's env backend holds). */
  secret: string;
  /** Every host name the run uses; each resolves to 127.0.0.1:upstreamPort. */
  hosts: readonly string[];
  /** A DNS server on 127.0.0.1 answering for the bench zone (for peers with a resolver option). */
  dnsPort: number;
  /** Scratch folder for this run's peer configs. */
  scratch: string;
  /** Folder holding npm-installed peers (never a project dependency). */
  peersDir: string;
}

/** One request the client will send, known before the timed phase. */
export interface PlannedRequest {
  method: string;
  url: string;
}

/** A started contender. */
export interface RunningContender {
  /** Opens a TLS connection to host:upstreamPort through the contender, verified against its CA. */
  connect: Connector;
  /** Headers the client adds per request, made before the timed phase (sigil's attestations). */
  headersFor(reqs: readonly PlannedRequest[]): Record<string, string>[];
  /** The proxy process to measure (RSS, fds); undefined for the direct floor. */
  pid?: number;
  stop(): Promise<void>;
}

export type ContenderName =
  "direct" | "tunnel" | "floor" | "sigil-vault" | "mitmproxy" | "squid-ssl-bump" | "mockttp";

/** A contender of the comparison. */
export interface Contender {
  name: ContenderName;
  /** One line: what runs and how it injects. */
  description: string;
  /** Installs the peer when missing; resolves to its version, or throws with why it is skipped. */
  prepare(setup: BenchSetup): Promise<string>;
  start(setup: BenchSetup): Promise<RunningContender>;
}

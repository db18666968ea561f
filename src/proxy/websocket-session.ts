/**
 * A WebSocket session after the 101: bytes flow both ways (upstream → agent through the frame
 * redactor), an idle timeout and proxy shutdown end it, and it resolves once both sockets are
 * closed with what the `outcome` record needs: bytes each way and why it ended.
 */
import type { OutcomeError } from "../errors.js";
import type { Duplex } from "node:stream";
import { createFrameRedactor } from "./websocket-frames.js";
import type { Redactor } from "./redact.js";

/** An open session as the proxy sees it at shutdown. */
export interface SessionHandle {
  /** Ends the session now; `error` is the code its outcome record carries. */
  close(error: OutcomeError): void;
}

/** Open sessions, so that shutdown can close them (they are not HTTP connections any more). */
export type SessionRegistry = Set<SessionHandle>;

/** How a session ended. */
export interface SessionEnd {
  /** Agent → upstream bytes after the handshake. */
  bytesIn: number;
  /** Upstream → agent bytes after the handshake. */
  bytesOut: number;
  /** Absent for a clean close. */
  error?: OutcomeError;
}

export interface SessionSockets {
  agent: Duplex;
  upstream: Duplex;
  /** Bytes the upstream sent right after its 101 head. */
  upstreamHead: Buffer;
}

/** After one side closed, how long the other may take to finish its close handshake. */
const CLOSE_GRACE_MS = 5000;

export function runSession(
  s: SessionSockets,
  redactor: Redactor,
  idleMs: number,
  sessions: SessionRegistry,
): Promise<SessionEnd> {
  const { agent, upstream } = s;
  const frames = createFrameRedactor(redactor);
  return new Promise((resolve) => {
    let bytesIn = 0;
    let bytesOut = 0;
    let error: OutcomeError | undefined;
    let open = 2;
    let grace: NodeJS.Timeout | undefined;
    const idle = setTimeout(() => end("ERR_UPSTREAM_IDLE_TIMEOUT"), idleMs);
    const handle: SessionHandle = { close: (code) => end(code) };
    sessions.add(handle);

    /** Records the first reason and tears both sides down. */
    function end(code: OutcomeError): void {
      error ??= code;
      agent.destroy();
      upstream.destroy();
    }
    function closed(other: Duplex): void {
      if (--open > 0) {
        grace = setTimeout(() => other.destroy(), CLOSE_GRACE_MS);
        return;
      }
      clearTimeout(idle);
      clearTimeout(grace);
      sessions.delete(handle);
      resolve({ bytesIn, bytesOut, ...(error !== undefined ? { error } : {}) });
    }

    agent.on("data", (chunk: Buffer) => {
      bytesIn += chunk.length;
      idle.refresh();
    });
    frames.stream.on("data", (chunk: Buffer) => {
      bytesOut += chunk.length;
      idle.refresh();
    });
    agent.on("error", () => end("ERR_CLIENT_ABORTED"));
    upstream.on("error", () => end("ERR_UPSTREAM_FAILED"));
    frames.stream.on("error", () => end("ERR_UPSTREAM_FAILED"));
    // Whichever side drops the connection before the upstream's Close frame ended the session
    // abnormally (RFC 6455 §7.1.5, code 1006); the first one to do so is blamed.
    const dropped = (code: OutcomeError) => () => {
      if (!frames.closeSeen) error ??= code;
    };
    agent.once("end", dropped("ERR_CLIENT_ABORTED"));
    agent.once("close", dropped("ERR_CLIENT_ABORTED"));
    upstream.once("end", dropped("ERR_UPSTREAM_FAILED"));
    agent.once("close", () => closed(upstream));
    upstream.once("close", () => closed(agent));

    // Order matters: the filter reaches the agent before the first byte enters it.
    frames.stream.pipe(agent);
    if (s.upstreamHead.length > 0) frames.stream.write(s.upstreamHead);
    upstream.pipe(frames.stream);
    agent.pipe(upstream);
  });
}

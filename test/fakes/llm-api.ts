/**
 * A fake of the two LLM APIs the SDK tests drive, over HTTPS: OpenAI's `POST /v1/chat/completions`
 * and Anthropic's `POST /v1/messages`, each plain or streamed as server-sent events in the
 * provider's own event shapes. Streams are paced by the test, not by a clock: each event after
 * the first is written only when `nextEvent()` is called, so a test that calls it once per event
 * the SDK has yielded proves the events arrive one by one (a batching proxy would deadlock).
 * `failNext(n)` answers the next n requests 500 with `retry-after-ms: 1`, so SDK retries are fast.
 */
import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { listenOnLoopback } from "../helpers/loopback-server.js";
import type { TestPki } from "../helpers/pki.js";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface FakeLlmApi {
  port: number;
  requests: SeenRequest[];
  failNext(n: number): void;
  /** Lets the current stream write its next event. */
  nextEvent(): void;
  close(): Promise<void>;
}

/** Words every answer streams, one per event. */
export const WORDS = ["Hello", " from", " the", " fake", " API"];

export async function startFakeLlmApi(pki: TestPki, hosts: string[]): Promise<FakeLlmApi> {
  const leaf = pki.issue(hosts);
  const requests: SeenRequest[] = [];
  let failures = 0;
  let waiting: (() => void)[] = [];
  let credits = 0;
  const turn = () =>
    new Promise<void>((resolve) => {
      if (credits > 0) {
        credits--;
        resolve();
      } else waiting.push(resolve);
    });

  const server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (failures > 0) {
        failures--;
        res.writeHead(500, { "content-type": "application/json", "retry-after-ms": "1" });
        res.end(
          JSON.stringify({ error: { message: "fake upstream failure", type: "server_error" } }),
        );
        return;
      }
      const parsed = JSON.parse(body || "{}") as { stream?: boolean; model?: string };
      const kind = req.url === "/v1/messages" ? "anthropic" : "openai";
      if (!parsed.stream)
        return sendJson(res, kind === "openai" ? openaiReply() : anthropicReply());
      void stream(res, kind === "openai" ? openaiEvents() : anthropicEvents(), turn);
    });
  });
  const listener = await listenOnLoopback(server);
  return {
    port: listener.port,
    requests,
    failNext: (n) => void (failures = n),
    nextEvent() {
      const next = waiting.shift();
      if (next) next();
      else credits++;
    },
    close: () => {
      waiting.forEach((w) => w());
      waiting = [];
      return listener.close();
    },
  };
}

async function stream(res: ServerResponse, events: string[], turn: () => Promise<void>) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (let i = 0; i < events.length; i++) {
    if (i > 0) await turn();
    if (res.destroyed) return;
    res.write(events[i]);
  }
  res.end();
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function openaiReply() {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1,
    model: "gpt-fake",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: WORDS.join("") },
        finish_reason: "stop",
      },
    ],
  };
}

/** One event per word, then `[DONE]` in the same last write. */
function openaiEvents(): string[] {
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-fake",
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  return WORDS.map(
    (w, i) =>
      chunk({ content: w }, null) +
      (i === WORDS.length - 1 ? chunk({}, "stop") + "data: [DONE]\n\n" : ""),
  );
}

function anthropicReply() {
  return {
    id: "msg_fake",
    type: "message",
    role: "assistant",
    model: "claude-fake",
    content: [{ type: "text", text: WORDS.join("") }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: WORDS.length },
  };
}

/** message_start + block start with the first word, one delta per further word, then the end. */
function anthropicEvents(): string[] {
  const ev = (type: string, data: object) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const delta = (w: string) =>
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: w } });
  const start =
    ev("message_start", {
      message: {
        ...anthropicReply(),
        content: [],
        stop_reason: null,
        usage: { input_tokens: 1, output_tokens: 0 },
      },
    }) +
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }) +
    delta(WORDS[0]!);
  const end =
    ev("content_block_stop", { index: 0 }) +
    ev("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: WORDS.length },
    }) +
    ev("message_stop", {});
  return [start, ...WORDS.slice(1).map((w, i) => delta(w) + (i === WORDS.length - 2 ? end : ""))];
}

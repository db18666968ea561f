/**
 * The logger: JSON lines by default (one object per event, fields kept), a readable line for a
 * terminal, and levels below the minimum dropped.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { createLogger, type LoggerOptions } from "../src/log.js";

const AT = new Date("2026-11-30T12:03:04.005Z");

function capture(opts: LoggerOptions) {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c: Buffer) => chunks.push(c.toString()));
  return { logger: createLogger(out, { now: () => AT, ...opts }), text: () => chunks.join("") };
}

describe("createLogger", () => {
  it("writes one JSON object per event with the request id among its fields", () => {
    const c = capture({});
    c.logger.log("info", "request", { requestId: "r-1", status: 200 });
    assert.deepEqual(JSON.parse(c.text()), {
      ts: AT.toISOString(),
      level: "info",
      msg: "request",
      requestId: "r-1",
      status: 200,
    });
  });

  it("writes a readable line in human format, quoting values with spaces", () => {
    const c = capture({ format: "human" });
    c.logger.log("warn", "config reload rejected", { reason: "bad route", n: 2, skip: undefined });
    assert.equal(c.text(), '12:03:04.005 WARN  config reload rejected reason="bad route" n=2\n');
  });

  it("drops events below the minimum level", () => {
    const c = capture({ minLevel: "warn" });
    c.logger.log("info", "quiet");
    c.logger.log("error", "loud");
    assert.deepEqual(
      c
        .text()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).msg),
      ["loud"],
    );
  });
});

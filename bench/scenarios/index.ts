/**
 * The scenario lists: short ones repeat every run (medians), long ones run once per contender on a
 * fresh process: the soak first (its "before" must not include connections left by other
 * scenarios), then first contact (200 hosts is already a distribution) and idle tunnels.
 */
import type { Scenario } from "../session.js";
import { bodies } from "./bodies.js";
import { firstContact } from "./first-contact.js";
import { idleTunnels } from "./idle-tunnels.js";
import { keepAlive } from "./keep-alive.js";
import { newConnection } from "./new-connection.js";
import { soak } from "./soak.js";
import { sse } from "./sse.js";
import { warmUp } from "./warm-up.js";

export const SHORT_SCENARIOS: readonly Scenario[] = [
  { name: "warm", run: warmUp },
  { name: "ka1", run: (ctx) => keepAlive(ctx, 1) },
  { name: "ka10", run: (ctx) => keepAlive(ctx, 10) },
  { name: "ka50", run: (ctx) => keepAlive(ctx, 50) },
  { name: "new", run: newConnection },
  { name: "body1k", run: (ctx) => bodies(ctx, 1024, "body1k") },
  { name: "body1m", run: (ctx) => bodies(ctx, 1024 * 1024, "body1m") },
  { name: "sse", run: sse },
];

export const LONG_SCENARIOS = (
  idle: number,
  soakSeconds: number,
  soakRps: number,
): readonly Scenario[] => [
  { name: "soak", run: (ctx) => soak(ctx, soakSeconds, soakRps) },
  { name: "first", run: firstContact },
  { name: "idle", run: (ctx) => idleTunnels(ctx, idle) },
];

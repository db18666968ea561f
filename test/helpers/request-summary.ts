/** A RequestSummary for observer tests: an allowed GET by agent-a on rt_1 at T0; overrides win. */
import type { RequestSummary } from "../../src/observe/observer.js";

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export function makeSummary(over: Partial<RequestSummary> = {}): RequestSummary {
  return {
    requestId: "r",
    time: T0,
    agentId: "agt_a",
    agentName: "agent-a",
    method: "GET",
    host: "api.example.test",
    route: "rt_1",
    decision: "allow",
    status: 200,
    phases: { total: 1.26 },
    ...over,
  };
}

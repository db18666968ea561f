/** The metrics the comparison table shows, in order, with units and which direction is better. */

export interface MetricSpec {
  key: string;
  label: string;
  /** Digits after the decimal point in the table. */
  digits: number;
  better: "higher" | "lower" | "none";
}

const m = (
  key: string,
  label: string,
  digits: number,
  better: MetricSpec["better"],
): MetricSpec => ({
  key,
  label,
  digits,
  better,
});

export const METRICS: readonly MetricSpec[] = [
  m("ka1.rps", "keep-alive c=1 req/s", 0, "higher"),
  m("ka1.p50", "keep-alive c=1 p50 ms", 2, "lower"),
  m("ka1.p99", "keep-alive c=1 p99 ms", 2, "lower"),
  m("ka1.cpuMs", "keep-alive c=1 proxy CPU ms/request", 3, "lower"),
  m("ka10.rps", "keep-alive c=10 req/s", 0, "higher"),
  m("ka10.p50", "keep-alive c=10 p50 ms", 2, "lower"),
  m("ka10.p99", "keep-alive c=10 p99 ms", 2, "lower"),
  m("ka10.cpuMs", "keep-alive c=10 proxy CPU ms/request", 3, "lower"),
  m("ka50.rps", "keep-alive c=50 req/s", 0, "higher"),
  m("ka50.p50", "keep-alive c=50 p50 ms", 2, "lower"),
  m("ka50.p99", "keep-alive c=50 p99 ms", 2, "lower"),
  m("ka50.cpuMs", "keep-alive c=50 proxy CPU ms/request", 3, "lower"),
  m("new.rps", "new tunnel+TLS per request req/s", 0, "higher"),
  m("new.p50", "new tunnel+TLS per request p50 ms", 2, "lower"),
  m("first.p50", "first contact (new host) p50 ms", 2, "lower"),
  m("first.p99", "first contact (new host) p99 ms", 2, "lower"),
  m("first.hosts", "first contact hosts measured", 0, "none"),
  m("body1k.rps", "1 KiB up+down c=10 req/s", 0, "higher"),
  m("body1k.p50", "1 KiB up+down c=10 p50 ms", 2, "lower"),
  m("body1m.rps", "1 MiB up+down c=10 req/s", 1, "higher"),
  m("body1m.mbps", "1 MiB up+down c=10 MB/s", 0, "higher"),
  m("body1m.p50", "1 MiB up+down c=10 p50 ms", 1, "lower"),
  m("sse.ttfe", "SSE time to first event ms", 2, "lower"),
  m("sse.gap", "SSE inter-event gap ms (sent 25)", 1, "none"),
  m("sse.bunched", "SSE events bunched (< 6 ms after previous)", 0, "lower"),
  m("sse.batchedStreams", "SSE streams batched (≥ 5 of 20 bunched)", 0, "lower"),
  m("idle.tunnels", "idle tunnels held", 0, "none"),
  m("idle.rssMb", "idle tunnels RSS MB", 0, "lower"),
  m("idle.rssDeltaMb", "idle tunnels RSS added MB", 0, "lower"),
  m("idle.fds", "idle tunnels open fds", 0, "lower"),
  m("soak.rps", "soak req/s achieved", 0, "none"),
  m("soak.rssBeforeMb", "soak RSS before MB", 0, "lower"),
  m("soak.rssAfterMb", "soak RSS after MB", 0, "lower"),
  m("soak.fdsBefore", "soak fds before", 0, "lower"),
  m("soak.fdsAfter", "soak fds after", 0, "lower"),
];

/** Per-scenario failure counters (requests not answered 200); any non-zero marks the cell. */
export const ERROR_KEYS = [
  "ka1",
  "ka10",
  "ka50",
  "new",
  "first",
  "body1k",
  "body1m",
  "sse",
  "idle",
  "soak",
].map((s) => `${s}.errors`);

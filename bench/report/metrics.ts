/** The metrics the comparison table shows, in order, with their labels and precision. */

export interface MetricSpec {
  key: string;
  label: string;
  /** Digits after the decimal point in the table. */
  digits: number;
}

const m = (key: string, label: string, digits: number): MetricSpec => ({ key, label, digits });

export const METRICS: readonly MetricSpec[] = [
  m("ka1.rps", "keep-alive c=1 req/s", 0),
  m("ka1.p50", "keep-alive c=1 p50 ms", 2),
  m("ka1.p99", "keep-alive c=1 p99 ms", 2),
  m("ka1.cpuMs", "keep-alive c=1 proxy CPU ms/request", 3),
  m("ka1.addP50", "keep-alive c=1 added p50 over direct ms", 2),
  m("ka1.addP99", "keep-alive c=1 added p99 over direct ms", 2),
  m("ka10.rps", "keep-alive c=10 req/s", 0),
  m("ka10.p50", "keep-alive c=10 p50 ms", 2),
  m("ka10.p99", "keep-alive c=10 p99 ms", 2),
  m("ka10.cpuMs", "keep-alive c=10 proxy CPU ms/request", 3),
  m("ka10.cpuVsFloor", "keep-alive c=10 proxy CPU per request ÷ floor", 2),
  m("ka50.rps", "keep-alive c=50 req/s", 0),
  m("ka50.p50", "keep-alive c=50 p50 ms", 2),
  m("ka50.p99", "keep-alive c=50 p99 ms", 2),
  m("ka50.cpuMs", "keep-alive c=50 proxy CPU ms/request", 3),
  m("new.rps", "new tunnel+TLS per request req/s", 0),
  m("new.p50", "new tunnel+TLS per request p50 ms", 2),
  m("first.p50", "first contact (new host) p50 ms", 2),
  m("first.p99", "first contact (new host) p99 ms", 2),
  m("first.hosts", "first contact hosts measured", 0),
  m("body1k.rps", "1 KiB up+down c=10 req/s", 0),
  m("body1k.p50", "1 KiB up+down c=10 p50 ms", 2),
  m("body1m.rps", "1 MiB up+down c=10 req/s", 1),
  m("body1m.mbps", "1 MiB up+down c=10 MB/s", 0),
  m("body1m.p50", "1 MiB up+down c=10 p50 ms", 1),
  m("sse.ttfe", "SSE time to first event ms", 2),
  m("sse.gap", "SSE inter-event gap ms (sent 25)", 1),
  m("sse.bunched", "SSE events bunched (< 6 ms after previous)", 0),
  m("sse.batchedStreams", "SSE streams batched (≥ 5 of 20 bunched)", 0),
  m("idle.tunnels", "idle tunnels held", 0),
  m("idle.rssMb", "idle tunnels RSS MB", 0),
  m("idle.rssDeltaMb", "idle tunnels RSS added MB", 0),
  m("idle.fds", "idle tunnels open fds", 0),
  m("soak.rps", "soak req/s achieved", 0),
  m("soak.rssBeforeMb", "soak RSS before MB", 0),
  m("soak.rssAfterMb", "soak RSS after MB", 0),
  m("soak.fdsBefore", "soak fds before", 0),
  m("soak.fdsAfter", "soak fds after", 0),
];

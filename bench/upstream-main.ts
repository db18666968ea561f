/**
 * The comparison's upstream in a process of its own (a real upstream is another machine), so the
 * load generator's event loop never waits on the upstream's TLS work. Talks to its parent over IPC.
 */
import { startBenchUpstream } from "./lib/upstream.js";

const auth = process.env["BENCH_UPSTREAM_AUTH"] ?? "";
const hosts = (process.env["BENCH_UPSTREAM_HOSTS"] ?? "api.bench.test").split(",");
const upstream = await startBenchUpstream(auth, hosts);
process.send?.({ type: "ready", port: upstream.port, caPem: upstream.caPem });
process.on("message", (msg: { type?: string }) => {
  if (msg.type === "counts") process.send?.({ type: "counts", counts: { ...upstream.counts } });
});
const stop = () => void upstream.close().then(() => process.exit(0));
process.on("disconnect", stop);
process.on("SIGTERM", stop);

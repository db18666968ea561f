/**
 * Runs mockttp as an intercepting proxy for the comparison: passthrough with a beforeRequest
 * callback that sets the header, the bench CA trusted upstream, and the bench DNS server for
 * names. mockttp is loaded from a scratch folder (MOCKTTP_DIR), never from the project.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface CompletedRequest {
  headers: Record<string, string | string[] | undefined>;
}

const dir = process.env["MOCKTTP_DIR"] ?? "";
const auth = process.env["BENCH_AUTH"] ?? "";
const lib = (await import(pathToFileURL(join(dir, "node_modules/mockttp/dist/main.js")).href)) as {
  generateCACertificate(): Promise<{ key: string; cert: string }>;
  getLocal(opts: object): {
    forAnyRequest(): { thenPassThrough(opts: object): Promise<unknown> };
    start(): Promise<void>;
    stop(): Promise<void>;
    port: number;
  };
};
const ca = await lib.generateCACertificate();
const server = lib.getLocal({ https: { key: ca.key, cert: ca.cert }, recordTraffic: false });
await server.start();
await server.forAnyRequest().thenPassThrough({
  beforeRequest: (req: CompletedRequest) => ({ headers: { ...req.headers, authorization: auth } }),
  additionalTrustedCAs: [{ certPath: process.env["BENCH_UPSTREAM_CA"] }],
  lookupOptions: { servers: [`127.0.0.1:${process.env["BENCH_DNS_PORT"]}`] },
});
process.stdout.write(JSON.stringify({ port: server.port, caPem: ca.cert }) + "\n");
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));

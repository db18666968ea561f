/** The floor: the client talks TLS straight to the upstream and sends the credential itself. */
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { Contender } from "./contender.js";

export const direct: Contender = {
  name: "direct",
  description: "client → upstream, no proxy; the client holds the credential",
  prepare: async () => process.version,
  async start(setup) {
    return {
      connect: (host, port) =>
        new Promise<TLSSocket>((resolve, reject) => {
          const tls = tlsConnect({
            host: "127.0.0.1",
            port,
            servername: host,
            ca: setup.upstreamCaPem,
          });
          tls.setNoDelay(true);
          tls.once("secureConnect", () => resolve(tls));
          tls.on("error", reject);
        }),
      headersFor: (reqs) => reqs.map(() => ({ authorization: setup.auth })),
      stop: async () => {},
    };
  },
};

/** `sigil-vault init`: creates the home directory (0700), the MITM CA and an empty config. */
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { createCa, writeCa } from "../mitm/ca.js";
import { emptyConfig } from "../config/schema.js";
import { writeConfigFile } from "../config/store.js";
import type { Command } from "./command.js";
import { toJson } from "./output.js";

export const initCommand: Command = {
  path: ["init"],
  summary: "create the home directory, the MITM CA and an empty config",
  help: `Usage: sigil-vault init [--home DIR] [--json]

Creates DIR (default $SIGIL_VAULT_HOME or ~/.sigil-vault) with mode 0700, a 10-year ECDSA P-256
CA used to mint per-host leaf certificates, and an empty config. Running it again keeps the
existing CA and config.

Example:
  sigil-vault init
  curl --cacert ~/.sigil-vault/ca/ca.crt ...`,
  options: {},
  async run(ctx) {
    const { home } = ctx;
    mkdirSync(home.root, { recursive: true, mode: 0o700 });
    chmodSync(home.root, 0o700);
    mkdirSync(home.caDir, { recursive: true, mode: 0o700 });
    mkdirSync(home.auditDir, { recursive: true, mode: 0o700 });
    const createdCa = !existsSync(home.caCert);
    if (createdCa) await writeCa(home.caDir, createCa());
    const createdConfig = !existsSync(home.config);
    if (createdConfig) writeConfigFile(home.config, emptyConfig());
    if (ctx.json) {
      ctx.out(
        toJson({
          home: home.root,
          config: home.config,
          caCert: home.caCert,
          createdCa,
          createdConfig,
        }),
      );
      return 0;
    }
    ctx.out(`${createdCa || createdConfig ? "Initialized" : "Already initialized"} ${home.root}`);
    ctx.out(`CA certificate: ${home.caCert}`);
    ctx.out(
      "Trust it in your agent's runtime, e.g. curl --cacert, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE.",
    );
    return 0;
  },
};

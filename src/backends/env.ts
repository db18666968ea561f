/**
 * The `env` backend: a credential read from an environment variable at request time. Meant for
 * development and tests (Vault warns at start). The route's `--secret` names the variable
 * (`OPENAI_API_KEY`, or `MY_CREDS#token` to pick one field of a JSON object value); option `var`
 * is the default variable and `prefix` restricts which variables routes may read.
 */
import { SigilError } from "../errors.js";
import { createCredential, type Backend, type Credential } from "./backend.js";
import { credentialFromBytes } from "./fields.js";

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function createEnvBackend(
  name: string,
  options: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
): Backend {
  return {
    name,
    kind: "env",
    // Reads the environment it was given; holds no connection.
    close: async () => undefined,
    async fetch(secretRef: string): Promise<Credential> {
      const [varPart = "", field] = splitRef(secretRef || options["var"] || "");
      if (!VAR_NAME.test(varPart)) {
        throw new SigilError("ERR_BACKEND_FAILED", "env backend: secret ref must name a variable");
      }
      const prefix = options["prefix"];
      if (prefix && !varPart.startsWith(prefix)) {
        throw new SigilError(
          "ERR_BACKEND_FAILED",
          `env backend: variable must start with ${prefix}`,
        );
      }
      const raw = env[varPart];
      if (raw === undefined || raw === "") {
        throw new SigilError("ERR_BACKEND_FAILED", `env backend: ${varPart} is not set`);
      }
      return createCredential(credentialFromBytes(Buffer.from(raw, "utf8"), field));
    },
  };
}

function splitRef(ref: string): [string, string | undefined] {
  const hash = ref.indexOf("#");
  return hash < 0 ? [ref, undefined] : [ref.slice(0, hash), ref.slice(hash + 1)];
}

/**
 * Backend kind → factory. TypeScript checks the table covers every kind; adding a backend is one
 * module plus one line here. Kinds not built yet answer with a clear "not implemented" error.
 */
import { SigilError } from "../errors.js";
import { BACKEND_KINDS, type Backend, type BackendKind } from "./backend.js";
import { createEnvBackend } from "./env.js";

export interface BackendDeps {
  env: NodeJS.ProcessEnv;
}

type Factory = (
  name: string,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
) => Backend;

const FACTORIES: Record<BackendKind, Factory> = {
  env: (name, options, deps) => createEnvBackend(name, options, deps.env),
  "hashicorp-vault": notImplemented("hashicorp-vault"),
  "aws-secrets-manager": notImplemented("aws-secrets-manager"),
  "aws-sts": notImplemented("aws-sts"),
  "azure-key-vault": notImplemented("azure-key-vault"),
  "gcp-secret-manager": notImplemented("gcp-secret-manager"),
};

export function isBackendKind(kind: string): kind is BackendKind {
  return (BACKEND_KINDS as readonly string[]).includes(kind);
}

export function createBackend(
  name: string,
  kind: BackendKind,
  options: Readonly<Record<string, string>>,
  deps: BackendDeps,
): Backend {
  return FACTORIES[kind](name, options, deps);
}

function notImplemented(kind: BackendKind): Factory {
  return (name) => ({
    name,
    kind,
    async fetch() {
      throw new SigilError(
        "ERR_BACKEND_FAILED",
        `backend kind ${kind} is not implemented in this version of sigil-vault`,
      );
    },
  });
}

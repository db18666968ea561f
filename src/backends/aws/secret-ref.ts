/**
 * `--secret` for aws-secrets-manager: `SECRET_ID[#FIELD][@STAGE]`, e.g.
 * `prod/openai#api_key@AWSCURRENT`. `#` cannot occur in secret names or ARNs, so it always starts
 * the field; the last `@` always starts the version stage (a name containing `@` must therefore
 * be followed by an explicit stage: `team@corp@AWSCURRENT`).
 */
import { SigilError } from "../../errors.js";

export interface SecretRef {
  secretId: string;
  /** A member of a JSON SecretString. */
  field?: string;
  /** VersionStage; AWS defaults to AWSCURRENT when absent. */
  stage?: string;
}

export function parseSecretRef(ref: string): SecretRef {
  const hash = ref.indexOf("#");
  const at = ref.lastIndexOf("@");
  const stageAt = at > hash ? at : -1;
  const end = stageAt >= 0 ? stageAt : ref.length;
  const secretId = hash >= 0 ? ref.slice(0, hash) : ref.slice(0, end);
  const field = hash >= 0 ? ref.slice(hash + 1, end) : undefined;
  const stage = stageAt >= 0 ? ref.slice(stageAt + 1) : undefined;
  if (
    secretId === "" ||
    field === "" ||
    stage === "" ||
    (stage !== undefined && stage.length > 256)
  ) {
    throw new SigilError(
      "ERR_BACKEND_FAILED",
      "aws-secrets-manager secret ref must be SECRET_ID[#FIELD][@STAGE]",
    );
  }
  return {
    secretId,
    ...(field !== undefined ? { field } : {}),
    ...(stage !== undefined ? { stage } : {}),
  };
}

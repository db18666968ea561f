/** `basic` — `Authorization: Basic base64(username:password)` from the credential's fields. */
import { SigilError } from "../errors.js";
import type { Injector } from "./injector.js";
import { fieldText } from "./template.js";

export function createBasicInjector(spec: string): Injector {
  return {
    spec,
    requiredFields: ["username", "password"],
    apply(req, cred) {
      const user = fieldText(cred, "username");
      if (user.includes(":")) {
        throw new SigilError("ERR_INJECTION_FAILED", "credential username contains ':'");
      }
      const pair = Buffer.from(`${user}:${fieldText(cred, "password")}`, "utf8");
      req.headers["authorization"] = `Basic ${pair.toString("base64")}`;
      pair.fill(0);
    },
  };
}

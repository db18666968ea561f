/**
 * `--inject` spec → Injector (spec §6), compiled once per route at config load. Default:
 * `header:Authorization=Bearer {value}`.
 */
import { SigilError } from "../errors.js";
import { createBasicInjector } from "./basic.js";
import { createHeaderInjector } from "./header.js";
import type { Injector } from "./injector.js";
import { createQueryInjector } from "./query.js";

export const DEFAULT_INJECT = "header:Authorization=Bearer {value}";

export function compileInjector(spec: string): Injector {
  const colon = spec.indexOf(":");
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? "" : spec.slice(colon + 1);
  switch (kind) {
    case "header":
      return createHeaderInjector(spec, rest);
    case "basic":
      if (rest !== "")
        throw new SigilError("ERR_USAGE", `inject "${spec}": basic takes no argument`);
      return createBasicInjector(spec);
    case "query":
      return createQueryInjector(spec, rest);
    case "aws-sigv4":
    case "mtls":
      throw new SigilError("ERR_USAGE", `inject kind ${kind} is not implemented in this version`);
    default:
      throw new SigilError(
        "ERR_USAGE",
        `inject "${spec}": kind must be header:NAME=TEMPLATE, basic or query:NAME`,
      );
  }
}

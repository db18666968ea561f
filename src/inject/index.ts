/**
 * `--inject` spec → Injector (spec §6), compiled once per route at config load. Default:
 * `header:Authorization=Bearer {value}`.
 */
import { SigilError } from "../errors.js";
import { createBasicInjector } from "./basic.js";
import { createHeaderInjector } from "./header.js";
import type { Injector } from "./injector.js";
import { createQueryInjector } from "./query.js";
import { createAwsSigv4Injector } from "./aws-sigv4.js";
import { createMtlsInjector } from "./mtls.js";

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
      return createAwsSigv4Injector(spec, rest);
    case "mtls":
      return createMtlsInjector(spec, rest);
    default:
      throw new SigilError(
        "ERR_USAGE",
        `inject "${spec}": kind must be header:NAME=TEMPLATE, basic, query:NAME, aws-sigv4[:service[:region]] or mtls`,
      );
  }
}

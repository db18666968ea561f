/** The `mtls` injection kind (spec §6). Placeholder until implemented: refused when a route is added. */
import { SigilError } from "../errors.js";
import type { Injector } from "./injector.js";

export function createMtlsInjector(spec: string, _arg: string): Injector {
  throw new SigilError(
    "ERR_USAGE",
    `inject "${spec}": kind mtls is not implemented in this version`,
  );
}

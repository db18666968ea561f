/** The `aws-sigv4` injection kind (spec §6). Placeholder until implemented: refused when a route is added. */
import { SigilError } from "../errors.js";
import type { Injector } from "./injector.js";

export function createAwsSigv4Injector(spec: string, _arg: string): Injector {
  throw new SigilError(
    "ERR_USAGE",
    `inject "${spec}": kind aws-sigv4 is not implemented in this version`,
  );
}

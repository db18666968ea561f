/** `query:NAME` — sets one query parameter, replacing any the agent sent under that name. */
import { SigilError } from "../errors.js";
import type { Injector } from "./injector.js";
import { fieldText } from "./template.js";

export function createQueryInjector(spec: string, name: string): Injector {
  if (!/^[A-Za-z0-9._~-]+$/.test(name)) {
    throw new SigilError("ERR_USAGE", `inject "${spec}": query parameter name must be unreserved`);
  }
  return {
    spec,
    requiredFields: ["value"],
    apply(req, cred) {
      const q = req.path.indexOf("?");
      const path = q < 0 ? req.path : req.path.slice(0, q);
      const kept =
        q < 0
          ? []
          : req.path
              .slice(q + 1)
              .split("&")
              .filter((p) => !isParam(p, name));
      kept.push(`${name}=${encodeURIComponent(fieldText(cred, "value"))}`);
      req.path = `${path}?${kept.filter((p) => p !== "").join("&")}`;
    },
  };
}

function isParam(pair: string, name: string): boolean {
  const eq = pair.indexOf("=");
  const key = eq < 0 ? pair : pair.slice(0, eq);
  try {
    return decodeURIComponent(key.replace(/\+/g, " ")) === name;
  } catch {
    return key === name;
  }
}

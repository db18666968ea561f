/** `header:NAME=TEMPLATE` — sets one header, replacing whatever the agent sent under that name. */
import { SigilError } from "../errors.js";
import type { Injector } from "./injector.js";
import { compileTemplate } from "./template.js";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "upgrade",
  "te",
  "trailer",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
]);

export function createHeaderInjector(spec: string, body: string): Injector {
  const eq = body.indexOf("=");
  if (eq <= 0) throw new SigilError("ERR_USAGE", `inject "${spec}": expected header:NAME=TEMPLATE`);
  const name = body.slice(0, eq).trim().toLowerCase();
  if (!TOKEN.test(name) || FORBIDDEN.has(name) || name.startsWith("x-sigil-")) {
    throw new SigilError("ERR_USAGE", `inject "${spec}": header name "${name}" cannot be injected`);
  }
  const template = compileTemplate(body.slice(eq + 1));
  return {
    spec,
    headerName: name,
    requiredFields: template.fields,
    apply(req, cred) {
      req.headers[name] = template.render(cred);
    },
  };
}

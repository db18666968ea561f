/**
 * Generic method overrides (issue 14): many frameworks and APIs run `POST` + `X-HTTP-Method-Override:
 * DELETE` as a DELETE, so a route's `--methods GET,POST` would not mean what it says. On a route
 * that lists methods, each overridden method must be listed too; a route without a method list
 * allows every method, so an override there reaches nothing the agent could not ask for directly.
 */
import type { LiveHeaders } from "../live-headers.js";
import { SigilError } from "../errors.js";

export const METHOD_OVERRIDE_HEADERS = [
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
] as const;

const SHOWABLE = /^[A-Z]{1,16}$/;

/** Refuses (`ERR_NO_ROUTE`) an override to a method the route does not list. */
export function checkMethodOverride(
  methods: readonly string[] | undefined,
  headers: LiveHeaders,
): void {
  if (methods === undefined) return;
  for (const name of METHOD_OVERRIDE_HEADERS) {
    const sent = headers[name];
    if (sent === undefined) continue;
    for (const value of typeof sent === "string" ? [sent] : sent) {
      const method = value.trim().toUpperCase();
      if (methods.includes(method)) continue;
      const shown = SHOWABLE.test(method) ? ` ${method}` : "";
      throw new SigilError(
        "ERR_NO_ROUTE",
        `${name} asks for method${shown}, which the matching route does not allow`,
      );
    }
  }
}

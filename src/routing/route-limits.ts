/**
 * What a route limits beyond host, path and method, checked once the body is buffered and before
 * the attestation is claimed or a backend asked: method-override headers and the route's AWS
 * operation allow-list. A request outside them has no route (`ERR_NO_ROUTE`), whatever the binding.
 */
import type { LiveHeaders } from "../live-headers.js";
import { checkAwsOperation, type AwsOperationList } from "./aws-operation.js";
import { checkMethodOverride } from "./method-override.js";

export interface LimitedRoute {
  methods?: readonly string[];
  awsOperations?: AwsOperationList;
}

export interface LimitedRequest {
  method: string;
  host: string;
  /** The normalised path and the path with the raw query, as forwarded. */
  target: { path: string; pathWithQuery: string };
  headers: LiveHeaders;
  body?: Buffer;
}

export function checkRouteLimits(route: LimitedRoute, req: LimitedRequest): void {
  checkMethodOverride(route.methods, req.headers);
  if (route.awsOperations === undefined) return;
  const q = req.target.pathWithQuery.indexOf("?");
  checkAwsOperation(route.awsOperations, {
    method: req.method,
    host: req.host,
    path: req.target.path,
    query: q < 0 ? "" : req.target.pathWithQuery.slice(q + 1),
    headers: req.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
  });
}

/** doctor warns about aws-sigv4 routes where the agent alone chooses the AWS operation. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigFile, RouteEntry } from "../../src/config/schema.js";
import { checkRouteScopes } from "../../src/doctor/route-scope-check.js";

const route = (id: string, extra: Partial<RouteEntry>): RouteEntry => ({
  id,
  agent_id: "agt_1",
  host: "secretsmanager.us-east-1.amazonaws.com",
  path: "/",
  backend: "aws",
  inject: "aws-sigv4",
  binding: "optional",
  ...extra,
});

test("warns on aws-sigv4 routes with neither a required binding nor an operation list, only those", () => {
  const file = {
    routes: [
      route("rt_open0000", {}),
      route("rt_off00000", { binding: "off", inject: "aws-sigv4:secretsmanager:us-east-1" }),
      route("rt_required", { binding: "required" }),
      route("rt_listed00", { aws_operations: ["GetSecretValue"] }),
      route("rt_header00", { inject: "header:x-api-key={value}" }),
    ],
  } as unknown as ConfigFile;
  const lines = checkRouteScopes(file);
  assert.deepEqual(
    lines.map((l) => [l.check, l.status]),
    [
      ["route rt_open0000", "warn"],
      ["route rt_off00000", "warn"],
    ],
  );
  assert.match(lines[0]!.message, /agent chooses which AWS operation is signed/);
});

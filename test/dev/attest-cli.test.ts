/**
 * `sigil-vault dev attest` through the real CLI: bound to a request it prints both headers and no
 * warning; without --method/--url its token binds no request, which routes with the default
 * `binding: required` refuse, so it says so on stderr.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { createCliSession } from "../helpers/cli.js";
import { makeTmpDir } from "../helpers/tmp-dir.js";

it("warns on stderr when the attestation binds no request, and only then", async (t) => {
  const dir = await makeTmpDir(t);
  const cli = createCliSession(join(dir, "home"), dir);
  t.after(() => cli.close());
  const key = join(dir, "dev.jwk");
  assert.equal((await cli.run(["dev", "keygen", "--key", key])).code, 0);
  const base = ["dev", "attest", "--key", key, "--agent", "agent-1"];

  const bound = await cli.run([...base, "--method", "GET", "--url", "https://api.test/v1/models"]);
  assert.equal(bound.code, 0, bound.stderr);
  assert.match(bound.stdout, /^X-Sigil-Attestation: \S+\nX-Sigil-Intent: \S+\n$/);
  assert.equal(bound.stderr, "");

  const unbound = await cli.run(base);
  assert.equal(unbound.code, 0, unbound.stderr);
  assert.match(unbound.stdout, /^X-Sigil-Attestation: \S+\n$/);
  assert.match(unbound.stderr, /bound to no request; routes with binding required \(the default\)/);
});

/**
 * The one way a test may skip: for a missing tool or fixture, with the reason printed. Under
 * CI=true a missing tool is a broken CI image (.ci/run installs every one), not a reason: the
 * helper throws, so the test — or, called at module level, the whole file — fails instead of
 * passing quietly untested.
 */

/** `false` when `available`, else `reason` for `{ skip }` / `t.skip()`; throws under CI=true. */
export function skipUnless(available: boolean, reason: string): string | false {
  if (available) return false;
  if (isCi(process.env)) {
    throw new Error(`CI=true, and a test would skip: ${reason}`);
  }
  return reason;
}

/**
 * For data that lives outside the repository and may legitimately be absent — the Sigil
 * ecosystem's public vectors in ../shared, which are never copied into the tree: skips with the
 * reason printed, under CI too (where .ci/run's checkout has them beside it, so they run).
 */
export function skipWithoutFixture(present: boolean, reason: string): string | false {
  return present ? false : reason;
}

/** CI=true (or 1), as GitHub Actions, GitLab and most runners set it; .ci/run sets it too. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  return env["CI"] === "true" || env["CI"] === "1";
}

/**
 * A private temporary directory per test, removed when the test ends, so tests that touch the
 * filesystem never share state or leave files behind.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

/** Creates a fresh directory and registers its removal with `t.after`. */
export async function makeTmpDir(t: TestContext, prefix = "sigil-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Shared pieces of the CLI contract suites: a fresh initialized home per suite and the two ways a
 * command may end (success, or one `error:` line on stderr with exit 1 or 2).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { createCliSession, type CliSession, type ProcessResult } from "../helpers/cli.js";

/** Asserts a failure: exit code, nothing on stdout, exactly one `error:` line on stderr. */
export function assertFails(r: ProcessResult, exitCode: 1 | 2, pattern?: RegExp): void {
  assert.equal(r.code, exitCode, `stdout: ${r.stdout} stderr: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error: [^\n]+\n$/, "one line on stderr");
  if (pattern) assert.match(r.stderr, pattern);
}

/** Asserts exit 0 and returns stdout. */
export function ok(r: ProcessResult): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Registers hooks in the enclosing describe: `sigil-vault init` in a fresh temporary home. */
export function useInitializedHome(): { readonly cli: CliSession } {
  const state: { cli?: CliSession; dir?: string } = {};
  before(async () => {
    state.dir = await mkdtemp(join(tmpdir(), "sigil-e2e-cli-"));
    state.cli = createCliSession(join(state.dir, "home"), state.dir);
    ok(await state.cli.run(["init"]));
  });
  after(async () => {
    await state.cli?.close();
    if (state.dir) await rm(state.dir, { recursive: true, force: true });
  });
  return {
    get cli() {
      if (!state.cli) throw new Error("the home is not initialized yet");
      return state.cli;
    },
  };
}

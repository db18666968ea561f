/**
 * The error tables drive behaviour: a SigilError's HTTP status comes from PROXY_ERRORS and its
 * exit code from CLI_ERRORS, for every code in them, so adding a code is one table line.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLI_ERRORS, OUTCOME_ERRORS, PROXY_ERRORS, SigilError } from "../src/errors.js";

test("every CLI code exits with the status its table row gives", () => {
  for (const [code, exit] of Object.entries(CLI_ERRORS)) {
    const err = new SigilError(code as keyof typeof CLI_ERRORS, "r");
    assert.equal(err.exitCode, exit, code);
    assert.equal(err.status, 500, `${code} is not an HTTP refusal`);
  }
  assert.equal(new SigilError("ERR_USAGE", "r").exitCode, 2);
});

test("every proxy code has its table status and exits 1 if it reaches the CLI", () => {
  for (const [code, status] of Object.entries(PROXY_ERRORS)) {
    const err = new SigilError(code as keyof typeof PROXY_ERRORS, "r");
    assert.equal(err.status, status, code);
    assert.equal(err.exitCode, 1, code);
  }
});

test("outcome-only codes are in neither refusal table", () => {
  for (const code of OUTCOME_ERRORS) {
    assert.equal(code in PROXY_ERRORS || code in CLI_ERRORS, false, code);
  }
});

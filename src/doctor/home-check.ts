/**
 * Home permissions (spec §1): the home and its directories 0700, secret files 0600, all owned by
 * the user running doctor. A group- or world-readable CA key, config or audit log undoes the
 * point of the broker, so any group/other bit on them is a FAIL.
 */
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { listAuditFiles } from "../audit/files.js";
import type { HomePaths } from "../config/home.js";
import { probePaths } from "../probe/material.js";
import { fail, ok, type CheckResult } from "./check.js";

interface Entry {
  path: string;
  dir: boolean;
  /** Missing is a FAIL (else the entry is skipped when absent). */
  required: boolean;
}

/** Checks owner-only modes; `uid` is the expected owner (default: this process's user). */
export async function checkHomePermissions(
  home: HomePaths,
  uid: number | undefined = process.getuid?.(),
): Promise<CheckResult[]> {
  const probe = probePaths(home);
  const entries: Entry[] = [
    { path: home.root, dir: true, required: true },
    { path: home.caDir, dir: true, required: false },
    { path: home.auditDir, dir: true, required: false },
    { path: probe.dir, dir: true, required: false },
    { path: home.config, dir: false, required: true },
    { path: join(home.caDir, "ca.key"), dir: false, required: false },
    { path: join(home.root, "dev-signer.jwk"), dir: false, required: false },
    { path: probe.token, dir: false, required: false },
    { path: probe.key, dir: false, required: false },
    { path: home.controlToken, dir: false, required: false },
    ...(await auditFiles(home.auditDir)).map((path) => ({ path, dir: false, required: false })),
  ];
  const out: CheckResult[] = [];
  let checked = 0;
  for (const e of entries) {
    const problem = await inspect(e, uid);
    if (problem === null) continue;
    if (problem !== "ok") out.push(problem);
    checked++;
  }
  if (out.length === 0) out.push(ok("home", `${home.root}: ${checked} entries are owner-only`));
  return out;
}

/** "ok", a FAIL, or null when an optional entry is absent. */
async function inspect(e: Entry, uid: number | undefined): Promise<CheckResult | "ok" | null> {
  const st = await lstat(e.path).catch(() => undefined);
  if (st === undefined) {
    return e.required ? fail("home", `${e.path} does not exist`, "sigil-vault init") : null;
  }
  const want = e.dir ? 0o700 : 0o600;
  const chmod = `chmod ${want.toString(8)} ${e.path}`;
  if (st.isSymbolicLink()) {
    return fail("home", `${e.path} is a symbolic link`, `replace it with a real file or directory`);
  }
  if (e.dir !== st.isDirectory()) {
    return fail("home", `${e.path} is not a ${e.dir ? "directory" : "file"}`, `remove it`);
  }
  if (uid !== undefined && st.uid !== uid) {
    return fail(
      "home",
      `${e.path} is owned by uid ${st.uid}, not ${uid}`,
      `chown ${uid} ${e.path}`,
    );
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    const octal = (m: number) => "0" + m.toString(8);
    return fail("home", `${e.path} is mode ${octal(mode)}, expected ${octal(want)}`, chmod);
  }
  return "ok";
}

async function auditFiles(dir: string): Promise<string[]> {
  const files = await listAuditFiles(dir).catch(() => []);
  return files.map((f) => f.path);
}

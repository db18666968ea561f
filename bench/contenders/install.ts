/**
 * Installs a missing peer the ordinary way — Debian packages with apt-get, npm packages into a
 * scratch folder outside the project — or explains why it cannot, so the comparison can report the
 * contender as skipped instead of silently dropping it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

let aptUpdated = false;

/** Ensures `binary` exists, installing Debian package `pkg` if needed (root only). */
export function ensureApt(binary: string, pkg: string): void {
  if (onPath(binary)) return;
  if (process.getuid?.() !== 0)
    throw new Error(`${pkg} is not installed and the bench is not root`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    if (!aptUpdated)
      execFileSync("apt-get", ["update", "-qq"], { env, stdio: "ignore", timeout: 300_000 });
    aptUpdated = true;
    execFileSync("apt-get", ["install", "-y", "-qq", pkg], {
      env,
      stdio: "ignore",
      timeout: 600_000,
    });
  } catch {
    throw new Error(`apt-get install ${pkg} failed`);
  }
  if (!onPath(binary)) throw new Error(`${pkg} installed but ${binary} is not on PATH`);
}

/** Ensures `name@version` is installed under `dir`; returns the installed package.json version. */
export function ensureNpm(dir: string, name: string, version: string): string {
  const manifest = join(dir, "node_modules", name, "package.json");
  if (!existsSync(manifest) || installedVersion(manifest) !== version) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync(
        "npm",
        ["install", "--prefix", dir, "--no-audit", "--no-fund", `${name}@${version}`],
        { stdio: "ignore", timeout: 600_000 },
      );
    } catch {
      throw new Error(`npm install ${name}@${version} into ${dir} failed`);
    }
  }
  return installedVersion(manifest);
}

/** First line of `cmd args` (a version banner), or "unknown". */
export function versionLine(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return pattern.exec(out)?.[0] ?? "unknown";
  } catch (err) {
    const out = String((err as { stdout?: unknown }).stdout ?? "");
    return pattern.exec(out)?.[0] ?? "unknown";
  }
}

function onPath(binary: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function installedVersion(manifest: string): string {
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

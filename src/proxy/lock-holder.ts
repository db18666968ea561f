/** The "home is taken" message a second `start` prints: which pid holds the home, and where. */
import type { HomePaths } from "../config/home.js";
import { readLockHolder } from "../config/lock-file.js";

export function describeHolder(home: HomePaths): string {
  const holder = readLockHolder(home.proxyLock);
  const who = holder
    ? ` (pid ${holder.pid}${holder.listen ? `, listening on ${holder.listen}` : ", still starting"})`
    : "";
  return `another sigil-vault proxy${who} holds ${home.root}; stop it first, or use another --home`;
}

/**
 * Audit segments are opened with O_DSYNC, so the one write of a batch is durable when it returns
 * (the writer no longer issues a separate fdatasync). Read back from the kernel's view of the fd.
 */
import assert from "node:assert/strict";
import { constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { auditFileName } from "../../src/audit/files.js";
import { createSegment, openSegment, writeDurably } from "../../src/audit/segment.js";

const dir = mkdtempSync(join(tmpdir(), "sigil-dsync-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The open flags of one of this process's fds, from /proc (octal in fdinfo). */
function fdFlags(fd: number): number {
  const info = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8");
  return parseInt(/^flags:\s+([0-7]+)$/m.exec(info)![1]!, 8);
}

describe(
  "audit segment files",
  { skip: process.platform !== "linux" && "reads /proc (Linux only)" },
  () => {
    it("a new segment and a reopened one are both O_DSYNC", async () => {
      const created = await createSegment(dir, 0);
      assert.equal(fdFlags(created.fh.fd) & constants.O_DSYNC, constants.O_DSYNC);
      await writeDurably(created, Buffer.from("{}\n"));
      await created.fh.close();
      const path = join(dir, auditFileName(0));
      const reopened = await openSegment({ name: auditFileName(0), path, firstSeq: 0 });
      try {
        assert.equal(fdFlags(reopened.fh.fd) & constants.O_DSYNC, constants.O_DSYNC);
        assert.equal(reopened.size, 3);
        assert.equal(readFileSync(path, "utf8"), "{}\n");
      } finally {
        await reopened.fh.close();
      }
    });
  },
);

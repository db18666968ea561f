/**
 * Which audit record answers for a request: the seq of its first record (the `release`, or the
 * `deny`), so each row of the dashboard's request table links to `/audit/<seq>`. Fed by the
 * audit writer after each durable batch; bounded to the most recent requests, oldest evicted.
 */
import type { AuditRecord } from "../audit/record.js";

export const INDEXED_REQUESTS = 4096;

export interface AuditIndex {
  add(records: readonly AuditRecord[]): void;
  seqOf(requestId: string): number | undefined;
}

export function createAuditIndex(capacity = INDEXED_REQUESTS): AuditIndex {
  const seqs = new Map<string, number>(); // insertion order = age
  return {
    add(records) {
      for (const r of records) {
        const id = r["requestId"];
        if (typeof id !== "string" || seqs.has(id)) continue; // an outcome keeps its release's seq
        seqs.set(id, r.seq);
        if (seqs.size > capacity) seqs.delete(seqs.keys().next().value as string);
      }
    },
    seqOf: (requestId) => seqs.get(requestId),
  };
}

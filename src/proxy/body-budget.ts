/**
 * One global budget for request bodies held in memory (intent `body_sha256` checks, SigV4
 * signing): `proxy.max_buffered_body_bytes`. Many tunnels uploading large bound bodies at once
 * cannot grow the proxy's memory past it; a request that would is refused (503 ERR_OVERLOADED).
 */

export interface BodyBudget {
  /** Bytes reserved now, across all requests. */
  readonly used: number;
  /** A reservation for one request, under the limit in force when it was opened. */
  open(limit: number): BodyReservation;
}

/** What one request holds of the budget; `free` returns all of it (idempotent). */
export interface BodyReservation {
  /** Reserves `bytes` more; false (nothing reserved) if the budget would go over its limit. */
  take(bytes: number): boolean;
  free(): void;
}

export function createBodyBudget(): BodyBudget {
  let used = 0;
  return {
    get used() {
      return used;
    },
    open(limit) {
      let held = 0;
      let freed = false;
      return {
        take(bytes) {
          if (freed || used + bytes > limit) return false;
          used += bytes;
          held += bytes;
          return true;
        },
        free() {
          if (freed) return;
          freed = true;
          used -= held;
          held = 0;
        },
      };
    },
  };
}

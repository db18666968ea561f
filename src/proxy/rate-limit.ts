/**
 * Per-agent request rate limit (`proxy.rate_limit`): a token bucket per agent id, checked before
 * any attestation work, so an agent flooding its tunnel is refused cheaply (429) and cannot use up
 * the proxy's CPU, memory or audit log at the expense of other agents.
 */
import { SigilError } from "../errors.js";

/** A bucket's shape: `perSecond` tokens flow in, up to `burst`; each request takes one. */
export interface RateRule {
  perSecond: number;
  burst: number;
}

export interface RateLimiter {
  /** Takes a token from `agentId`'s bucket at `nowMs`; false when the bucket is empty. */
  take(agentId: string, nowMs: number, rule: RateRule): boolean;
  /** True when `agentId`'s bucket holds a token at `nowMs`; takes none. */
  has(agentId: string, nowMs: number, rule: RateRule): boolean;
}

/** Buckets live as long as the process; there is one per agent id the config ever held. */
export function createRateLimiter(): RateLimiter {
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  /** The bucket refilled up to `nowMs`; undefined for an agent that never took a token (full). */
  function refilled(agentId: string, nowMs: number, rule: RateRule) {
    const bucket = buckets.get(agentId);
    if (!bucket) return undefined;
    // An injected clock may stand still or step back: never refill for negative time.
    const elapsedMs = Math.max(0, nowMs - bucket.atMs);
    bucket.tokens = Math.min(rule.burst, bucket.tokens + (elapsedMs / 1000) * rule.perSecond);
    bucket.atMs = Math.max(bucket.atMs, nowMs);
    return bucket;
  }
  return {
    take(agentId, nowMs, rule) {
      const bucket = refilled(agentId, nowMs, rule);
      if (!bucket) {
        buckets.set(agentId, { tokens: rule.burst - 1, atMs: nowMs });
        return true;
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    has(agentId, nowMs, rule) {
      const bucket = refilled(agentId, nowMs, rule);
      return !bucket || bucket.tokens >= 1;
    },
  };
}

/**
 * Refuses the request (429 ERR_RATE_LIMITED) when the agent's bucket is empty. Buckets run on the
 * monotonic clock: a wall-clock step (or a test's frozen attestation clock) must not refill them.
 */
export function checkRateLimit(
  rt: { rateLimiter: RateLimiter },
  rule: RateRule,
  agentId: string,
): void {
  if (rt.rateLimiter.take(agentId, performance.now(), rule)) return;
  throw rateLimited(rule);
}

// One error per rule, reused: capturing a stack per refusal was the largest cost of a flood.
let cached: { rule: RateRule; err: SigilError } | undefined;

function rateLimited(rule: RateRule): SigilError {
  if (cached?.rule !== rule) {
    const reason = `this agent is over its request rate (proxy.rate_limit: ${rule.perSecond}/s, burst ${rule.burst})`;
    cached = { rule, err: new SigilError("ERR_RATE_LIMITED", reason) };
  }
  return cached.err;
}

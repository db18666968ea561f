/**
 * Redis' clock against Vault's (issue 14). A hold is an absolute Redis time (`PXAT exp + 300 s`),
 * so with Vault's clock minutes behind Redis a hold can land in Redis' past: the key expires at
 * once and the same attestation is claimable again. The store measures the skew with `TIME` at
 * connect and periodically, and refuses every claim while it is beyond the bound.
 */

/** Largest tolerated difference between Redis' clock and Vault's. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 60_000;
/** How often a connected store re-measures. */
export const DEFAULT_CLOCK_CHECK_EVERY_MS = 30_000;

/**
 * Redis time minus local time, in ms (positive: Redis is ahead). The local reading is the midpoint
 * of the round trip, so a slow answer does not count as skew.
 */
export async function measureClockSkew(
  time: () => Promise<readonly string[]>,
  nowMs: () => number,
): Promise<number> {
  const sent = nowMs();
  const [seconds, micros] = await time();
  const received = nowMs();
  const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  if (!Number.isFinite(redisMs)) throw new Error("TIME answered something that is not a time");
  return redisMs - (sent + received) / 2;
}

/** Why claims are refused at this skew, or undefined when it is within the bound. */
export function clockSkewReason(skewMs: number, boundMs: number): string | undefined {
  if (Math.abs(skewMs) <= boundMs) return undefined;
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const direction = skewMs > 0 ? "ahead of" : "behind";
  return `replay store clock skew: Redis is ${seconds} s ${direction} this host (bound ${boundMs / 1000} s), so replay holds would expire at the wrong time`;
}

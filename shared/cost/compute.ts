/**
 * Cloud Run functions compute: billable instance time from counted requests, at the configured
 * concurrency. Pure arithmetic.
 *
 * Cloud Run functions (2nd gen) use Cloud Run's request-based billing: an instance is billed for the
 * time it is handling at least one request, rounded up to 100 ms, at its configured vCPU and memory
 * (https://cloud.google.com/run/pricing: "rounded up to the nearest 100 millisecond"; "When setting
 * concurrency higher than one request at a time, multiple requests can share the allocated CPU and
 * memory of an instance").
 */

/** Cloud Run's billing increment. */
export const BILLING_INCREMENT_MS = 100;

/** One request's billed duration: rounded UP to the next 100 ms (101 ms bills 200 ms; 0 ms bills 0). */
export function billedMs(durationMs: number): number {
  if (!(durationMs >= 0)) throw new RangeError(`a request duration must be ≥ 0 ms, got ${durationMs}`);
  return Math.ceil(durationMs / BILLING_INCREMENT_MS) * BILLING_INCREMENT_MS;
}

/** The sum of billed durations of measured requests, each rounded up on its own. */
export function billedRequestMs(durationsMs: Iterable<number>): number {
  let total = 0;
  for (const d of durationsMs) total += billedMs(d);
  return total;
}

/**
 * Expected billable instance-seconds over a period of `periodSeconds` in which requests whose billed
 * durations sum to `totalBilledMs` arrive, at `concurrency` requests per instance.
 *
 * Model: requests arrive independently at a steady rate over the period (Poisson arrivals, any
 * duration distribution: an M/G/∞ system), so the number in flight at a random instant is Poisson
 * with mean L = Σ billed durations / period (Little's law). The router packs requests onto busy
 * instances before it wakes an idle one, so N requests in flight keep ⌈N / concurrency⌉ instances
 * busy, and an instance is billed exactly while it is busy. Billable instance-seconds are then
 *
 *     period × E[⌈N / c⌉],  N ~ Poisson(L)
 *
 * which lies between the two simple bounds: ≥ Σ durations / c (perfect sharing) and
 * ≥ period × (1 − e^−L) (some instance is busy whenever a request is in flight), and ≤ Σ durations
 * (no sharing; equal at c = 1). At low rates requests rarely overlap and concurrency saves nothing;
 * at high rates the cost tends to Σ durations / c. It depends on the requests only through Σ
 * durations, and is non-decreasing in it.
 *
 * Approximations, stated: the 100 ms rounding is applied per request (Cloud Run rounds the instance's
 * busy time, which is never more); packing is perfect (the real autoscaler may keep more instances
 * busy, so this is the optimistic end); start-up (cold start) time is billed only if it is inside
 * the measured durations; the rate is steady across the period (a bursty month shares more).
 */
export function billableInstanceSeconds(totalBilledMs: number, concurrency: number, periodSeconds: number): number {
  if (!(totalBilledMs >= 0)) throw new RangeError(`billed milliseconds must be ≥ 0, got ${totalBilledMs}`);
  if (!(concurrency >= 1) || !Number.isInteger(concurrency)) throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
  if (!(periodSeconds > 0)) throw new RangeError(`the period must be > 0 s, got ${periodSeconds}`);
  const seconds = totalBilledMs / 1000;
  if (seconds === 0) return 0;
  if (concurrency === 1) return seconds;
  return periodSeconds * expectedCeilDiv(seconds / periodSeconds, concurrency);
}

/** E[⌈N / c⌉] for N ~ Poisson(mean), summed around the mode (log-space start, exact recurrences). */
export function expectedCeilDiv(mean: number, c: number): number {
  if (mean <= 0) return 0;
  if (c === 1) return mean;
  if (mean > 1e9) return mean / c + (c - 1) / (2 * c); // (−N mod c) is uniform on 0..c−1 this far out
  const mode = Math.floor(mean);
  const width = Math.ceil(12 * Math.sqrt(mean) + 12);
  const lo = Math.max(0, mode - width);
  const hi = mode + width + c;
  const pMode = Math.exp(-mean + mode * Math.log(mean) - lnFactorial(mode));
  let mass = 0;
  let sum = 0;
  let p = pMode;
  for (let k = mode; k <= hi; k += 1) {
    mass += p;
    sum += p * Math.ceil(k / c);
    p = (p * mean) / (k + 1);
  }
  p = pMode;
  for (let k = mode - 1; k >= lo; k -= 1) {
    p = (p * (k + 1)) / mean;
    mass += p;
    sum += p * Math.ceil(k / c);
  }
  return sum / mass;
}

/** ln(n!) — exact sum below 171, Stirling's series above (relative error < 1e-15 there). */
function lnFactorial(n: number): number {
  if (n < 171) {
    let s = 0;
    for (let i = 2; i <= n; i += 1) s += Math.log(i);
    return s;
  }
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

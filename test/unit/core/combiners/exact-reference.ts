/** Exact arithmetic on doubles for test references: every finite double is an integer times 2^-1074. */

/** x · 2^1074 as an exact BigInt. */
export function scaled(x: number): bigint {
  if (x === 0) return 0n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = bits & ((1n << 52n) - 1n);
  const magnitude = exponent === 0 ? mantissa : (mantissa | (1n << 52n)) << BigInt(exponent - 1);
  return negative ? -magnitude : magnitude;
}

/** The exact sum of finite doubles, as a scaled BigInt. */
export function exactSumScaled(xs: readonly number[]): bigint {
  let s = 0n;
  for (const x of xs) s += scaled(x);
  return s;
}

/** |a − exact| ≤ tolerance, all exact. */
export function withinScaled(a: number, exact: bigint, tolerance: number): boolean {
  const d = scaled(a) - exact;
  return (d < 0n ? -d : d) <= scaled(tolerance);
}

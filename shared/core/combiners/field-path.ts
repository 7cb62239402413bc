/**
 * Compiles a dotted field path (`'amount'`, `'order.total'`) into a reader, once per measure, so
 * reading a field on the hot path is one or two property loads and no string work. A segment that
 * meets a non-object yields `undefined`, which the combiners count as a null (a missing field).
 */
export type FieldReader = (record: Record<string, unknown>) => unknown;

/** Why a field path is invalid, or `null` when it is valid. */
export function fieldPathProblem(path: unknown): string | null {
  if (typeof path !== 'string' || path.length === 0) return `field must be a non-empty dotted path such as 'amount' or 'order.total'; got ${JSON.stringify(path)}`;
  for (const segment of path.split('.')) {
    if (segment.length === 0) return `field path segments must be non-empty (no leading, trailing or doubled dots); got '${path}'`;
    if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') {
      return `field path segment '${segment}' is reserved; rename the field; got '${path}'`;
    }
  }
  return null;
}

export function compileFieldPath(path: string): FieldReader {
  const problem = fieldPathProblem(path);
  if (problem !== null) throw new RangeError(problem);
  const s = path.split('.');
  const [a, b, c] = s as [string, string?, string?];
  if (s.length === 1) return (r) => r[a];
  if (s.length === 2) {
    const bb = b as string;
    return (r) => {
      const x = r[a];
      return typeof x === 'object' && x !== null ? (x as Record<string, unknown>)[bb] : undefined;
    };
  }
  if (s.length === 3) {
    const bb = b as string;
    const cc = c as string;
    return (r) => {
      const x = r[a];
      if (typeof x !== 'object' || x === null) return undefined;
      const y = (x as Record<string, unknown>)[bb];
      return typeof y === 'object' && y !== null ? (y as Record<string, unknown>)[cc] : undefined;
    };
  }
  return (r) => {
    let x: unknown = r;
    for (let i = 0; i < s.length; i++) {
      if (typeof x !== 'object' || x === null) return undefined;
      x = (x as Record<string, unknown>)[s[i] as string];
    }
    return x;
  };
}

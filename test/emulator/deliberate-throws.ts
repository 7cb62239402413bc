/**
 * functions-framework logs every error a served function throws with `console.error(err.stack)`
 * (as Cloud Functions does in production) and answers 500, so Pub/Sub redelivers. A test that
 * throws on purpose (an injected fault, a simulated crash) marks each such error with
 * `deliberate(err)` as it throws it: the framework's line for exactly that error is captured in
 * `logged` instead of printed, for the test to assert on. Every other `console.error` — an error
 * nobody expected — still prints.
 */
import { vi } from 'vitest';

export interface DeliberateThrows {
  /** Marks `err` as thrown on purpose and returns it: `throw throws.deliberate(new Error('…'))`. */
  deliberate<E>(err: E): E;
  /** What the framework logged for the deliberate errors (their stacks), in order. */
  readonly logged: string[];
  /** Puts `console.error` back. */
  restore(): void;
}

export function captureDeliberateThrows(): DeliberateThrows {
  const print = console.error.bind(console);
  /** The log line each deliberate error will produce, with how many are still to come. */
  const pending = new Map<string, number>();
  const logged: string[] = [];
  const lineOf = (err: unknown) => String((err instanceof Error && err.stack) || err);
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    const line = args.length === 1 && typeof args[0] === 'string' ? args[0] : undefined;
    const left = line === undefined ? 0 : (pending.get(line) ?? 0);
    if (left === 0) return print(...args);
    pending.set(line!, left - 1);
    logged.push(line!);
  });
  return {
    deliberate(err) {
      const line = lineOf(err);
      pending.set(line, (pending.get(line) ?? 0) + 1);
      return err;
    },
    logged,
    restore: () => spy.mockRestore(),
  };
}

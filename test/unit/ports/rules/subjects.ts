/**
 * The two things that enforce one service's rules, tested alike: the in-memory fake, and the
 * enforcing wrapper around an inner port that records what reaches it (to show a refusal never does).
 */
export type Subject<P, I> = () => { port: P; inner: I | undefined };

export function fakeAndWrapper<P, I extends P>(fake: () => P, wrap: (inner: I) => P, recorder: () => I): [string, Subject<P, I>][] {
  return [
    ['the fake', () => ({ port: fake(), inner: undefined })],
    [
      'the enforcing wrapper',
      () => {
        const inner = recorder();
        return { port: wrap(inner), inner };
      },
    ],
  ];
}

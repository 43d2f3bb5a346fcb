/** The only source of "now" for domain code, so that tests can freeze and move time. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests and benchmarks: starts at `start` and moves only when told. */
export function fixedClock(start: Date | string): Clock & { set(to: Date | string): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (to) => void (current = new Date(to)),
    advance: (ms) => void (current = new Date(current.getTime() + ms)),
  };
}

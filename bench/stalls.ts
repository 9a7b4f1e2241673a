/** Shared by the benchmarks: command-line options, medians, event-loop stalls during some work. */

export function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export interface Stalls {
  /** Longest gap between two setImmediate turns while the work ran, ms. */
  gapMs: number;
  totalMs: number;
}

/** Run `work` while a setImmediate loop notes the longest time between two of its turns. */
export async function measureStalls(work: () => Promise<unknown>): Promise<Stalls> {
  let running = true;
  let last = performance.now();
  let gapMs = 0;
  const turn = () => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  const start = performance.now();
  await work();
  const totalMs = performance.now() - start;
  running = false;
  await new Promise((resolve) => setImmediate(resolve));
  return { gapMs, totalMs };
}
